"""The thought record in parts: one part per page, "Check your answers", then send."""

import re
import uuid

import pytest
from django.urls import reverse
from django.utils.html import escape

from apps.programme import services
from apps.programme.exercises import EXERCISES, get_exercise
from apps.programme.models import EntryStatus, ExerciseEntry, StepProgress
from apps.safety.models import RiskAlert
from tests.factories import PASSWORD
from tests.programme.factories import ExerciseEntryFactory

pytestmark = pytest.mark.django_db

# The thought record, part by part (POST values).
PARTS = {
    1: {"day": "2026-03-07", "time": "19:00", "situation": "At home, saw party photos"},
    2: {"feeling": "Sad", "feeling_before": "80", "body": "Heavy"},
    3: {"thought": "Nobody wants me around", "belief_before": "85"},
    4: {"traps": ["mind_reading"]},
    5: {"evidence_for": "Nobody messaged me tonight."},
    6: {"evidence_against": "Zara asked me to lunch."},
    7: {
        "balanced_thought": "Some people do want to see me, like Zara.",
        "balanced_belief": "65",
        "feeling_after": "45",
        "belief_after": "40",
    },
    8: {"next_action": "Text my cousin."},
}


def step_url(step):
    return reverse("programme:step", args=[step.module.slug, step.slug])


def part_url(step, number, entry=None, **query):
    url = reverse("programme:step_part", args=[step.module.slug, step.slug, number])
    query = {**({"entry": entry.pk} if entry else {}), **query}
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def check_url(step, entry=None):
    url = reverse("programme:step_check", args=[step.module.slug, step.slug])
    return url + (f"?entry={entry.pk}" if entry else "")


def complete_module(treatment, module):
    for s in module.steps.all():
        services.step_complete(treatment=treatment, step=s)


@pytest.fixture
def signed_in(client, client_user):
    client.login(email=client_user.email, password=PASSWORD)
    return client


@pytest.fixture
def tr(treatment, content, step):
    """The thought record step, open (the first two required modules done)."""
    complete_module(treatment, content["psychoeducation"])
    complete_module(treatment, content["behavioural-activation"])
    return step("cognitive-restructuring", "thought-record")


def post_part(client, step, number, request_id, action="continue", **extra):
    return client.post(
        part_url(step, number),
        {**PARTS[number], "client_request_id": str(request_id), "action": action, **extra},
    )


def walk(client, step, request_id, upto=8):
    for number in range(1, upto + 1):
        response = post_part(client, step, number, request_id)
        assert response.status_code == 302, (number, response.content.decode()[:2000])
    return ExerciseEntry.objects.get(client_request_id=request_id)


# --- The declaration -----------------------------------------------------------------


def test_thought_record_puts_every_field_in_exactly_one_part():
    tr = get_exercise("thought_record")
    names = [n for part in tr.get_parts() for n in part.fields]
    assert sorted(names) == sorted(tr.get_form().fields)
    assert len(names) == len(set(names))
    assert [p.title for p in tr.get_parts()] == [
        "Situation",
        "Feeling",
        "Automatic thought",
        "Thinking traps",
        "Evidence for",
        "Evidence against",
        "Balanced thought",
        "Next action",
    ]


def test_only_the_thought_record_is_in_parts_for_now():
    assert [key for key, exercise in EXERCISES.items() if exercise.parts] == ["thought_record"]


def test_single_part_exercise_keeps_its_one_page_form(signed_in, treatment, step):
    cycle = step("psychoeducation", "my-cycle")
    page = signed_in.get(step_url(cycle)).content.decode()
    assert 'hx-trigger="input changed delay:2s, change"' in page
    assert "Send to my practitioner" in page
    assert "Part 1 of" not in page
    response = signed_in.get(
        reverse("programme:step_part", args=[cycle.module.slug, cycle.slug, 1])
    )
    assert response.status_code == 404


# --- Pages ---------------------------------------------------------------------------


def test_step_page_explains_the_parts_and_starts_at_part_one(signed_in, tr):
    page = signed_in.get(step_url(tr)).content.decode()
    assert "There are 8 short parts, one on each page." in page
    assert f'href="{part_url(tr, 1)}"' in page
    assert "<textarea" not in page  # no long form on the step page any more


def test_part_page_has_title_caption_autosave_and_save_for_later(signed_in, tr):
    page = signed_in.get(part_url(tr, 3)).content.decode()
    assert "<title>Thought record: part 3 of 8 – Automatic thought – " in page
    assert "Part 3 of 8" in page
    assert '<h1 class="govuk-heading-l">Automatic thought</h1>' in page
    assert 'hx-trigger="input changed delay:2s, change"' in page
    assert 'id="autosave-status" class="govuk-body-s app-autosave-status" role="status"' in page
    assert 'name="part" value="3"' in page
    assert "Save and come back later" in page
    assert 'name="situation"' not in page  # only this part's questions
    # A one-question part asks it as the page's heading.
    single = signed_in.get(part_url(tr, 5)).content.decode()
    assert '<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l"' in single


def test_thinking_traps_part_shows_each_trap_with_its_plain_description(signed_in, tr):
    page = signed_in.get(part_url(tr, 4)).content.decode()
    assert page.count('type="checkbox"') == 11
    assert "Mind reading" in page
    assert "Assuming you know what others think of you." in page
    assert 'aria-describedby="id_traps_4-item-hint"' in page


def test_later_parts_remind_the_client_of_their_thought_and_feeling(signed_in, tr):
    request_id = uuid.uuid4()
    entry = walk(signed_in, tr, request_id, upto=3)
    against = signed_in.get(part_url(tr, 6, entry)).content.decode()
    assert "Your automatic thought: “Nobody wants me around”" in against
    assert "What would I say to a friend who had this thought?" in against
    traps = signed_in.get(part_url(tr, 4, entry)).content.decode()
    assert "Your automatic thought: “Nobody wants me around”<br>Choose any traps" in traps
    balanced = signed_in.get(part_url(tr, 7, entry)).content.decode()
    assert "Before, you rated Sad at 80." in balanced


# --- Continue, back, save for later ------------------------------------------------------


def test_each_continue_saves_the_draft_and_opens_the_next_part(signed_in, tr):
    request_id = uuid.uuid4()
    response = post_part(signed_in, tr, 1, request_id)
    entry = ExerciseEntry.objects.get(client_request_id=request_id)
    assert entry.status == EntryStatus.DRAFT
    assert entry.data["situation"] == "At home, saw party photos"
    assert response.url == part_url(tr, 2, entry)
    for number in range(2, 9):
        response = post_part(signed_in, tr, number, request_id)
        entry.refresh_from_db()
        for name, value in PARTS[number].items():
            assert entry.data[name] == value, name
    assert response.url == check_url(tr, entry)
    assert entry.data["situation"] == "At home, saw party photos"  # earlier parts kept
    assert ExerciseEntry.objects.count() == 1


def test_back_link_returns_to_the_previous_part_with_answers_filled_in(signed_in, tr):
    entry = walk(signed_in, tr, uuid.uuid4(), upto=2)
    page = signed_in.get(part_url(tr, 3, entry)).content.decode()
    assert f'<a href="{part_url(tr, 2, entry)}" class="govuk-back-link">' in page
    back = signed_in.get(part_url(tr, 2, entry)).content.decode()
    assert 'value="Sad"' in back and 'value="80"' in back and ">Heavy</textarea>" in back
    first = signed_in.get(part_url(tr, 1, entry)).content.decode()
    assert f'<a href="{step_url(tr)}" class="govuk-back-link">' in first
    assert ">At home, saw party photos</textarea>" in first


def test_a_part_with_a_problem_shows_the_error_summary_and_keeps_the_text(signed_in, tr):
    request_id = uuid.uuid4()
    walk(signed_in, tr, request_id, upto=1)
    response = post_part(signed_in, tr, 2, request_id, feeling_before="", body="Tight chest")
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "<title>Error:" in page
    assert page.count("Enter how strong the feeling was, from 0 to 100.") == 2
    assert 'href="#id_feeling_before"' in page
    assert 'value="Sad"' in page and ">Tight chest</textarea>" in page
    assert "Enter the thought" not in page  # later parts are not checked yet
    entry = ExerciseEntry.objects.get(client_request_id=request_id)
    assert entry.data["body"] == "Tight chest"  # the typed text is saved too
    assert entry.data["situation"] == "At home, saw party photos"


def test_save_and_come_back_later_saves_without_checking_and_works_without_javascript(
    signed_in, tr
):
    request_id = uuid.uuid4()
    response = signed_in.post(
        part_url(tr, 1),
        {"client_request_id": str(request_id), "action": "save", "situation": "Half typed"},
    )
    entry = ExerciseEntry.objects.get(client_request_id=request_id)
    assert response.url == part_url(tr, 1, entry)
    page = signed_in.get(response.url).content.decode()
    assert "Saved. You can come back to this at any time." in page
    assert ">Half typed</textarea>" in page
    assert "There is a problem" not in page


def test_autosave_from_a_part_changes_only_that_part(signed_in, tr):
    request_id = uuid.uuid4()
    entry = walk(signed_in, tr, request_id, upto=3)
    response = signed_in.post(
        reverse("programme:autosave", args=[tr.pk]),
        {"client_request_id": str(request_id), "part": "5", "evidence_for": "On the bus"},
        HTTP_HX_REQUEST="true",
    )
    assert response.content.decode().strip().startswith("Saved ")
    entry.refresh_from_db()
    assert entry.data["evidence_for"] == "On the bus"
    assert entry.data["thought"] == "Nobody wants me around"
    assert entry.data["situation"] == "At home, saw party photos"


# --- Resume ----------------------------------------------------------------------------


def test_resume_opens_the_part_the_client_was_on(signed_in, client, client_user, tr):
    request_id = uuid.uuid4()
    entry = walk(signed_in, tr, request_id, upto=3)
    client.post(reverse("accounts:logout"))
    client.login(email=client_user.email, password=PASSWORD)
    page = client.get(step_url(tr)).content.decode()
    assert "Continue where you left off" in page
    assert f'href="{part_url(tr, 4, entry)}"' in page
    assert client.get(f"{step_url(tr)}?entry={entry.pk}").url == part_url(tr, 4, entry)

    # Typing in part 6 (autosave) is where they were.
    client.post(
        reverse("programme:autosave", args=[tr.pk]),
        {"client_request_id": str(request_id), "part": "6", "evidence_against": "Zara"},
        HTTP_HX_REQUEST="true",
    )
    assert f'href="{part_url(tr, 6, entry)}"' in client.get(step_url(tr)).content.decode()
    assert ">Zara</textarea>" in client.get(part_url(tr, 6)).content.decode()


def test_resume_without_a_saved_position_opens_the_first_part_with_a_problem(
    signed_in, treatment, tr
):
    entry = ExerciseEntryFactory(
        treatment=treatment,
        step=tr,
        status=EntryStatus.DRAFT,
        submitted_at=None,
        data={**PARTS[1], "feeling": "Sad"},  # saved by the one-page form
    )
    assert signed_in.get(f"{step_url(tr)}?entry={entry.pk}").url == part_url(tr, 2, entry)


# --- Check answers and send ------------------------------------------------------------


def test_check_answers_lists_every_part_with_change_links_that_come_back(signed_in, tr):
    request_id = uuid.uuid4()
    entry = walk(signed_in, tr, request_id)
    page = signed_in.get(check_url(tr, entry)).content.decode()
    assert "<title>Thought record: check your answers – " in page
    assert page.count('class="govuk-summary-list__row"') == 16  # every question
    assert "At home, saw party photos" in page and "Mind reading" in page
    change = part_url(tr, 1, entry, **{"return": "check"})
    assert (
        f'<a class="govuk-link" href="{escape(change)}#id_situation">Change'
        '<span class="govuk-visually-hidden"> situation</span></a>'
    ) in page
    assert f'href="{escape(part_url(tr, 4, entry, **{"return": "check"}))}#id_traps_0"' in page

    # Change the situation: back link and Continue both lead back to the check page.
    part = signed_in.get(change).content.decode()
    assert f'<a href="{check_url(tr, entry)}" class="govuk-back-link">' in part
    assert 'name="return" value="check"' in part
    response = post_part(
        signed_in, tr, 1, request_id, situation="At home, saw photos", **{"return": "check"}
    )
    assert response.url == check_url(tr, entry)
    assert "At home, saw photos" in signed_in.get(response.url).content.decode()


def test_send_from_check_creates_one_entry_and_gives_the_same_feedback(signed_in, tr):
    request_id = uuid.uuid4()
    entry = walk(signed_in, tr, request_id)
    form = {"client_request_id": str(request_id), "action": "submit"}
    first = signed_in.post(check_url(tr), form)
    second = signed_in.post(check_url(tr), form)  # double click / resent POST
    assert ExerciseEntry.objects.count() == 1
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED
    assert not any(key.startswith("_") for key in entry.data)
    assert entry.data["feeling_before"] == 80 and entry.data["traps"] == ["mind_reading"]
    assert first.url == second.url == reverse("programme:entry_confirm", args=[entry.pk])
    page = signed_in.get(first.url).content.decode()
    assert "will see this before your next session" in page
    assert "Your feeling (Sad) went from 80 to 45." in page
    assert StepProgress.objects.get(step=tr).completed_at
    # A sent record's parts are not open for changes.
    assert signed_in.get(part_url(tr, 2, entry)).url == reverse("programme:entry", args=[entry.pk])
    assert "Start" in signed_in.get(step_url(tr)).content.decode()  # a new one next time


def test_send_with_a_problem_opens_the_first_part_that_has_one(signed_in, tr):
    request_id = uuid.uuid4()
    entry = walk(signed_in, tr, request_id)
    services.exercise_save_draft(
        treatment=entry.treatment,
        step=tr,
        client_request_id=request_id,
        values={"belief_before": "", "feeling_before": "200"},
    )
    response = signed_in.post(
        check_url(tr), {"client_request_id": str(request_id), "action": "submit"}
    )
    assert response.url == part_url(tr, 2, entry, errors=1)
    page = signed_in.get(response.url).content.decode()
    assert "There is a problem" in page and "<title>Error:" in page
    assert "Enter how strong the feeling was, from 0 to 100." in page
    assert 'value="200"' in page  # kept, to correct
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT


def test_sending_a_record_about_ending_life_from_check_raises_one_risk_alert(
    signed_in, tr, django_capture_on_commit_callbacks
):
    request_id = uuid.uuid4()
    walk(signed_in, tr, request_id, upto=2)
    post_part(signed_in, tr, 3, request_id, thought="I want to end my life")
    walk_rest = [post_part(signed_in, tr, n, request_id) for n in range(4, 9)]
    assert all(r.status_code == 302 for r in walk_rest)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            response = signed_in.post(
                check_url(tr), {"client_request_id": str(request_id), "action": "submit"}
            )
    page = signed_in.get(response.url).content.decode()
    assert "We have let your practitioner know." in page
    alert = RiskAlert.objects.get()
    assert alert.exercise_entry == ExerciseEntry.objects.get()


# --- Access -----------------------------------------------------------------------------


def test_another_client_cannot_open_or_change_my_entry_through_the_parts(
    client, client_user, other_client, other_treatment, content, tr
):
    # The other client has the thinking module open too: only the entry differs.
    complete_module(other_treatment, content["psychoeducation"])
    complete_module(other_treatment, content["behavioural-activation"])
    client.login(email=client_user.email, password=PASSWORD)
    request_id = uuid.uuid4()
    mine = walk(client, tr, request_id)
    client.logout()
    client.login(email=other_client.email, password=PASSWORD)
    for url in (part_url(tr, 1, mine), part_url(tr, 3, mine), check_url(tr, mine)):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Nobody wants me around" not in response.content
    form = {"client_request_id": str(request_id), "situation": "Overwritten", "action": "save"}
    assert client.post(part_url(tr, 1), form).status_code == 404
    assert client.post(check_url(tr), {**form, "action": "submit"}).status_code == 404
    mine.refresh_from_db()
    assert mine.data["situation"] == "At home, saw party photos"
    assert mine.status == EntryStatus.DRAFT


def test_parts_need_an_open_module_and_a_real_part(client, client_user, treatment, content, step):
    client.login(email=client_user.email, password=PASSWORD)
    locked = step("cognitive-restructuring", "thought-record")
    response = client.get(part_url(locked, 1))
    assert response.url == reverse("programme:module", args=["cognitive-restructuring"])
    complete_module(treatment, content["psychoeducation"])
    complete_module(treatment, content["behavioural-activation"])
    assert client.get(part_url(locked, 9)).status_code == 404
    assert client.get(part_url(locked, 0)).status_code == 404
    assert client.get(check_url(locked)).url == step_url(locked)  # nothing to check yet


def test_part_pages_need_a_client(client, pwp, tr):
    client.login(email=pwp.email, password=PASSWORD)
    assert client.get(part_url(tr, 1)).status_code == 403
    assert client.get(check_url(tr)).status_code == 403


def test_part_pages_count_time_without_adding_visits(signed_in, tr):
    signed_in.get(step_url(tr))
    for number in (1, 2, 3):
        signed_in.get(part_url(tr, number))
    assert StepProgress.objects.get(step=tr).visits == 1


def test_change_links_have_hidden_text_for_every_row(signed_in, tr):
    entry = walk(signed_in, tr, uuid.uuid4())
    page = signed_in.get(check_url(tr, entry)).content.decode()
    hidden = re.findall(r'Change<span class="govuk-visually-hidden"> ([^<]+)</span>', page)
    assert len(hidden) == 16 and len(set(hidden)) == 16

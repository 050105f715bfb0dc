import uuid
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.care.models import TreatmentStatus
from apps.programme import services
from apps.programme.models import EntryStatus, ExerciseEntry, StepProgress
from tests.factories import PASSWORD, TreatmentFactory
from tests.programme.factories import EntryFeedbackFactory, ExerciseEntryFactory

RECORD = {
    "day": "2026-03-07",
    "time": "19:00",
    "situation": "At home, saw party photos",
    "feeling": "Sad",
    "feeling_before": "80",
    "thought": "Nobody wants me around",
    "belief_before": "85",
    "traps": ["mind_reading"],
    "feeling_after": "45",
    "balanced_thought": "Some people do want to see me, like Zara.",
}


def step_url(step):
    return reverse("programme:step", args=[step.module.slug, step.slug])


def part_url(step, number):
    return reverse("programme:step_part", args=[step.module.slug, step.slug, number])


def complete_module(treatment, module):
    for s in module.steps.all():
        services.step_complete(treatment=treatment, step=s)


@pytest.fixture
def signed_in(client, client_user):
    client.login(email=client_user.email, password=PASSWORD)
    return client


@pytest.fixture
def cr_open(treatment, content):
    """Treatment with the first two required modules done: thought records are open."""
    complete_module(treatment, content["psychoeducation"])
    complete_module(treatment, content["behavioural-activation"])
    return treatment


# --- Pages and access ----------------------------------------------------------------


@pytest.mark.django_db
def test_modules_page_lists_statuses_in_words_with_minutes(signed_in, content):
    page = signed_in.get(reverse("programme:modules")).content.decode()
    assert "Understanding depression" in page
    assert "Not yet started" in page
    assert "Locked" in page
    assert "This module opens when you finish “Understanding depression”." in page
    assert "About 28 minutes" in page


@pytest.mark.django_db
def test_module_page_shows_steps_and_the_crisis_card(signed_in, content):
    page = signed_in.get(reverse("programme:module", args=["psychoeducation"])).content.decode()
    assert "What depression is" in page
    assert "116123" in page  # Samaritans, from crisis_resources_for
    assert "not watched around the clock" in page


@pytest.mark.django_db
def test_reading_step_marks_done_and_goes_to_the_next_step(signed_in, treatment, step):
    first = step("psychoeducation", "how-the-programme-works")
    page = signed_in.get(step_url(first))
    assert "Mark as done and continue" in page.content.decode()
    assert '<h2 class="govuk-heading-m">How it works</h2>' in page.content.decode()
    response = signed_in.post(step_url(first), {"action": "done"})
    assert response.url == step_url(step("psychoeducation", "what-depression-is"))
    progress = StepProgress.objects.get(treatment=treatment, step=first)
    assert progress.opened_at and progress.completed_at


@pytest.mark.django_db
def test_step_of_a_locked_module_redirects_to_the_module_page(signed_in, step):
    tr = step("cognitive-restructuring", "thought-record")
    response = signed_in.get(step_url(tr))
    assert response.url == reverse("programme:module", args=["cognitive-restructuring"])
    assert not StepProgress.objects.exists()


@pytest.mark.django_db
def test_pages_need_a_client_and_show_only_their_own_treatment(
    client, pwp, other_client, treatment, content, step
):
    client.login(email=pwp.email, password=PASSWORD)
    assert client.get(reverse("programme:modules")).status_code == 403
    client.login(email=other_client.email, password=PASSWORD)
    services.step_complete(treatment=treatment, step=step("psychoeducation", "my-cycle"))
    page = client.get(reverse("programme:module", args=["psychoeducation"])).content.decode()
    assert "Completed" not in page  # the other client's progress is not theirs


@pytest.mark.django_db
def test_another_client_cannot_read_an_entry_by_id(client, other_client, treatment, step):
    entry = ExerciseEntryFactory(
        treatment=treatment,
        step=step("psychoeducation", "my-cycle"),
        data={"trigger": "Private words"},
    )
    client.login(email=other_client.email, password=PASSWORD)
    for url in (
        reverse("programme:entry", args=[entry.pk]),
        reverse("programme:entry_confirm", args=[entry.pk]),
        step_url(entry.step) + f"?entry={entry.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Private words" not in response.content


@pytest.mark.django_db
def test_pwp_reads_their_clients_entry_but_not_another_services(
    client, pwp, other_pwp, treatment, step
):
    entry = ExerciseEntryFactory(
        treatment=treatment,
        step=step("psychoeducation", "my-cycle"),
        data={"trigger": "Sunday night"},
    )
    client.login(email=pwp.email, password=PASSWORD)
    assert b"Sunday night" in client.get(reverse("programme:entry", args=[entry.pk])).content
    client.login(email=other_pwp.email, password=PASSWORD)
    assert client.get(reverse("programme:entry", args=[entry.pk])).status_code == 404


# --- Exercises, autosave, submit ---------------------------------------------------------


@pytest.mark.django_db
def test_autosave_stores_the_draft_and_the_page_restores_it(signed_in, cr_open, step):
    tr = step("cognitive-restructuring", "thought-record")
    page = signed_in.get(part_url(tr, 1)).content.decode()
    assert 'hx-trigger="input changed delay:2s, change"' in page
    assert 'role="status"' in page
    request_id = str(uuid.uuid4())
    response = signed_in.post(
        reverse("programme:autosave", args=[tr.pk]),
        {"client_request_id": request_id, "part": "1", "situation": "On the bus, half-typed"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.content.decode().strip().startswith("Saved ")
    entry = ExerciseEntry.objects.get(client_request_id=request_id)
    assert entry.status == EntryStatus.DRAFT
    assert entry.data["situation"] == "On the bus, half-typed"

    page = signed_in.get(part_url(tr, 1)).content.decode()
    assert "On the bus, half-typed" in page
    assert request_id in page  # the same draft keeps being saved


@pytest.mark.django_db
def test_draft_survives_sign_out(client, client_user, cr_open, step):
    tr = step("cognitive-restructuring", "thought-record")
    client.login(email=client_user.email, password=PASSWORD)
    client.post(
        reverse("programme:autosave", args=[tr.pk]),
        {"client_request_id": str(uuid.uuid4()), "part": "1", "situation": "Kept text"},
        HTTP_HX_REQUEST="true",
    )
    client.post(reverse("accounts:logout"))
    client.login(email=client_user.email, password=PASSWORD)
    assert "Continue where you left off" in client.get(step_url(tr)).content.decode()
    assert "Kept text" in client.get(part_url(tr, 1)).content.decode()


@pytest.mark.django_db
def test_another_client_cannot_autosave_into_an_entry(client, other_client, cr_open, step):
    tr = step("cognitive-restructuring", "thought-record")
    mine = ExerciseEntryFactory(
        treatment=cr_open,
        step=tr,
        status=EntryStatus.DRAFT,
        submitted_at=None,
        data={"situation": "Mine"},
    )
    client.login(email=other_client.email, password=PASSWORD)
    response = client.post(
        reverse("programme:autosave", args=[tr.pk]),
        {"client_request_id": str(mine.client_request_id), "situation": "Overwritten"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.data == {"situation": "Mine"}


@pytest.mark.django_db
def test_save_and_come_back_later_works_without_javascript(signed_in, cr_open, step):
    tr = step("cognitive-restructuring", "thought-record")
    request_id = str(uuid.uuid4())
    response = signed_in.post(
        step_url(tr), {"client_request_id": request_id, "action": "save", "situation": "No JS here"}
    )
    assert response.status_code == 302
    assert ExerciseEntry.objects.get(client_request_id=request_id).data["situation"] == "No JS here"


@pytest.mark.django_db
def test_submit_shows_feedback_and_double_submit_creates_one_record(signed_in, cr_open, step):
    tr = step("cognitive-restructuring", "thought-record")
    form = {**RECORD, "client_request_id": str(uuid.uuid4()), "action": "submit"}
    first = signed_in.post(step_url(tr), form)
    second = signed_in.post(step_url(tr), form)
    assert ExerciseEntry.objects.filter(status=EntryStatus.SUBMITTED).count() == 1
    entry = ExerciseEntry.objects.get()
    assert first.url == second.url == reverse("programme:entry_confirm", args=[entry.pk])
    page = signed_in.get(first.url).content.decode()
    assert "will see this before your next session" in page
    assert "Your feeling (Sad) went from 80 to 45." in page
    assert StepProgress.objects.get(treatment=cr_open, step=tr).completed_at


@pytest.mark.django_db
def test_invalid_submit_shows_errors_and_keeps_the_text(signed_in, cr_open, step):
    tr = step("cognitive-restructuring", "thought-record")
    response = signed_in.post(
        step_url(tr),
        {
            **RECORD,
            "feeling_before": "",
            "client_request_id": str(uuid.uuid4()),
            "action": "submit",
        },
    )
    # The thought record is in parts: the client goes to the part with the problem.
    entry = ExerciseEntry.objects.get()
    assert response.url == part_url(tr, 2) + f"?entry={entry.pk}&errors=1"
    page = signed_in.get(response.url).content.decode()
    assert "There is a problem" in page
    assert "Enter how strong the feeling was, from 0 to 100." in page
    assert 'value="Sad"' in page
    assert "<title>Error:" in page
    assert entry.data["situation"] == "At home, saw party photos"
    assert "At home, saw party photos" in signed_in.get(part_url(tr, 1)).content.decode()
    assert not ExerciseEntry.objects.filter(status=EntryStatus.SUBMITTED).exists()


@pytest.mark.django_db
def test_diary_rows_are_added_one_at_a_time_and_can_be_copied(signed_in, treatment, content, step):
    complete_module(treatment, content["psychoeducation"])
    diary = step("behavioural-activation", "activity-diary")
    request_id = str(uuid.uuid4())
    row = {
        "row-day": "2026-03-02",
        "row-time": "14:00",
        "row-activity": "Walk to the shop",
        "row-who_with": "Brother",
        "row-mood": "6",
        "row-enjoyment": "4",
        "row-achievement": "5",
    }
    response = signed_in.post(
        step_url(diary), {**row, "client_request_id": request_id, "action": "add_row"}
    )
    entry = ExerciseEntry.objects.get(client_request_id=request_id)
    assert response.url == f"{step_url(diary)}?entry={entry.pk}#rows"
    assert entry.data["rows"][0]["activity"] == "Walk to the shop"
    assert entry.data["rows"][0]["mood"] == 6

    copy = signed_in.get(f"{step_url(diary)}?entry={entry.pk}&copy=0").content.decode()
    assert copy.count('value="Walk to the shop"') == 1  # pre-filled in the new-entry fields

    bad = signed_in.post(
        step_url(diary),
        {**row, "row-mood": "", "client_request_id": request_id, "action": "add_row"},
    )
    assert "Choose your mood from 0 (very low) to 10 (very good)." in bad.content.decode()
    entry.refresh_from_db()
    assert len(entry.data["rows"]) == 1

    sent = signed_in.post(step_url(diary), {"client_request_id": request_id, "action": "submit"})
    assert sent.url == reverse("programme:entry_confirm", args=[entry.pk])
    page = signed_in.get(sent.url).content.decode()
    assert "You wrote 1 diary entry." in page


@pytest.mark.django_db
def test_quiz_gives_feedback_after_each_answer_and_completes_the_step(signed_in, treatment, step):
    quiz = step("psychoeducation", "check-your-understanding")
    page = signed_in.get(step_url(quiz)).content.decode()
    assert "Question 1 of 3" in page
    response = signed_in.post(step_url(quiz), {"question": "0", "answer": "0"})
    page = signed_in.get(response.url.split("#")[0]).content.decode()
    assert "Not quite" in page and "Depression is not a weakness." in page
    signed_in.post(step_url(quiz), {"question": "1", "answer": "1"})
    signed_in.post(step_url(quiz), {"question": "2", "answer": "1"})
    signed_in.post(step_url(quiz), {"action": "finish"})
    assert StepProgress.objects.get(treatment=treatment, step=quiz).completed_at
    assert ExerciseEntry.objects.get(step=quiz).data["answers"] == {"0": 0, "1": 1, "2": 1}


@pytest.mark.django_db
def test_goals_step_shows_the_tracking_goal_form_and_completes_with_a_goal(
    signed_in, treatment, client_user, step
):
    from apps.tracking.models import Goal

    goals = step("psychoeducation", "my-goals")
    page = signed_in.get(step_url(goals)).content.decode()
    assert reverse("tracking:goal_create") in page
    assert not StepProgress.objects.get(step=goals).completed_at
    Goal.objects.create(client=client_user, treatment=treatment, title="Walk with Sam on Saturday")
    signed_in.get(step_url(goals))
    assert StepProgress.objects.get(step=goals).completed_at


@pytest.mark.django_db
def test_practitioner_feedback_shows_next_to_the_entry_and_on_home(signed_in, treatment, step):
    entry = ExerciseEntryFactory(
        treatment=treatment, step=step("psychoeducation", "my-cycle"), data={"trigger": "Sunday"}
    )
    EntryFeedbackFactory(entry=entry, text="Really clear cycle, thank you.")
    assert "Really clear cycle" in signed_in.get(step_url(entry.step)).content.decode()
    assert "Really clear cycle" in signed_in.get(reverse("programme:home")).content.decode()
    signed_in.get(reverse("programme:entry", args=[entry.pk]))
    assert entry.feedback.get().read_at is not None


# --- Home ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_offers_the_check_in_first_then_the_next_step(signed_in, client_user, content):
    page = signed_in.get(reverse("programme:home")).content.decode()
    assert "Today&#x27;s check-in" in page or "Today's check-in" in page
    assert "about 1 minute" in page
    assert "How the programme works" in page
    assert "You have completed 0 of 4 required modules." in page
    assert "Your practitioner is" in page


@pytest.mark.django_db
def test_home_query_count_is_constant(
    client, client_user, treatment, content, step, django_assert_num_queries
):
    client.login(email=client_user.email, password=PASSWORD)
    cycle = step("psychoeducation", "my-cycle")
    entry = ExerciseEntryFactory(treatment=treatment, step=cycle)
    EntryFeedbackFactory(entry=entry)
    client.get(reverse("programme:home"))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("programme:home")).status_code == 200
    # Session, user, treatment, plan (4), feedback, sign-ins, tracking (3) and the
    # open-risk-alert check of the tracking panel (safety's care card), and what
    # was agreed in the latest recorded session (its tasks: one more when there is one).
    assert len(one.captured_queries) <= 18, [q["sql"] for q in one.captured_queries]
    for _ in range(9):
        e = ExerciseEntryFactory(treatment=treatment, step=cycle)
        EntryFeedbackFactory(entry=e)
    for s in cycle.module.steps.all():
        services.step_complete(treatment=treatment, step=s)
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(reverse("programme:home")).status_code == 200


@pytest.mark.django_db
def test_after_treatment_ends_the_client_keeps_completed_modules_and_their_plan(
    client, content, step
):
    treatment = TreatmentFactory()
    for slug in (
        "psychoeducation",
        "behavioural-activation",
        "cognitive-restructuring",
        "relapse-prevention",
    ):
        complete_module(treatment, content[slug])
    plan_step = step("relapse-prevention", "staying-well-plan")
    plan = ExerciseEntryFactory(
        treatment=treatment,
        step=plan_step,
        data={"supporters": "Jo", "professional_contacts": "GP"},
    )
    treatment.status = TreatmentStatus.COMPLETED
    treatment.save()
    client.login(email=treatment.client.email, password=PASSWORD)

    assert "treatment has ended" in client.get(reverse("programme:home")).content.decode()
    page = client.get(step_url(plan_step)).content.decode()
    assert "Jo" in page and "Send my changes" in page  # still editable: kinder
    response = client.post(
        step_url(plan_step),
        {
            "client_request_id": str(plan.client_request_id),
            "action": "submit",
            "supporters": "Jo and Sam",
            "professional_contacts": "GP",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.data["supporters"] == "Jo and Sam"
    assert ExerciseEntry.objects.count() == 1
    locked = client.get(step_url(step("physical-exercise", "why-move")))
    assert locked.status_code == 302


@pytest.mark.django_db
def test_home_says_welcome_back_after_a_gap_of_a_week(client, client_user, content):
    import datetime

    from django.utils import timezone

    from apps.accounts.models import LoginEvent

    client.login(email=client_user.email, password=PASSWORD)
    LoginEvent.objects.all().delete()
    LoginEvent.objects.create(user=client_user, at=timezone.now() - datetime.timedelta(days=9))
    LoginEvent.objects.create(user=client_user, at=timezone.now())
    assert "Welcome back" in client.get(reverse("programme:home")).content.decode()
    LoginEvent.objects.create(user=client_user, at=timezone.now() + datetime.timedelta(hours=1))
    assert "Welcome back" not in client.get(reverse("programme:home")).content.decode()


@pytest.mark.django_db
def test_heartbeat_adds_time_to_the_open_step(signed_in, treatment, step):
    reading = step("psychoeducation", "what-depression-is")
    signed_in.get(step_url(reading))
    response = signed_in.post(reverse("programme:step_ping", args=[reading.pk]))
    assert response.status_code == 204
    progress = StepProgress.objects.get(treatment=treatment, step=reading)
    assert progress.last_seen_at >= progress.last_opened_at


@pytest.mark.django_db
def test_every_step_of_every_module_renders_once_open(signed_in, treatment, pwp, content):
    from apps.programme.models import Step

    for module in content.values():
        services.module_unlock(actor=pwp, treatment=treatment, module=module)
    for s in Step.objects.select_related("module"):
        response = signed_in.get(step_url(s))
        assert response.status_code == 200, s
        assert s.title.replace("'", "&#x27;") in response.content.decode(), s


@pytest.mark.django_db
def test_an_autosave_after_the_session_ended_answers_401_not_the_sign_in_page(
    client, cr_open, step
):
    tr = step("cognitive-restructuring", "thought-record")
    url = reverse("programme:autosave", args=[tr.pk])
    page = part_url(tr, 1)
    response = client.post(
        url,
        {"client_request_id": str(uuid.uuid4()), "part": "1", "situation": "Lost?"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{page}",
    )
    assert response.status_code == 401
    assert response["X-Login-URL"] == reverse("accounts:login") + "?" + urlencode({"next": page})
    assert not ExerciseEntry.objects.exists()
    # Without htmx the browser is still sent to sign in.
    plain = client.post(url, {"client_request_id": str(uuid.uuid4())})
    assert plain.status_code == 302


@pytest.mark.django_db
def test_an_autosave_based_on_an_old_version_is_refused_and_shows_the_saved_text(
    signed_in, cr_open, step
):
    tr = step("cognitive-restructuring", "thought-record")
    url = reverse("programme:autosave", args=[tr.pk])
    request_id = str(uuid.uuid4())

    def save(text, version):
        return signed_in.post(
            url,
            {"client_request_id": request_id, "version": version, "part": "1", "situation": text},
            HTTP_HX_REQUEST="true",
        )

    assert save("First tab", 0)["X-Draft-Version"] == "1"
    assert save("First tab, more", 1)["X-Draft-Version"] == "2"
    stale = save("Second tab", 1)
    assert stale.status_code == 409
    assert "First tab, more" in stale.content.decode()
    assert stale["X-Draft-Version"] == "2"
    assert ExerciseEntry.objects.get().data["situation"] == "First tab, more"
    # The same text sent again (its answer was lost) is no conflict.
    assert save("First tab, more", 1).status_code == 200
    # A new form while another draft exists: refused, pointing at that draft.
    other = signed_in.post(
        url,
        {"client_request_id": str(uuid.uuid4()), "version": 0, "part": "1", "situation": "New"},
        HTTP_HX_REQUEST="true",
    )
    assert other.status_code == 409
    assert other["X-Draft-Id"] == request_id
    assert ExerciseEntry.objects.count() == 1

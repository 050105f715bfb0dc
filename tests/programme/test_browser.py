"""A client works through the programme on a 360 px phone; axe checks the pages."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.programme import services
from apps.programme.models import EntryStatus, ExerciseEntry, Module, Step
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + reverse("programme:home"))


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def step_url(live_server, module, step):
    return live_server.url + reverse("programme:step", args=[module, step])


def saved(page, action) -> None:
    """Do `action` (typing, ticking) and wait for the autosave it causes.

    Blurring the field fires "change", which saves at once: waiting for it means no
    autosave is still writing when Continue posts (SQLite in tests locks a table
    while a parallel request writes).
    """
    with page.expect_response(lambda r: "/autosave/" in r.url and r.ok):
        action()
        page.evaluate("document.activeElement && document.activeElement.blur()")


def fill(page, label, value, exact=True) -> None:
    saved(page, lambda: page.get_by_label(label, exact=exact).fill(value))


def next_part(page, number, title) -> None:
    page.get_by_role("button", name="Continue").click()
    page.get_by_text(f"Part {number} of 8", exact=True).wait_for()
    assert page.title().startswith(f"Thought record: part {number} of 8 – {title}")


def test_client_reads_a_step_sends_a_thought_record_and_finds_a_half_typed_draft(
    browser, phone, live_server, client_user, cr_ready
):
    sign_in(phone, live_server, client_user)
    phone.goto(live_server.url + reverse("programme:module", args=["cognitive-restructuring"]))
    phone.get_by_role("link", name="How thoughts affect feelings").click()
    phone.get_by_role("button", name="Mark as done and continue").click()
    phone.get_by_role("heading", name="Catch the thought", level=1).wait_for()

    # A thought record, one part per page, then check and send.
    phone.goto(step_url(live_server, "cognitive-restructuring", "thought-record"))
    phone.get_by_role("link", name="Start").click()
    phone.get_by_text("Part 1 of 8", exact=True).wait_for()
    assert phone.title().startswith("Thought record: part 1 of 8 – Situation")
    fill(phone, "Date", "2026-03-07")
    fill(phone, "Situation", "Saturday night, saw photos of a party online.")
    assert phone.evaluate("document.documentElement.scrollHeight") < 1600  # was 7,000 px
    next_part(phone, 2, "Feeling")
    fill(phone, "Feeling", "Sad")
    fill(phone, "How strong was the feeling? (0 to 100)", "80", exact=False)
    next_part(phone, 3, "Automatic thought")
    fill(phone, "Automatic thought", "Nobody wants me around.")
    # The back link returns to part 2 with the answers still there.
    phone.get_by_role("link", name="Back").click()
    phone.get_by_text("Part 2 of 8", exact=True).wait_for()
    assert phone.get_by_label("Feeling", exact=True).input_value() == "Sad"
    next_part(phone, 3, "Automatic thought")
    assert phone.get_by_label("Automatic thought", exact=True).input_value() == (
        "Nobody wants me around."
    )
    fill(phone, "How much did you believe it? (0 to 100%)", "85", exact=False)
    next_part(phone, 4, "Thinking traps")
    saved(phone, lambda: phone.get_by_label("Mind reading").check())
    assert "Assuming you know what others think of you." in phone.content()
    next_part(phone, 5, "Evidence for")
    assert serious_violations(phone) == [], "part 5"
    next_part(phone, 6, "Evidence against")
    next_part(phone, 7, "Balanced thought")
    assert serious_violations(phone) == [], "part 7"
    fill(
        phone,
        "Balanced thought",
        "I've said no a lot lately. Zara asked me to lunch, so some people do want to see me.",
    )
    fill(phone, "How strong is the feeling now? (0 to 100)", "45", exact=False)
    next_part(phone, 8, "Next action")
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("heading", name="Check your answers", level=1).wait_for()
    assert serious_violations(phone) == [], "check your answers"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # Change one answer: back to its part, then back to the check page.
    phone.get_by_role("link", name="Change situation").click()
    phone.get_by_text("Part 1 of 8", exact=True).wait_for()
    fill(phone, "Situation", "Saturday night, saw photos of my cousin's party online.")
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("heading", name="Check your answers", level=1).wait_for()
    assert "my cousin's party" in phone.content()
    phone.get_by_role("button", name="Send to my practitioner").click()
    phone.get_by_text("will see this before your next session").wait_for()
    assert "Your feeling (Sad) went from 80 to 45." in phone.content()
    assert ExerciseEntry.objects.filter(status=EntryStatus.SUBMITTED).count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # A second record: part 1 done, type in part 2, wait for the autosave, close the phone.
    phone.get_by_role("link", name="Fill in another one").click()
    phone.get_by_role("link", name="Start").click()
    fill(phone, "Date", "2026-03-09")
    fill(phone, "Situation", "Monday morning, my manager frowned at me.")
    next_part(phone, 2, "Feeling")
    fill(phone, "Feeling", "Worried")
    status = phone.locator("#autosave-status")
    status.get_by_text("Saved").wait_for()
    phone.context.close()

    context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, client_user)
        page.goto(step_url(live_server, "cognitive-restructuring", "thought-record"))
        page.get_by_role("link", name="Continue where you left off").click()
        page.get_by_text("Part 2 of 8", exact=True).wait_for()
        assert page.get_by_label("Feeling", exact=True).input_value() == "Worried"
        page.get_by_role("link", name="Back").click()
        assert page.get_by_label("Situation", exact=True).input_value() == (
            "Monday morning, my manager frowned at me."
        )
        draft = ExerciseEntry.objects.get(status=EntryStatus.DRAFT)
        assert draft.data["situation"] == "Monday morning, my manager frowned at me."
        assert draft.data["feeling"] == "Worried"

        # The same visit ends with today's mood, rated from home and seen on the chart.
        page.goto(live_server.url + reverse("programme:home"))
        panel = page.locator("#tracking-home-panel")
        panel.get_by_role("radio", name="6", exact=True).click()
        panel.get_by_role("button", name="Save").click()
        page.get_by_text("You rated your mood 6 out of 10 today.").wait_for()
        page.goto(live_server.url + reverse("tracking:mood"))
        chart = page.locator("#mood-chart")
        chart.get_by_text("Show the data as a table").click()
        expect(chart.locator("tbody tr").last.locator("td")).to_have_text("6")
    finally:
        context.close()


def test_text_typed_offline_in_a_part_is_put_back_on_that_part(
    phone, live_server, client_user, cr_ready
):
    sign_in(phone, live_server, client_user)
    phone.goto(step_url(live_server, "cognitive-restructuring", "thought-record"))
    phone.get_by_role("link", name="Start").click()
    fill(phone, "Date", "2026-03-09")
    fill(phone, "Situation", "On the train home.")
    next_part(phone, 2, "Feeling")
    fill(phone, "Feeling", "Tense")
    fill(phone, "How strong was the feeling? (0 to 100)", "70", exact=False)
    next_part(phone, 3, "Automatic thought")

    # Saves fail while typing: the text is kept on the phone, for this part only.
    phone.route("**/autosave/", lambda route: route.abort())
    phone.get_by_label("Automatic thought", exact=True).fill("They all think I'm slow.")
    phone.locator("#autosave-status").get_by_text("Not saved yet").wait_for()
    phone.unroute("**/autosave/")
    with phone.expect_response(lambda r: "/autosave/" in r.url and r.ok):
        phone.reload()
    assert phone.get_by_label("Automatic thought", exact=True).input_value() == (
        "They all think I'm slow."
    )
    # Put back from the phone's copy, then saved on the server at once.
    phone.locator("#autosave-status").get_by_text("Saved").wait_for()
    draft = ExerciseEntry.objects.get(status=EntryStatus.DRAFT)
    assert draft.data["thought"] == "They all think I'm slow."
    assert draft.data["feeling"] == "Tense" and draft.data["situation"] == "On the train home."
    # Part 2 has its own copy (none): its saved answer shows, nothing is put back.
    phone.get_by_role("link", name="Back").click()
    assert phone.get_by_label("Feeling", exact=True).input_value() == "Tense"
    expect(phone.locator("#autosave-status")).not_to_contain_text("We put back")


def sign_out(page, live_server) -> None:
    # From a page without a step's heartbeat, so no write races the sign-out.
    page.goto(live_server.url + reverse("safety:help"))
    page.get_by_role("button", name="Sign out").first.click()
    page.wait_for_url("**/sign-in/**")


def test_text_kept_on_a_shared_phone_is_only_offered_to_the_person_who_typed_it(
    phone, live_server, client_user, other_client, other_treatment, cr_ready
):
    for slug in ("psychoeducation", "behavioural-activation"):
        for step in Module.objects.get(slug=slug).steps.all():
            services.step_complete(treatment=other_treatment, step=step)
    thought_record = step_url(live_server, "cognitive-restructuring", "thought-record")

    sign_in(phone, live_server, client_user)
    phone.goto(thought_record)
    phone.get_by_role("link", name="Start").click()
    phone.context.set_offline(True)
    phone.get_by_label("Situation", exact=True).fill("Argument with my sister about Mum.")
    phone.locator("#autosave-status").get_by_text("Not saved yet").wait_for()
    phone.context.set_offline(False)
    sign_out(phone, live_server)

    sign_in(phone, live_server, other_client)
    phone.goto(thought_record)
    phone.get_by_role("link", name="Start").click()
    assert phone.get_by_label("Situation", exact=True).input_value() == ""
    expect(phone.locator("#autosave-status")).not_to_contain_text("We put back")
    assert not any(
        "sister" in str(entry.data)
        for entry in ExerciseEntry.objects.filter(treatment=other_treatment)
    )
    sign_out(phone, live_server)

    # The person who typed it has it: sent from the phone when the signal came back.
    assert [e.data.get("situation") for e in ExerciseEntry.objects.filter(treatment=cr_ready)] == [
        "Argument with my sister about Mum."
    ]


def test_programme_pages_have_no_serious_accessibility_problems(
    phone, live_server, client_user, cr_ready
):
    sign_in(phone, live_server, client_user)
    assert serious_violations(phone) == [], "home"
    diary = Step.objects.get(slug="activity-diary")
    for url in [
        reverse("programme:modules"),
        reverse("programme:module", args=["cognitive-restructuring"]),
        reverse("programme:step", args=["cognitive-restructuring", "thoughts-and-feelings"]),
        reverse("programme:step", args=["cognitive-restructuring", "thought-record"]),
        reverse("programme:step_part", args=["cognitive-restructuring", "thought-record", 1]),
        reverse("programme:step_part", args=["cognitive-restructuring", "thought-record", 4]),
        reverse("programme:step", args=["cognitive-restructuring", "spot-the-trap"]),
        reverse("programme:step", args=[diary.module.slug, diary.slug]),
        reverse("programme:step", args=["psychoeducation", "my-goals"]),
    ]:
        phone.goto(live_server.url + url)
        assert serious_violations(phone) == [], url

"""The PWP's main journey in a real browser, then the client's view of it; axe checks."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import LoginEvent
from apps.care.models import Appointment, BespokeTask
from apps.programme.models import EntryFeedback
from tests.care.factories import PHQ9_ITEM9, MessageFactory, mood, phq9_completed, thought_record
from tests.factories import PASSWORD, TreatmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user, home):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + reverse(home))


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


@pytest.fixture
def caseload(pwp, service, treatment, thought_step):
    """`treatment` needs attention (risk alert) and sent a thought record; two others are fine."""
    for name in ("Aaron", "Bella"):
        other = TreatmentFactory(pwp=pwp, service=service, client__first_name=name)
        LoginEvent.objects.create(user=other.client, at=timezone.now())
        mood(other, days_ago=1, value=6)
        MessageFactory(treatment=other, body="Thanks")
    thought_record(treatment, thought_step)
    mood(treatment, days_ago=1, value=3)
    phq9_completed(treatment, PHQ9_ITEM9)
    return treatment


def test_pwp_prepares_acts_and_client_sees_it(desktop, live_server, pwp, caseload, client_user):
    page = desktop
    treatment = caseload
    sign_in(page, live_server, pwp, "workspace:caseload")

    # The client who needs attention is first, with the risk flag in words.
    first_row = page.locator("#caseload tbody tr").first
    expect(first_row).to_have_attribute("data-participant", treatment.participant_id)
    expect(first_row).to_contain_text("PHQ-9 item 9 answered above 0")
    assert serious_violations(page) == []

    # htmx sorting swaps the table in place and updates the address.
    page.locator("#caseload th").get_by_role("link", name="Client").click()
    page.wait_for_url("**sort=name**")
    expect(page.locator("h1")).to_have_text("Your caseload")
    # No copy of the page (client names) is kept in the browser's storage,
    # and Back reloads the whole page from the server.
    stored = page.evaluate("JSON.stringify(sessionStorage) + JSON.stringify(localStorage)")
    assert "Aaron" not in stored and treatment.participant_id not in stored
    page.go_back()
    page.wait_for_url(live_server.url + reverse("workspace:caseload"))
    expect(page.locator("h1")).to_have_text("Your caseload")
    expect(page.locator("#caseload tbody tr")).to_have_count(3)

    # Open the review and read the thought record.
    page.goto(live_server.url + reverse("workspace:caseload"))
    page.locator("#caseload tbody tr").first.get_by_role("link").first.click()
    page.wait_for_url(live_server.url + reverse("workspace:review", args=[treatment.pk]))
    expect(page.get_by_text("Sam asked me to the quiz on Friday")).to_be_visible()
    assert serious_violations(page) == []

    # Feedback, inline (htmx).
    page.get_by_label("Your feedback").fill("Well spotted: Sam did ask you to the quiz.")
    page.get_by_role("button", name="Send feedback").click()
    page.get_by_text("Feedback sent. The client sees it on their home page.").wait_for()
    assert EntryFeedback.objects.filter(entry__treatment=treatment).count() == 1

    # A bespoke task.
    page.goto(live_server.url + reverse("workspace:plan", args=[treatment.pk]))
    page.get_by_label("Task", exact=True).fill("Have lunch with Sam")
    page.get_by_label("Instructions").fill("Ask Sam on Tuesday.")
    due = timezone.localdate() + datetime.timedelta(days=6)
    page.get_by_label("Do by").fill(due.isoformat())
    page.get_by_role("button", name="Set task").click()
    page.get_by_text("Task set.").wait_for()
    assert BespokeTask.objects.filter(treatment=treatment, title="Have lunch with Sam").exists()

    # Session 3.
    page.goto(live_server.url + reverse("care:sessions", args=[treatment.pk]))
    page.get_by_label("Session", exact=True).select_option("3")
    day = timezone.localdate() + datetime.timedelta(days=3)
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Time").fill("14:30")
    page.get_by_label("Where").fill("Riverside Clinic")
    page.get_by_role("button", name="Book session").click()
    page.get_by_text("Session 3 is booked").wait_for()
    assert Appointment.objects.get(treatment=treatment).number == 3

    # The client sees the feedback, the task and the session on their home page.
    page.context.clear_cookies()
    sign_in(page, live_server, client_user, "programme:home")
    main = page.locator("main")
    expect(main).to_contain_text("Well spotted: Sam did ask you to the quiz.")
    expect(main).to_contain_text("Have lunch with Sam")
    expect(main).to_contain_text("Session 3 of 6")

    # Marking the task done swaps the list in place.
    page.get_by_role("button", name="Mark as done").click()
    page.get_by_text("You marked “Have lunch with Sam” as done.").wait_for()
    assert BespokeTask.objects.get(title="Have lunch with Sam").done_at is not None


def test_service_overview_and_sessions_pages_have_no_serious_accessibility_problems(
    desktop, live_server, supervisor, caseload, pwp
):
    sign_in(desktop, live_server, supervisor, "workspace:service_overview")
    assert serious_violations(desktop) == []
    desktop.context.clear_cookies()
    sign_in(desktop, live_server, pwp, "workspace:caseload")
    for url in (
        reverse("care:sessions", args=[caseload.pk]),
        reverse("workspace:plan", args=[caseload.pk]),
        reverse("workspace:review_print", args=[caseload.pk]),
        reverse("messaging:thread", args=[caseload.pk]),
    ):
        desktop.goto(live_server.url + url)
        assert serious_violations(desktop) == [], url

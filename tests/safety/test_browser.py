"""End to end: a client answers PHQ-9 with item 9 = 1 on a phone, sees the crisis page;
the PWP's caseload shows the alert; acknowledging it with a note closes it. Axe checks
the questionnaire and crisis pages."""

import pytest
from django.urls import reverse

from apps.safety.models import RiskAlert, RiskAlertStatus
from tests.factories import PASSWORD
from tests.questionnaires.factories import PHQ9_LOW_ITEM9, AdministrationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LABELS = {0: "Not at all", 1: "Several days", 2: "More than half the days", 3: "Nearly every day"}
DIFFICULTY = {0: "Not difficult at all", 1: "Somewhat difficult"}


def sign_in(page, live_server, user, home):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + reverse(home) + "**")


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def test_item_9_answer_shows_crisis_page_and_pwp_acknowledges_the_alert(
    phone, desktop, live_server, treatment, client_user, pwp, supervisor
):
    administration = AdministrationFactory(treatment=treatment)
    sign_in(phone, live_server, client_user, "programme:home")
    phone.goto(live_server.url + reverse("questionnaires:start", args=[administration.pk]))
    assert serious_violations(phone) == []
    phone.get_by_role("link", name="Start, one question at a time").click()
    for n in range(1, 11):
        phone.get_by_text(f"Question {n} of 10").wait_for()
        if n == 1:
            assert serious_violations(phone) == []
        labels = DIFFICULTY if n == 10 else LABELS
        phone.get_by_label(labels[PHQ9_LOW_ITEM9[n]], exact=True).check()
        phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("heading", name="Check your answers").wait_for()
    phone.get_by_role("button", name="Send my answers").click()
    phone.get_by_text("call 999 or go to A&E").first.wait_for()
    assert "We have told your practitioner" in phone.content()
    assert serious_violations(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    sign_in(desktop, live_server, pwp, "workspace:caseload")
    desktop.get_by_role("link", name="1 open risk alert").click()
    desktop.get_by_role("link", name=treatment.client.get_full_name()).first.click()
    desktop.get_by_role("button", name="Acknowledge alert").click()
    desktop.get_by_text("Enter a note saying what you did").first.wait_for()
    desktop.get_by_label("What did you do?").fill("Phoned the client. Safety plan agreed.")
    desktop.get_by_role("button", name="Acknowledge alert").click()
    desktop.get_by_text("There are no open risk alerts.").wait_for()
    alert = RiskAlert.objects.get()
    assert alert.status == RiskAlertStatus.ACKNOWLEDGED and alert.acknowledged_by == pwp


def test_thought_record_about_ending_life_alerts_the_pwp_who_finds_the_entry(
    phone, desktop, live_server, treatment, client_user, pwp, supervisor
):
    from django.conf import settings

    from apps.programme import services
    from apps.programme.content import content_load
    from apps.programme.models import Module

    content_load(directory=settings.CONTENT_DIR)
    for slug in ("psychoeducation", "behavioural-activation"):
        for step in Module.objects.get(slug=slug).steps.all():
            services.step_complete(treatment=treatment, step=step)

    sign_in(phone, live_server, client_user, "programme:home")
    phone.goto(
        live_server.url
        + reverse("programme:step", args=["cognitive-restructuring", "thought-record"])
    )
    # The thought record is one part per page, then "Check your answers".
    phone.get_by_role("link", name="Start").click()
    parts = [
        {"Date": "2026-03-03", "Situation": "Alone at home after the phone call."},
        {"Feeling": "Hopeless", "How strong was the feeling? (0 to 100)": "90"},
        {
            "Automatic thought": "I want to end my life.",
            "How much did you believe it? (0 to 100%)": "80",
        },
    ]
    for number, answers in enumerate(parts, start=1):
        phone.get_by_text(f"Part {number} of 8", exact=True).wait_for()
        for label, value in answers.items():
            phone.get_by_label(label, exact=True).fill(value)
        # Let the autosave of the typed text finish first (SQLite in tests locks a table
        # while a parallel autosave writes): blur the last field, then wait out the debounce.
        phone.get_by_label(label, exact=True).press("Tab")
        phone.wait_for_timeout(3000)
        phone.get_by_role("button", name="Continue").click()
    for number in range(4, 9):
        phone.get_by_text(f"Part {number} of 8", exact=True).wait_for()
        phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("heading", name="Check your answers").wait_for()
    phone.get_by_role("button", name="Send to my practitioner").click()
    phone.get_by_text("We have let your practitioner know.").wait_for()
    phone.get_by_text("call 999 or go to A&E").first.wait_for()
    assert serious_violations(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    sign_in(desktop, live_server, pwp, "workspace:caseload")
    desktop.get_by_role("link", name="1 open risk alert").click()
    desktop.get_by_role("link", name=treatment.client.get_full_name()).first.click()
    desktop.get_by_text("Thought record, submitted").wait_for()
    assert serious_violations(desktop) == []
    desktop.get_by_role("link", name="Read what the client wrote").click()
    desktop.get_by_text("I want to end my life.").first.wait_for()
    alert = RiskAlert.objects.get()
    assert alert.exercise_entry is not None and alert.status == RiskAlertStatus.OPEN


def test_risky_message_and_mood_note_show_the_crisis_card_and_alert_the_pwp(
    phone, desktop, live_server, treatment, client_user, pwp
):
    from playwright.sync_api import expect

    sign_in(phone, live_server, client_user, "programme:home")
    phone.goto(live_server.url + reverse("messaging:inbox"))
    phone.get_by_label("Your message").fill("I am going to kill myself tonight")
    phone.get_by_role("button", name="Send message").click()
    notice = phone.get_by_test_id("client-alert-notice")
    expect(notice).to_contain_text("call 999 or go to A&E")
    expect(notice).to_contain_text("We have let your practitioner know.")

    sign_in(desktop, live_server, pwp, "workspace:caseload")
    desktop.goto(live_server.url + reverse("safety:alerts"))
    expect(desktop.get_by_text("Message mentions self-harm or suicide")).to_have_count(1)
    desktop.get_by_role("link", name=treatment.client.get_full_name()).first.click()
    expect(desktop.get_by_test_id("escalation-chain")).to_contain_text(pwp.get_full_name())
    desktop.get_by_label("What did you do?").fill("Phoned the client. Safety plan agreed.")
    desktop.get_by_role("button", name="Acknowledge alert").click()
    expect(desktop.get_by_text("There are no open risk alerts.")).to_be_visible()

    phone.goto(live_server.url + reverse("tracking:mood"))
    expect(phone.get_by_test_id("client-alert-notice")).to_have_count(0)
    phone.locator("input[name=value][value='1']").check(force=True)
    phone.get_by_text("Add a note").click()
    phone.get_by_label("Note (optional)").fill("I want to end it all, better off dead")
    phone.get_by_role("button", name="Save").click()
    notice = phone.get_by_test_id("client-alert-notice")
    expect(notice).to_contain_text("We have let your practitioner know.")

    desktop.goto(live_server.url + reverse("safety:alerts"))
    expect(desktop.get_by_text("Mood note mentions self-harm or suicide")).to_have_count(1)
    assert RiskAlert.objects.filter(status=RiskAlertStatus.OPEN).count() == 1

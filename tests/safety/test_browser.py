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

    sign_in(desktop, live_server, pwp, "care:caseload")
    desktop.get_by_role("link", name="1 open risk alert").click()
    desktop.get_by_role("link", name=treatment.client.get_full_name()).first.click()
    desktop.get_by_role("button", name="Acknowledge alert").click()
    desktop.get_by_text("Enter a note saying what you did").first.wait_for()
    desktop.get_by_label("What did you do?").fill("Phoned the client. Safety plan agreed.")
    desktop.get_by_role("button", name="Acknowledge alert").click()
    desktop.get_by_text("There are no open risk alerts.").wait_for()
    alert = RiskAlert.objects.get()
    assert alert.status == RiskAlertStatus.ACKNOWLEDGED and alert.acknowledged_by == pwp

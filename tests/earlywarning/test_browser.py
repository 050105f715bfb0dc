"""A drifting client rises to the top with the reasons in words; "seen, plan made" drops it."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import LoginEvent
from apps.care.models import AppointmentStatus
from tests.care.factories import AppointmentFactory, MessageFactory, mood
from tests.factories import TreatmentFactory
from tests.workspace.test_browser import serious_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_falling_mood_and_missed_session_rise_then_seen_plan_made_drops(
    desktop, live_server, pwp, service
):
    others = []
    for name in ("Aaron", "Bella"):
        other = TreatmentFactory(pwp=pwp, service=service, client__first_name=name)
        LoginEvent.objects.create(user=other.client, at=timezone.now())
        others.append(other)
    # Bella's message has waited 3 days: she needs attention too, but less urgently.
    MessageFactory(treatment=others[1], created_at=timezone.now() - datetime.timedelta(days=3))
    zoe = TreatmentFactory(pwp=pwp, service=service, client__first_name="Zoe")
    LoginEvent.objects.create(user=zoe.client, at=timezone.now())
    for i, v in enumerate([4, 4, 5]):
        mood(zoe, days_ago=i, value=v)
    for i, v in enumerate([6, 6, 6, 6, 6, 7, 6]):
        mood(zoe, days_ago=7 + i, value=v)
    AppointmentFactory(
        treatment=zoe,
        number=3,
        status=AppointmentStatus.DID_NOT_ATTEND,
        starts_at=timezone.now() - datetime.timedelta(days=2),
    )

    page = desktop
    sign_in(page, live_server, pwp, "workspace:caseload")
    rows = page.locator("#caseload tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_have_attribute("data-participant", zoe.participant_id)
    expect(rows.first).to_contain_text(
        "Missed session 3 · Mood down from 6.1 to 4.3 over two weeks"
    )
    expect(rows.nth(1)).to_have_attribute("data-participant", others[1].participant_id)
    assert serious_violations(page) == []

    rows.first.get_by_text("Mark seen, plan made").click()
    rows.first.get_by_label("Your plan").fill("Phone her on Monday; rebook session 3")
    rows.first.get_by_role("button", name="Seen, plan made").click()

    expect(page.locator(".govuk-notification-banner, .app-flash").first).to_contain_text(
        "marked seen, plan made"
    )
    rows = page.locator("#caseload tbody tr")
    expect(rows.first).to_have_attribute("data-participant", others[1].participant_id)
    zoe_row = page.locator(f'#caseload tbody tr[data-participant="{zoe.participant_id}"]')
    expect(zoe_row).to_contain_text("Seen, plan made by")
    expect(zoe_row).to_contain_text("Phone her on Monday")
    expect(rows.nth(1)).to_have_attribute("data-participant", zoe.participant_id)

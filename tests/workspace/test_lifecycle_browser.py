"""The lifecycle in a real browser: a PWP discharges; a supervisor records a research withdrawal."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from apps.care.services import appointment_schedule
from apps.notifications.models import Notification, Status
from apps.questionnaires.models import AdministrationStatus, TimePoint
from apps.questionnaires.services import treatment_administrations_sync
from apps.trials.adherence import Scope
from apps.trials.exporters import build_export
from tests.factories import TreatmentFactory
from tests.workspace.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _exported_ids():
    export = build_export("participants", Scope())
    column = export.header.index("participant_id")
    return {row[column] for row in export.rows}


def test_pwp_discharges_a_client(desktop, live_server, pwp, treatment):
    page = desktop
    treatment_administrations_sync(treatment=treatment)
    session = appointment_schedule(
        actor=pwp,
        treatment=treatment,
        starts_at=timezone.now().replace(microsecond=0) + datetime.timedelta(days=3),
    )
    baseline = treatment.administrations.get(instrument="phq9", time_point=TimePoint.BASELINE)
    baseline.status = AdministrationStatus.OPEN
    baseline.save()

    sign_in(page, live_server, pwp, "workspace:caseload")
    page.goto(live_server.url + reverse("workspace:review", args=[treatment.pk]))
    page.get_by_role("link", name="Discharge summary, history, discharge or transfer").click()
    expect(page.get_by_test_id("discharge-summary")).to_contain_text("Sessions attended")
    page.get_by_label("What happened").select_option("discharge")
    page.get_by_label("Reason").fill("Goals met, staying-well plan agreed")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("treatment-status")).to_have_text("Completed")
    expect(page.get_by_test_id("history")).to_contain_text("Discharged at the end of treatment")
    expect(page.get_by_test_id("history")).to_contain_text("Goals met")

    assert not Notification.objects.filter(
        kind="session_reminder", object_id=str(session.pk), status=Status.PENDING
    ).exists()
    baseline.refresh_from_db()
    assert baseline.status == AdministrationStatus.CANCELLED
    assert treatment.administrations.filter(
        time_point="followup_3m", status=AdministrationStatus.SCHEDULED
    ).exists()


def test_supervisor_records_a_research_withdrawal_and_the_export_leaves_them_out(
    desktop, live_server, supervisor, service, treatment
):
    page = desktop
    other = TreatmentFactory(service=service)
    assert treatment.participant_id in _exported_ids()

    sign_in(page, live_server, supervisor, "workspace:service_overview")
    page.goto(live_server.url + reverse("workspace:lifecycle", args=[treatment.pk]))
    page.get_by_label("Withdraw their data from research").check()
    page.get_by_role("button", name="Record withdrawal").click()
    expect(page.get_by_test_id("treatment-status")).to_have_text("Withdrawn")
    expect(page.get_by_test_id("consent")).to_contain_text("Withdrawn")
    expect(page.get_by_test_id("history")).to_contain_text("Withdrew from the trial")

    exported = _exported_ids()
    assert treatment.participant_id not in exported
    assert other.participant_id in exported

"""The schedule: anchored to each client's own dates, windows, missed, no duplicates."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from apps.care.models import Appointment, AppointmentStatus, TreatmentStatus
from apps.notifications.models import Notification
from apps.questionnaires.models import Administration, AdministrationStatus, QuestionnaireProtocol
from apps.questionnaires.services import (
    add_months,
    administration_plan_for,
    administrations_advance,
    administrations_plan_all,
    treatment_administrations_sync,
)
from tests.factories import TreatmentFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def _keys(plan):
    return {(p.instrument, p.time_point) for p in plan}


@time_machine.travel(NOW, tick=False)
def test_plan_is_anchored_to_each_clients_own_start_and_end(service, pwp):
    a = TreatmentFactory(
        service=service,
        pwp=pwp,
        start_date=datetime.date(2026, 2, 1),
        planned_end_date=datetime.date(2026, 4, 19),
    )
    b = TreatmentFactory(
        service=service,
        pwp=pwp,
        start_date=datetime.date(2026, 2, 20),
        planned_end_date=datetime.date(2026, 5, 8),
    )
    plan_a = {(p.instrument, p.time_point): p for p in administration_plan_for(a)}
    plan_b = {(p.instrument, p.time_point): p for p in administration_plan_for(b)}
    assert _keys(plan_a.values()) == {
        ("phq9", "baseline"),
        ("gad7", "baseline"),
        ("phq9", "end_of_treatment"),
        ("wai_sf_c", "end_of_treatment"),
        ("phq9", "followup_3m"),
        ("wai_sf_c", "followup_3m"),
        # The PWP's own view (WAI-SF-T) goes with each of the client's WAI-SF-C.
        ("wai_sf_t", "end_of_treatment"),
        ("wai_sf_t", "followup_3m"),
    }
    assert plan_a[("phq9", "baseline")].due_from.date() == datetime.date(2026, 2, 1)
    assert plan_b[("phq9", "baseline")].due_from.date() == datetime.date(2026, 2, 20)
    assert plan_a[("phq9", "baseline")].due_until - plan_a[("phq9", "baseline")].due_from == (
        datetime.timedelta(days=14)
    )
    # End of treatment opens a week before the planned end; follow-up 3 months after it.
    assert plan_a[("phq9", "end_of_treatment")].due_from.date() == datetime.date(2026, 4, 12)
    assert plan_a[("phq9", "followup_3m")].due_from.date() == datetime.date(2026, 7, 19)
    assert plan_b[("phq9", "followup_3m")].due_from.date() == datetime.date(2026, 8, 8)


@time_machine.travel(NOW, tick=False)
def test_pre_session_windows_open_three_days_before_each_session_until_it_starts(treatment):
    starts = timezone.now() + datetime.timedelta(days=5)
    Appointment.objects.create(treatment=treatment, number=2, starts_at=starts)
    Appointment.objects.create(
        treatment=treatment,
        number=3,
        starts_at=starts + datetime.timedelta(days=14),
        status=AppointmentStatus.CANCELLED_BY_CLIENT,
    )
    plan = {(p.instrument, p.time_point): p for p in administration_plan_for(treatment)}
    assert ("phq9", "pre_session_2") in plan and ("gad7", "pre_session_2") in plan
    assert ("phq9", "pre_session_3") not in plan  # cancelled session: nothing due
    window = plan[("phq9", "pre_session_2")]
    assert window.due_from == starts - datetime.timedelta(days=3)
    assert window.due_until == starts


@time_machine.travel(NOW, tick=False)
def test_end_of_treatment_follows_the_actual_end_when_treatment_ends_early(treatment):
    treatment.status = TreatmentStatus.COMPLETED
    treatment.ended_at = NOW - datetime.timedelta(days=1)
    treatment.save()
    plan = {(p.instrument, p.time_point): p for p in administration_plan_for(treatment)}
    assert plan[("phq9", "end_of_treatment")].due_from == treatment.ended_at - datetime.timedelta(
        days=7
    )
    assert plan[("phq9", "followup_3m")].due_from == add_months(treatment.ended_at, 3)


def test_withdrawn_treatment_gets_nothing_and_open_ones_are_cancelled_not_deleted(treatment):
    treatment_administrations_sync(treatment=treatment)
    treatment.status = TreatmentStatus.WITHDRAWN
    treatment.ended_at = timezone.now()
    treatment.save()
    treatment_administrations_sync(treatment=treatment)
    statuses = set(treatment.administrations.values_list("status", flat=True))
    assert statuses == {AdministrationStatus.CANCELLED}


def test_service_protocol_replaces_the_default_and_toggles_followups(treatment):
    QuestionnaireProtocol.objects.create(
        service=treatment.service,
        baseline=["phq9"],
        pre_session=[],
        end_of_treatment=["phq9"],
        followup_3m=["phq9"],
        followup_6m=["phq9", "gad7"],
        followup_6m_enabled=True,
        followup_12m=["phq9"],
        followup_12m_enabled=False,
    )
    keys = _keys(administration_plan_for(treatment))
    assert keys == {
        ("phq9", "baseline"),
        ("phq9", "end_of_treatment"),
        ("phq9", "followup_3m"),
        ("phq9", "followup_6m"),
        ("gad7", "followup_6m"),
    }


def test_add_months_clamps_to_the_end_of_the_month():
    moment = datetime.datetime(2026, 1, 31, 12, tzinfo=datetime.UTC)
    assert add_months(moment, 1).date() == datetime.date(2026, 2, 28)
    assert add_months(moment, 12).date() == datetime.date(2027, 1, 31)


def test_repeated_planner_runs_create_no_duplicates_and_send_one_invitation(
    treatment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = administrations_plan_all()
        second = administrations_plan_all()
    # PHQ-9 and GAD-7 at baseline; PHQ-9, WAI-SF-C and the PWP's WAI-SF-T at the
    # end and at 3 months.
    assert first["created"] == 8 and second["created"] == 0
    assert Administration.objects.filter(treatment=treatment).count() == 8
    # Baseline opened (treatment started 10 days ago): one invitation per questionnaire.
    assert first["opened"] == 2 and second["opened"] == 0
    invitations = Notification.objects.filter(kind="questionnaire_invitation")
    assert invitations.count() == 2
    assert {n.recipient_id for n in invitations} == {treatment.client_id}


def test_reminders_after_three_and_seven_days_then_none_once_completed(treatment):
    treatment_administrations_sync(treatment=treatment)
    baseline = treatment.administrations.get(instrument="phq9", time_point="baseline")
    opened = baseline.due_from
    with time_machine.travel(opened + datetime.timedelta(hours=1), tick=False):
        administrations_advance()
    with time_machine.travel(opened + datetime.timedelta(days=3, hours=1), tick=False):
        assert administrations_advance()["reminded"] == 2  # PHQ-9 and GAD-7
        assert administrations_advance()["reminded"] == 0
    with time_machine.travel(opened + datetime.timedelta(days=7, hours=1), tick=False):
        assert administrations_advance()["reminded"] == 2
        assert administrations_advance()["reminded"] == 0
    keys = set(
        Notification.objects.filter(kind="questionnaire_reminder").values_list(
            "dedupe_key", flat=True
        )
    )
    assert f"questionnaire_reminder:{baseline.pk}:1" in keys
    assert f"questionnaire_reminder:{baseline.pk}:2" in keys


def test_closed_window_is_marked_missed_and_kept(treatment):
    treatment_administrations_sync(treatment=treatment)
    baseline = treatment.administrations.get(instrument="phq9", time_point="baseline")
    with time_machine.travel(baseline.due_until + datetime.timedelta(minutes=1), tick=False):
        counts = administrations_advance()
    baseline.refresh_from_db()
    assert counts["missed"] >= 1
    assert baseline.status == AdministrationStatus.MISSED
    assert baseline.missed_at is not None


def test_rescheduled_session_moves_the_window_and_rebooked_session_reuses_the_row(treatment):
    starts = timezone.now() + datetime.timedelta(days=10)
    appointment = Appointment.objects.create(treatment=treatment, number=2, starts_at=starts)
    treatment_administrations_sync(treatment=treatment)
    row = treatment.administrations.get(instrument="phq9", time_point="pre_session_2")
    appointment.starts_at = starts + datetime.timedelta(days=2)
    appointment.save()
    treatment_administrations_sync(treatment=treatment)
    row.refresh_from_db()
    assert row.due_until == appointment.starts_at

    appointment.status = AppointmentStatus.CANCELLED_BY_CLIENT
    appointment.save()
    treatment_administrations_sync(treatment=treatment)
    row.refresh_from_db()
    assert row.status == AdministrationStatus.CANCELLED

    rebooked = Appointment.objects.create(
        treatment=treatment, number=2, starts_at=starts + datetime.timedelta(days=4)
    )
    treatment_administrations_sync(treatment=treatment)
    row.refresh_from_db()
    assert row.status == AdministrationStatus.SCHEDULED
    assert row.appointment == rebooked
    assert treatment.administrations.filter(time_point="pre_session_2").count() == 2  # phq9+gad7

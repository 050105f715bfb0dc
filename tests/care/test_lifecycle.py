"""The treatment lifecycle: allowed steps, what each cancels and keeps, the history."""

import datetime

import pytest
from django.utils import timezone

from apps.care.lifecycle import (
    allowed_kinds,
    treatment_discharge,
    treatment_record_dropout,
    treatment_reopen,
    treatment_transfer,
    treatment_withdraw_from_trial,
)
from apps.care.models import AppointmentStatus, TreatmentStatus, TreatmentTransition
from apps.care.services import appointment_schedule
from apps.core.errors import DomainError
from apps.notifications.models import Notification, Status
from apps.questionnaires.links import administration_for_token, link_token_for
from apps.questionnaires.models import AdministrationStatus, TimePoint
from apps.questionnaires.services import treatment_administrations_sync
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _soon(days=3):
    return (timezone.now() + datetime.timedelta(days=days)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )


def test_discharge_cancels_sessions_reminders_and_open_questionnaires_but_keeps_follow_ups(
    pwp, treatment
):
    treatment_administrations_sync(treatment=treatment)
    session = appointment_schedule(actor=pwp, treatment=treatment, starts_at=_soon())
    open_one = treatment.administrations.get(instrument="phq9", time_point=TimePoint.BASELINE)
    open_one.status = AdministrationStatus.OPEN
    open_one.save()
    token = link_token_for(open_one)
    assert administration_for_token(token) == open_one

    transition = treatment_discharge(actor=pwp, treatment=treatment, reason="Goals met")

    treatment.refresh_from_db()
    assert treatment.status == TreatmentStatus.COMPLETED and treatment.ended_at
    session.refresh_from_db()
    assert session.status == AppointmentStatus.CANCELLED_BY_SERVICE
    assert not Notification.objects.filter(
        kind="session_reminder", object_id=str(session.pk), status=Status.PENDING
    ).exists()
    open_one.refresh_from_db()
    assert open_one.status == AdministrationStatus.CANCELLED
    assert administration_for_token(token) is None
    follow_up = treatment.administrations.get(instrument="phq9", time_point="followup_3m")
    assert follow_up.status == AdministrationStatus.SCHEDULED
    assert follow_up.due_from > timezone.now() + datetime.timedelta(days=80)
    # Re-planning later never brings back what the discharge cancelled.
    treatment_administrations_sync(treatment=treatment)
    open_one.refresh_from_db()
    assert open_one.status == AdministrationStatus.CANCELLED
    assert (transition.from_status, transition.to_status, transition.actor) == (
        "active",
        "completed",
        pwp,
    )


def test_trial_withdrawal_cancels_follow_ups_too(supervisor, treatment):
    treatment_administrations_sync(treatment=treatment)
    treatment_withdraw_from_trial(actor=supervisor, treatment=treatment, reason="Asked to stop")
    assert not treatment.administrations.filter(
        status__in=[AdministrationStatus.SCHEDULED, AdministrationStatus.OPEN]
    ).exists()


def test_illegal_steps_are_refused_with_a_reason(pwp, treatment):
    treatment_discharge(actor=pwp, treatment=treatment)
    with pytest.raises(DomainError) as error:
        treatment_discharge(actor=pwp, treatment=treatment)
    assert "Only a treatment in progress can be discharged" in str(error.value)
    assert "completed" in str(error.value)
    with pytest.raises(DomainError) as error:
        treatment_reopen(actor=pwp, treatment=treatment, reason="")
    assert error.value.field == "reason"
    treatment_withdraw_from_trial(actor=pwp, treatment=treatment, reason="Moved away")
    with pytest.raises(DomainError) as error:
        treatment_reopen(actor=pwp, treatment=treatment, reason="Came back")
    assert "enrol the client again" in str(error.value)
    treatment.refresh_from_db()
    assert allowed_kinds(treatment) == []
    assert TreatmentTransition.objects.filter(treatment=treatment).count() == 2


def test_dropout_then_reopen_then_transfer(pwp, colleague_pwp, other_pwp, treatment):
    treatment_record_dropout(actor=pwp, treatment=treatment, reason="No contact for 4 weeks")
    treatment.refresh_from_db()
    assert treatment.status == TreatmentStatus.DROPPED_OUT
    treatment_reopen(actor=pwp, treatment=treatment, reason="Got back in touch")
    treatment.refresh_from_db()
    assert treatment.status == TreatmentStatus.ACTIVE and treatment.ended_at is None
    with pytest.raises(DomainError) as error:
        treatment_transfer(actor=pwp, treatment=treatment, to_pwp=other_pwp)
    assert error.value.field == "to_pwp"
    treatment_transfer(actor=pwp, treatment=treatment, to_pwp=colleague_pwp, reason="Leave")
    treatment.refresh_from_db()
    assert treatment.pwp == colleague_pwp and treatment.status == TreatmentStatus.ACTIVE
    kinds = list(treatment.transitions.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["dropout", "reopen", "transfer"]


def test_reopen_is_refused_when_the_client_has_another_open_treatment(pwp, service, treatment):
    from tests.factories import TreatmentFactory

    treatment_discharge(actor=pwp, treatment=treatment)
    TreatmentFactory(client=treatment.client, service=service, pwp=pwp)
    with pytest.raises(DomainError) as error:
        treatment_reopen(actor=pwp, treatment=treatment, reason="Came back")
    assert "another open treatment" in str(error.value)


def test_transfer_refuses_an_inactive_practitioner(pwp, service, treatment):
    leaver = StaffFactory(pwp_in=service, is_active=False)
    with pytest.raises(DomainError):
        treatment_transfer(actor=pwp, treatment=treatment, to_pwp=leaver)

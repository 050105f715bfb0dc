"""Consent: recorded with date, version and who; every planner and exporter obeys it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.care.consent import consent_record, has_consent
from apps.care.models import ConsentKind, TreatmentStatus
from apps.core.errors import DomainError
from apps.notifications.models import Channel, Notification, Status
from apps.notifications.services import notification_deliver, notification_schedule
from apps.questionnaires.models import AdministrationStatus
from apps.questionnaires.services import administration_plan_for, treatment_administrations_sync
from apps.trials.adherence import Scope
from apps.trials.exporters import build_export
from apps.workspace.services import consent_withdrawal_record
from tests.factories import TreatmentFactory

pytestmark = pytest.mark.django_db


def _participants_in_export():
    export = build_export("participants", Scope())
    column = export.header.index("participant_id")
    return {row[column] for row in export.rows}


def test_consent_is_recorded_with_date_version_and_who(pwp, client_user):
    consent = consent_record(
        actor=pwp, client=client_user, kind=ConsentKind.TRIAL, given=True, version="2.1"
    )
    assert (consent.version, consent.recorded_by, consent.decided_on) == (
        "2.1",
        pwp,
        timezone.localdate(),
    )
    with pytest.raises(DomainError) as error:
        consent_record(
            actor=pwp, client=client_user, kind=ConsentKind.TRIAL, given=True, version=""
        )
    assert error.value.field == "version"
    with pytest.raises(DomainError):
        consent_record(
            actor=pwp,
            client=client_user,
            kind=ConsentKind.TRIAL,
            given=True,
            version="2",
            decided_on=timezone.localdate() + datetime.timedelta(days=1),
        )


def test_withdrawing_data_from_research_removes_the_participant_from_exports_and_api(
    client, supervisor, trial_manager, treatment, service
):
    other = TreatmentFactory(service=service)
    assert {treatment.participant_id, other.participant_id} <= _participants_in_export()
    consent_withdrawal_record(actor=supervisor, treatment=treatment, withdrawal="withdraw_research")
    treatment.refresh_from_db()
    assert treatment.status == TreatmentStatus.WITHDRAWN
    exported = _participants_in_export()
    assert treatment.participant_id not in exported and other.participant_id in exported
    client.force_login(trial_manager)
    body = client.get(reverse("api:participant-list")).content.decode()
    assert other.participant_id in body and treatment.participant_id not in body


def test_stopping_follow_up_contact_cancels_follow_ups_but_not_the_treatment(pwp, treatment):
    treatment_administrations_sync(treatment=treatment)
    follow_ups = treatment.administrations.filter(time_point__startswith="followup")
    assert follow_ups.filter(status=AdministrationStatus.SCHEDULED).exists()
    consent_withdrawal_record(actor=pwp, treatment=treatment, withdrawal="stop_follow_up")
    assert not follow_ups.exclude(status=AdministrationStatus.CANCELLED).exists()
    assert not any(p.time_point.startswith("followup") for p in administration_plan_for(treatment))
    treatment.refresh_from_db()
    assert treatment.status == TreatmentStatus.ACTIVE
    assert not has_consent(treatment.client, ConsentKind.FOLLOW_UP)


def test_stopping_treatment_records_a_dropout_and_keeps_follow_ups(pwp, treatment):
    treatment_administrations_sync(treatment=treatment)
    consent_withdrawal_record(actor=pwp, treatment=treatment, withdrawal="stop_treatment")
    treatment.refresh_from_db()
    assert treatment.status == TreatmentStatus.DROPPED_OUT
    assert treatment.transitions.get().reason == "The client withdrew consent."
    assert treatment.administrations.filter(
        time_point="followup_3m", status=AdministrationStatus.SCHEDULED
    ).exists()


def test_texts_obey_consent_when_planned_and_when_sent(pwp, client_user, treatment):
    from tests.notifications.factories import PreferenceFactory

    PreferenceFactory(user=client_user, sms_enabled=True, phone_number="07700900123")
    due = timezone.now() + datetime.timedelta(hours=2)
    rows = notification_schedule(
        recipient=client_user, kind="mood_reminder", due_at=due, dedupe_key="before"
    )
    sms = next(r for r in rows if r.channel == Channel.SMS)
    consent_record(
        actor=pwp, client=client_user, kind=ConsentKind.TEXT_MESSAGES, given=False, version="1"
    )
    rows = notification_schedule(
        recipient=client_user, kind="mood_reminder", due_at=due, dedupe_key="after"
    )
    assert {r.channel for r in rows} == {Channel.EMAIL}
    # A text planned before the withdrawal is not sent after it.
    Notification.objects.filter(pk=sms.pk).update(due_at=timezone.now())
    notification_deliver(notification_id=sms.pk)
    sms.refresh_from_db()
    assert sms.status == Status.SUPPRESSED

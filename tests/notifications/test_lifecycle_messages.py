"""Each lifecycle step tells the people concerned through the outbox, in its transaction."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from apps.care.lifecycle import (
    treatment_discharge,
    treatment_record_dropout,
    treatment_reopen,
    treatment_transfer,
    treatment_withdraw_from_trial,
)
from apps.care.models import TreatmentStatus
from apps.notifications.kinds import Kind
from apps.notifications.models import Notification, Status, SuppressedReason
from apps.notifications.services import (
    mood_reminders_plan,
    notification_deliver,
    notification_schedule,
)
from tests.factories import StaffFactory, TreatmentFactory
from tests.notifications.factories import PreferenceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("daytime")]


def _rows(**filters):
    return Notification.objects.filter(**filters)


def _send(row) -> mail.EmailMessage:
    """Deliver one outbox row; return the email it made."""
    before = len(mail.outbox)
    assert notification_deliver(notification_id=row.pk) == "sent"
    assert len(mail.outbox) == before + 1
    return mail.outbox[-1]


def _one(recipient, kind):
    return _rows(recipient=recipient, kind=kind).get()


def test_discharge_tells_the_client_calmly_that_they_keep_their_tools(pwp, treatment):
    transition = treatment_discharge(actor=pwp, treatment=treatment, reason="Goals met")

    row = _one(treatment.client, Kind.TREATMENT_DISCHARGED)
    assert row.treatment == treatment and row.object_id == str(transition.pk)
    message = _send(row)
    assert message.to == [treatment.client.email]
    assert "has finished" in message.subject
    assert "You keep your account and your tools" in message.body
    assert "/help/" in message.body  # where to get help now
    assert pwp.get_full_name() in message.body
    assert "Goals met" not in message.body  # the reason stays in the record
    # The PWP recorded it themselves: nobody else needs telling.
    assert not _rows(recipient=pwp).exists()


def test_a_step_recorded_by_someone_else_tells_the_practitioner(supervisor, pwp, treatment):
    treatment_discharge(actor=supervisor, treatment=treatment)

    message = _send(_one(pwp, Kind.CASELOAD_CLIENT_CHANGED))
    assert "Discharged at the end of treatment" in message.body
    assert supervisor.get_full_name() in message.body
    assert f"/care/clients/{treatment.pk}/lifecycle/" in message.body
    assert treatment.client.first_name not in message.body + message.subject


def test_dropout_tells_the_client_their_course_is_closed_and_how_to_start_again(pwp, treatment):
    treatment_record_dropout(actor=pwp, treatment=treatment, reason="No contact for 4 weeks")

    message = _send(_one(treatment.client, Kind.TREATMENT_CLOSED))
    assert "has been closed" in message.subject
    assert "You keep your account and your tools" in message.body
    assert "If you would like to start again" in message.body
    assert "No contact" not in message.body


def test_trial_withdrawal_confirms_no_more_study_questionnaires(supervisor, pwp, treatment):
    treatment_withdraw_from_trial(actor=supervisor, treatment=treatment, reason="Asked to stop")

    message = _send(_one(treatment.client, Kind.TRIAL_WITHDRAWN))
    assert "no longer taking part in the research study" in message.body
    assert "We will not send you any more study questionnaires" in message.body
    assert _one(pwp, Kind.CASELOAD_CLIENT_CHANGED).status == Status.PENDING


def test_reopen_tells_the_client_and_brings_their_mood_reminders_back(
    pwp, treatment, django_capture_on_commit_callbacks
):
    PreferenceFactory(user=treatment.client, mood_reminder_enabled=True)
    treatment_discharge(actor=pwp, treatment=treatment)
    assert mood_reminders_plan() == 0  # a closed course has no reminders

    with django_capture_on_commit_callbacks(execute=True):
        treatment_reopen(actor=pwp, treatment=treatment, reason="Got back in touch")

    # Due now, so sent once the step committed.
    assert _one(treatment.client, Kind.TREATMENT_REOPENED).status == Status.SENT
    assert any("has started again" in m.subject for m in mail.outbox)
    assert _rows(recipient=treatment.client, kind=Kind.MOOD_REMINDER).exists()


def test_transfer_tells_the_client_the_new_practitioner_and_the_old_one(
    supervisor, pwp, colleague_pwp, treatment
):
    treatment_transfer(actor=supervisor, treatment=treatment, to_pwp=colleague_pwp)

    to_client = _send(_one(treatment.client, Kind.PRACTITIONER_CHANGED))
    assert f"{colleague_pwp.get_full_name()} is now your practitioner" in to_client.body
    to_new = _send(_one(colleague_pwp, Kind.CASELOAD_CLIENT_ADDED))
    assert "A client has moved to your caseload" in to_new.body
    assert f"/care/clients/{treatment.pk}/review/" in to_new.body
    to_old = _send(_one(pwp, Kind.CASELOAD_CLIENT_CHANGED))
    assert "Transferred to another practitioner" in to_old.body
    assert "/care/caseload/" in to_old.body  # no longer theirs to open


def test_a_pwp_handing_over_their_own_client_is_not_told_themselves(pwp, colleague_pwp, treatment):
    treatment_transfer(actor=pwp, treatment=treatment, to_pwp=colleague_pwp)
    assert not _rows(recipient=pwp).exists()
    assert _rows(recipient=colleague_pwp, kind=Kind.CASELOAD_CLIENT_ADDED).exists()


def test_closing_a_course_cancels_its_pending_reminders_and_nudges(pwp, treatment):
    client = treatment.client
    later = timezone.now() + datetime.timedelta(hours=6)
    for kind in (Kind.MOOD_REMINDER, Kind.INACTIVITY_NUDGE):
        notification_schedule(recipient=client, kind=kind, due_at=later, dedupe_key=f"{kind}:x")
    PreferenceFactory(user=client, mood_reminder_enabled=True)

    treatment_record_dropout(actor=pwp, treatment=treatment, reason="No contact")

    for kind in (Kind.MOOD_REMINDER, Kind.INACTIVITY_NUDGE):
        row = _one(client, kind)
        assert (row.status, row.suppressed_reason) == (
            Status.SUPPRESSED,
            SuppressedReason.CANCELLED,
        )
    assert mood_reminders_plan() == 0
    assert _one(client, Kind.MOOD_REMINDER).status == Status.SUPPRESSED


def test_a_message_no_longer_true_when_due_is_not_sent(pwp, treatment):
    treatment_discharge(actor=pwp, treatment=treatment)
    treatment_reopen(actor=pwp, treatment=treatment, reason="Discharged by mistake")

    row = _one(treatment.client, Kind.TREATMENT_DISCHARGED)
    assert notification_deliver(notification_id=row.pk) == "suppressed"
    row.refresh_from_db()
    assert row.suppressed_reason == SuppressedReason.OBJECT_GONE
    _send(_one(treatment.client, Kind.TREATMENT_REOPENED))


def test_a_client_who_never_set_up_their_account_gets_no_message(pwp, service):
    invited = TreatmentFactory(pwp=pwp, service=service, status=TreatmentStatus.INVITED)
    invited.client.set_unusable_password()
    invited.client.save()

    treatment_record_dropout(actor=pwp, treatment=invited, reason="Never started")
    assert not _rows(recipient=invited.client).exists()


def test_messages_roll_back_with_a_step_that_fails(pwp, treatment):
    with pytest.raises(RuntimeError), transaction.atomic():
        treatment_discharge(actor=pwp, treatment=treatment)
        assert _rows(recipient=treatment.client).exists()
        raise RuntimeError("the request failed after the step")
    assert not Notification.objects.exists()


def test_the_client_reads_it_in_their_own_language(pwp, treatment):
    client = treatment.client
    client.language = "nl"
    client.save()
    treatment_discharge(actor=pwp, treatment=treatment)
    message = _send(_one(client, Kind.TREATMENT_DISCHARGED))
    assert "Je houdt je account en je hulpmiddelen" in message.body


def test_staff_who_left_are_not_told(supervisor, service, treatment):
    leaver = StaffFactory(pwp_in=service, is_active=False)
    treatment.pwp = leaver
    treatment.save()
    colleague = StaffFactory(pwp_in=service)
    treatment_transfer(actor=supervisor, treatment=treatment, to_pwp=colleague)
    assert not _rows(recipient=leaver).exists()

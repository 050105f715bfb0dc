"""The outbox API: scheduling once, sending once, opting out, quiet hours, retries."""

import datetime
import re
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from apps.care.models import TransitionKind, TreatmentTransition
from apps.core.errors import DomainError
from apps.notifications.kinds import Kind
from apps.notifications.models import Channel, Notification, Status, SuppressedReason
from apps.notifications.services import (
    LIFECYCLE_CLIENT_KINDS,
    notification_cancel,
    notification_deliver,
    notification_render,
    notification_resend,
    notification_schedule,
    notifications_dispatch_due,
    preference_update,
)
from tests.notifications.factories import AppointmentFactory, PreferenceFactory

# Messages due now must not fall in quiet hours whatever time the suite runs.
pytestmark = pytest.mark.usefixtures("daytime")

UTC = datetime.UTC


@pytest.fixture
def default_link_builders(monkeypatch):
    """Only this app's own builders (other apps' need their own objects)."""
    monkeypatch.setattr("apps.notifications.kinds._LINK_BUILDERS", {})


def _schedule(user, *, kind=Kind.NEW_MESSAGE, key="k1", due=None, **kwargs):
    return notification_schedule(
        recipient=user, kind=kind, due_at=due or timezone.now(), dedupe_key=key, **kwargs
    )


# --- Scheduling --------------------------------------------------------------------


@pytest.mark.django_db
def test_scheduling_the_same_key_twice_makes_one_message(client_user):
    first = _schedule(client_user, key="new_message:message:1")
    second = _schedule(client_user, key="new_message:message:1")
    assert [n.pk for n in first] == [n.pk for n in second]
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_a_new_due_moment_is_a_new_message(client_user):
    _schedule(client_user, kind=Kind.SESSION_REMINDER, key="session_reminder:appointment:1:A")
    _schedule(client_user, kind=Kind.SESSION_REMINDER, key="session_reminder:appointment:1:B")
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_a_due_message_is_sent_once_after_commit(client_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _schedule(client_user)
        _schedule(client_user)
    assert len(mail.outbox) == 1
    row = Notification.objects.get()
    assert row.status == Status.SENT
    assert row.sent_at is not None
    # A redelivered task (or a second worker) finds nothing to claim.
    assert notification_deliver(notification_id=row.pk) == "not_claimed"
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_future_message_is_not_sent_before_it_is_due(client_user):
    (row,) = _schedule(client_user, due=timezone.now() + datetime.timedelta(hours=1))
    assert notification_deliver(notification_id=row.pk) == "not_claimed"
    assert notifications_dispatch_due() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_dispatching_twice_sends_each_due_message_once(
    client_user, other_client, django_capture_on_commit_callbacks
):
    past = timezone.now() - datetime.timedelta(minutes=1)
    _schedule(client_user, due=past)
    _schedule(other_client, due=past)
    Notification.objects.update(enqueued_at=None)
    mail.outbox.clear()
    Notification.objects.update(status=Status.PENDING, sent_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        notifications_dispatch_due()
        notifications_dispatch_due()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([client_user.email, other_client.email])


@pytest.mark.django_db
def test_context_may_hold_ids_but_never_text(client_user):
    with pytest.raises(ValueError, match="must be an ID"):
        _schedule(client_user, context={"body": "I have been feeling very low all week " * 3})


@pytest.mark.django_db
def test_unknown_kind_is_refused(client_user):
    with pytest.raises(KeyError):
        _schedule(client_user, kind="carrier_pigeon")


@pytest.mark.django_db
def test_cancel_suppresses_pending_reminders_about_the_object(client_user, treatment):
    appointment = AppointmentFactory(treatment=treatment)
    (row,) = _schedule(
        client_user,
        kind=Kind.SESSION_REMINDER,
        object=appointment,
        due=timezone.now() + datetime.timedelta(hours=2),
    )
    assert notification_cancel(kind=Kind.SESSION_REMINDER, object=appointment) == 1
    row.refresh_from_db()
    assert (row.status, row.suppressed_reason) == (Status.SUPPRESSED, SuppressedReason.CANCELLED)
    assert row.treatment_id == treatment.pk


@pytest.mark.django_db
def test_sms_follows_the_channels_the_client_chose(client_user, sms_outbox):
    PreferenceFactory(user=client_user, sms_enabled=True, phone_number="07700900123")
    rows = _schedule(client_user)
    assert sorted(r.channel for r in rows) == [Channel.EMAIL, Channel.SMS]
    for row in rows:
        assert notification_deliver(notification_id=row.pk) == "sent"
    assert sms_outbox[0]["to"] == "07700900123"
    assert "new message from your practitioner" in sms_outbox[0]["body"]
    assert len(mail.outbox) == 1


# --- Opting out ------------------------------------------------------------------------


@pytest.mark.django_db
def test_opting_out_applies_to_messages_already_queued(client_user):
    (row,) = _schedule(client_user, kind=Kind.SESSION_REMINDER)
    preference_update(user=client_user, session_reminders=False)
    assert notification_deliver(notification_id=row.pk) == "suppressed"
    row.refresh_from_db()
    assert (row.status, row.suppressed_reason) == (Status.SUPPRESSED, SuppressedReason.OPTED_OUT)
    assert mail.outbox == []


@pytest.mark.django_db
def test_turning_email_off_suppresses_email(client_user):
    (row,) = _schedule(client_user)
    preference_update(user=client_user, email_enabled=False)
    assert notification_deliver(notification_id=row.pk) == "suppressed"
    assert mail.outbox == []


@pytest.mark.django_db
def test_risk_alerts_to_staff_cannot_be_opted_out_of_and_ignore_quiet_hours(
    pwp, default_link_builders
):
    PreferenceFactory(
        user=pwp,
        email_enabled=False,
        quiet_hours_start=datetime.time(0, 0),
        quiet_hours_end=datetime.time(23, 59),
    )
    (row,) = _schedule(pwp, kind=Kind.RISK_ALERT, key="risk_alert:alert:1")
    assert notification_deliver(notification_id=row.pk) == "sent"
    assert mail.outbox[0].to == [pwp.email]


@pytest.mark.django_db
def test_closed_accounts_get_nothing(client_user):
    (row,) = _schedule(client_user)
    client_user.is_active = False
    client_user.save()
    assert notification_deliver(notification_id=row.pk) == "suppressed"
    row.refresh_from_db()
    assert row.suppressed_reason == SuppressedReason.RECIPIENT_INACTIVE


@pytest.mark.django_db
def test_text_messages_need_a_phone_number(client_user):
    with pytest.raises(DomainError) as error:
        preference_update(user=client_user, sms_enabled=True, phone_number="")
    assert error.value.field == "phone_number"


# --- Quiet hours -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("now_utc", "expected_due_utc"),
    [
        # 22:30 BST, evening part of 21:00-08:00: wait until 08:00 BST tomorrow.
        (
            datetime.datetime(2026, 6, 10, 21, 30, tzinfo=UTC),
            datetime.datetime(2026, 6, 11, 7, 0, tzinfo=UTC),
        ),
        # 02:00 BST, after midnight: wait until 08:00 BST the same day.
        (
            datetime.datetime(2026, 6, 11, 1, 0, tzinfo=UTC),
            datetime.datetime(2026, 6, 11, 7, 0, tzinfo=UTC),
        ),
        # 23:00 GMT on the night the clocks go forward: 08:00 BST is 07:00 UTC.
        (
            datetime.datetime(2026, 3, 28, 23, 0, tzinfo=UTC),
            datetime.datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
        ),
        # 23:00 BST on the night the clocks go back: 08:00 GMT is 08:00 UTC.
        (
            datetime.datetime(2026, 10, 24, 22, 0, tzinfo=UTC),
            datetime.datetime(2026, 10, 25, 8, 0, tzinfo=UTC),
        ),
    ],
)
def test_quiet_hours_defer_to_their_end_in_the_clients_zone(client_user, now_utc, expected_due_utc):
    with time_machine.travel(now_utc, tick=False):
        (row,) = _schedule(client_user, kind=Kind.MOOD_REMINDER)
        PreferenceFactory(user=client_user, mood_reminder_enabled=True)
        assert notification_deliver(notification_id=row.pk) == "deferred"
    row.refresh_from_db()
    assert row.status == Status.PENDING
    assert row.due_at == expected_due_utc
    assert row.original_due_at == now_utc
    assert row.attempts == 0
    assert row.waiting_for_quiet_hours
    assert mail.outbox == []
    with time_machine.travel(expected_due_utc, tick=False):
        assert notification_deliver(notification_id=row.pk) == "sent"


@pytest.mark.django_db
def test_quiet_hours_use_the_clients_own_time_zone(client_user):
    client_user.time_zone = "America/New_York"
    client_user.save()
    # 23:00 in London but 18:00 in New York: not quiet for this client.
    with time_machine.travel(datetime.datetime(2026, 1, 15, 23, 0, tzinfo=UTC), tick=False):
        (row,) = _schedule(client_user)
        assert notification_deliver(notification_id=row.pk) == "sent"


@pytest.mark.django_db
def test_account_emails_are_sent_during_quiet_hours(client_user):
    with time_machine.travel(datetime.datetime(2026, 1, 15, 23, 30, tzinfo=UTC), tick=False):
        (row,) = _schedule(client_user, kind=Kind.PASSWORD_RESET)
        assert notification_deliver(notification_id=row.pk) == "sent"


# --- Failures, retries, resend ----------------------------------------------------------


class FlakyBackend(BaseEmailBackend):
    error: type[Exception] = smtplib.SMTPServerDisconnected

    def send_messages(self, messages):
        raise self.error("connection lost")


@pytest.mark.django_db
def test_transient_failures_back_off_then_fail_visibly_and_resend_works(
    client_user, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notifications.test_services.FlakyBackend"
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    start = datetime.datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    (row,) = _schedule(client_user, due=start)
    delays = []
    moment = start
    for _attempt in range(3):
        with time_machine.travel(moment, tick=False):
            notification_deliver(notification_id=row.pk)
        row.refresh_from_db()
        delays.append(row.due_at - moment)
        moment = row.due_at
    assert row.status == Status.FAILED
    assert row.attempts == 3
    assert row.last_error == "SMTPServerDisconnected"
    # Two back-offs, growing: 30-60 s, then 60-120 s (base 60 s, jitter 0.5-1).
    assert datetime.timedelta(seconds=30) <= delays[0] <= datetime.timedelta(seconds=60)
    assert datetime.timedelta(seconds=60) <= delays[1] <= datetime.timedelta(seconds=120)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_resend(notification=row) is True
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert len(mail.outbox) == 1
    # A sent message is never resent.
    assert notification_resend(notification=row) is False


@pytest.mark.django_db
def test_permanent_failures_fail_at_once(client_user, settings):
    FlakyBackend.error = smtplib.SMTPRecipientsRefused
    settings.EMAIL_BACKEND = "tests.notifications.test_services.FlakyBackend"
    try:
        (row,) = _schedule(client_user)
        assert notification_deliver(notification_id=row.pk) == "failed"
    finally:
        FlakyBackend.error = smtplib.SMTPServerDisconnected
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, 1)


@pytest.mark.django_db
def test_a_send_abandoned_by_a_killed_worker_is_sent_after_the_lease(
    client_user, django_capture_on_commit_callbacks
):
    start = datetime.datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        (row,) = _schedule(client_user)
        Notification.objects.filter(pk=row.pk).update(status=Status.SENDING, claimed_at=start)
    with time_machine.travel(start + datetime.timedelta(minutes=1), tick=False):
        assert notifications_dispatch_due() == 0  # still within the lease
    # A reminder recovers within a few minutes (lease 2 minutes + the next sweep).
    with time_machine.travel(start + datetime.timedelta(minutes=3), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert notifications_dispatch_due() == 1
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_an_abandoned_risk_alert_is_sent_again_within_a_minute(pwp):
    start = datetime.datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        (alert,) = notification_schedule(
            recipient=pwp, kind=Kind.RISK_ALERT, due_at=start, dedupe_key="risk:test"
        )
        reminder = _schedule(pwp)[0]
        Notification.objects.filter(pk__in=[alert.pk, reminder.pk]).update(
            status=Status.SENDING, claimed_at=start
        )
    with time_machine.travel(start + datetime.timedelta(seconds=20), tick=False):
        assert notifications_dispatch_due(urgent_only=True) == 0  # within its lease
    with time_machine.travel(start + datetime.timedelta(seconds=45), tick=False):
        assert notifications_dispatch_due(urgent_only=True) == 1
    alert.refresh_from_db()
    reminder.refresh_from_db()
    # Handed out again (here suppressed at send time: the test alert has no object).
    assert alert.status != Status.SENDING and alert.attempts == 1
    assert reminder.status == Status.SENDING  # reminders keep their longer lease


# --- Message text -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [k.value for k in Kind])
@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.SMS])
@time_machine.travel(datetime.datetime(2026, 5, 4, 10, 0, tzinfo=UTC), tick=False)
def test_messages_say_nothing_clinical(
    client_user, treatment, kind, channel, default_link_builders
):
    from apps.notifications.services import session_reminder_key

    client_user.set_unusable_password()  # an invitation is only sent before sign-up
    client_user.save()
    appointment = AppointmentFactory(treatment=treatment)
    recipient, subject = client_user, ("care.appointment", str(appointment.pk))
    if kind in LIFECYCLE_CLIENT_KINDS.values() or kind.startswith("caseload_"):
        # Lifecycle messages are about a step of the treatment (here: the one it is in).
        step = TreatmentTransition.objects.create(
            treatment=treatment,
            kind=TransitionKind.TRANSFER,
            from_status=treatment.status,
            to_status=treatment.status,
            from_pwp=treatment.pwp,
            to_pwp=treatment.pwp,
            actor=treatment.pwp,
        )
        subject = ("care.treatmenttransition", str(step.pk))
        if kind.startswith("caseload_"):
            recipient = treatment.pwp
    row = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        channel=channel,
        dedupe_key=session_reminder_key(appointment),
        due_at=timezone.now(),
        original_due_at=timezone.now(),
        object_type=subject[0],
        object_id=subject[1],
        # What a careless caller might put in context: a score and an item answer.
        context={"phq9_total": 23, "item9": 3},
    )
    text = notification_render(row)
    rendered = f"{text.subject}\n{text.body}".lower()
    assert not re.search(r"\b23\b", rendered), kind
    for clinical in ("phq", "score", "depress", "suicid", "harm", "item 9", "anxiety"):
        assert clinical not in rendered, (kind, clinical)
    assert "http" in rendered  # every message takes the person somewhere useful
    if channel == Channel.EMAIL:
        assert text.subject


@pytest.mark.django_db
def test_new_message_alert_never_contains_the_message(client_user):
    (row,) = _schedule(client_user, kind=Kind.NEW_MESSAGE, context={"message_id": 41})
    text = notification_render(row)
    assert "You have a new message from your practitioner. Sign in to read it" in text.body
    assert "41" not in text.body


@pytest.mark.django_db
def test_session_reminder_gives_the_local_time_and_no_place(client_user, treatment):
    appointment = AppointmentFactory(
        treatment=treatment,
        starts_at=datetime.datetime(2026, 7, 7, 8, 30, tzinfo=UTC),
        location="Room 4, Riverside Mental Health Centre",
    )
    from apps.notifications.services import session_reminder_key

    (row,) = _schedule(
        client_user,
        kind=Kind.SESSION_REMINDER,
        key=session_reminder_key(appointment),
        object=appointment,
    )
    text = notification_render(row)
    assert "Tuesday 7 July at 9:30am" in text.body
    assert "Riverside" not in text.body


@pytest.mark.django_db
def test_names_arrive_as_typed_not_html_escaped(client_user):
    """Emails are plain text: an apostrophe or ampersand is not an HTML entity."""
    client_user.preferred_name = "Siobhán O'Brien & Co"
    client_user.save(update_fields=["preferred_name"])
    (row,) = _schedule(client_user, kind=Kind.MOOD_REMINDER, channels=[Channel.EMAIL])
    text = notification_render(row)
    assert "O'Brien & Co" in text.body
    assert "&#x27;" not in text.body + text.subject and "&amp;" not in text.body + text.subject

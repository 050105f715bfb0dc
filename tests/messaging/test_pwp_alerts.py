"""The PWP hears that a client wrote, never what they wrote, at most once an hour."""

import datetime
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from apps.messaging.models import Message
from apps.messaging.services import message_send
from apps.notifications.models import Notification, NotificationPreference, Status
from apps.notifications.services import notification_deliver

SECRET = "I stopped taking my tablets on Tuesday"


@pytest.fixture(autouse=True)
def no_quiet_hours(settings):
    # Start == end means no quiet hours, so sends happen whatever time the tests run.
    settings.NOTIFICATIONS_QUIET_HOURS_START = datetime.time(0, 0)
    settings.NOTIFICATIONS_QUIET_HOURS_END = datetime.time(0, 0)


def _send(sender, treatment, body=SECRET):
    return message_send(
        sender=sender, treatment=treatment, body=body, idempotency_key=uuid.uuid4()
    )[0]


@pytest.mark.django_db
def test_pwp_email_says_only_that_a_client_wrote(
    treatment, client_user, pwp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(client_user, treatment)
    row = Notification.objects.get(kind="new_client_message")
    assert row.recipient == pwp and row.status == Status.SENT
    assert row.treatment == treatment  # it shows in the client's staff log
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [pwp.email]
    text = email.subject + email.body
    assert "A client has sent you a message. Sign in to read it." in email.body
    for private in (
        SECRET,
        "tablets",
        client_user.first_name,
        client_user.last_name,
        client_user.email,
        treatment.participant_id,
    ):
        assert private not in text
    assert f"/{treatment.pk}/" not in email.body  # the link names no conversation


@pytest.mark.django_db
def test_two_client_messages_in_the_same_hour_send_one_email(
    treatment, client_user, pwp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _send(client_user, treatment, "One")
    with django_capture_on_commit_callbacks(execute=True):
        second = _send(client_user, treatment, "Two")
    # Same clock hour (moved into it if the test straddles an hour).
    Message.objects.filter(pk=second.pk).update(created_at=first.created_at)
    assert Notification.objects.filter(kind="new_client_message").count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_message_in_a_later_hour_sends_another_email(
    treatment, client_user, django_capture_on_commit_callbacks, monkeypatch
):
    later = timezone.now() + datetime.timedelta(hours=1, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        _send(client_user, treatment, "One")
    # Message.created_at defaults to "now": make the second message an hour later.
    monkeypatch.setattr(Message._meta.get_field("created_at"), "_get_default", lambda: later)
    with django_capture_on_commit_callbacks(execute=True):
        _send(client_user, treatment, "Two")
    rows = Notification.objects.filter(kind="new_client_message")
    assert rows.count() == 2
    assert len({r.dedupe_key for r in rows}) == 2


@pytest.mark.django_db
def test_another_clients_thread_is_batched_separately(
    treatment, client_user, pwp, service, django_capture_on_commit_callbacks
):
    from tests.factories import TreatmentFactory

    second = TreatmentFactory(pwp=pwp, service=service)
    with django_capture_on_commit_callbacks(execute=True):
        _send(client_user, treatment)
        _send(second.client, second)
    assert Notification.objects.filter(kind="new_client_message", recipient=pwp).count() == 2


@pytest.mark.django_db
def test_pwp_who_turned_message_emails_off_gets_none(
    treatment, client_user, pwp, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=pwp, message_emails=False)
    with django_capture_on_commit_callbacks(execute=True):
        _send(client_user, treatment)
    row = Notification.objects.get(kind="new_client_message")
    assert row.status == Status.SUPPRESSED
    assert row.suppressed_reason == "opted_out"
    assert row.explanation == "The person turned these off"
    assert mail.outbox == []


@pytest.mark.django_db
def test_pwp_reply_alerts_the_client_not_the_pwp(
    treatment, pwp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(pwp, treatment, "See you Monday")
    assert not Notification.objects.filter(kind="new_client_message").exists()
    assert Notification.objects.get(kind="new_message").recipient == treatment.client


@pytest.mark.django_db
def test_delivering_the_batched_row_twice_sends_once(
    treatment, client_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(client_user, treatment)
    row = Notification.objects.get(kind="new_client_message")
    assert notification_deliver(notification_id=row.pk) == "not_claimed"
    assert len(mail.outbox) == 1

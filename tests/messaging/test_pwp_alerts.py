"""The PWP hears that a client wrote, never what they wrote, once per batch of unread messages."""

import datetime
import uuid

import pytest
from django.core import mail

from apps.messaging.services import message_send, thread_mark_read
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
def test_messages_the_pwp_has_not_read_yet_send_one_email(
    treatment, client_user, pwp, django_capture_on_commit_callbacks
):
    for body in ("One", "Two", "Three"):
        with django_capture_on_commit_callbacks(execute=True):
            _send(client_user, treatment, body)
    assert Notification.objects.filter(kind="new_client_message").count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_once_the_pwp_has_read_the_thread_the_next_message_sends_another_email(
    treatment, client_user, pwp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(client_user, treatment, "One")
    thread_mark_read(reader=pwp, treatment=treatment)
    with django_capture_on_commit_callbacks(execute=True):
        _send(client_user, treatment, "Two")
        _send(client_user, treatment, "Three")
    rows = Notification.objects.filter(kind="new_client_message")
    assert rows.count() == 2
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_supervisor_reading_the_thread_does_not_reset_the_batch(
    treatment, client_user, supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(client_user, treatment, "One")
    thread_mark_read(reader=supervisor, treatment=treatment)
    with django_capture_on_commit_callbacks(execute=True):
        _send(client_user, treatment, "Two")
    assert Notification.objects.filter(kind="new_client_message").count() == 1


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

"""Large sweeps of reminders go out several to a send task
(`notifications_deliver`, issue 15), with the guarantees of single sends:
every outcome the same as `notification_deliver` gives, one row per batch in
flight between its claim and its "sent", nothing sent twice by a second task,
and nothing lost when the broker is down or the batch runs out of time."""

import datetime
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import OperationalError

from apps.accounts.models import User
from apps.notifications import services, tasks
from apps.notifications.kinds import Kind
from apps.notifications.models import Channel, Notification, Status
from apps.notifications.services import (
    SEND_SPREAD,
    notification_deliver,
    notifications_deliver,
    notifications_dispatch_due,
    send_batch_size,
)
from tests.factories import ClientFactory
from tests.notifications.factories import AppointmentFactory, PreferenceFactory

UTC = datetime.UTC
NOON = datetime.datetime(2026, 6, 10, 11, 0, tzinfo=UTC)  # daytime in London


class FlakyForSome(EmailBackend):
    """locmem, but addresses with "flaky" in them meet a dropped connection."""

    def send_messages(self, messages):
        for message in messages:
            if any("flaky" in to for to in message.to):
                raise smtplib.SMTPServerDisconnected("gone")
        return super().send_messages(messages)


def _row(user, key, *, kind=Kind.MOOD_REMINDER, due=NOON, **fields) -> Notification:
    return Notification.objects.create(
        recipient=user,
        kind=kind,
        channel=Channel.EMAIL,
        dedupe_key=key,
        due_at=due,
        original_due_at=due,
        **fields,
    )


def _no_quiet_hours(user) -> None:
    PreferenceFactory(
        user=user,
        mood_reminder_enabled=True,
        quiet_hours_start=datetime.time(0, 0),
        quiet_hours_end=datetime.time(0, 0),
    )


def _people() -> dict[str, User]:
    """One person per way a due reminder can end."""
    people = {
        "plain": ClientFactory(),
        "opted_out": ClientFactory(),
        "email_off": ClientFactory(),
        "quiet": ClientFactory(),
        "closed": ClientFactory(is_active=False),
        "no_address": ClientFactory(),
        "flaky": ClientFactory(email="flaky@example.org"),
    }
    for user in people.values():
        _no_quiet_hours(user)
    PreferenceFactory._meta.model.objects.filter(user=people["opted_out"]).update(
        mood_reminder_enabled=False
    )
    PreferenceFactory._meta.model.objects.filter(user=people["email_off"]).update(
        email_enabled=False
    )
    PreferenceFactory._meta.model.objects.filter(user=people["quiet"]).update(
        quiet_hours_start=datetime.time(9, 0), quiet_hours_end=datetime.time(18, 0)
    )
    User.objects.filter(pk=people["no_address"].pk).update(email="")
    return people


def _cases(people, tag) -> dict[str, Notification]:
    rows = {name: _row(user, f"{tag}:{name}") for name, user in people.items()}
    rows["claimed_elsewhere"] = _row(
        people["plain"], f"{tag}:elsewhere", status=Status.SENDING, claimed_at=NOON
    )
    # A session reminder whose session is gone: suppressed at send time.
    appointment = AppointmentFactory()
    rows["session_gone"] = _row(
        appointment.treatment.client,
        f"{tag}:gone",
        kind=Kind.SESSION_REMINDER,
        object_type="care.appointment",
        object_id="999999",
    )
    return rows


def _state(row: Notification) -> tuple:
    row.refresh_from_db()
    return (
        row.status,
        row.suppressed_reason,
        row.attempts,
        row.due_at,
        row.last_error,
        row.handed_at is not None,
        row.sent_at is not None,
        row.claimed_at is None,
    )


@pytest.mark.django_db
def test_a_batch_ends_each_row_as_single_sends_do(settings, monkeypatch):
    settings.EMAIL_BACKEND = "tests.notifications.test_batches.FlakyForSome"
    monkeypatch.setattr(services, "retry_delay", lambda attempts: datetime.timedelta(minutes=1))
    people = _people()
    singles, batched = _cases(people, "single"), _cases(people, "batch")
    with time_machine.travel(NOON, tick=False):
        for row in singles.values():
            notification_deliver(notification_id=row.pk)
        sent_singly = len(mail.outbox)
        counts = notifications_deliver(notification_ids=[r.pk for r in batched.values()])
    assert {name: _state(row) for name, row in batched.items()} == {
        name: _state(row) for name, row in singles.items()
    }
    assert len(mail.outbox) == 2 * sent_singly == 2
    # The row another worker holds is not even read.
    assert counts == {"sent": 1, "suppressed": 5, "deferred": 1, "retry": 1}
    assert batched["quiet"].status == Status.PENDING  # waits for 18:00 London
    assert batched["flaky"].last_error == "SMTPServerDisconnected"


@pytest.mark.django_db
def test_one_row_of_a_batch_is_in_flight_when_the_database_goes_away(monkeypatch, settings):
    """The "sent" of row 5 cannot be written: rows 1-4 are sent and marked,
    row 5 was accepted and stays "sending" (sent again after its lease, with
    the same Message-ID), rows 6-10 were never claimed."""
    settings.NOTIFICATIONS_MARK_SENT_RETRY_SECONDS = 0
    user = ClientFactory()
    _no_quiet_hours(user)
    rows = [_row(user, f"k{i}") for i in range(10)]
    broken = rows[4].pk
    real = services._mark_sent_once

    def flaky(mine, **fields):
        if mine.filter(pk=broken).exists():
            raise OperationalError("server closed the connection unexpectedly")
        return real(mine, **fields)

    monkeypatch.setattr(services, "_mark_sent_once", flaky)
    with time_machine.travel(NOON, tick=True), pytest.raises(OperationalError):
        notifications_deliver(notification_ids=[r.pk for r in rows])
    states = [Notification.objects.get(pk=r.pk).status for r in rows]
    assert states == [Status.SENT] * 4 + [Status.SENDING] + [Status.PENDING] * 5
    assert [int(m.extra_headers["X-Tandem-Notification"]) for m in mail.outbox] == [
        r.pk for r in rows[:5]
    ]

    monkeypatch.setattr(services, "_mark_sent_once", real)
    with time_machine.travel(NOON + datetime.timedelta(minutes=5), tick=False):
        assert notifications_dispatch_due() == 6  # row 5 after its lease, and the rest
    assert Notification.objects.filter(status=Status.SENT).count() == 10
    ids = [m.extra_headers["X-Tandem-Notification"] for m in mail.outbox]
    assert len(ids) == 11 and ids.count(str(broken)) == 2  # the one in flight, recognisably


@pytest.mark.django_db
def test_a_second_task_for_the_same_rows_sends_nothing():
    user = ClientFactory()
    _no_quiet_hours(user)
    ids = [_row(user, f"k{i}").pk for i in range(5)]
    with time_machine.travel(NOON, tick=True):
        assert notifications_deliver(notification_ids=ids) == {"sent": 5}
        assert notifications_deliver(notification_ids=ids) == {}
    assert len(mail.outbox) == 5


@pytest.mark.django_db
def test_a_batch_out_of_time_hands_its_rows_back_to_the_sweep(settings):
    settings.NOTIFICATIONS_SEND_TIME_LIMIT = 0
    user = ClientFactory()
    ids = [_row(user, f"k{i}", enqueued_at=NOON).pk for i in range(3)]
    with time_machine.travel(NOON, tick=True):
        assert notifications_deliver(notification_ids=ids) == {"returned": 3}
    assert set(Notification.objects.values_list("status", "enqueued_at")) == {
        (Status.PENDING, None)
    }
    assert mail.outbox == []


def test_small_sweeps_keep_one_task_per_row_and_large_ones_group_rows(settings):
    settings.NOTIFICATIONS_SEND_BATCH = 25
    assert send_batch_size(1) == send_batch_size(SEND_SPREAD) == 1
    assert send_batch_size(SEND_SPREAD + 1) == 2
    assert send_batch_size(1000) == 16
    assert send_batch_size(10_000) == 25


@pytest.mark.django_db
def test_the_sweep_queues_urgent_rows_first_then_reminders_in_groups(monkeypatch, pwp):
    singles, batches = [], []
    monkeypatch.setattr(tasks.notification_send, "delay", lambda pk: singles.append(pk))
    monkeypatch.setattr(tasks.notification_send_urgent, "delay", lambda pk: singles.append(pk))
    monkeypatch.setattr(tasks.notifications_send_batch, "delay", lambda ids: batches.append(ids))
    user = ClientFactory()
    reminders = [_row(user, f"k{i}", due=NOON + datetime.timedelta(seconds=i)) for i in range(130)]
    alert = _row(pwp, "risk", kind=Kind.RISK_ALERT, due=NOON + datetime.timedelta(minutes=5))
    with time_machine.travel(NOON + datetime.timedelta(minutes=10), tick=False):
        assert notifications_dispatch_due() == 131
    # The alert first; then groups of three in due order (the last row alone).
    assert singles == [alert.pk, reminders[-1].pk]
    assert [len(b) for b in batches] == [3] * 43
    assert [pk for b in batches for pk in b] == [r.pk for r in reminders[:-1]]


@pytest.mark.django_db
def test_a_broker_outage_while_queueing_groups_leaves_the_rest_for_the_next_sweep(monkeypatch):
    calls = []

    def delay(ids):
        calls.append(ids)
        if len(calls) > 2:
            raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.notifications_send_batch, "delay", delay)
    user = ClientFactory()
    for i in range(130):
        _row(user, f"k{i}")
    with time_machine.travel(NOON, tick=False):
        assert notifications_dispatch_due() == 6  # two groups of three went out
    assert Notification.objects.filter(enqueued_at__isnull=False).count() == 6
    assert Notification.objects.filter(enqueued_at__isnull=True).count() == 124

"""A reminder held back by quiet hours never arrives after the session it is about.

Quiet hours 21:00-08:00 (the defaults), in the client's own zone, on an ordinary
night and on both clock-change nights of two zones. Before: a 07:30 session
booked at 22:00 got its reminder at 08:00, after the session had begun.
"""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail

from apps.notifications.kinds import Kind
from apps.notifications.models import Notification, Status, SuppressedReason
from apps.notifications.services import notification_deliver, session_reminders_sync
from tests.factories import TreatmentFactory
from tests.notifications.factories import AppointmentFactory

# (zone, the local date of the session): an ordinary day, the spring and the
# autumn clock change (the night before the session is the change night).
NIGHTS = [
    ("Europe/London", datetime.date(2026, 6, 11)),
    ("Europe/London", datetime.date(2027, 3, 28)),
    ("Europe/London", datetime.date(2026, 10, 25)),
    ("America/New_York", datetime.date(2026, 6, 11)),
    ("America/New_York", datetime.date(2027, 3, 14)),
    ("America/New_York", datetime.date(2026, 11, 1)),
]


def _at(zone: str, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute)).replace(
        tzinfo=zoneinfo.ZoneInfo(zone)
    )


def _book_and_run(zone: str, booked_at: datetime.datetime, starts_at: datetime.datetime):
    """Book at `booked_at`, then let the outbox run until the row settles."""
    treatment = TreatmentFactory(client__time_zone=zone)
    with time_machine.travel(booked_at, tick=False):
        appointment = AppointmentFactory(treatment=treatment, starts_at=starts_at)
        session_reminders_sync(appointment=appointment)
    row = Notification.objects.get(kind=Kind.SESSION_REMINDER)
    moment = booked_at
    for _ in range(4):
        moment = max(moment, row.due_at)
        with time_machine.travel(moment, tick=False):
            notification_deliver(notification_id=row.pk)
        row.refresh_from_db()
        if row.status != Status.PENDING:
            break
    return row


@pytest.mark.django_db
@pytest.mark.parametrize(("zone", "day"), NIGHTS)
def test_a_0730_session_booked_at_2200_gets_no_reminder_after_it_began(zone, day):
    starts = _at(zone, day, 7, 30)
    row = _book_and_run(zone, _at(zone, day - datetime.timedelta(days=1), 22), starts)
    assert (row.status, row.suppressed_reason) == (Status.SUPPRESSED, SuppressedReason.TOO_LATE)
    assert mail.outbox == []
    assert "too close to the session" in row.explanation


@pytest.mark.django_db
@pytest.mark.parametrize(("zone", "day"), NIGHTS)
def test_a_reminder_due_in_quiet_hours_that_end_too_late_goes_before_they_begin(
    zone, day, settings
):
    # Reminders so far ahead that a 07:30 session's falls due at 21:30 (10 hours,
    # 9 or 11 over a clock change), in quiet hours that end at 08:00, after the
    # session began: it goes at 20:59 instead.
    starts = _at(zone, day, 7, 30)
    eve = day - datetime.timedelta(days=1)
    gap = starts.astimezone(datetime.UTC) - _at(zone, eve, 21, 30).astimezone(datetime.UTC)
    settings.NOTIFICATIONS_SESSION_REMINDER_HOURS = int(gap.total_seconds() // 3600)
    row = _book_and_run(zone, _at(zone, eve, 20, 45), starts)
    assert row.status == Status.SENT
    assert row.sent_at == _at(zone, day - datetime.timedelta(days=1), 20, 59)
    assert len(mail.outbox) == 1
    assert "Sent before the person's quiet hours begin" in row.explanation


@pytest.mark.django_db
@pytest.mark.parametrize(("zone", "day"), NIGHTS)
def test_a_1000_session_booked_at_2200_is_reminded_when_quiet_hours_end(zone, day):
    starts = _at(zone, day, 10, 0)
    row = _book_and_run(zone, _at(zone, day - datetime.timedelta(days=1), 22), starts)
    assert row.status == Status.SENT
    assert row.sent_at == _at(zone, day, 8, 0)
    assert row.sent_at <= starts - datetime.timedelta(hours=1)
    assert "Sent when the person's quiet hours ended" in row.explanation

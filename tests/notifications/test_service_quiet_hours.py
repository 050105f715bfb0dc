"""Quiet hours per service: each service's clients get their reminders at their
service's times, unless they chose their own; safety alerts never wait."""

import datetime
import uuid
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.messaging.services import message_send
from apps.notifications.kinds import Kind
from apps.notifications.models import Notification, NotificationPreference, Status
from apps.notifications.selectors import preference_for
from apps.notifications.services import (
    notification_deliver,
    notification_schedule,
    service_quiet_hours_set,
    session_reminders_sync,
)
from tests.factories import ServiceFactory, StaffFactory, TreatmentFactory
from tests.notifications.factories import AppointmentFactory, PreferenceFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute)).replace(tzinfo=LONDON)


def _book_and_run(treatment, booked_at, starts_at) -> Notification:
    """Book a session at `booked_at`, then let the outbox run until its reminder settles."""
    with time_machine.travel(booked_at, tick=False):
        appointment = AppointmentFactory(treatment=treatment, starts_at=starts_at)
        session_reminders_sync(appointment=appointment)
    row = Notification.objects.get(kind=Kind.SESSION_REMINDER, recipient=treatment.client)
    moment = booked_at
    for _ in range(4):
        moment = max(moment, row.due_at)
        with time_machine.travel(moment, tick=False):
            notification_deliver(notification_id=row.pk)
        row.refresh_from_db()
        if row.status != Status.PENDING:
            break
    return row


@pytest.fixture
def two_services():
    """North keeps the platform's quiet hours (21:00-08:00); South has 23:00-06:00."""
    north, south = ServiceFactory(code="NQH"), ServiceFactory(code="SQH")
    lead = StaffFactory(supervisor_of=south)
    service_quiet_hours_set(
        actor=lead, service=south, start=datetime.time(23, 0), end=datetime.time(6, 0)
    )
    return north, south


def test_clients_of_two_services_get_their_reminders_at_their_services_times(two_services):
    north, south = two_services
    day = datetime.date(2026, 6, 11)
    north_client = TreatmentFactory(service=north)
    south_client = TreatmentFactory(service=south)
    # Both book a 10:00 session at 22:00 the evening before: the reminder is due at once.
    north_row = _book_and_run(north_client, _at(day - datetime.timedelta(days=1), 22), _at(day, 10))
    south_row = _book_and_run(south_client, _at(day - datetime.timedelta(days=1), 22), _at(day, 10))

    assert north_row.status == south_row.status == Status.SENT
    assert north_row.sent_at == _at(day, 8, 0)  # North is quiet at 22:00 until 08:00
    assert south_row.sent_at == _at(day - datetime.timedelta(days=1), 22, 0)  # South is not
    assert len(mail.outbox) == 2


def test_a_client_who_chose_their_own_quiet_hours_keeps_them(two_services):
    _north, south = two_services
    day = datetime.date(2026, 6, 11)
    treatment = TreatmentFactory(service=south)
    PreferenceFactory(
        user=treatment.client,
        quiet_hours_start=datetime.time(20, 0),
        quiet_hours_end=datetime.time(9, 0),
    )
    row = _book_and_run(treatment, _at(day - datetime.timedelta(days=1), 22), _at(day, 11))
    assert row.sent_at == _at(day, 9, 0)


def test_the_planner_brings_a_reminder_before_the_services_quiet_hours(two_services, settings):
    _north, south = two_services
    day = datetime.date(2026, 6, 11)
    # A 06:30 session booked at 22:50, with reminders 7 hours ahead: due at 23:30,
    # inside South's quiet hours (23:00-06:00), not yet inside them when booked.
    treatment = TreatmentFactory(service=south)
    settings.NOTIFICATIONS_SESSION_REMINDER_HOURS = 7
    with time_machine.travel(_at(day - datetime.timedelta(days=1), 22, 50), tick=False):
        appointment = AppointmentFactory(treatment=treatment, starts_at=_at(day, 6, 30))
        session_reminders_sync(appointment=appointment)
    row = Notification.objects.get(kind=Kind.SESSION_REMINDER)
    # South's quiet hours end at 06:00, less than an hour before the session: it
    # goes just before they begin (23:00) instead.
    assert row.due_at == _at(day - datetime.timedelta(days=1), 22, 59)


def test_safety_alerts_are_never_held_by_the_services_quiet_hours(
    two_services, django_capture_on_commit_callbacks
):
    _north, south = two_services
    treatment = TreatmentFactory(service=south)
    # 23:30 in London: inside South's quiet hours (23:00-06:00).
    with time_machine.travel(_at(datetime.date(2026, 6, 10), 23, 30)):
        with django_capture_on_commit_callbacks(execute=True):
            message_send(
                sender=treatment.client,
                treatment=treatment,
                body="I am going to kill myself tonight",
                idempotency_key=uuid.uuid4(),
            )
        (reminder,) = notification_schedule(
            recipient=treatment.client,
            kind=Kind.NEW_MESSAGE,
            due_at=timezone.now(),
            dedupe_key="new_message:test",
        )
        assert notification_deliver(notification_id=reminder.pk) == "deferred"
    alert_email = Notification.objects.get(kind=Kind.RISK_ALERT, recipient=treatment.pwp)
    assert alert_email.status == Status.SENT


def test_a_client_following_the_service_moves_with_it(client, two_services):
    north, _south = two_services
    treatment = TreatmentFactory(service=north)
    user = treatment.client
    client.force_login(user)
    url = reverse("notifications:preferences")
    page = client.get(url).content.decode()
    assert "quiet hours are 21:00 to 08:00" in page
    form = {
        "email_enabled": "on",
        "session_reminders": "on",
        "mood_reminder_time": "19:00",
        "time_zone": "Europe/London",
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "08:00",
    }
    assert client.post(url, form).status_code == 302
    # Saved as "the service's", so a later change of the service's reaches them.
    assert not NotificationPreference.objects.get(user=user).has_own_quiet_hours
    service_quiet_hours_set(
        actor=treatment.pwp, service=north, start=datetime.time(22, 0), end=datetime.time(7, 0)
    )
    assert preference_for(user).quiet_hours == (datetime.time(22, 0), datetime.time(7, 0))

    assert client.post(url, {**form, "quiet_hours_start": "20:00"}).status_code == 302
    pref = preference_for(user)
    assert pref.has_own_quiet_hours
    assert pref.quiet_hours == (datetime.time(20, 0), datetime.time(8, 0))
    assert "You have chosen your own" in client.get(url).content.decode()

"""Planners: rows made from the database by beat, in each client's own time."""

import datetime

import pytest
import time_machine
from django.core import mail

from apps.accounts.models import LoginEvent
from apps.care.models import AppointmentStatus, TreatmentStatus
from apps.notifications.kinds import Kind
from apps.notifications.models import Channel, Notification, Status, SuppressedReason, local_moment
from apps.notifications.selectors import last_activity_at
from apps.notifications.services import (
    inactivity_nudges_plan,
    mood_reminders_plan,
    notification_deliver,
    preference_update,
    session_reminders_plan,
    session_reminders_sync,
)
from apps.tracking.models import MoodRating
from tests.notifications.factories import AppointmentFactory, PreferenceFactory

UTC = datetime.UTC
NOW = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _rows(kind):
    return list(Notification.objects.filter(kind=kind).order_by("due_at"))


# --- Session reminders -----------------------------------------------------------------


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_session_reminder_is_planned_24_hours_before_once(treatment):
    appointment = AppointmentFactory(
        treatment=treatment, starts_at=NOW + datetime.timedelta(hours=24, minutes=30)
    )
    AppointmentFactory(treatment=treatment, starts_at=NOW + datetime.timedelta(days=3))  # later
    assert session_reminders_plan() == 1
    assert session_reminders_plan() == 0  # beat firing twice adds nothing
    (row,) = _rows(Kind.SESSION_REMINDER)
    assert row.due_at == appointment.starts_at - datetime.timedelta(hours=24)
    assert row.dedupe_key == f"session_reminder:appointment:{appointment.pk}:2026-05-05T09:30Z"
    assert row.recipient == treatment.client
    assert row.treatment == treatment


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_no_reminders_for_cancelled_sessions_or_closed_treatments(treatment, other_treatment):
    AppointmentFactory(
        treatment=treatment,
        starts_at=NOW + datetime.timedelta(hours=20),
        status=AppointmentStatus.CANCELLED_BY_CLIENT,
    )
    other_treatment.status = TreatmentStatus.WITHDRAWN
    other_treatment.save()
    AppointmentFactory(treatment=other_treatment, starts_at=NOW + datetime.timedelta(hours=20))
    assert session_reminders_plan() == 0


@pytest.mark.django_db
def test_rescheduling_cancels_the_old_reminder_and_plans_a_new_one(treatment):
    with time_machine.travel(NOW, tick=False):
        appointment = AppointmentFactory(
            treatment=treatment, starts_at=NOW + datetime.timedelta(hours=20)
        )
        session_reminders_plan()
        appointment.starts_at = NOW + datetime.timedelta(hours=22)
        appointment.save()
        session_reminders_plan()
    old, new = sorted(_rows(Kind.SESSION_REMINDER), key=lambda n: n.pk)
    assert (old.status, old.suppressed_reason) == (Status.SUPPRESSED, SuppressedReason.CANCELLED)
    assert new.status == Status.PENDING
    assert new.dedupe_key.endswith("2026-05-05T07:00Z")


@pytest.mark.django_db
def test_moving_a_session_back_revives_its_reminder(treatment):
    with time_machine.travel(NOW, tick=False):
        original = NOW + datetime.timedelta(hours=20)
        appointment = AppointmentFactory(treatment=treatment, starts_at=original)
        session_reminders_sync(appointment=appointment)
        appointment.starts_at = original + datetime.timedelta(hours=1)
        appointment.save()
        session_reminders_sync(appointment=appointment)
        appointment.starts_at = original
        appointment.save()
        session_reminders_sync(appointment=appointment)
    statuses = {n.dedupe_key[-6:]: n.status for n in _rows(Kind.SESSION_REMINDER)}
    assert statuses == {"05:00Z": Status.PENDING, "06:00Z": Status.SUPPRESSED}


@pytest.mark.django_db
def test_a_session_cancelled_after_planning_is_not_reminded(treatment):
    with time_machine.travel(NOW, tick=False):
        appointment = AppointmentFactory(
            treatment=treatment, starts_at=NOW + datetime.timedelta(hours=20)
        )
        session_reminders_plan()
        appointment.status = AppointmentStatus.CANCELLED_BY_SERVICE
        appointment.save()
        (row,) = _rows(Kind.SESSION_REMINDER)
        # Even before any planner or service withdraws it, the send-time check does.
        assert notification_deliver(notification_id=row.pk) == "suppressed"
    row.refresh_from_db()
    assert row.suppressed_reason == SuppressedReason.CANCELLED
    assert mail.outbox == []


@pytest.mark.django_db
def test_booking_through_the_sessions_service_plans_the_reminder_once(treatment, pwp):
    from apps.care.services import appointment_cancel, appointment_schedule

    with time_machine.travel(NOW, tick=False):
        appointment = appointment_schedule(
            actor=pwp, treatment=treatment, starts_at=NOW + datetime.timedelta(hours=30)
        )
        session_reminders_plan()
        with time_machine.travel(NOW + datetime.timedelta(hours=6), tick=False):
            session_reminders_plan()
        assert len(_rows(Kind.SESSION_REMINDER)) == 1
        appointment_cancel(actor=pwp, appointment=appointment, by_client=True)
    (row,) = _rows(Kind.SESSION_REMINDER)
    assert row.status == Status.SUPPRESSED


# --- Mood reminders across the clock changes ---------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("planned_at", "expected"),
    [
        # Clocks go forward on Sunday 29 March 2026: 19:00 GMT, then 19:00 BST.
        (
            datetime.datetime(2026, 3, 28, 12, 0, tzinfo=UTC),
            [
                datetime.datetime(2026, 3, 28, 19, 0, tzinfo=UTC),
                datetime.datetime(2026, 3, 29, 18, 0, tzinfo=UTC),
            ],
        ),
        # Clocks go back on Sunday 25 October 2026: 19:00 BST, then 19:00 GMT.
        (
            datetime.datetime(2026, 10, 24, 12, 0, tzinfo=UTC),
            [
                datetime.datetime(2026, 10, 24, 18, 0, tzinfo=UTC),
                datetime.datetime(2026, 10, 25, 19, 0, tzinfo=UTC),
            ],
        ),
    ],
)
def test_mood_reminder_stays_at_the_chosen_local_time_across_clock_changes(
    client_user, planned_at, expected
):
    PreferenceFactory(
        user=client_user, mood_reminder_enabled=True, mood_reminder_time=datetime.time(19, 0)
    )
    with time_machine.travel(planned_at, tick=False):
        mood_reminders_plan()
    # Planned again every few minutes through the change: still one a day.
    for hours in range(1, 34, 3):
        with time_machine.travel(planned_at + datetime.timedelta(hours=hours), tick=False):
            mood_reminders_plan()
    due = [n.due_at for n in _rows(Kind.MOOD_REMINDER)]
    assert due[:2] == expected
    assert len(due) == len({n.dedupe_key for n in _rows(Kind.MOOD_REMINDER)})
    assert len(due) == 3  # 28th/29th/30th (or 24th/25th/26th): one per local day


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2026, 3, 28, 19, 30, tzinfo=UTC), tick=False)
def test_mood_reminder_sent_on_the_day_the_clocks_change_is_sent_at_local_time(
    client_user, django_capture_on_commit_callbacks
):
    PreferenceFactory(user=client_user, mood_reminder_enabled=True)
    mood_reminders_plan()
    (row,) = _rows(Kind.MOOD_REMINDER)
    assert row.due_at == datetime.datetime(2026, 3, 29, 18, 0, tzinfo=UTC)
    with time_machine.travel(row.due_at, tick=False):
        assert notification_deliver(notification_id=row.pk) == "sent"


def test_local_times_that_do_not_exist_or_happen_twice_resolve_once():
    import zoneinfo

    london = zoneinfo.ZoneInfo("Europe/London")
    # 01:30 does not exist on 29 March: it means 02:30 BST (01:30 UTC).
    assert local_moment(
        datetime.date(2026, 3, 29), datetime.time(1, 30), london
    ) == datetime.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # 01:30 happens twice on 25 October: the first one (BST).
    assert local_moment(
        datetime.date(2026, 10, 25), datetime.time(1, 30), london
    ) == datetime.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=UTC), tick=False)
def test_mood_reminder_uses_the_clients_own_zone(client_user):
    client_user.time_zone = "Asia/Kolkata"
    client_user.save()
    PreferenceFactory(
        user=client_user, mood_reminder_enabled=True, mood_reminder_time=datetime.time(19, 0)
    )
    mood_reminders_plan()
    assert _rows(Kind.MOOD_REMINDER)[0].due_at == datetime.datetime(2026, 6, 1, 13, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_changing_the_mood_time_replaces_pending_reminders(
    client_user, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            preference_update(user=client_user, mood_reminder_enabled=True)
        with django_capture_on_commit_callbacks(execute=True):
            preference_update(user=client_user, mood_reminder_time=datetime.time(18, 30))
    pending = [n for n in _rows(Kind.MOOD_REMINDER) if n.status == Status.PENDING]
    # 18:30 BST today; tomorrow's is beyond the 26-hour planning horizon.
    assert [n.due_at for n in pending] == [datetime.datetime(2026, 6, 1, 17, 30, tzinfo=UTC)]
    assert all(
        n.suppressed_reason == SuppressedReason.CANCELLED
        for n in _rows(Kind.MOOD_REMINDER)
        if n.status != Status.PENDING
    )


@pytest.mark.django_db
def test_mood_reminder_cannot_be_inside_quiet_hours(client_user):
    from apps.core.errors import DomainError

    with pytest.raises(DomainError) as error:
        preference_update(
            user=client_user, mood_reminder_enabled=True, mood_reminder_time=datetime.time(22, 0)
        )
    assert error.value.field == "mood_reminder_time"


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_planned_reminders_go_by_text_too_when_chosen(client_user):
    PreferenceFactory(
        user=client_user,
        mood_reminder_enabled=True,
        sms_enabled=True,
        email_enabled=False,
        phone_number="07700900123",
    )
    mood_reminders_plan()
    assert {n.channel for n in _rows(Kind.MOOD_REMINDER)} == {Channel.SMS}


# --- Inactivity --------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_nudge_per_spell_of_inactivity(treatment, settings):
    settings.NOTIFICATIONS_INACTIVITY_DAYS = 5
    client = treatment.client
    treatment.activated_at = NOW - datetime.timedelta(days=30)
    treatment.save()
    LoginEvent.objects.create(user=client, at=NOW - datetime.timedelta(days=4))
    with time_machine.travel(NOW, tick=False):
        assert inactivity_nudges_plan() == 0  # 4 days: not yet
    with time_machine.travel(NOW + datetime.timedelta(days=1, minutes=1), tick=False):
        assert inactivity_nudges_plan() == 1
    with time_machine.travel(NOW + datetime.timedelta(days=3), tick=False):
        assert inactivity_nudges_plan() == 0  # same spell
    # They come back, then go quiet again: a new spell, a new nudge.
    MoodRating.objects.create(client=client, value=6, rated_on=datetime.date(2026, 5, 8))
    MoodRating.objects.filter(client=client).update(updated_at=NOW + datetime.timedelta(days=4))
    with time_machine.travel(NOW + datetime.timedelta(days=8), tick=False):
        assert inactivity_nudges_plan() == 0
    with time_machine.travel(NOW + datetime.timedelta(days=9, minutes=1), tick=False):
        assert inactivity_nudges_plan() == 1
    assert len(_rows(Kind.INACTIVITY_NUDGE)) == 2


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_no_nudges_outside_active_treatment(treatment, settings):
    treatment.status = TreatmentStatus.COMPLETED
    treatment.activated_at = NOW - datetime.timedelta(days=30)
    treatment.save()
    assert inactivity_nudges_plan() == 0


@pytest.mark.django_db
def test_last_activity_is_the_latest_sign_in_or_mood_rating(client_user):
    assert last_activity_at(user=client_user) is None
    LoginEvent.objects.create(user=client_user, at=NOW - datetime.timedelta(days=3))
    assert last_activity_at(user=client_user) == NOW - datetime.timedelta(days=3)
    MoodRating.objects.create(client=client_user, value=5, rated_on=datetime.date(2026, 5, 3))
    MoodRating.objects.filter(client=client_user).update(
        updated_at=NOW - datetime.timedelta(days=1)
    )
    assert last_activity_at(user=client_user) == NOW - datetime.timedelta(days=1)

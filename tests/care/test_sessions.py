"""Face-to-face sessions: services, reminders in the outbox, pages, calendar file."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.care.models import Appointment, AppointmentStatus
from apps.care.services import (
    appointment_cancel,
    appointment_record_attendance,
    appointment_reschedule,
    appointment_schedule,
    session_plan_proposals,
)
from apps.core.errors import DomainError
from apps.notifications.models import Notification, Status
from tests.care.factories import AppointmentFactory


def _in(days: int, hour: int = 10) -> datetime.datetime:
    return (timezone.now() + datetime.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def _pending_reminders(appointment):
    return Notification.objects.filter(
        kind="session_reminder", object_id=str(appointment.pk), status=Status.PENDING
    )


@pytest.mark.django_db
def test_schedule_numbers_sessions_and_plans_the_24_hour_reminder(pwp, treatment):
    first = appointment_schedule(actor=pwp, treatment=treatment, starts_at=_in(3))
    second = appointment_schedule(actor=pwp, treatment=treatment, starts_at=_in(17))
    assert (first.number, second.number) == (1, 2)
    reminder = _pending_reminders(first).get()
    assert reminder.recipient == treatment.client
    assert reminder.due_at == first.starts_at - datetime.timedelta(hours=24)


@pytest.mark.django_db
def test_schedule_refuses_taken_number_and_past_time(pwp, treatment):
    appointment_schedule(actor=pwp, treatment=treatment, starts_at=_in(3), number=3)
    with pytest.raises(DomainError) as error:
        appointment_schedule(actor=pwp, treatment=treatment, starts_at=_in(5), number=3)
    assert error.value.field == "number"
    with pytest.raises(DomainError):
        appointment_schedule(actor=pwp, treatment=treatment, starts_at=_in(-1))
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
def test_reschedule_replaces_the_reminder_and_cancel_withdraws_it(pwp, treatment):
    appointment = appointment_schedule(actor=pwp, treatment=treatment, starts_at=_in(3))
    old = _pending_reminders(appointment).get()
    appointment_reschedule(actor=pwp, appointment=appointment, starts_at=_in(5))
    old.refresh_from_db()
    assert old.status == Status.SUPPRESSED
    new = _pending_reminders(appointment).get()
    assert new.due_at == _in(5) - datetime.timedelta(hours=24)
    appointment_cancel(actor=pwp, appointment=appointment, by_client=True)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED_BY_CLIENT
    assert not _pending_reminders(appointment).exists()
    # The number is free again.
    again = appointment_schedule(actor=pwp, treatment=treatment, starts_at=_in(6))
    assert again.number == 1


@pytest.mark.django_db
def test_attendance_only_after_the_session_started(pwp, treatment):
    future = AppointmentFactory(treatment=treatment, number=2, starts_at=_in(2))
    with pytest.raises(DomainError):
        appointment_record_attendance(actor=pwp, appointment=future, status="attended")
    past = AppointmentFactory(treatment=treatment, number=1, starts_at=_in(-2))
    appointment_record_attendance(actor=pwp, appointment=past, status="did_not_attend")
    past.refresh_from_db()
    assert past.status == AppointmentStatus.DID_NOT_ATTEND
    appointment_record_attendance(actor=pwp, appointment=past, status="attended")
    past.refresh_from_db()
    assert past.status == AppointmentStatus.ATTENDED


@pytest.mark.django_db
def test_plan_all_proposes_free_sessions_every_two_weeks_on_weekdays(pwp, treatment):
    AppointmentFactory(treatment=treatment, number=1, starts_at=_in(1))
    proposals = session_plan_proposals(treatment=treatment)
    assert [p["number"] for p in proposals] == [2, 3, 4, 5, 6]
    days = [p["starts_at"].date() for p in proposals]
    assert all(d.weekday() < 5 for d in days)
    assert all((b - a).days >= 7 for a, b in zip(days, days[1:], strict=False))
    assert days[0] > timezone.localdate()


@pytest.mark.django_db
def test_plan_all_page_books_edited_dates(client, pwp, treatment):
    client.force_login(pwp)
    url = reverse("care:sessions_plan", args=[treatment.pk])
    page = client.get(url)
    assert "Session 6 of 6" in page.content.decode()
    data = {}
    for n in range(1, 7):
        data[f"s{n}-date"] = (timezone.localdate() + datetime.timedelta(days=14 * n)).isoformat()
        data[f"s{n}-time"] = "09:30"
        data[f"s{n}-location"] = "Clinic"
    data["s3-time"] = "15:00"  # edited before saving
    assert client.post(url, data).status_code == 302
    assert treatment.appointments.count() == 6
    third = treatment.appointments.get(number=3)
    assert timezone.localtime(third.starts_at).strftime("%H:%M") == "15:00"


@pytest.mark.django_db
def test_schedule_form_books_session_3_and_shows_number_everywhere(
    client, pwp, treatment, client_user
):
    client.force_login(pwp)
    day = timezone.localdate() + datetime.timedelta(days=4)
    response = client.post(
        reverse("care:session_schedule", args=[treatment.pk]),
        {"number": 3, "date": day.isoformat(), "time": "14:00", "location": "Room 2"},
    )
    assert response.status_code == 302
    assert (
        "Session 3 of 6"
        in client.get(reverse("care:sessions", args=[treatment.pk])).content.decode()
    )
    assert "Session 3 of 6" in client.get(reverse("workspace:caseload")).content.decode()
    client.force_login(client_user)
    assert "Session 3 of 6" in client.get(reverse("care:my_sessions")).content.decode()
    assert "Session 3 of 6" in client.get(reverse("programme:home")).content.decode()


@pytest.mark.django_db
def test_schedule_form_error_keeps_what_was_typed(client, pwp, treatment):
    client.force_login(pwp)
    response = client.post(
        reverse("care:session_schedule", args=[treatment.pk]),
        {"number": 2, "date": "2000-01-01", "time": "14:00", "location": "Room 9"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Choose a date and time in the future" in content
    assert 'value="Room 9"' in content


@pytest.mark.django_db
def test_cancel_and_attendance_views(client, pwp, treatment):
    upcoming = AppointmentFactory(treatment=treatment, number=2, starts_at=_in(3))
    past = AppointmentFactory(treatment=treatment, number=1, starts_at=_in(-1))
    client.force_login(pwp)
    client.post(reverse("care:session_cancel", args=[treatment.pk, upcoming.pk]), {"by": "service"})
    client.post(
        reverse("care:session_attendance", args=[treatment.pk, past.pk]), {"status": "attended"}
    )
    upcoming.refresh_from_db()
    past.refresh_from_db()
    assert upcoming.status == AppointmentStatus.CANCELLED_BY_SERVICE
    assert past.status == AppointmentStatus.ATTENDED


@pytest.mark.django_db
def test_ics_is_a_proper_event_without_clinical_detail(client, client_user, treatment):
    appointment = AppointmentFactory(treatment=treatment, number=2, starts_at=_in(3, hour=14))
    client.force_login(client_user)
    response = client.get(reverse("care:session_ics", args=[appointment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert f"UID:appointment-{appointment.pk}@" in body
    assert "DTSTAMP:" in body
    assert f"DTSTART:{appointment.starts_at.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}" in body
    assert f"DTEND:{appointment.ends_at.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}" in body
    assert "LOCATION:Riverside Clinic\\, room 2" in body
    summary = next(line for line in body.split("\r\n") if line.startswith("SUMMARY:"))
    assert treatment.pwp.first_name in summary
    for word in ("therapy", "CBT", "depression", "mental", "PHQ"):
        assert word.lower() not in body.lower()


@pytest.mark.django_db
def test_a_pwp_cannot_be_booked_into_two_overlapping_sessions(pwp, treatment, service):
    from tests.factories import TreatmentFactory

    second_client = TreatmentFactory(pwp=pwp, service=service)
    first = appointment_schedule(actor=pwp, treatment=treatment, starts_at=_in(3, hour=10))
    with pytest.raises(DomainError) as error:
        appointment_schedule(
            actor=pwp,
            treatment=second_client,
            starts_at=_in(3, hour=10) + datetime.timedelta(minutes=15),
        )
    assert error.value.field == "starts_at"
    assert "already has a session" in str(error.value)
    assert treatment.participant_id in str(error.value)
    # Back to back is fine; moving the first onto the second is refused.
    second = appointment_schedule(
        actor=pwp,
        treatment=second_client,
        starts_at=_in(3, hour=10) + datetime.timedelta(minutes=30),
    )
    with pytest.raises(DomainError):
        appointment_reschedule(actor=pwp, appointment=second, starts_at=_in(3, hour=10))
    # Moving a session within its own slot does not clash with itself.
    appointment_reschedule(
        actor=pwp, appointment=first, starts_at=_in(3, hour=10) - datetime.timedelta(minutes=10)
    )
    assert Appointment.objects.count() == 2


@pytest.mark.django_db
def test_a_cancelled_session_frees_the_slot_and_other_pwps_are_independent(
    pwp, other_pwp, treatment, other_treatment
):
    first = appointment_schedule(actor=pwp, treatment=treatment, starts_at=_in(4))
    appointment_schedule(actor=other_pwp, treatment=other_treatment, starts_at=_in(4))
    appointment_cancel(actor=pwp, appointment=first, by_client=True)
    appointment_schedule(actor=pwp, treatment=treatment, starts_at=_in(4))
    assert Appointment.objects.filter(status="scheduled").count() == 2

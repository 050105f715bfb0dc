"""Reads of care's own data: caseloads, sessions, tasks, notes, the client home's care part.

The pages that gather several domains read through `apps.workspace.selectors`.

Every function takes treatments already scoped by `apps.care.access` (or a
user it scopes itself), so nothing here widens access.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import (
    F,
    QuerySet,
)
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import User
from apps.care.access import supervised_service_ids, treatments_visible_to
from apps.care.models import (
    CANCELLED_STATUSES,
    Appointment,
    AppointmentStatus,
    BespokeTask,
    Service,
    SessionNote,
    SessionRecord,
    Treatment,
)


def caseload_for(*, pwp: User) -> QuerySet[Treatment]:
    """The PWP's own clients, open treatments first."""
    return (
        treatments_visible_to(pwp, write=False)
        .filter(pwp=pwp)
        .select_related("client", "service")
        .order_by("status", "start_date")
    )


def services_supervised_by(*, user: User) -> QuerySet[Service]:
    if user.is_superuser:
        return Service.objects.all()
    return Service.objects.filter(pk__in=supervised_service_ids(user))


def service_treatments(*, user: User) -> QuerySet[Treatment]:
    """Every treatment in the services `user` supervises, grouped by PWP."""
    return (
        treatments_visible_to(user, write=False)
        .filter(service__in=services_supervised_by(user=user))
        .select_related("client", "pwp", "service")
        .order_by("service__name", "pwp__last_name", "pwp__first_name", "status", "start_date")
    )


# --- Sessions ------------------------------------------------------------------------


def sessions_total(appointments: list[Appointment] | None = None) -> int:
    """How many sessions the plan has: the setting (6), or more if more were booked."""
    highest = max((a.number for a in appointments or []), default=0)
    return max(settings.FACE_TO_FACE_SESSIONS, highest)


def appointments_for(*, treatment: Treatment) -> list[Appointment]:
    """Every session of the treatment in time order, each with `total` set ("3 of 6")."""
    appointments = list(treatment.appointments.order_by("starts_at", "pk"))
    total = sessions_total(appointments)
    for a in appointments:
        a.total = total
    return appointments


def appointment_get_for_treatment(*, treatment: Treatment, appointment_id: int) -> Appointment:
    """A session of `treatment` (already access-checked), else 404."""
    try:
        appointment = treatment.appointments.get(pk=appointment_id)
    except (Appointment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such session.") from None
    appointment.treatment = treatment
    appointment.total = sessions_total(list(treatment.appointments.all()))
    return appointment


def appointment_get_for_user(*, user: User, appointment_id: int) -> Appointment:
    """A session on a treatment `user` may see (client: their own), else 404."""
    try:
        appointment = (
            Appointment.objects.filter(treatment__in=treatments_visible_to(user, write=False))
            .select_related("treatment__pwp", "treatment__service", "treatment__client")
            .get(pk=appointment_id)
        )
    except (Appointment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such session.") from None
    appointment.total = sessions_total(list(appointment.treatment.appointments.all()))
    return appointment


def task_get_for_client(*, user: User, task_id: int) -> BespokeTask:
    """A task on the client's own treatment, else 404 (another client's is never found)."""
    try:
        return BespokeTask.objects.select_related("treatment", "step").get(
            pk=task_id,
            treatment__in=treatments_visible_to(user, write=True),
            treatment__client=user,
        )
    except (BespokeTask.DoesNotExist, ValueError, TypeError):
        raise Http404("No such task.") from None


def task_get_for_treatment(*, treatment: Treatment, task_id: int) -> BespokeTask:
    try:
        return treatment.tasks.get(pk=task_id)
    except (BespokeTask.DoesNotExist, ValueError, TypeError):
        raise Http404("No such task.") from None


# --- Client home ---------------------------------------------------------------------


def client_home_care_context(*, treatment: Treatment | None) -> dict:
    """What the client's home page shows from their care: four queries.

    Keys: next_session (Appointment or None, with `total`), upcoming_sessions
    (scheduled sessions from now, in order, each with `total`), tasks_open
    (tasks not done yet, soonest first), welcome_message (str), pwp (User or
    None), agreed (the latest SessionRecord with its tasks, or None).
    `treatment` is the client's own (`client_current_treatment`).
    """
    if treatment is None:
        return {
            "next_session": None,
            "upcoming_sessions": [],
            "tasks_open": [],
            "welcome_message": "",
            "pwp": None,
            "agreed": None,
        }
    now = timezone.now()
    appointments = list(treatment.appointments.exclude(status__in=CANCELLED_STATUSES))
    total = sessions_total(appointments)
    upcoming = [
        a
        for a in sorted(appointments, key=lambda a: a.starts_at)
        if a.status == AppointmentStatus.SCHEDULED and a.ends_at >= now
    ]
    for a in upcoming:
        a.total = total
    tasks = list(
        treatment.tasks.filter(done_at__isnull=True).select_related("step__module")
        if treatment.is_open
        else []
    )
    return {
        "next_session": upcoming[0] if upcoming else None,
        "upcoming_sessions": upcoming,
        "tasks_open": tasks,
        "welcome_message": treatment.welcome_message,
        "pwp": treatment.pwp,
        "care_treatment": treatment,
        "agreed": latest_session_record(treatment=treatment) if treatment.is_open else None,
    }


def latest_session_record(*, treatment: Treatment) -> SessionRecord | None:
    """What was agreed in the most recent recorded session, with its tasks. Two queries."""
    return (
        SessionRecord.objects.filter(treatment=treatment)
        .select_related("appointment", "created_by", "next_module")
        .prefetch_related("tasks")
        .order_by("-appointment__starts_at", "-pk")
        .first()
    )


# --- Pre-session review --------------------------------------------------------------


def last_session_before(appointments: list[Appointment], now: datetime.datetime):
    """The most recent session that has happened (attended or past its start)."""
    past = [
        a
        for a in appointments
        if not a.is_cancelled
        and a.starts_at <= now
        and a.status != AppointmentStatus.DID_NOT_ATTEND
    ]
    return max(past, key=lambda a: a.starts_at) if past else None


def session_notes_for(*, treatment: Treatment) -> QuerySet[SessionNote]:
    return treatment.session_notes.select_related("author", "appointment")


def tasks_for(*, treatment: Treatment) -> QuerySet[BespokeTask]:
    return treatment.tasks.select_related("step__module", "created_by").order_by(
        F("done_at").asc(nulls_first=True), "due_date", "pk"
    )

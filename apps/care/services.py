import datetime
import zoneinfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.accounts.signals import account_email_requested
from apps.care.models import (
    CANCELLED_STATUSES,
    OPEN_STATUSES,
    Appointment,
    AppointmentStatus,
    BespokeTask,
    PractitionerProfile,
    Service,
    SessionNote,
    SessionRecord,
    StaffMembership,
    StaffRole,
    Treatment,
    TreatmentStatus,
    default_planned_end,
)
from apps.care.signals import (
    appointment_booked,
    appointment_closed,
    appointment_rescheduled,
    treatment_invitation_requested,
)
from apps.core.errors import DomainError

# One answer for every email that cannot be enrolled here (staff, another
# service's client, a closed account): it never says which, so the form
# cannot be used to find out who is known elsewhere.
CANNOT_ENROL = gettext_lazy(
    "We cannot enrol this email address. Check it with the client, or ask your "
    "service administrator for help."
)


def _may_enrol_existing(*, actor: User, client: User, service: Service) -> bool:
    """An existing account may be enrolled only if it is an active client who
    has been treated in this service only (an admin: in any service)."""
    if not (client.is_client and client.is_active):
        return False
    if actor.is_superuser:
        return True
    return not client.treatments.exclude(service=service).exists()


def participant_id_allocate(*, service: Service) -> str:
    """Next pseudonymous participant ID for `service`, e.g. LDN-0007.

    Locks the service row so two enrolments at once never share an ID. Must
    run inside a transaction.
    """
    locked = Service.objects.select_for_update().get(pk=service.pk)
    number = locked.next_participant_number
    locked.next_participant_number = number + 1
    locked.save(update_fields=["next_participant_number"])
    return f"{locked.code}-{number:04d}"


@transaction.atomic
def treatment_enrol(
    *,
    actor: User,
    service: Service,
    pwp: User,
    email: str,
    first_name: str = "",
    last_name: str = "",
    start_date: datetime.date | None = None,
    send_invitation: bool = True,
) -> Treatment:
    """Enrol a client by email and (by default) email them an invitation link.

    Reuses the account of a returning client of this service, who is invited
    to accept the new treatment (it stays "invited" until they do). Raises
    DomainError with one neutral message when the email cannot be enrolled
    here (staff, another service's client, a closed account), when the client
    already has an open treatment, or when the PWP does not work in the
    service. The invitation email is an outbox row written in this same
    transaction (accounts.signals.account_email_requested), so enrolling works,
    and the email goes later, while the broker is down.
    """
    email = email.strip().lower()
    if not StaffMembership.objects.filter(user=pwp, service=service, role=StaffRole.PWP).exists():
        raise DomainError(_("This practitioner does not work in that service."), field="pwp")
    if (
        not actor.is_superuser
        and not StaffMembership.objects.filter(user=actor, service=service).exists()
    ):
        raise DomainError(_("You can only enrol clients into your own service."), field="service")

    client = User.objects.filter(email__iexact=email).first()
    if client is None:
        client = User.objects.create_user(
            email=email, first_name=first_name.strip(), last_name=last_name.strip(), is_client=True
        )
    elif not _may_enrol_existing(actor=actor, client=client, service=service):
        raise DomainError(str(CANNOT_ENROL), field="email")
    elif client.treatments.filter(status__in=OPEN_STATUSES).exists():
        raise DomainError(_("This client already has an open treatment."), field="email")

    start = start_date or timezone.localdate()
    treatment = Treatment(
        client=client,
        pwp=pwp,
        service=service,
        participant_id=participant_id_allocate(service=service),
        start_date=start,
        planned_end_date=default_planned_end(start),
        invited_at=timezone.now(),
    )
    treatment.full_clean()
    try:
        with transaction.atomic():
            treatment.save()
    except IntegrityError:
        # A double-submitted form: the first request already enrolled them.
        raise DomainError(_("This client already has an open treatment."), field="email") from None
    if send_invitation and not client.has_usable_password():
        account_email_requested.send(sender=User, user=client, kind="invitation")
    elif send_invitation:
        # A returning client keeps their password, but the new treatment starts
        # only when they accept it themselves (treatment_accept).
        treatment_invitation_requested.send(sender=Treatment, treatment=treatment)
    return treatment


@transaction.atomic
def treatment_accept(*, client: User, treatment: Treatment) -> Treatment:
    """The client accepts a treatment they were invited to; it starts now.

    Raises DomainError when the treatment is not theirs or not waiting.
    """
    if treatment.client_id != client.pk or treatment.status != TreatmentStatus.INVITED:
        raise DomainError(_("There is no invitation waiting for you."))
    return treatment_activate(treatment=treatment)


@transaction.atomic
def treatment_activate(*, treatment: Treatment) -> Treatment:
    """Mark an invited treatment active (the client has set a password)."""
    if treatment.status == TreatmentStatus.INVITED:
        treatment.status = TreatmentStatus.ACTIVE
        treatment.activated_at = timezone.now()
        treatment.save(update_fields=["status", "activated_at", "updated_at"])
    return treatment


# --- Sessions (face-to-face appointments) ------------------------------------------
#
# Callers check access first (`treatment_get_for_user(..., write=True)` for staff).
# Each service validates, saves in one transaction and sends a care signal
# (apps.care.signals); notifications' receivers bring the session's 24-hour
# reminder in the outbox in line with the new state, in the same transaction.


def session_numbers_taken(treatment: Treatment) -> set[int]:
    return set(
        treatment.appointments.exclude(status__in=CANCELLED_STATUSES).values_list(
            "number", flat=True
        )
    )


def next_session_number(treatment: Treatment) -> int:
    """The lowest session number not held by a live (not cancelled) session."""
    taken = session_numbers_taken(treatment)
    number = 1
    while number in taken:
        number += 1
    return number


def _check_can_book(treatment: Treatment, starts_at: datetime.datetime) -> None:
    if not treatment.is_open:
        raise DomainError(_("This treatment has ended. You cannot book sessions for it."))
    if starts_at <= timezone.now():
        raise DomainError(_("Choose a date and time in the future"), field="starts_at")


def _check_pwp_free(
    *,
    treatment: Treatment,
    starts_at: datetime.datetime,
    duration_minutes: int,
    exclude_pk: int | None = None,
) -> None:
    """Refuse a session that overlaps another live session of the same PWP.

    Locks the PWP's user row first, so two bookings for the same practitioner
    at once are checked one after the other (the second sees the first). Must
    run inside a transaction.
    """
    User.objects.select_for_update().filter(pk=treatment.pwp_id).first()
    ends_at = starts_at + datetime.timedelta(minutes=duration_minutes)
    candidates = (
        Appointment.objects.filter(
            treatment__pwp_id=treatment.pwp_id,
            status=AppointmentStatus.SCHEDULED,
            starts_at__lt=ends_at,
            starts_at__gt=starts_at - datetime.timedelta(hours=24),
        )
        .exclude(pk=exclude_pk)
        .select_related("treatment")
        .order_by("starts_at")
    )
    for other in candidates:
        if other.ends_at > starts_at:
            tz = zoneinfo.ZoneInfo(treatment.service.time_zone)
            raise DomainError(
                _(
                    "The practitioner already has a session from %(start)s to %(end)s "
                    "(%(participant)s, session %(n)s). Choose another time."
                )
                % {
                    "start": other.starts_at.astimezone(tz).strftime("%H:%M on %d %B %Y"),
                    "end": other.ends_at.astimezone(tz).strftime("%H:%M"),
                    "participant": other.treatment.participant_id,
                    "n": other.number,
                },
                field="starts_at",
            )


@transaction.atomic
def appointment_schedule(
    *,
    actor: User,
    treatment: Treatment,
    starts_at: datetime.datetime,
    number: int | None = None,
    duration_minutes: int = 30,
    location: str = "",
) -> Appointment:
    """Book a face-to-face session. `number` defaults to the lowest free one.

    Raises DomainError when the treatment has ended, the time is in the past or
    another live session already has that number. Plans the 24-hour reminder.
    """
    _check_can_book(treatment, starts_at)
    if number is None:
        number = next_session_number(treatment)
    appointment = Appointment(
        treatment=treatment,
        number=number,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        location=location.strip(),
        created_by=actor,
    )
    appointment.full_clean(validate_constraints=False)
    _check_pwp_free(treatment=treatment, starts_at=starts_at, duration_minutes=duration_minutes)
    if number in session_numbers_taken(treatment):
        raise DomainError(
            _("Session %(n)s is already booked. Reschedule it or choose another number.")
            % {"n": number},
            field="number",
        )
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError:
        # Two bookings at once for the same number: the first one won.
        raise DomainError(
            _("Session %(n)s is already booked. Reschedule it or choose another number.")
            % {"n": number},
            field="number",
        ) from None
    appointment_booked.send(sender=Appointment, appointment=appointment)
    return appointment


def session_plan_proposals(
    *, treatment: Treatment, at: datetime.time = datetime.time(10, 0)
) -> list[dict]:
    """Proposed dates for every session not booked yet: one every two weeks.

    Session n is proposed for the start date + 2 × (n - 1) weeks (weeks 1, 3,
    5, 7, 9, 11: face-to-face alternating with online work), at `at` in the
    service's time zone, moved off weekends and never earlier than tomorrow
    (keeping a week between sessions). Pure read: the PWP edits and saves.
    Returns [{"number", "starts_at"}] in order.
    """
    import zoneinfo

    tz = zoneinfo.ZoneInfo(treatment.service.time_zone or settings.TIME_ZONE)
    total = settings.FACE_TO_FACE_SESSIONS
    taken = session_numbers_taken(treatment)
    tomorrow = timezone.localdate(timezone=tz) + datetime.timedelta(days=1)
    proposals = []
    previous: datetime.date | None = None
    for number in range(1, total + 1):
        day = treatment.start_date + datetime.timedelta(weeks=2 * (number - 1))
        if number in taken:
            continue
        day = max(day, tomorrow)
        if previous is not None:
            day = max(day, previous + datetime.timedelta(days=7))
        while day.weekday() >= 5:
            day += datetime.timedelta(days=1)
        previous = day
        starts_at = datetime.datetime.combine(day, at).replace(tzinfo=tz)
        proposals.append({"number": number, "starts_at": starts_at})
    return proposals


@transaction.atomic
def appointment_plan_all(
    *, actor: User, treatment: Treatment, sessions: list[dict], location: str = ""
) -> list[Appointment]:
    """Book several sessions at once ([{"number", "starts_at"}]): all or none."""
    return [
        appointment_schedule(
            actor=actor,
            treatment=treatment,
            number=item["number"],
            starts_at=item["starts_at"],
            location=item.get("location", location),
        )
        for item in sessions
    ]


def _lock_appointment(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update()
        .select_related("treatment__client")
        .get(pk=appointment.pk)
    )


@transaction.atomic
def appointment_reschedule(
    *,
    actor: User,
    appointment: Appointment,
    starts_at: datetime.datetime,
    location: str | None = None,
) -> Appointment:
    """Move a scheduled session to a new time (same row, same number).

    The old reminder is withdrawn and a new one planned for the new time.
    """
    appointment = _lock_appointment(appointment)
    if appointment.status != AppointmentStatus.SCHEDULED:
        raise DomainError(_("Only a session that is still booked can be moved."))
    _check_can_book(appointment.treatment, starts_at)
    _check_pwp_free(
        treatment=appointment.treatment,
        starts_at=starts_at,
        duration_minutes=appointment.duration_minutes,
        exclude_pk=appointment.pk,
    )
    appointment.starts_at = starts_at
    if location is not None:
        appointment.location = location.strip()
    appointment.full_clean(exclude=["created_by"], validate_constraints=False)
    appointment.save(update_fields=["starts_at", "location", "updated_at"])
    appointment_rescheduled.send(sender=Appointment, appointment=appointment)
    return appointment


@transaction.atomic
def appointment_cancel(*, actor: User, appointment: Appointment, by_client: bool) -> Appointment:
    """Cancel a booked session (by the client or by the service); its number is freed."""
    return _appointment_set_status(
        appointment=appointment,
        status=(
            AppointmentStatus.CANCELLED_BY_CLIENT
            if by_client
            else AppointmentStatus.CANCELLED_BY_SERVICE
        ),
    )


@transaction.atomic
def appointment_record_attendance(
    *, actor: User, appointment: Appointment, status: str
) -> Appointment:
    """Record what happened: attended, did not attend, or cancelled (client/service).

    Attended and did-not-attend can only be recorded once the session has
    started. A record can be corrected (e.g. attended ↔ did not attend), but a
    cancelled session stays cancelled: book a new one instead.
    """
    if status not in AppointmentStatus.values or status == AppointmentStatus.SCHEDULED:
        raise DomainError(_("Choose what happened at the session"), field="status")
    return _appointment_set_status(appointment=appointment, status=status)


def _appointment_set_status(*, appointment: Appointment, status: str) -> Appointment:
    appointment = _lock_appointment(appointment)
    if appointment.is_cancelled:
        raise DomainError(_("This session was cancelled. Book a new session instead."))
    if (
        status
        in (
            AppointmentStatus.ATTENDED,
            AppointmentStatus.DID_NOT_ATTEND,
        )
        and appointment.starts_at > timezone.now()
    ):
        raise DomainError(
            _("This session has not started yet. Record attendance after it starts."),
            field="status",
        )
    if status in CANCELLED_STATUSES and appointment.status != AppointmentStatus.SCHEDULED:
        raise DomainError(_("Only a session that is still booked can be cancelled."))
    appointment.status = status
    # created_by may be empty (the booking user was deleted): not this change's business.
    appointment.full_clean(exclude=["created_by"], validate_constraints=False)
    appointment.save(update_fields=["status", "updated_at"])
    if status != AppointmentStatus.SCHEDULED:
        appointment_closed.send(sender=Appointment, appointment=appointment)
    return appointment


# --- Personalisation, tasks and notes ---------------------------------------------


@transaction.atomic
def treatment_welcome_set(*, actor: User, treatment: Treatment, text: str) -> Treatment:
    """Set (or clear, with "") the personal welcome message on the client's home."""
    treatment.welcome_message = text.strip()
    treatment.full_clean(validate_constraints=False)
    treatment.save(update_fields=["welcome_message", "updated_at"])
    return treatment


@transaction.atomic
def bespoke_task_assign(
    *,
    actor: User,
    treatment: Treatment,
    title: str,
    due_date: datetime.date,
    instructions: str = "",
    step=None,
    session_record: "SessionRecord | None" = None,
) -> BespokeTask:
    """Give the client a task (free text, or a specific exercise `step`) by a date.

    With a step and no title, the step's title is used. Raises DomainError for
    an ended treatment or a date in the past.
    """
    if not treatment.is_open:
        raise DomainError(_("This treatment has ended. You cannot set tasks for it."))
    if due_date < timezone.localdate():
        raise DomainError(_("Choose a date today or later"), field="due_date")
    title = (title or "").strip() or (step.title if step is not None else "")
    if not title:
        raise DomainError(_("Enter what the client will do"), field="title")
    task = BespokeTask(
        treatment=treatment,
        title=title,
        instructions=instructions.strip(),
        due_date=due_date,
        step=step,
        created_by=actor,
        session_record=session_record,
    )
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def bespoke_task_mark_done(*, actor: User, task: BespokeTask, note: str = "") -> BespokeTask:
    """The client marks their task done (idempotent: done twice stays done once)."""
    task = BespokeTask.objects.select_for_update().get(pk=task.pk)
    if task.done_at is None:
        task.done_at = timezone.now()
    if note.strip():
        task.client_note = note.strip()
    task.full_clean()
    task.save(update_fields=["done_at", "client_note"])
    return task


@transaction.atomic
def bespoke_task_withdraw(*, actor: User, task: BespokeTask) -> None:
    """The PWP removes a task set by mistake (only while it is not done)."""
    if task.done_at is not None:
        raise DomainError(_("The client has done this task already. It stays in the record."))
    task.delete()


@transaction.atomic
def session_note_add(
    *, actor: User, treatment: Treatment, text: str, appointment: Appointment | None = None
) -> SessionNote:
    """Add the PWP's private note (staff only; audit-logged through auditlog)."""
    if appointment is not None and appointment.treatment_id != treatment.pk:
        raise DomainError(_("Choose a session of this client"), field="appointment")
    note = SessionNote(
        treatment=treatment, appointment=appointment, author=actor, text=text.strip()
    )
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def session_record_save(
    *,
    actor: User,
    appointment: Appointment,
    agreed: str = "",
    goal_changes: str = "",
    next_module=None,
) -> SessionRecord:
    """Write (or rewrite) what was agreed in `appointment`, for the client to see.

    Only for a session that has started and was not cancelled or missed; a
    session still marked scheduled is marked attended. Saving again for the
    same session replaces the words and keeps the tasks already set from it.
    Raises DomainError for an ended treatment or an unsuitable session.
    """
    appointment = _lock_appointment(appointment)
    treatment = appointment.treatment
    if not treatment.is_open:
        raise DomainError(_("This treatment has ended. You cannot record a session for it."))
    if appointment.starts_at > timezone.now():
        raise DomainError(_("Choose a session that has already happened"), field="appointment")
    if appointment.is_cancelled or appointment.status == AppointmentStatus.DID_NOT_ATTEND:
        raise DomainError(_("Choose a session the client attended"), field="appointment")
    if appointment.status == AppointmentStatus.SCHEDULED:
        appointment_record_attendance(
            actor=actor, appointment=appointment, status=AppointmentStatus.ATTENDED
        )
    record, _created = SessionRecord.objects.get_or_create(
        appointment=appointment, defaults={"treatment": treatment, "created_by": actor}
    )
    record.agreed = agreed.strip()
    record.goal_changes = goal_changes.strip()
    if next_module is not None:
        record.next_module = next_module
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def practitioner_profile_save(*, actor: User, role_title: str, about: str) -> PractitionerProfile:
    """Save the practitioner's own short profile (shown to their clients). Staff only."""
    if actor.is_client:
        raise DomainError(_("Only practitioners have a profile."))
    profile, _created = PractitionerProfile.objects.get_or_create(user=actor)
    profile.role_title = role_title.strip()
    profile.about = about.strip()
    profile.full_clean()
    profile.save()
    return profile

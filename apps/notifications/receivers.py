"""notifications' receivers of signals sent by accounts and care.

Connected in NotificationsConfig.ready(). They run synchronously inside the
sender's transaction, so an outbox row commits (or rolls back) with the change
that made it due.
"""

import datetime

from django.conf import settings
from django.utils import timezone

from apps.accounts import signals as accounts_signals
from apps.accounts.models import User
from apps.care import signals as care_signals
from apps.care.models import Appointment, AppointmentStatus, Treatment, TreatmentTransition
from apps.notifications.kinds import Kind
from apps.notifications.services import (
    SESSION_REMINDER_MIN_NOTICE,
    account_email_schedule,
    mood_reminders_replan,
    notification_cancel,
    notification_schedule,
    session_reminder_key,
    treatment_invitation_schedule,
    treatment_transition_notify,
)


def account_email_queue(sender, *, user: User, kind: str, **kwargs) -> None:
    """An account email is due: one outbox row (a link is made at send time)."""
    account_email_schedule(user=user, kind=kind)


def treatment_invitation_queue(sender, *, treatment: Treatment, **kwargs) -> None:
    """A returning client was enrolled again: invite them to accept the new treatment."""
    treatment_invitation_schedule(treatment=treatment)


def mood_reminders_follow_time_zone(sender, *, user: User, **kwargs) -> None:
    """Pending mood reminders were at the old local moment: plan them again."""
    mood_reminders_replan(user=user)


def session_reminder_cancel(sender, *, appointment: Appointment, **kwargs) -> None:
    notification_cancel(kind=Kind.SESSION_REMINDER, object=appointment)


def session_reminder_plan(sender, *, appointment: Appointment, **kwargs) -> None:
    """Queue the reminder 24 hours before the session (keyed by its start time).

    Uses the outbox's own key so its planner recognises the row and never adds
    a second one; a session less than two hours away gets no reminder.
    """
    now = timezone.now()
    if (
        appointment.status != AppointmentStatus.SCHEDULED
        or not appointment.treatment.is_open
        or appointment.starts_at < now + SESSION_REMINDER_MIN_NOTICE
    ):
        return
    lead = datetime.timedelta(hours=settings.NOTIFICATIONS_SESSION_REMINDER_HOURS)
    notification_schedule(
        recipient=appointment.treatment.client,
        kind=Kind.SESSION_REMINDER,
        due_at=max(appointment.starts_at - lead, now),
        dedupe_key=session_reminder_key(appointment),
        object=appointment,
        context={
            "appointment_id": appointment.pk,
            "starts_at": appointment.starts_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%MZ"),
        },
    )


def session_reminder_replan(sender, *, appointment: Appointment, **kwargs) -> None:
    """The session moved: the old reminder goes, one for the new time is queued."""
    session_reminder_cancel(sender, appointment=appointment)
    session_reminder_plan(sender, appointment=appointment)


def treatment_status_notify(
    sender, *, treatment: Treatment, transition: TreatmentTransition, actor: User, **kwargs
) -> None:
    """A lifecycle step: the client and the practitioners concerned are told, and a
    closed course's reminders stop (services.treatment_transition_notify)."""
    treatment_transition_notify(treatment=treatment, transition=transition, actor=actor)


def connect() -> None:
    accounts_signals.account_email_requested.connect(
        account_email_queue, dispatch_uid="notifications.account_email"
    )
    accounts_signals.user_time_zone_changed.connect(
        mood_reminders_follow_time_zone, dispatch_uid="notifications.mood_time_zone"
    )
    care_signals.treatment_invitation_requested.connect(
        treatment_invitation_queue, dispatch_uid="notifications.treatment_invitation"
    )
    care_signals.appointment_booked.connect(
        session_reminder_plan, dispatch_uid="notifications.session_booked"
    )
    care_signals.appointment_rescheduled.connect(
        session_reminder_replan, dispatch_uid="notifications.session_rescheduled"
    )
    care_signals.appointment_closed.connect(
        session_reminder_cancel, dispatch_uid="notifications.session_closed"
    )
    care_signals.treatment_status_changed.connect(
        treatment_status_notify, dispatch_uid="notifications.treatment_status_changed"
    )

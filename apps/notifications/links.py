"""Built-in link builders: the send-time context of each built-in kind.

Each builder takes the outbox row and returns extra template context (always
a "link"). One-time tokens are made here, at send time, and never stored.
Other apps replace or add builders with `kinds.register_link_builder` (the
questionnaires app does so for signed single-use questionnaire links).
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from apps.accounts.tokens import invitation_token_generator, two_step_setup_token_generator
from apps.care.models import Appointment, AppointmentStatus, TreatmentTransition
from apps.core.time import user_zone
from apps.notifications.kinds import Kind, NotificationNotNeeded, register_default_link_builder
from apps.notifications.models import Notification, SuppressedReason


def absolute_url(name: str, *args, fallback: str = "workspace:home") -> str:
    """Absolute URL of a named page; the fallback page if that one does not exist yet."""
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:
        path = reverse(fallback)
    return settings.SITE_URL.rstrip("/") + path


def _uid(notification: Notification) -> str:
    return urlsafe_base64_encode(force_bytes(notification.recipient.pk))


def invitation_link(notification: Notification) -> dict:
    user = notification.recipient
    if user.has_usable_password():
        raise NotificationNotNeeded(SuppressedReason.OBJECT_GONE)  # already set up
    token = invitation_token_generator.make_token(user)
    return {
        "link": absolute_url("accounts:invitation_accept", _uid(notification), token),
        "days": settings.INVITATION_TIMEOUT // 86400,
        # A member of staff is invited by their service, not by "your practitioner".
        "for_staff": user.is_staff_member,
    }


def password_reset_link(notification: Notification) -> dict:
    token = default_token_generator.make_token(notification.recipient)
    return {
        "link": absolute_url("accounts:password_reset_confirm", _uid(notification), token),
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }


def two_step_setup_link(notification: Notification) -> dict:
    user = notification.recipient
    if user.totpdevice_set.filter(confirmed=True).exists():
        raise NotificationNotNeeded(SuppressedReason.OBJECT_GONE)  # already set up
    token = two_step_setup_token_generator.make_token(user)
    return {
        "link": absolute_url("accounts:otp_setup_link", _uid(notification), token),
        "hours": settings.TWO_STEP_SETUP_LINK_HOURS,
    }


def session_reminder_context(notification: Notification) -> dict:
    appointment = (
        Appointment.objects.filter(pk=notification.object_id or None)
        .select_related("treatment")
        .first()
    )
    if appointment is None:
        raise NotificationNotNeeded(SuppressedReason.OBJECT_GONE)
    # why: services imports this module for absolute_url.
    from apps.notifications.services import session_reminder_key

    if (
        appointment.status != AppointmentStatus.SCHEDULED
        or session_reminder_key(appointment) != notification.dedupe_key
    ):
        raise NotificationNotNeeded(SuppressedReason.CANCELLED)
    local = appointment.starts_at.astimezone(user_zone(notification.recipient))
    return {
        "link": absolute_url("care:my_sessions"),
        "day": formats.date_format(local, "l j F"),
        "time": formats.time_format(local, "g:i a").replace(" ", "").replace(".", ""),
    }


def _transition(notification: Notification) -> TreatmentTransition:
    transition = (
        TreatmentTransition.objects.filter(pk=notification.object_id or None)
        .select_related("treatment__pwp", "treatment__service", "actor")
        .first()
    )
    if transition is None:
        raise NotificationNotNeeded(SuppressedReason.OBJECT_GONE)
    return transition


def treatment_change_context(notification: Notification) -> dict:
    """A lifecycle step, told to the client: only while it is still true (a discharge
    re-opened before the message went, or a transfer moved on, is not announced)."""
    transition = _transition(notification)
    treatment = transition.treatment
    if treatment.status != transition.to_status or treatment.pwp_id != transition.to_pwp_id:
        raise NotificationNotNeeded(SuppressedReason.OBJECT_GONE)
    return {
        "link": absolute_url("programme:home"),
        "help_link": absolute_url("safety:help"),
        "practitioner": treatment.pwp.get_full_name(),
        "service": treatment.service.name,
    }


def caseload_change_context(notification: Notification) -> dict:
    """A lifecycle step, told to a practitioner: what happened and who recorded it.
    Never the client's name: the link leads to the record, behind sign-in."""
    transition = _transition(notification)
    treatment = transition.treatment
    holds_client = treatment.pwp_id == notification.recipient_id
    if notification.kind == Kind.CASELOAD_CLIENT_ADDED and not holds_client:
        raise NotificationNotNeeded(SuppressedReason.OBJECT_GONE)  # moved on again
    if notification.kind == Kind.CASELOAD_CLIENT_ADDED:
        link = absolute_url("workspace:review", treatment.pk)
    elif holds_client:
        link = absolute_url("workspace:lifecycle", treatment.pk)
    else:
        link = absolute_url("workspace:caseload")
    actor = transition.actor
    return {
        "link": link,
        "what": str(transition.get_kind_display()),
        "actor": actor.get_full_name() if actor else "",
    }


def _page(name: str):
    def builder(notification: Notification) -> dict:
        return {"link": absolute_url(name)}

    return builder


register_default_link_builder(Kind.INVITATION, invitation_link)
register_default_link_builder(Kind.PASSWORD_RESET, password_reset_link)
register_default_link_builder(Kind.TREATMENT_INVITATION, _page("care:treatment_accept"))
register_default_link_builder(Kind.TWO_STEP_SETUP, two_step_setup_link)
register_default_link_builder(Kind.TWO_STEP_RESET, two_step_setup_link)
register_default_link_builder(Kind.TWO_STEP_ENROLLED, _page("accounts:password_reset"))
register_default_link_builder(Kind.PASSWORD_CHANGED, _page("accounts:password_reset"))
register_default_link_builder(Kind.SESSION_REMINDER, session_reminder_context)
register_default_link_builder(Kind.MOOD_REMINDER, _page("tracking:mood"))
register_default_link_builder(Kind.INACTIVITY_NUDGE, _page("programme:home"))
register_default_link_builder(Kind.NEW_MESSAGE, _page("messaging:inbox"))
for _kind in (
    Kind.TREATMENT_DISCHARGED,
    Kind.TREATMENT_CLOSED,
    Kind.TRIAL_WITHDRAWN,
    Kind.TREATMENT_REOPENED,
    Kind.PRACTITIONER_CHANGED,
):
    register_default_link_builder(_kind, treatment_change_context)
register_default_link_builder(Kind.CASELOAD_CLIENT_ADDED, caseload_change_context)
register_default_link_builder(Kind.CASELOAD_CLIENT_CHANGED, caseload_change_context)
register_default_link_builder(Kind.RISK_ALERT, _page("safety:alerts"))
register_default_link_builder(Kind.RISK_ESCALATION, _page("safety:alerts"))
# Until the questionnaires app registers its signed single-use links, these
# point to the sign-in page.
register_default_link_builder(Kind.QUESTIONNAIRE_INVITATION, _page("accounts:login"))
register_default_link_builder(Kind.QUESTIONNAIRE_REMINDER, _page("accounts:login"))

"""What kinds of notification exist, and how each one is treated.

A kind is a short string stored on each outbox row. The built-in kinds are the
`Kind` choices; another app may add its own with `register_kind(...)` in its
AppConfig.ready (no migration needed: the column has no database choices).

Each kind has a `KindSpec`:
- `preference_field`: the `NotificationPreference` boolean that lets a client
  opt out of it, or None when it cannot be opted out of (account emails the
  person asked for, risk alerts to staff);
- `quiet_hours`: whether it waits for the end of the recipient's quiet hours;
- `mandatory`: ignores channel preferences too (always email);
- `urgent`: sent from its own queue (NOTIFICATIONS_URGENT_QUEUE, its own worker)
  with a shorter lease, so nothing else delays it and it recovers within a minute.

Message text never comes from the row: it is rendered at send time from
`templates/notifications/<kind>.<channel>.txt` (+ `<kind>.subject.txt` for
email) with context made by the kind's link builder (see `register_link_builder`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # why: models import this module; the name is for annotations only
    from apps.notifications.models import Notification


class Kind(models.TextChoices):
    INVITATION = "invitation", _("Invitation to set up an account")
    PASSWORD_RESET = "password_reset", _("Password reset")
    SESSION_REMINDER = "session_reminder", _("Session reminder")
    QUESTIONNAIRE_INVITATION = "questionnaire_invitation", _("Questionnaire invitation")
    QUESTIONNAIRE_REMINDER = "questionnaire_reminder", _("Questionnaire reminder")
    MOOD_REMINDER = "mood_reminder", _("Mood check-in reminder")
    INACTIVITY_NUDGE = "inactivity_nudge", _("Welcome back nudge")
    NEW_MESSAGE = "new_message", _("New message from practitioner")
    NEW_CLIENT_MESSAGE = "new_client_message", _("New message from client")
    RISK_ALERT = "risk_alert", _("Safety alert")
    RISK_ESCALATION = "risk_escalation", _("Safety alert escalation")
    TWO_STEP_SETUP = "two_step_setup", _("Link to set up two-step verification")
    TWO_STEP_RESET = "two_step_reset", _("Two-step verification was reset")
    TWO_STEP_ENROLLED = "two_step_enrolled", _("Two-step verification was set up")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    TREATMENT_INVITATION = "treatment_invitation", _("Invitation to a new treatment")
    # The treatment lifecycle (apps.care.lifecycle): to the client...
    TREATMENT_DISCHARGED = "treatment_discharged", _("Course finished (discharge)")
    TREATMENT_CLOSED = "treatment_closed", _("Course closed (dropout)")
    TRIAL_WITHDRAWN = "trial_withdrawn", _("Left the research study")
    TREATMENT_REOPENED = "treatment_reopened", _("Course started again")
    PRACTITIONER_CHANGED = "practitioner_changed", _("New practitioner")
    # ...and to the practitioners.
    CASELOAD_CLIENT_ADDED = "caseload_client_added", _("A client moved to your caseload")
    CASELOAD_CLIENT_CHANGED = "caseload_client_changed", _("A change to a client on your caseload")


@dataclass(frozen=True)
class KindSpec:
    value: str
    label: str
    preference_field: str | None = None
    quiet_hours: bool = True
    mandatory: bool = False
    urgent: bool = False


class NotificationNotNeeded(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a link builder when the message no longer makes sense.

    For example the session was cancelled, the questionnaire was completed,
    or the invited client already set a password. The row is then marked
    suppressed with `reason` (a `SuppressedReason` value) instead of sent.
    """

    def __init__(self, reason: str = "object_gone"):
        super().__init__(reason)
        self.reason = reason


LinkBuilder = Callable[["Notification"], dict[str, Any]]

_KINDS: dict[str, KindSpec] = {}
_LINK_BUILDERS: dict[str, LinkBuilder] = {}
_DEFAULT_LINK_BUILDERS: dict[str, LinkBuilder] = {}


def register_kind(
    value: str,
    label: str,
    *,
    preference_field: str | None = None,
    quiet_hours: bool = True,
    mandatory: bool = False,
    urgent: bool = False,
) -> KindSpec:
    """Add (or replace) a kind. Call from your AppConfig.ready.

    `preference_field` must name a boolean field of NotificationPreference
    (e.g. "questionnaire_reminders") or be None for kinds nobody may opt out of.
    Add the templates `notifications/<value>.email.txt`, `<value>.sms.txt` and
    `<value>.subject.txt` too.
    """
    spec = KindSpec(
        value=value,
        label=str(label),
        preference_field=preference_field,
        quiet_hours=quiet_hours,
        mandatory=mandatory,
        urgent=urgent,
    )
    _KINDS[value] = spec
    return spec


def kind_spec(value: str) -> KindSpec:
    """The spec of a kind. Raises KeyError for a kind nobody registered."""
    return _KINDS[value]


def kind_label(value: str) -> str:
    spec = _KINDS.get(value)
    return spec.label if spec else value


def all_kinds() -> list[KindSpec]:
    return list(_KINDS.values())


def register_link_builder(kind: str, builder: LinkBuilder) -> None:
    """Register the function that makes the template context for `kind`.

    `builder(notification) -> dict` runs at send time, inside the worker,
    just before rendering. It is where one-time tokens and signed links are
    made (so no secret is stored in the outbox or crosses the broker). It
    returns extra template context, typically {"link": absolute_url}; it must
    return only non-clinical values. It may raise NotificationNotNeeded to
    suppress the message. A later registration for the same kind replaces the
    earlier one (the questionnaires app replaces the default builder for its
    kinds with one that makes signed single-use links).
    """
    _LINK_BUILDERS[kind] = builder


def register_default_link_builder(kind: str, builder: LinkBuilder) -> None:
    """The notifications app's own fallback; any `register_link_builder` wins,
    whichever app's ready() runs first."""
    _DEFAULT_LINK_BUILDERS[kind] = builder


def link_builder_for(kind: str) -> LinkBuilder | None:
    return _LINK_BUILDERS.get(kind) or _DEFAULT_LINK_BUILDERS.get(kind)


# Built-in kinds. Account emails and staff safety alerts cannot be opted out of
# and are sent at once, whatever the hour.
register_kind(Kind.INVITATION, Kind.INVITATION.label, quiet_hours=False, mandatory=True)
register_kind(Kind.PASSWORD_RESET, Kind.PASSWORD_RESET.label, quiet_hours=False, mandatory=True)
register_kind(
    Kind.RISK_ALERT, Kind.RISK_ALERT.label, quiet_hours=False, mandatory=True, urgent=True
)
register_kind(
    Kind.RISK_ESCALATION, Kind.RISK_ESCALATION.label, quiet_hours=False, mandatory=True, urgent=True
)

for _account_kind in (
    Kind.TWO_STEP_SETUP,
    Kind.TWO_STEP_RESET,
    Kind.TWO_STEP_ENROLLED,
    Kind.PASSWORD_CHANGED,
    Kind.TREATMENT_INVITATION,
):
    register_kind(_account_kind, _account_kind.label, quiet_hours=False, mandatory=True)


def urgent_kinds() -> list[str]:
    return [spec.value for spec in _KINDS.values() if spec.urgent]


register_kind(
    Kind.SESSION_REMINDER, Kind.SESSION_REMINDER.label, preference_field="session_reminders"
)
register_kind(
    Kind.QUESTIONNAIRE_INVITATION,
    Kind.QUESTIONNAIRE_INVITATION.label,
    preference_field="questionnaire_reminders",
)
register_kind(
    Kind.QUESTIONNAIRE_REMINDER,
    Kind.QUESTIONNAIRE_REMINDER.label,
    preference_field="questionnaire_reminders",
)
register_kind(
    Kind.MOOD_REMINDER, Kind.MOOD_REMINDER.label, preference_field="mood_reminder_enabled"
)
register_kind(
    Kind.INACTIVITY_NUDGE, Kind.INACTIVITY_NUDGE.label, preference_field="inactivity_nudges"
)
register_kind(Kind.NEW_MESSAGE, Kind.NEW_MESSAGE.label, preference_field="message_emails")
# A step of the treatment lifecycle, told to the client and the practitioners
# concerned (services.treatment_transition_notify). Nobody opts out of news about
# their own care or caseload, but the person's channels and quiet hours apply.
for _lifecycle_kind in (
    Kind.TREATMENT_DISCHARGED,
    Kind.TREATMENT_CLOSED,
    Kind.TRIAL_WITHDRAWN,
    Kind.TREATMENT_REOPENED,
    Kind.PRACTITIONER_CHANGED,
    Kind.CASELOAD_CLIENT_ADDED,
    Kind.CASELOAD_CLIENT_CHANGED,
):
    register_kind(_lifecycle_kind, _lifecycle_kind.label)
# To the PWP when their client writes; batched per thread and hour by its
# dedupe key (apps.messaging.services). Staff turn it off with message_emails.
register_kind(
    Kind.NEW_CLIENT_MESSAGE, Kind.NEW_CLIENT_MESSAGE.label, preference_field="message_emails"
)

"""The treatment lifecycle: discharge, dropout, trial withdrawal, transfer, re-open.

A small state machine. `TRANSITIONS` lists, for each kind of step, the
statuses it may start from and the status it leads to; anything else is
refused with a message saying why. Every step:

- locks the treatment row, checks the rule, saves the new status;
- cancels the sessions still booked when the treatment closes (their reminders
  go with them through `appointment_closed`);
- writes a `TreatmentTransition` (who, when, from, to, reason), shown on the record;
- sends `treatment_ended` when it closes the treatment and
  `treatment_status_changed` always, inside the transaction, so that
  questionnaires (cancels open questionnaires and their signed links, keeps
  follow-ups after a discharge or dropout) and notifications (tells the client
  and the practitioners) act in the same commit.

Callers check access first (`apps.care.access.treatment_get_for_lifecycle`).
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.care.models import (
    OPEN_STATUSES,
    Appointment,
    AppointmentStatus,
    StaffMembership,
    StaffRole,
    TransitionKind,
    Treatment,
    TreatmentStatus,
    TreatmentTransition,
)
from apps.care.signals import appointment_closed, treatment_ended, treatment_status_changed
from apps.core.errors import DomainError

S = TreatmentStatus


@dataclass(frozen=True)
class Rule:
    allowed_from: tuple[str, ...]
    to_status: str | None  # None: the status stays as it is (a transfer)
    reason_required: bool


TRANSITIONS: dict[str, Rule] = {
    TransitionKind.DISCHARGE: Rule((S.ACTIVE,), S.COMPLETED, False),
    TransitionKind.DROPOUT: Rule((S.INVITED, S.ACTIVE), S.DROPPED_OUT, True),
    TransitionKind.TRIAL_WITHDRAWAL: Rule(
        (S.INVITED, S.ACTIVE, S.COMPLETED, S.DROPPED_OUT), S.WITHDRAWN, True
    ),
    TransitionKind.TRANSFER: Rule((S.INVITED, S.ACTIVE), None, False),
    TransitionKind.REOPEN: Rule((S.COMPLETED, S.DROPPED_OUT), S.ACTIVE, True),
}

_REFUSALS = {
    TransitionKind.DISCHARGE: gettext_lazy("Only a treatment in progress can be discharged."),
    TransitionKind.DROPOUT: gettext_lazy("Only an open treatment can be recorded as a dropout."),
    TransitionKind.TRIAL_WITHDRAWAL: gettext_lazy(
        "This client has already withdrawn from the trial."
    ),
    TransitionKind.TRANSFER: gettext_lazy(
        "Only an open treatment can move to another practitioner."
    ),
    TransitionKind.REOPEN: gettext_lazy(
        "Only a completed or dropped-out treatment can be re-opened. After a withdrawal "
        "from the trial, enrol the client again."
    ),
}


def allowed_kinds(treatment: Treatment) -> list[str]:
    """The steps that may follow from the treatment's current status (for the page)."""
    return [kind for kind, rule in TRANSITIONS.items() if treatment.status in rule.allowed_from]


def _cancel_booked_sessions(treatment: Treatment) -> int:
    booked = list(
        Appointment.objects.select_for_update().filter(
            treatment=treatment, status=AppointmentStatus.SCHEDULED
        )
    )
    for appointment in booked:
        appointment.status = AppointmentStatus.CANCELLED_BY_SERVICE
        appointment.save(update_fields=["status", "updated_at"])
        appointment_closed.send(sender=Appointment, appointment=appointment)
    return len(booked)


@transaction.atomic
def treatment_transition(
    *,
    actor: User,
    treatment: Treatment,
    kind: str,
    reason: str = "",
    to_pwp: User | None = None,
) -> TreatmentTransition:
    """Move `treatment` one step (see `TRANSITIONS`). Raises DomainError when refused.

    The `treatment` passed in is updated in place (status, end, practitioner).
    """
    if kind not in TRANSITIONS:
        raise DomainError(_("Choose what happened."), field="kind")
    rule = TRANSITIONS[kind]
    given = treatment
    treatment = Treatment.objects.select_for_update().select_related("service").get(pk=treatment.pk)
    if treatment.status not in rule.allowed_from:
        raise DomainError(
            " ".join(
                [
                    str(_REFUSALS[kind]),
                    _("The treatment is now: %(status)s.")
                    % {"status": treatment.get_status_display().lower()},
                ]
            )
        )
    reason = reason.strip()
    if rule.reason_required and not reason:
        raise DomainError(_("Say why, in a few words."), field="reason")
    from_status, from_pwp_id = treatment.status, treatment.pwp_id
    fields = ["updated_at"]
    if kind == TransitionKind.TRANSFER:
        if to_pwp is None:
            raise DomainError(_("Choose the practitioner who takes over."), field="to_pwp")
        if to_pwp.pk == treatment.pwp_id:
            raise DomainError(_("Choose a different practitioner."), field="to_pwp")
        if not (
            to_pwp.is_active
            and StaffMembership.objects.filter(
                user=to_pwp, service=treatment.service, role=StaffRole.PWP
            ).exists()
        ):
            raise DomainError(
                _("This practitioner does not work in the client's service."), field="to_pwp"
            )
        treatment.pwp = to_pwp
        # The welcome was the previous practitioner's own words: the client sees the
        # new practitioner's name until they write their own.
        treatment.welcome_message = ""
        fields += ["pwp", "welcome_message"]
    else:
        treatment.status = rule.to_status
        fields.append("status")
        if treatment.status in OPEN_STATUSES:
            treatment.ended_at = None
        elif from_status in OPEN_STATUSES:
            treatment.ended_at = timezone.now()
        fields.append("ended_at")
    try:
        with transaction.atomic():
            treatment.save(update_fields=fields)
    except IntegrityError:
        raise DomainError(
            _("This client already has another open treatment. Close it first.")
        ) from None
    for name in fields:  # the caller's copy shows the new state too
        setattr(given, name, getattr(treatment, name))
    closing = from_status in OPEN_STATUSES and treatment.status not in OPEN_STATUSES
    if closing:
        _cancel_booked_sessions(treatment)
    transition = TreatmentTransition.objects.create(
        treatment=treatment,
        kind=kind,
        from_status=from_status,
        to_status=treatment.status,
        from_pwp_id=from_pwp_id,
        to_pwp_id=treatment.pwp_id,
        reason=reason,
        actor=actor,
    )
    if closing:
        treatment_ended.send(sender=Treatment, treatment=treatment, actor=actor)
    treatment_status_changed.send(
        sender=Treatment, treatment=treatment, transition=transition, actor=actor
    )
    return transition


def treatment_discharge(*, actor: User, treatment: Treatment, reason: str = ""):
    return treatment_transition(
        actor=actor, treatment=treatment, kind=TransitionKind.DISCHARGE, reason=reason
    )


def treatment_record_dropout(*, actor: User, treatment: Treatment, reason: str):
    return treatment_transition(
        actor=actor, treatment=treatment, kind=TransitionKind.DROPOUT, reason=reason
    )


def treatment_withdraw_from_trial(*, actor: User, treatment: Treatment, reason: str):
    return treatment_transition(
        actor=actor, treatment=treatment, kind=TransitionKind.TRIAL_WITHDRAWAL, reason=reason
    )


def treatment_transfer(*, actor: User, treatment: Treatment, to_pwp: User, reason: str = ""):
    return treatment_transition(
        actor=actor,
        treatment=treatment,
        kind=TransitionKind.TRANSFER,
        reason=reason,
        to_pwp=to_pwp,
    )


def treatment_reopen(*, actor: User, treatment: Treatment, reason: str):
    return treatment_transition(
        actor=actor, treatment=treatment, kind=TransitionKind.REOPEN, reason=reason
    )

"""Workspace orchestration that spans domains (the top of the ladder).

`session_agreement_record`: what was agreed after a session (care's record and
tasks, then programme's module plan), all in one transaction.

`consent_withdrawal_record`: a client's withdrawal of consent, as recorded by
their PWP or a supervisor, and everything it sets in motion:

- "stop treatment": the treatment is recorded as a dropout (sessions,
  reminders and open questionnaires cancelled; follow-ups continue unless
  follow-up consent is also withdrawn);
- "stop follow-up contact": follow-up questionnaires leave the plan at once;
- "withdraw data from research": the treatment is recorded as a trial
  withdrawal (nothing continues) and the participant leaves every export and
  the research API from then on.
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.care.consent import (
    WITHDRAW_RESEARCH,
    WITHDRAW_TREATMENT,
    consent_withdraw,
)
from apps.care.lifecycle import treatment_transition
from apps.care.models import Appointment, SessionRecord, TransitionKind, Treatment, TreatmentStatus
from apps.care.services import bespoke_task_assign, session_record_save
from apps.programme.models import Module
from apps.programme.services import module_unlock
from apps.questionnaires.services import treatment_administrations_sync

WITHDRAWAL_CHOICES = (
    (WITHDRAW_TREATMENT, _("Stop treatment")),
    ("stop_follow_up", _("Stop follow-up contact")),
    (WITHDRAW_RESEARCH, _("Withdraw their data from research")),
)


@transaction.atomic
def consent_withdrawal_record(
    *, actor: User, treatment: Treatment, withdrawal: str, reason: str = ""
) -> None:
    consent_withdraw(actor=actor, client=treatment.client, withdrawal=withdrawal)
    reason = reason.strip() or _("The client withdrew consent.")
    if withdrawal == WITHDRAW_TREATMENT and treatment.is_open:
        treatment_transition(
            actor=actor, treatment=treatment, kind=TransitionKind.DROPOUT, reason=reason
        )
    elif withdrawal == WITHDRAW_RESEARCH and treatment.status != TreatmentStatus.WITHDRAWN:
        treatment_transition(
            actor=actor, treatment=treatment, kind=TransitionKind.TRIAL_WITHDRAWAL, reason=reason
        )
    treatment.refresh_from_db()
    treatment_administrations_sync(treatment=treatment)


@transaction.atomic
def session_agreement_record(
    *,
    actor: User,
    treatment: Treatment,
    appointment: Appointment,
    agreed: str = "",
    tasks: list[str] | None = None,
    due_date: datetime.date | None = None,
    next_module: Module | None = None,
    goal_changes: str = "",
) -> SessionRecord:
    """Record what was agreed after a session and put it in the client's plan.

    Writes the session record (care), sets one bespoke task per line of
    `tasks` by `due_date`, linked to the record (care), and opens
    `next_module` for the client (programme). All or nothing: a DomainError
    from any step (a past date, an ended treatment, a session that has not
    happened) rolls back the whole record.
    """
    if appointment.treatment_id != treatment.pk:
        raise ValueError("The session belongs to another treatment.")
    record = session_record_save(
        actor=actor,
        appointment=appointment,
        agreed=agreed,
        goal_changes=goal_changes,
        next_module=next_module,
    )
    for title in tasks or []:
        bespoke_task_assign(
            actor=actor,
            treatment=treatment,
            title=title,
            due_date=due_date,
            session_record=record,
        )
    if next_module is not None:
        module_unlock(actor=actor, treatment=treatment, module=next_module)
    return record

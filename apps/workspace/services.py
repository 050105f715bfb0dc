"""Writes that span domains, made from staff pages. Each calls the owning app's services.

Views check access first (`apps.care.access`); the services below re-check
nothing but keep everything in one transaction.
"""

import datetime

from django.db import transaction

from apps.accounts.models import User
from apps.care.models import Appointment, SessionRecord, Treatment
from apps.care.services import bespoke_task_assign, session_record_save
from apps.programme.models import Module
from apps.programme.services import module_unlock


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

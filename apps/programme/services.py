"""Writes for the programme: plan, step progress, exercise entries, feedback.

Views fetch the treatment through `apps.care.access` first; services that a
practitioner calls check access themselves (they take `actor`).
"""

import uuid

from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.care.access import STAFF_ROLES, has_role, treatment_get_for_user
from apps.care.models import Treatment
from apps.core.errors import DomainError
from apps.notifications.services import notification_schedule
from apps.programme.exercises.base import NEW_ROW, ROWS
from apps.programme.models import (
    EntryFeedback,
    EntryStatus,
    ExerciseEntry,
    FeedbackReply,
    Module,
    ModulePlan,
    Step,
    StepProgress,
)
from apps.programme.selectors import module_plan_for
from apps.safety.keywords import entry_mentions_self_harm
from apps.safety.models import RiskSource
from apps.safety.services import risk_alert_raise_for_entry, risk_screen_client_text

# Outbox kind: tell the PWP their client answered their feedback (registered
# in ProgrammeConfig.ready; the email never carries the client's words).
FEEDBACK_REPLY_KIND = "feedback_reply"

DRAFT = "_draft"  # unsent changes to a sent entry that the client may edit


# --- Plan ------------------------------------------------------------------------


def _require_staff_access(*, actor: User, treatment: Treatment) -> Treatment:
    """The treatment re-fetched for `actor` with write access; 404/403 otherwise."""
    if not has_role(actor, *STAFF_ROLES):
        raise PermissionDenied
    return treatment_get_for_user(user=actor, treatment_id=treatment.pk, write=True)


@transaction.atomic
def module_unlock(*, actor: User, treatment: Treatment, module: Module) -> ModulePlan:
    """Open `module` for the client (a practitioner's decision).

    Raises Http404 when `actor` may not change this treatment and
    PermissionDenied when `actor` is not staff. Opening an open module again
    changes nothing.
    """
    treatment = _require_staff_access(actor=actor, treatment=treatment)
    plan, _created = ModulePlan.objects.select_for_update().get_or_create(
        treatment=treatment, module=module
    )
    if not plan.unlocked:
        plan.unlocked = True
        plan.assigned_by = actor
        plan.assigned_at = timezone.now()
        plan.full_clean()
        plan.save()
    return plan


def _plan_row(treatment: Treatment, module: Module) -> ModulePlan:
    plan, _created = ModulePlan.objects.get_or_create(treatment=treatment, module=module)
    return plan


# --- Step progress -----------------------------------------------------------------


@transaction.atomic
def step_open(*, treatment: Treatment, step: Step) -> StepProgress:
    """Record a visit to `step`: first and latest opening; starts a new visit for timing."""
    now = timezone.now()
    progress, created = StepProgress.objects.select_for_update().get_or_create(
        treatment=treatment,
        step=step,
        defaults={
            "opened_at": now,
            "last_opened_at": now,
            "last_seen_at": now,
            "step_revision": step.revision or None,
        },
    )
    if not created:
        progress.last_opened_at = now
        progress.last_seen_at = now
        progress.visits += 1
        progress.visit_seconds = 0
        progress.save(update_fields=["last_opened_at", "last_seen_at", "visits", "visit_seconds"])
    plan = _plan_row(treatment, step.module)
    if plan.started_at is None:
        plan.started_at = now
        plan.save(update_fields=["started_at"])
    return progress


@transaction.atomic
def step_activity(*, treatment: Treatment, step: Step) -> StepProgress | None:
    """Count time since the last activity signal (heartbeat or autosave), within caps."""
    progress = (
        StepProgress.objects.select_for_update().filter(treatment=treatment, step=step).first()
    )
    if progress is None:
        return None
    progress.add_activity(timezone.now())
    progress.save(update_fields=["seconds_spent", "visit_seconds", "last_seen_at"])
    return progress


@transaction.atomic
def step_complete(*, treatment: Treatment, step: Step) -> StepProgress:
    """Mark `step` done (first completion time is kept) and complete its module when
    every active step is done."""
    now = timezone.now()
    progress, created = StepProgress.objects.select_for_update().get_or_create(
        treatment=treatment,
        step=step,
        defaults={
            "opened_at": now,
            "last_opened_at": now,
            "last_seen_at": now,
            "step_revision": step.revision or None,
        },
    )
    progress.add_activity(now)
    if progress.completed_at is None:
        progress.completed_at = now
    progress.save()
    plan = _plan_row(treatment, step.module)
    changed = []
    if plan.started_at is None:
        plan.started_at = progress.opened_at
        changed.append("started_at")
    if plan.completed_at is None:
        active = Step.objects.filter(module=step.module, is_active=True)
        done = StepProgress.objects.filter(
            treatment=treatment, step__in=active, completed_at__isnull=False
        ).count()
        if done >= active.count():
            plan.completed_at = now
            changed.append("completed_at")
    if changed:
        plan.save(update_fields=changed)
    return progress


# --- Exercise entries ----------------------------------------------------------------


def _entry_for_request(
    *, treatment: Treatment, step: Step, client_request_id: uuid.UUID, lock: bool = True
) -> ExerciseEntry | None:
    """The entry made from this form, if any. Another treatment's entry is a 404."""
    qs = ExerciseEntry.objects.select_for_update() if lock else ExerciseEntry.objects
    entry = qs.filter(client_request_id=client_request_id).first()
    if entry is None:
        return None
    if entry.treatment_id != treatment.pk or entry.step_id != step.pk:
        raise Http404("No such entry.")
    return entry


def _create_entry(*, treatment, step, client_request_id, data) -> ExerciseEntry:
    entry = ExerciseEntry(
        treatment=treatment,
        step=step,
        exercise_type=step.entry_type,
        client_request_id=client_request_id,
        data=data,
        step_revision=step.revision or None,
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        # A parallel request created it first (double click): use that row.
        entry = _entry_for_request(
            treatment=treatment, step=step, client_request_id=client_request_id
        )
        if entry is None:
            raise
    return entry


def entry_editable(entry: ExerciseEntry) -> bool:
    return not entry.is_submitted or entry.exercise.editable_after_submit


def working_data(entry: ExerciseEntry | None) -> dict:
    """What the form shows: the entry's data with any unsent changes on top."""
    if entry is None:
        return {}
    data = {k: v for k, v in entry.data.items() if k != DRAFT}
    data.update(entry.data.get(DRAFT) or {})
    return data


class DraftConflict(Exception):  # noqa: N818 - an answer, not a fault
    """An autosave was based on an older version of the draft than the saved one.

    `entry` is the saved draft (its text and version), for the page to show
    next to the person's own text so they can merge the two.
    """

    def __init__(self, entry: ExerciseEntry):
        super().__init__(f"entry {entry.pk} is at version {entry.version}")
        self.entry = entry


@transaction.atomic
def exercise_save_draft(
    *,
    treatment: Treatment,
    step: Step,
    client_request_id: uuid.UUID,
    values: dict,
    based_on_version: int | None = None,
) -> ExerciseEntry:
    """Store what the client has typed so far (autosave or "Save and come back later").

    `values` are the raw form values by field name (no validation: half-typed
    text is kept). Rows are not touched. For a sent entry the client may edit,
    changes are kept apart until they send it again; a sent entry that cannot
    be edited is returned unchanged.

    `based_on_version` (autosave) is the draft version the page last saw
    (0 for a new form). Raises DraftConflict, saving nothing, when the draft
    was saved since (another tab or device), or when the form is new but
    another unsent draft of this step exists: two tabs never make two drafts
    or silently undo each other. Sending again exactly the saved text is no
    conflict (a resend whose answer was lost): the entry is returned unchanged.
    """
    entry = _entry_for_request(treatment=treatment, step=step, client_request_id=client_request_id)
    if based_on_version is not None:
        if entry is not None and entry.version != based_on_version:
            saved = working_data(entry)
            if all(saved.get(name) == value for name, value in values.items()):
                return entry  # the same text sent again (a resend whose answer was lost)
            raise DraftConflict(entry)
        if entry is None:
            other = (
                ExerciseEntry.objects.filter(
                    treatment=treatment, step=step, status=EntryStatus.DRAFT
                )
                .order_by("-updated_at")
                .first()
            )
            if other is not None:
                raise DraftConflict(other)
    if entry is None:
        entry = _create_entry(
            treatment=treatment, step=step, client_request_id=client_request_id, data={}
        )
    if not entry_editable(entry):
        return entry
    data = dict(entry.data)
    if entry.is_submitted:
        data[DRAFT] = {**(data.get(DRAFT) or {}), **values}
    else:
        data.update(values)
    entry.data = data
    entry.version += 1
    entry.save(update_fields=["data", "version", "updated_at"])
    step_activity(treatment=treatment, step=step)
    return entry


@transaction.atomic
def exercise_rows_set(
    *,
    treatment: Treatment,
    step: Step,
    client_request_id: uuid.UUID,
    rows: list[dict],
    values: dict | None = None,
) -> ExerciseEntry:
    """Replace the entry's rows (each already validated by the row form).

    Clears the unsent "new row" text. `values` (optional) are saved as a draft
    at the same time, so nothing typed elsewhere on the page is lost.
    """
    entry = exercise_save_draft(
        treatment=treatment, step=step, client_request_id=client_request_id, values=values or {}
    )
    if not entry_editable(entry):
        raise DomainError(_("This has been sent and cannot be changed."))
    data = dict(entry.data)
    data[ROWS] = rows
    data.pop(NEW_ROW, None)
    if DRAFT in data:
        data[DRAFT].pop(NEW_ROW, None)
    entry.data = data
    entry.version += 1
    entry.save(update_fields=["data", "version", "updated_at"])
    return entry


@transaction.atomic
def exercise_submit(
    *, treatment: Treatment, step: Step, client_request_id: uuid.UUID, data: dict
) -> tuple[ExerciseEntry, bool]:
    """Send an entry (data already validated by the exercise) to the practitioner.

    Idempotent on `client_request_id`: sending the same form twice returns the
    one entry and `False`. A sent entry the client may edit is updated in place
    (its first `submitted_at` is kept). Completes the step. Raises a risk alert
    (same transaction) when the exercise's safety check fires.
    """
    now = timezone.now()
    entry = _entry_for_request(treatment=treatment, step=step, client_request_id=client_request_id)
    if entry is None:
        entry = _create_entry(
            treatment=treatment, step=step, client_request_id=client_request_id, data={}
        )
    if entry.is_submitted and not entry.exercise.editable_after_submit:
        return entry, False
    was_draft = not entry.is_submitted
    entry.data = {k: v for k, v in data.items() if not k.startswith("_")}
    entry.status = EntryStatus.SUBMITTED
    entry.submitted_at = entry.submitted_at or now
    # The version of the step they answered: what they wrote stays tied to it.
    entry.step_revision = step.revision or None
    entry.version += 1
    entry.full_clean(exclude=["data"])
    entry.save()
    LogEntry.objects.log_create(
        entry,
        action=LogEntry.Action.UPDATE,
        changes={"status": ["draft" if was_draft else "submitted", "submitted"]},
        actor=treatment.client,
        serialized_data=None,
    )
    step_complete(treatment=treatment, step=step)
    _raise_risk_alerts(entry=entry)
    return entry, was_draft


def _raise_risk_alerts(*, entry: ExerciseEntry) -> None:
    """Alert the PWP and supervisors when a sent entry mentions suicide or self-harm.

    Any text in any exercise counts (apps.safety.keywords), not only the
    fields an exercise's own safety message looks at: a client who writes it
    in an activity diary or a reflection is as much at risk. Other safety
    messages, such as the exercise plan's health questions, do not raise one.
    Same transaction as the sent entry (docs/safety.md); drafts never get here.
    """
    if entry_mentions_self_harm(entry.data):
        risk_alert_raise_for_entry(entry=entry, reasons=[RiskSource.EXERCISE_SAFETY_WORDS])


@transaction.atomic
def quiz_answer(*, treatment: Treatment, step: Step, question: int, choice: int) -> ExerciseEntry:
    """Store the answer to one quiz question in the step's draft."""
    entry = (
        ExerciseEntry.objects.select_for_update()
        .filter(treatment=treatment, step=step, status=EntryStatus.DRAFT)
        .order_by("-pk")
        .first()
    )
    if entry is None:
        entry = _create_entry(
            treatment=treatment, step=step, client_request_id=uuid.uuid4(), data={}
        )
    answers = dict(entry.data.get("answers") or {})
    answers[str(question)] = int(choice)
    entry.data = {**entry.data, "answers": answers}
    entry.save(update_fields=["data", "updated_at"])
    step_activity(treatment=treatment, step=step)
    return entry


# --- Practitioner feedback ------------------------------------------------------------


@transaction.atomic
def feedback_leave(*, actor: User, entry: ExerciseEntry, text: str) -> EntryFeedback:
    """A practitioner's written feedback on a sent entry.

    Raises Http404 when `actor` may not change the entry's treatment,
    PermissionDenied when `actor` is not staff, and DomainError for empty text
    or an unsent draft.
    """
    _require_staff_access(actor=actor, treatment=entry.treatment)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write your feedback before you send it."), field="text")
    if not entry.is_submitted:
        raise DomainError(_("You can only give feedback on work the client has sent."))
    feedback = EntryFeedback(entry=entry, author=actor, text=text)
    feedback.full_clean()
    feedback.save()
    return feedback


def feedback_mark_read(*, treatment: Treatment, entry_ids: list[int]) -> int:
    """Mark the practitioner's feedback on these entries as read by the client."""
    return EntryFeedback.objects.filter(
        entry__treatment=treatment, entry_id__in=entry_ids, read_at__isnull=True
    ).update(read_at=timezone.now())


@transaction.atomic
def feedback_reply_send(*, client: User, feedback: EntryFeedback, text: str) -> FeedbackReply:
    """The client answers a piece of their practitioner's feedback.

    Only the client whose entry it is may reply (Http404 otherwise). The reply
    goes through the risk screen like every other client text (an alert to the
    PWP in this transaction when it mentions self-harm or suicide) and the PWP
    is told through the outbox that there is a reply, never what it says.
    Raises DomainError for an empty reply or an ended treatment.
    """
    treatment = feedback.entry.treatment
    if treatment.client_id != client.pk:
        raise Http404("No such feedback.")
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write your reply before you send it."), field="text")
    if not treatment.is_open:
        raise DomainError(_("Your treatment has ended, so replies are closed."), field="text")
    reply = FeedbackReply(feedback=feedback, treatment=treatment, text=text)
    reply.full_clean()
    reply.save()
    risk_screen_client_text(
        treatment=treatment,
        subject=reply,
        source=RiskSource.FEEDBACK_REPLY_SAFETY_WORDS,
        texts=[text],
    )
    notification_schedule(
        recipient=treatment.pwp,
        kind=FEEDBACK_REPLY_KIND,
        due_at=reply.created_at,
        dedupe_key=f"{FEEDBACK_REPLY_KIND}:reply:{reply.pk}",
        object=reply,
        context={"treatment_id": treatment.pk},
    )
    return reply


def feedback_replies_mark_read(*, treatment_id: int, reader: User) -> int:
    """The client's own PWP opened the review page: the client's replies count as read.

    Anyone else (a supervisor, an admin) reading the page marks nothing.
    """
    return FeedbackReply.objects.filter(
        treatment_id=treatment_id, treatment__pwp=reader, read_at__isnull=True
    ).update(read_at=timezone.now())


@transaction.atomic
def module_reorder(*, actor: User, treatment: Treatment, module: Module, position: int) -> None:
    """Move `module` to `position` (0 = first) in this client's module list.

    The new order is what the client sees on their modules page and what
    "what to do next" follows; required modules still open one at a time, in
    the new order. Positions out of range are clamped. Writes
    `ModulePlan.order_override` only for modules whose place changes: each
    module keeps the sort key of the slot it lands in, so moving one module up
    touches two rows. Raises Http404 when `actor` may not change this
    treatment, PermissionDenied when `actor` is not staff, and DomainError
    when the treatment has ended or the module is not in the programme.
    """
    treatment = _require_staff_access(actor=actor, treatment=treatment)
    # Serialise reorders of one client's plan (two tabs, a double click).
    Treatment.objects.select_for_update().filter(pk=treatment.pk).first()
    if not treatment.is_open:
        raise DomainError(_("This treatment has ended, so its modules cannot be reordered."))
    states = module_plan_for(treatment)
    ids = [s.module.pk for s in states]
    if module.pk not in ids:
        raise DomainError(_("This module is not part of the programme."))

    def key(state) -> int:
        plan = state.plan
        if plan is not None and plan.order_override is not None:
            return plan.order_override
        return state.module.order

    current = {s.module.pk: s for s in states}
    slots = [key(s) for s in states]
    if any(a >= b for a, b in zip(slots, slots[1:], strict=False)):
        # Equal keys (duplicate content orders) cannot express a new order:
        # number every slot instead.
        slots = list(range(len(states)))
    ids.remove(module.pk)
    ids.insert(max(0, min(position, len(ids))), module.pk)
    for slot, module_id in zip(slots, ids, strict=True):
        state = current[module_id]
        if key(state) == slot:
            continue
        plan = state.plan or ModulePlan(treatment=treatment, module=state.module)
        plan.order_override = slot
        plan.full_clean()
        plan.save()  # one save per row, so auditlog records each change

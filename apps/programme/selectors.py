"""Reads for the programme: the client's plan, steps, entries and feedback.

Callers pass a treatment already fetched through `apps.care.access`
(`treatment_get_for_user` / `client_current_treatment`); entry lookups by ID
go through `entry_get_for_user`, which applies the same rules.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.care.access import treatments_visible_to
from apps.care.models import Treatment
from apps.programme.exercises import HistoryItem
from apps.programme.models import (
    EntryFeedback,
    EntryStatus,
    ExerciseEntry,
    Module,
    ModulePlan,
    Step,
    StepProgress,
)


class Status:
    LOCKED = "locked"
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


STATUS_TEXT = {
    Status.LOCKED: gettext_lazy("Locked"),
    Status.NOT_STARTED: gettext_lazy("Not yet started"),
    Status.IN_PROGRESS: gettext_lazy("In progress"),
    Status.COMPLETED: gettext_lazy("Completed"),
}


@dataclass
class StepState:
    step: Step
    progress: StepProgress | None = None

    @property
    def done(self) -> bool:
        return bool(self.progress and self.progress.completed_at)

    @property
    def started(self) -> bool:
        return self.progress is not None

    @property
    def status(self) -> str:
        if self.done:
            return Status.COMPLETED
        return Status.IN_PROGRESS if self.started else Status.NOT_STARTED

    @property
    def status_text(self) -> str:
        return str(STATUS_TEXT[self.status])


@dataclass
class ModuleState:
    module: Module
    plan: ModulePlan | None
    unlocked: bool
    locked_reason: str = ""
    steps: list[StepState] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        return bool(self.plan and self.plan.completed_at)

    @property
    def steps_done(self) -> int:
        return sum(1 for s in self.steps if s.done)

    @property
    def started(self) -> bool:
        return bool(self.plan and self.plan.started_at) or any(s.started for s in self.steps)

    @property
    def status(self) -> str:
        if self.completed:
            return Status.COMPLETED
        if not self.unlocked:
            return Status.LOCKED
        return Status.IN_PROGRESS if self.started else Status.NOT_STARTED

    @property
    def status_text(self) -> str:
        return str(STATUS_TEXT[self.status])

    @property
    def next_step(self) -> StepState | None:
        return next((s for s in self.steps if not s.done), None)

    @property
    def minutes_left(self) -> int:
        return sum(s.step.minutes for s in self.steps if not s.done)


def _modules() -> list[Module]:
    steps = Step.objects.filter(is_active=True).order_by("order", "pk")
    return list(
        Module.objects.filter(is_active=True)
        .order_by("order", "pk")
        .prefetch_related(Prefetch("steps", queryset=steps))
    )


def module_plan_for(treatment: Treatment) -> list[ModuleState]:
    """Every active module in the order this client meets them, with state.

    Default rule: required modules open one at a time in order (the first is
    open; the next opens when the one before is completed). Optional modules
    stay locked until the practitioner opens them (`module_unlock`). A module
    the client has started or completed never locks again. Once treatment has
    ended, only modules the client started or completed stay open.
    Four queries whatever the data size.
    """
    modules = _modules()
    plans = {p.module_id: p for p in ModulePlan.objects.filter(treatment=treatment)}
    progress = {
        p.step_id: p for p in StepProgress.objects.filter(treatment=treatment, step__is_active=True)
    }

    def sort_key(m: Module):
        plan = plans.get(m.pk)
        override = plan.order_override if plan and plan.order_override is not None else None
        return (override if override is not None else m.order, m.order, m.pk)

    states: list[ModuleState] = []
    previous_required: ModuleState | None = None
    for module in sorted(modules, key=sort_key):
        plan = plans.get(module.pk)
        state = ModuleState(
            module=module,
            plan=plan,
            unlocked=False,
            steps=[StepState(step=s, progress=progress.get(s.pk)) for s in module.steps.all()],
        )
        if module.mandatory:
            default_open = previous_required is None or previous_required.completed
            reason = (
                _("This module opens when you finish “%(title)s”.")
                % {"title": previous_required.module.title}
                if previous_required
                else ""
            )
            previous_required = state
        else:
            default_open = False
            reason = _("Your practitioner can open this module for you if it would help.")
        chosen = bool(plan and plan.unlocked)
        if treatment.is_open:
            state.unlocked = default_open or chosen or state.started or state.completed
            state.locked_reason = "" if state.unlocked else reason
        else:
            state.unlocked = state.started or state.completed
            state.locked_reason = (
                "" if state.unlocked else _("Your treatment has ended, so this module is closed.")
            )
        states.append(state)
    return states


def current_module(states: list[ModuleState]) -> ModuleState | None:
    """The module to work on next: the first open one that is not completed."""
    return next((s for s in states if s.unlocked and not s.completed), None)


def course_completed(treatment: Treatment) -> bool:
    """True when every active required module is completed (the trial's "completer")."""
    required = Module.objects.filter(is_active=True, mandatory=True)
    total = required.count()
    done = ModulePlan.objects.filter(
        treatment=treatment, module__in=required, completed_at__isnull=False
    ).count()
    return total > 0 and done == total


def required_modules_done(states: list[ModuleState]) -> tuple[int, int]:
    required = [s for s in states if s.module.mandatory]
    return sum(1 for s in required if s.completed), len(required)


def entries_for_step(*, treatment: Treatment, step: Step) -> QuerySet[ExerciseEntry]:
    """Sent entries for one step, newest first, with practitioner feedback."""
    return (
        ExerciseEntry.objects.filter(treatment=treatment, step=step, status=EntryStatus.SUBMITTED)
        .select_related("step")
        .prefetch_related(
            Prefetch("feedback", queryset=EntryFeedback.objects.select_related("author"))
        )
        .order_by("-submitted_at", "-pk")
    )


def draft_for_step(*, treatment: Treatment, step: Step) -> ExerciseEntry | None:
    return (
        ExerciseEntry.objects.filter(treatment=treatment, step=step, status=EntryStatus.DRAFT)
        .order_by("-updated_at", "-pk")
        .first()
    )


def entry_for_request(
    *, treatment: Treatment, step: Step, client_request_id
) -> ExerciseEntry | None:
    """The entry made from the form with this id, if any; another treatment's or
    step's entry is a 404."""
    entry = ExerciseEntry.objects.filter(client_request_id=client_request_id).first()
    if entry is None:
        return None
    if entry.treatment_id != treatment.pk or entry.step_id != step.pk:
        raise Http404("No such entry.")
    return entry


def history_for(*, treatment: Treatment, exclude_id: int | None = None) -> list[HistoryItem]:
    """The treatment's sent entries as HistoryItems, newest first (feedback input)."""
    entries = ExerciseEntry.objects.filter(
        treatment=treatment, status=EntryStatus.SUBMITTED
    ).order_by("-submitted_at", "-pk")
    if exclude_id:
        entries = entries.exclude(pk=exclude_id)
    return [
        HistoryItem(exercise_type=e.exercise_type, data=e.data, submitted_at=e.submitted_at)
        for e in entries.only("exercise_type", "data", "submitted_at")
    ]


def entry_get_for_user(*, user, entry_id: int, write: bool) -> ExerciseEntry:
    """Entry `entry_id` if its treatment is visible to `user` (see care.access), else 404.

    Staff see an entry only once the client has sent it: a draft is the
    client's own until then (the client is told their practitioner sees what
    they send, not what they are still typing).
    """
    entries = ExerciseEntry.objects.filter(treatment__in=treatments_visible_to(user, write=write))
    if not user.is_client:
        entries = entries.filter(status=EntryStatus.SUBMITTED)
    try:
        return (
            entries.select_related("step__module", "treatment__client", "treatment__pwp")
            .prefetch_related(
                Prefetch(
                    "feedback",
                    queryset=EntryFeedback.objects.select_related("author").prefetch_related(
                        "replies"
                    ),
                )
            )
            .get(pk=entry_id)
        )
    except (ExerciseEntry.DoesNotExist, ValueError, TypeError):
        raise Http404("No such entry.") from None


def recent_feedback_for(*, treatment: Treatment, limit: int = 3) -> list[EntryFeedback]:
    """The practitioner's latest feedback on this treatment's entries. One query."""
    return list(
        EntryFeedback.objects.filter(entry__treatment=treatment)
        .select_related("author", "entry__step__module")
        .order_by("-created_at", "-pk")[:limit]
    )


def adherence_for(treatment: Treatment) -> dict:
    """Counts for adherence analysis: steps done, seconds spent, entries sent, modules done."""
    steps = StepProgress.objects.filter(treatment=treatment).aggregate(
        opened=Count("pk"),
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
    )
    seconds = sum(
        StepProgress.objects.filter(treatment=treatment).values_list("seconds_spent", flat=True)
    )
    return {
        "steps_opened": steps["opened"],
        "steps_completed": steps["completed"],
        "seconds_spent": seconds,
        "entries_submitted": ExerciseEntry.objects.filter(
            treatment=treatment, status=EntryStatus.SUBMITTED
        ).count(),
        "modules_completed": ModulePlan.objects.filter(
            treatment=treatment, completed_at__isnull=False
        ).count(),
        "course_completed": course_completed(treatment),
    }


@dataclass
class LanguageStatus:
    """Content in one offered language: what is still shown in English."""

    code: str
    name: str
    step_count: int
    missing_steps: list[Step]
    missing_modules: list[Module]

    @property
    def translated_count(self) -> int:
        return self.step_count - len(self.missing_steps)


def translation_status() -> list[LanguageStatus]:
    """For each offered language but English, the active steps and modules not yet
    translated (they fall back to English with a note). Two queries."""
    steps = list(
        Step.objects.filter(is_active=True, module__is_active=True)
        .select_related("module")
        .order_by("module__order", "order")
    )
    modules = list(Module.objects.filter(is_active=True).order_by("order"))
    out = []
    for code, name in settings.LANGUAGES:
        if code == settings.MODELTRANSLATION_DEFAULT_LANGUAGE:
            continue
        out.append(
            LanguageStatus(
                code=code,
                name=str(name),
                step_count=len(steps),
                missing_steps=[s for s in steps if not s.is_translated(code)],
                missing_modules=[
                    m
                    for m in modules
                    if not getattr(m, f"title_{code}", None)
                    or not getattr(m, f"summary_{code}", None)
                ],
            )
        )
    return out


def preview_modules() -> list[Module]:
    """Active modules in order, each with its active steps (two queries)."""
    return list(
        Module.objects.filter(is_active=True)
        .order_by("order", "pk")
        .prefetch_related(
            Prefetch("steps", queryset=Step.objects.filter(is_active=True).order_by("order", "pk"))
        )
    )


def preview_step(*, module_slug: str, step_slug: str) -> tuple[Step, list[Step]]:
    """The active step and its module's active steps in order; 404 if unknown."""
    steps = list(
        Step.objects.filter(module__slug=module_slug, module__is_active=True, is_active=True)
        .select_related("module")
        .order_by("order", "pk")
    )
    for step in steps:
        if step.slug == step_slug:
            return step, steps
    raise Http404("No such step.")

"""The discharge summary and lifecycle history of one treatment (read model).

Spans care (sessions, transitions), programme (modules, the staying-well
plan), questionnaires (first and last PHQ-9 / GAD-7 with the NHS Talking
Therapies change category, from `apps.questionnaires.scoring.outcome`) and
tracking (goals), so it lives in the workspace.
"""

from dataclasses import dataclass

from apps.care.models import AppointmentStatus, Treatment
from apps.programme.models import ExerciseEntry
from apps.programme.selectors import module_plan_for, required_modules_done
from apps.questionnaires.models import Administration, AdministrationStatus
from apps.questionnaires.scoring import ChangeCategory, outcome
from apps.tracking.models import Goal

MEASURES = ("phq9", "gad7")
CATEGORY_WORDS = {
    ChangeCategory.RELIABLE_IMPROVEMENT: "Reliable improvement",
    ChangeCategory.RELIABLE_DETERIORATION: "Reliable deterioration",
    ChangeCategory.NO_RELIABLE_CHANGE: "No reliable change",
    ChangeCategory.NOT_CLASSIFIABLE: "Not enough scores to judge",
}
RELAPSE_MODULE = "relapse-prevention"


@dataclass
class MeasureRow:
    code: str
    first: int | None
    last: int | None
    category: str


@dataclass
class DischargeSummary:
    sessions_attended: int
    modules_completed: list[str]
    required_done: tuple[int, int]
    measures: list[MeasureRow]
    overall: str
    recovery: bool | None
    goals: list[Goal]
    staying_well_plan: list[tuple[str, str]]


def discharge_summary(treatment: Treatment) -> DischargeSummary:
    states = module_plan_for(treatment)
    scores: dict[str, list[int]] = {}
    for code, total in (
        Administration.objects.filter(
            treatment=treatment,
            instrument__in=MEASURES,
            status=AdministrationStatus.COMPLETED,
            total__isnull=False,
        )
        .order_by("completed_at", "pk")
        .values_list("instrument", "total")
    ):
        scores.setdefault(code, []).append(total)
    pairs = {code: (values[0], values[-1]) for code, values in scores.items()}
    measures: list[MeasureRow] = []
    overall, recovery = CATEGORY_WORDS[ChangeCategory.NOT_CLASSIFIABLE], None
    if pairs:
        result = outcome(pairs=pairs)
        for code, change in result.measures.items():
            measures.append(
                MeasureRow(
                    code=code,
                    first=change.first_total,
                    last=change.last_total,
                    category=CATEGORY_WORDS[change.category],
                )
            )
        overall, recovery = CATEGORY_WORDS[result.category], result.recovery
    plan_entry = (
        ExerciseEntry.objects.filter(
            treatment=treatment, step__module__slug=RELAPSE_MODULE, submitted_at__isnull=False
        )
        .order_by("-submitted_at")
        .first()
    )
    staying_well = []
    if plan_entry is not None:
        for key, value in plan_entry.data.items():
            if key.startswith("_") or not isinstance(value, str) or not value.strip():
                continue
            staying_well.append((key.replace("_", " ").capitalize(), value))
    return DischargeSummary(
        sessions_attended=treatment.appointments.filter(status=AppointmentStatus.ATTENDED).count(),
        modules_completed=[s.module.title for s in states if s.completed],
        required_done=required_modules_done(states),
        measures=measures,
        overall=overall,
        recovery=recovery,
        goals=list(Goal.objects.filter(treatment=treatment).order_by("created_at")),
        staying_well_plan=staying_well,
    )

"""The analysis file: one row per participant, ready for R or Stata.

Every column is defined in `apps.trials.columns.ANALYSIS_COLUMNS` (and so in
docs/codebook.md); this module computes them. The definitions in short:

- **Scores** are the ones the scoring engine stored when the questionnaire was
  completed (`Administration.total`, `band`, `subscales`; never re-scored). Only
  completed, scorable administrations count: a PHQ-9 with 3 or more items
  missing, or a WAI with any item missing, is missing here.
- **PHQ-9 per time point**: the one completed at `baseline`, `end_of_treatment`,
  `followup_3m`, `followup_6m`, `followup_12m`. **Last**: the latest at any other
  time point than baseline. **Change**, reliable change and recovery compare
  baseline with last by the clinical reference's NHS Talking Therapies rules on
  the PHQ-9 alone (`questionnaires.scoring.change`).
- **WAI-SF-C / WAI-SF-T early**: time point `early_alliance`. **End**: the one at
  `end_of_treatment`, else the first follow-up that has one (3, 6, 12 months).
  Subscales bond, goal and task come from the engine (the instrument
  definitions name their items). The practitioner's WAI-SF-T is read as an
  administration of the client's treatment, as the client's is: the rows the
  PWP answered (whoever held the client then), by instrument, whatever
  `answered_by` says.
- **Study days**: whole days from the treatment's start date to the local date
  (the service's time zone) of the event; the start date is day 0.
- **Sessions, modules, time online**: the adherence definitions of the
  participants file (`apps.trials.adherence`).
- **Early-warning flags**: the rules of `apps.earlywarning`, replayed every 7
  days from the first activation in the trial (the early-warning report's
  checkpoints) with the data that existed then; per rule, the checkpoints at
  which it fired.

Missing values are empty cells, always (`to_cell` writes None as empty).

Queries: a fixed number per chunk of `CHUNK_SIZE` participants (the adherence
queries, one for scores, one for lifecycle steps, one for the treatments, four
for activity) plus a fixed number per weekly checkpoint of the warning replay;
none per participant.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.db.models import Min, QuerySet
from django.utils import timezone

from apps.care.models import Treatment, TreatmentStatus, TreatmentTransition
from apps.earlywarning.report import replay
from apps.earlywarning.rules import PRIORITY
from apps.questionnaires.catalogue import scoring_definition
from apps.questionnaires.models import Administration, AdministrationStatus, TimePoint
from apps.questionnaires.scoring import change
from apps.trials import adherence
from apps.trials.adherence import ParticipantAdherence, service_zone
from apps.trials.columns import ANALYSIS_COLUMNS, PHQ9_TIME_POINTS

CHUNK_SIZE = adherence.CHUNK_SIZE
MEASURED = ("phq9", "wai_sf_c", "wai_sf_t")
# Where the "end" alliance measure is looked for, in order.
END_TIME_POINTS = (
    TimePoint.END_OF_TREATMENT,
    TimePoint.FOLLOWUP_3M,
    TimePoint.FOLLOWUP_6M,
    TimePoint.FOLLOWUP_12M,
)
CLOSED = (TreatmentStatus.COMPLETED, TreatmentStatus.DROPPED_OUT, TreatmentStatus.WITHDRAWN)
OPEN = (TreatmentStatus.INVITED, TreatmentStatus.ACTIVE)


# --------------------------------------------------------------------------- scores


@dataclass(frozen=True)
class Score:
    time_point: str
    completed_at: datetime.datetime
    total: int
    band: str
    subscales: dict


@dataclass
class Scores:
    """One participant's completed, scorable PHQ-9, WAI-SF-C and WAI-SF-T, oldest first."""

    by_instrument: dict[str, list[Score]] = field(default_factory=lambda: defaultdict(list))

    def at(self, code: str, time_point: str) -> Score | None:
        """The latest at `time_point` (there is one per fixed time point)."""
        found = [s for s in self.by_instrument.get(code, []) if s.time_point == time_point]
        return found[-1] if found else None

    def last_after_baseline(self, code: str) -> Score | None:
        found = [s for s in self.by_instrument.get(code, []) if s.time_point != TimePoint.BASELINE]
        return found[-1] if found else None

    def end(self, code: str) -> Score | None:
        for time_point in END_TIME_POINTS:
            if (score := self.at(code, time_point)) is not None:
                return score
        return None


def scores_for(treatment_ids: Sequence[int]) -> dict[int, Scores]:
    """{treatment_id: Scores} for the measures of the analysis file. One query."""
    out: dict[int, Scores] = defaultdict(Scores)
    rows = (
        Administration.objects.filter(
            treatment_id__in=list(treatment_ids),
            instrument__in=MEASURED,
            status=AdministrationStatus.COMPLETED,
            valid=True,
            total__isnull=False,
        )
        .order_by("completed_at", "pk")
        .values_list(
            "treatment_id", "instrument", "time_point", "completed_at", "total", "band", "subscales"
        )
    )
    for tid, code, time_point, completed_at, total, band, subscales in rows:
        out[tid].by_instrument[code].append(
            Score(time_point, completed_at, total, band or "", subscales or {})
        )
    return out


@dataclass(frozen=True)
class Phq9Outcome:
    """Baseline vs last PHQ-9 by the clinical reference (PHQ-9 alone)."""

    baseline: Score | None
    last: Score | None
    change: int | None = None
    category: str | None = None  # None when not classifiable
    caseness_baseline: bool | None = None
    recovery: bool | None = None
    reliable_recovery: bool | None = None


def phq9_outcome(scores: Scores) -> Phq9Outcome:
    baseline = scores.at("phq9", TimePoint.BASELINE)
    last = scores.last_after_baseline("phq9")
    result = change(
        definition=scoring_definition("phq9"),
        first=baseline.total if baseline else None,
        last=last.total if last else None,
    )
    if not result.classifiable:
        return Phq9Outcome(baseline, last, caseness_baseline=result.caseness_first)
    return Phq9Outcome(
        baseline,
        last,
        change=result.delta,
        category=str(result.category),
        caseness_baseline=result.caseness_first,
        recovery=result.recovery,
        reliable_recovery=result.reliable_recovery,
    )


def study_day(
    moment: datetime.datetime | None, start: datetime.date, zone: zoneinfo.ZoneInfo
) -> int | None:
    """Whole days from `start` (day 0) to the local date of `moment`."""
    if moment is None:
        return None
    return (moment.astimezone(zone).date() - start).days


# --------------------------------------------------------------------------- status


def end_reasons(treatments: Sequence[Treatment]) -> dict[int, str]:
    """{treatment_id: completed | dropped_out | withdrawn} for closed treatments. One query.

    The outcome of the latest lifecycle step that closed the treatment from an
    open status; a treatment closed without such a step: its status.
    """
    closed = {t.pk: t.status for t in treatments if t.status in CLOSED}
    out: dict[int, str] = {}
    for tid, to_status in (
        TreatmentTransition.objects.filter(
            treatment_id__in=list(closed), from_status__in=OPEN, to_status__in=CLOSED
        )
        .order_by("created_at", "pk")
        .values_list("treatment_id", "to_status")
    ):
        out[tid] = to_status  # the latest wins
    return {tid: out.get(tid, status) for tid, status in closed.items()}


# --------------------------------------------------------------------------- warnings


def trial_origin() -> datetime.datetime | None:
    """The first activation in the trial: where the weekly warning checkpoints start,
    as in the early-warning report (which replays every treatment)."""
    return Treatment.objects.aggregate(first=Min("activated_at"))["first"]


def flag_counts(
    treatments: list[Treatment],
    *,
    now: datetime.datetime,
    origin: datetime.datetime | None,
) -> dict[int, tuple[int, dict[str, int]]]:
    """{treatment_id: (open checkpoints, {rule: checkpoints at which it fired})}."""
    if origin is None:
        return {}
    replayed = replay(treatments, now=now, origin=origin)
    return {
        t.pk: (
            replayed.open_checkpoints.get(t.pk, 0),
            {rule: len(moments) for rule, moments in replayed.flags.get(t.pk, {}).items()},
        )
        for t in treatments
    }


# --------------------------------------------------------------------------- rows


def _score_cells(prefix: str, score: Score | None, start, zone, *, subscales=False) -> dict:
    cells = {
        f"{prefix}_total": score.total if score else None,
        f"{prefix}_day": study_day(score.completed_at, start, zone) if score else None,
    }
    if subscales:
        for name in ("bond", "goal", "task"):
            cells[f"{prefix}_{name}"] = score.subscales.get(name) if score else None
    else:
        cells[f"{prefix}_band"] = (score.band or None) if score else None
    return cells


def _record(
    p: ParticipantAdherence,
    *,
    scores: Scores,
    end_reason: str | None,
    flags: tuple[int, dict[str, int]],
    optional_slugs: Sequence[str],
    zone: zoneinfo.ZoneInfo,
) -> dict:
    start = p.start_date
    outcome = phq9_outcome(scores)
    row: dict = {
        "participant_id": p.participant_id,
        "service_code": p.service_code,
        "treatment_status": p.status,
        "end_reason": end_reason,
        "start_date": start,
        "end_day": study_day(p.ended_at, start, zone),
    }
    for infix, time_point, _words in PHQ9_TIME_POINTS:
        row.update(_score_cells(f"phq9_{infix}", scores.at("phq9", time_point), start, zone))
    row.update(_score_cells("phq9_last", outcome.last, start, zone))
    row["phq9_last_time_point"] = outcome.last.time_point if outcome.last else None
    row.update(
        phq9_change=outcome.change,
        phq9_reliable_change=outcome.category,
        phq9_caseness_baseline=outcome.caseness_baseline,
        phq9_recovery=outcome.recovery,
        phq9_reliable_recovery=outcome.reliable_recovery,
    )
    for prefix, code in (("wai_c", "wai_sf_c"), ("wai_t", "wai_sf_t")):
        early = scores.at(code, TimePoint.EARLY_ALLIANCE)
        end = scores.end(code)
        row.update(_score_cells(f"{prefix}_early", early, start, zone, subscales=True))
        row.update(_score_cells(f"{prefix}_end", end, start, zone, subscales=True))
        row[f"{prefix}_end_time_point"] = end.time_point if end else None
    checkpoints, fired = flags
    row.update(
        sessions_attended=p.sessions_attended,
        sessions_did_not_attend=p.sessions_did_not_attend,
        mandatory_modules_completed=p.mandatory_modules_completed,
        optional_modules_completed=sum(
            1 for slug in optional_slugs if p.module_status.get(slug) == "completed"
        ),
        course_completed=p.course_completed,
        logins=p.logins,
        weeks_active=p.weeks_active,
        seconds_on_platform=p.seconds_on_platform,
        flag_checkpoints=checkpoints,
        **{f"flag_{rule}": fired.get(rule, 0) for rule in PRIORITY},
    )
    return row


COLUMN_NAMES = tuple(c.name for c in ANALYSIS_COLUMNS)


def analysis_records(
    treatments: QuerySet[Treatment],
    *,
    as_of: datetime.datetime | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[dict]:
    """One dict per participant (keys: the analysis columns), in participant ID order.

    Streams in chunks of `chunk_size` participants; see the module docstring
    for the queries.
    """
    as_of = as_of or timezone.now()
    modules = adherence.active_modules()
    optional_slugs = [m.slug for m in modules if not m.mandatory]
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    origin = trial_origin()
    chunk: list[ParticipantAdherence] = []

    def flush() -> Iterator[dict]:
        ids = [p.treatment_id for p in chunk]
        by_id = {t.pk: t for t in Treatment.objects.filter(pk__in=ids).select_related("service")}
        scores = scores_for(ids)
        reasons = end_reasons(list(by_id.values()))
        flags = flag_counts(list(by_id.values()), now=as_of, origin=origin)
        for p in chunk:
            t = by_id[p.treatment_id]
            if t.service.code not in zones:
                zones[t.service.code] = service_zone(t.service.time_zone)
            yield _record(
                p,
                scores=scores.get(p.treatment_id, Scores()),
                end_reason=reasons.get(p.treatment_id),
                flags=flags.get(p.treatment_id, (0, {})),
                optional_slugs=optional_slugs,
                zone=zones[t.service.code],
            )

    for p in adherence.participant_adherence(treatments, as_of=as_of, chunk_size=chunk_size):
        chunk.append(p)
        if len(chunk) >= chunk_size:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()


def analysis_rows(
    treatments: QuerySet[Treatment],
    *,
    as_of: datetime.datetime | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[list]:
    """The analysis file's rows, in `ANALYSIS_COLUMNS` order."""
    for record in analysis_records(treatments, as_of=as_of, chunk_size=chunk_size):
        if len(record) != len(COLUMN_NAMES):
            raise RuntimeError("an analysis column is computed but not defined, or the reverse")
        yield [record[name] for name in COLUMN_NAMES]


# --------------------------------------------------------------------------- overview


@dataclass(frozen=True)
class AlliancePoint:
    participant_id: str
    wai_early: int
    phq9_change: int


def alliance_points(
    treatments: QuerySet[Treatment], *, chunk_size: int = CHUNK_SIZE
) -> list[AlliancePoint]:
    """Participants with an early WAI-SF-C total and a PHQ-9 change (baseline to
    last), in participant ID order: the overview's scatter plot. Two queries per
    chunk of `chunk_size` participants."""
    points: list[AlliancePoint] = []
    ids = treatments.order_by("participant_id").values_list("pk", "participant_id")
    chunk: list[tuple[int, str]] = []

    def flush():
        scores = scores_for([pk for pk, _pid in chunk])
        for pk, pid in chunk:
            own = scores.get(pk)
            if own is None:
                continue
            early = own.at("wai_sf_c", TimePoint.EARLY_ALLIANCE)
            outcome = phq9_outcome(own)
            if early is not None and outcome.change is not None:
                points.append(AlliancePoint(pid, early.total, outcome.change))

    for row in ids.iterator(chunk_size=chunk_size):
        chunk.append(row)
        if len(chunk) >= chunk_size:
            flush()
            chunk = []
    if chunk:
        flush()
    return points

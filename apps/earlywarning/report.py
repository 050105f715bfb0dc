"""How each warning rule preceded dropout in the trial's own data (descriptive).

The rules are replayed at weekly checkpoints over each treatment with only the
data that existed at that moment (`selectors.facts_for(at=...)`), so a flag is
what the caseload would have shown that day.

Definitions (docs/early-warning.md, **project policy**):
- *Dropped out*: the treatment's status is "dropped out"; the event is its end.
- *Disengaged*: 28 days or more without any activity (sign-in, mood rating,
  step opened, entry sent) while the treatment was open; the event is the last
  activity before that silence (or the start, when there was none).
  A client who dropped out is counted once, at the earlier of the two events.
- A rule *flagged* a client when it fired at any checkpoint.
- *Followed by dropout within 4 weeks*: a flag at most 28 days before the event.
- *Flagged beforehand*: among clients with an event, the rule fired at any
  checkpoint before the event.
The disengagement rule and "no activity" overlap by construction; the page says so.

`replay` (the weekly checkpoints) is also what the trial's analysis file counts
per participant and rule (apps/trials/analysis.py).
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from apps.accounts.models import LoginEvent
from apps.care.models import Treatment, TreatmentStatus
from apps.programme.models import ExerciseEntry, StepProgress
from apps.tracking.models import MoodRating

from .rules import PRIORITY, RULE_LABELS
from .selectors import facts_for, reasons_for

STEP = datetime.timedelta(days=7)
HORIZON = datetime.timedelta(days=28)
SILENCE = datetime.timedelta(days=28)


@dataclass
class RuleRow:
    rule: str
    label: str
    flagged: int = 0
    flagged_then_dropped: int = 0
    dropouts_flagged_before: int = 0


@dataclass
class ParticipantRow:
    participant_id: str
    event: str  # "dropped_out", "disengaged" or ""
    event_at: datetime.datetime | None
    rules_before: list[str] = field(default_factory=list)
    rules_ever: list[str] = field(default_factory=list)

    @property
    def rules_before_labels(self) -> list[str]:
        return [RULE_LABELS[r] for r in self.rules_before]


@dataclass
class DropoutReport:
    participants: int
    events: int
    checkpoints: int
    rules: list[RuleRow]
    rows: list[ParticipantRow]


def _start(t: Treatment) -> datetime.datetime | None:
    return t.activated_at


def _end(t: Treatment, now: datetime.datetime) -> datetime.datetime:
    return min(t.ended_at, now) if t.ended_at else now


def activity_timeline(treatments: list[Treatment]) -> dict[int, list[datetime.datetime]]:
    """Every activity moment per treatment, sorted. Four queries."""
    by_client = {t.client_id: t.pk for t in treatments}
    ids = list(by_client.values())
    out: dict[int, list[datetime.datetime]] = defaultdict(list)
    for user_id, at in LoginEvent.objects.filter(user_id__in=by_client).values_list(
        "user_id", "at"
    ):
        out[by_client[user_id]].append(at)
    for model, field_name in (
        (MoodRating, "created_at"),
        (ExerciseEntry, "submitted_at"),
        (StepProgress, "opened_at"),
    ):
        for tid, at in model.objects.filter(
            treatment_id__in=ids, **{f"{field_name}__isnull": False}
        ).values_list("treatment_id", field_name):
            out[tid].append(at)
    for moments in out.values():
        moments.sort()
    return out


def disengaged_at(
    t: Treatment, moments: list[datetime.datetime], now: datetime.datetime
) -> datetime.datetime | None:
    """Start of the first silence of 28 days or more while open, else None."""
    start = _start(t)
    if start is None:
        return None
    end = _end(t, now)
    previous = start
    for at in [m for m in moments if start <= m <= end] + [end]:
        if at - previous >= SILENCE:
            return previous
        previous = max(previous, at)
    return None


@dataclass
class Replay:
    """The rules replayed at weekly checkpoints: when each rule fired for whom."""

    checkpoints: int
    # {treatment_id: {rule: [checkpoint moments at which it fired]}}
    flags: dict[int, dict[str, list[datetime.datetime]]]
    # {treatment_id: checkpoints at which the treatment was open}
    open_checkpoints: dict[int, int]


def replay(
    treatments: list[Treatment],
    *,
    now: datetime.datetime,
    origin: datetime.datetime | None = None,
    timeline: dict[int, list[datetime.datetime]] | None = None,
) -> Replay:
    """Evaluate the rules for `treatments` at `origin` + 7, 14, ... days up to `now`.

    `origin` defaults to the first activation among `treatments` (the report's
    grid); pass the trial's first activation to replay a subset (a chunk of an
    export) on the same checkpoints. Treatments never activated are skipped.
    Each checkpoint with someone open costs one `facts_for` (a fixed number of
    queries, whatever the number of treatments); `timeline` (from
    `activity_timeline`) saves its four queries when the caller has it.
    """
    treatments = [t for t in treatments if _start(t) is not None]
    if timeline is None:
        timeline = activity_timeline(treatments)
    flags: dict[int, dict[str, list[datetime.datetime]]] = defaultdict(lambda: defaultdict(list))
    open_checkpoints: dict[int, int] = defaultdict(int)
    checkpoints = 0
    if treatments:
        first = origin if origin is not None else min(_start(t) for t in treatments)
        at = first + STEP
        while at <= now:
            open_then = [t for t in treatments if _start(t) <= at <= _end(t, now)]
            if open_then:
                checkpoints += 1
                last_activity = {}
                for t in open_then:
                    open_checkpoints[t.pk] += 1
                    moments = timeline.get(t.pk, [])
                    i = bisect.bisect_right(moments, at)
                    last_activity[t.pk] = moments[i - 1] if i else None
                facts = facts_for(open_then, at=at, last_activity=last_activity)
                for tid, reasons in reasons_for(open_then, facts).items():
                    for rule in {r.rule for r in reasons}:
                        flags[tid][rule].append(at)
            at += STEP
    return Replay(checkpoints, flags, open_checkpoints)


def dropout_report(
    treatments: list[Treatment], *, now: datetime.datetime | None = None
) -> DropoutReport:
    now = now or timezone.now()
    treatments = [t for t in treatments if _start(t) is not None]
    timeline = activity_timeline(treatments)

    events: dict[int, tuple[str, datetime.datetime]] = {}
    for t in treatments:
        candidates = []
        if t.status == TreatmentStatus.DROPPED_OUT and t.ended_at:
            candidates.append(("dropped_out", t.ended_at))
        quiet = disengaged_at(t, timeline.get(t.pk, []), now)
        if quiet is not None:
            candidates.append(("disengaged", quiet))
        if candidates:
            events[t.pk] = min(candidates, key=lambda c: c[1])

    replayed = replay(treatments, now=now, timeline=timeline)
    flags = replayed.flags

    rules = {rule: RuleRow(rule, RULE_LABELS[rule]) for rule in PRIORITY}
    rows = []
    for t in sorted(treatments, key=lambda t: t.participant_id):
        event = events.get(t.pk)
        own = flags.get(t.pk, {})
        before = []
        for rule, moments in own.items():
            rules[rule].flagged += 1
            if event is None:
                continue
            if any(event[1] - HORIZON <= m <= event[1] for m in moments):
                rules[rule].flagged_then_dropped += 1
            if any(m <= event[1] for m in moments):
                rules[rule].dropouts_flagged_before += 1
                before.append(rule)
        rows.append(
            ParticipantRow(
                participant_id=t.participant_id,
                event=event[0] if event else "",
                event_at=event[1] if event else None,
                rules_before=[r for r in PRIORITY if r in before],
                rules_ever=[r for r in PRIORITY if r in own],
            )
        )
    return DropoutReport(
        participants=len(treatments),
        events=len(events),
        checkpoints=replayed.checkpoints,
        rules=[rules[r] for r in PRIORITY],
        rows=rows,
    )

"""The early-warning rules: plain facts in, reasons in words out.

No database here. `Facts` describe one client at one moment; `evaluate` turns
them into `Reason`s ordered by `PRIORITY` (docs/early-warning.md). The caseload
builds facts for "now" and the trial report builds them for past moments from
the same loader, so both judge with the same rules.

`sql.py` mirrors these rules in SQL so the caseload can be ordered in the
database; change both together (tests/earlywarning/test_rules_sql.py compares
them client by client).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

# Documented priority, most urgent first (docs/early-warning.md).
PRIORITY = [
    "risk_alert",
    "phq9_worse",
    "missed_session",
    "mood_falling",
    "low_alliance",
    "client_message_unanswered",
    "questionnaire_missed",
    "inactive",
    "pwp_message_unanswered",
    "overdue_task",
]
RULE_LABELS = {
    "risk_alert": "Open risk alert",
    "phq9_worse": "PHQ-9 reliable deterioration or a more severe band",
    "missed_session": "Missed face-to-face session",
    "mood_falling": "Mood falling",
    "low_alliance": "Low or falling working alliance (WAI-SF-C)",
    "client_message_unanswered": "Client's message not answered by the PWP",
    "questionnaire_missed": "Questionnaire missed",
    "inactive": "No activity on the platform",
    "pwp_message_unanswered": "PWP's message not answered by the client",
    "overdue_task": "Overdue task",
}


@dataclass(frozen=True)
class Thresholds:
    """A service's thresholds (defaults from settings; see models.WarningThresholds)."""

    inactive_days: int = 7
    recent_days: int = 14  # how long a missed session or questionnaire stays a reason
    mood_margin: Decimal = Decimal("1.0")
    mood_min_ratings: int = 3
    phq9_rise: int = 6
    wai_low_max: int = 28
    wai_fall: int = 5
    bond_gap: int = 4
    client_reply_days: int = 5
    pwp_reply_days: int = 2


@dataclass
class Score:
    completed_at: datetime.datetime
    total: int | None
    band: str = ""
    band_rank: int | None = None  # 0 = mildest band
    subscales: dict = field(default_factory=dict)


@dataclass
class Facts:
    """What the rules need to know about one client at moment `at`."""

    at: datetime.datetime
    today: datetime.date
    open_alerts: int = 0
    missed_sessions: list[int] = field(default_factory=list)  # numbers, recent window
    missed_questionnaires: list[tuple[int, str]] = field(default_factory=list)  # (id, name)
    inactive_since: datetime.datetime | None = None  # last activity or start
    mood: dict[datetime.date, int] = field(default_factory=dict)
    phq9: list[Score] = field(default_factory=list)  # completed, oldest first
    # The client's WAI-SF-C at the protocol's two alliance time points (completed):
    # early in treatment (after session N) and at the end. Other WAI-SF-C
    # administrations (follow-ups, extra ones) are not judged here.
    wai_early: Score | None = None
    wai_end: Score | None = None
    last_client_message_at: datetime.datetime | None = None
    last_staff_message_at: datetime.datetime | None = None
    overdue_tasks: int = 0


@dataclass(frozen=True)
class Reason:
    rule: str
    text: str
    key: str  # identity: a new key is "something new"
    severity: float = 1.0  # a higher value under the same key is "worse"

    @property
    def priority(self) -> int:
        return PRIORITY.index(self.rule)


def one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def mood_averages(
    mood: dict[datetime.date, int], today: datetime.date, min_ratings: int
) -> tuple[Decimal, Decimal] | None:
    """(previous 14 days' average, last 7 days' average), or None with too few ratings.

    The last 7 days are today and the 6 days before; the previous 14 are the
    14 days before those.
    """
    recent = [v for d, v in mood.items() if 0 <= (today - d).days <= 6]
    earlier = [v for d, v in mood.items() if 7 <= (today - d).days <= 20]
    if len(recent) < min_ratings or len(earlier) < min_ratings:
        return None
    return (Decimal(sum(earlier)) / len(earlier), Decimal(sum(recent)) / len(recent))


def _days(delta: datetime.timedelta) -> int:
    return delta.days


def evaluate(facts: Facts, th: Thresholds) -> list[Reason]:
    """Every rule that fires, most urgent first."""
    out: list[Reason] = []
    if facts.open_alerts:
        out.append(
            Reason("risk_alert", _("Open risk alert"), "risk_alert", float(facts.open_alerts))
        )

    scored = [s for s in facts.phq9 if s.total is not None]
    if len(scored) >= 2:
        first, prev, last = scored[0], scored[-2], scored[-1]
        rise = last.total - first.total
        if rise >= th.phq9_rise:
            out.append(
                Reason(
                    "phq9_worse",
                    _("PHQ-9 up %(n)s since the start (%(a)s to %(b)s)")
                    % {"n": rise, "a": first.total, "b": last.total},
                    "phq9_rise",
                    float(rise),
                )
            )
        elif (
            last.band_rank is not None
            and prev.band_rank is not None
            and last.band_rank > prev.band_rank
        ):
            out.append(
                Reason(
                    "phq9_worse",
                    _("PHQ-9 now %(band)s (%(a)s to %(b)s)")
                    % {"band": last.band.lower(), "a": prev.total, "b": last.total},
                    f"phq9_band:{last.completed_at.isoformat()}",
                    float(last.band_rank),
                )
            )

    for number in sorted(facts.missed_sessions):
        out.append(
            Reason(
                "missed_session",
                _("Missed session %(n)s") % {"n": number},
                f"missed_session:{number}",
            )
        )

    averages = mood_averages(facts.mood, facts.today, th.mood_min_ratings)
    if averages is not None:
        before, after = averages
        if before - after >= th.mood_margin:
            out.append(
                Reason(
                    "mood_falling",
                    _("Mood down from %(a)s to %(b)s over two weeks")
                    % {"a": one_decimal(before), "b": one_decimal(after)},
                    "mood_falling",
                    float(one_decimal(before - after)),
                )
            )

    out.extend(_alliance_reasons(facts.wai_early, facts.wai_end, th))

    client_at, staff_at = facts.last_client_message_at, facts.last_staff_message_at
    if client_at and (staff_at is None or staff_at < client_at):
        days = _days(facts.at - client_at)
        if days >= th.pwp_reply_days:
            out.append(
                Reason(
                    "client_message_unanswered",
                    _("Client's message not answered for %(n)s days") % {"n": days},
                    f"client_message:{client_at.isoformat()}",
                )
            )

    for admin_id, name in facts.missed_questionnaires:
        out.append(
            Reason(
                "questionnaire_missed",
                _("Missed the %(name)s questionnaire") % {"name": name},
                f"questionnaire_missed:{admin_id}",
            )
        )

    if facts.inactive_since is not None:
        days = _days(facts.at - facts.inactive_since)
        if days >= th.inactive_days:
            out.append(
                Reason(
                    "inactive",
                    _("No activity for %(n)s days") % {"n": days},
                    "inactive",
                    # Worse each further week, not each day.
                    float(days // 7),
                )
            )

    if staff_at and (client_at is None or client_at < staff_at):
        days = _days(facts.at - staff_at)
        if days >= th.client_reply_days:
            out.append(
                Reason(
                    "pwp_message_unanswered",
                    _("No reply to your message for %(n)s days") % {"n": days},
                    f"pwp_message:{staff_at.isoformat()}",
                )
            )

    if facts.overdue_tasks:
        out.append(
            Reason(
                "overdue_task",
                _("Overdue task")
                if facts.overdue_tasks == 1
                else _("%(n)s overdue tasks") % {"n": facts.overdue_tasks},
                "overdue_task",
                float(facts.overdue_tasks),
            )
        )
    return sorted(out, key=lambda r: r.priority)


def _alliance_reasons(early: Score | None, end: Score | None, th: Thresholds) -> list[Reason]:
    """The three alliance rules, on the WAI-SF-C early in treatment and at the end.

    - low: the measure is in the low band (total <= ``wai_low_max``);
    - fall: the end total is ``wai_fall`` or more below the early total;
    - bond: the bond subscale is ``bond_gap`` or more below both goal and task.
    Low and bond judge the early measure until the end measure exists, then the
    end measure (the newer one supersedes it: an alliance repaired by the end no
    longer warns); each time point has its own key, so a new measure is "new".
    """
    early_total = early.total if early is not None else None
    end_total = end.total if end is not None else None
    out: list[Reason] = []
    if end is not None and end_total is not None:
        judged, total, where = end, end_total, "end"
    elif early is not None and early_total is not None:
        judged, total, where = early, early_total, "early"
    else:
        return out
    if total <= th.wai_low_max:
        text = (
            _("Low alliance score at the end of treatment (WAI-SF-C %(n)s)")
            if where == "end"
            else _("Low alliance score early in treatment (WAI-SF-C %(n)s)")
        )
        out.append(
            Reason(
                "low_alliance",
                text % {"n": total},
                f"wai_low:{where}",
                float(th.wai_low_max - total + 1),
            )
        )
    if early_total is not None and end_total is not None:
        fall = early_total - end_total
        if fall >= th.wai_fall:
            out.append(
                Reason(
                    "low_alliance",
                    _("Alliance score fell from %(a)s early in treatment to %(b)s at the end")
                    % {"a": early_total, "b": end_total},
                    "wai_fall",
                    float(fall),
                )
            )
    sub = judged.subscales or {}
    bond, goal, task = sub.get("bond"), sub.get("goal"), sub.get("task")
    if bond is not None and goal is not None and task is not None:
        gap = min(goal, task) - bond
        if gap >= th.bond_gap:
            text = (
                _("Bond %(bond)s, well below goal %(goal)s and task %(task)s (end of treatment)")
                if where == "end"
                else _(
                    "Bond %(bond)s, well below goal %(goal)s and task %(task)s (early in treatment)"
                )
            )
            out.append(
                Reason(
                    "low_alliance",
                    text % {"bond": bond, "goal": goal, "task": task},
                    f"wai_bond:{where}",
                    float(gap),
                )
            )
    return out


def snapshot(reasons: list[Reason]) -> dict[str, float]:
    """What a "seen, plan made" remembers: each reason's key and severity."""
    return {r.key: r.severity for r in reasons}


def new_since(reasons: list[Reason], seen: dict[str, float] | None) -> list[Reason]:
    """Reasons that are new or worse than when the PWP marked them seen.

    An open risk alert is never hidden here: it has its own acknowledgement
    by a named clinician (safety).
    """
    if seen is None:
        return list(reasons)
    return [
        r
        for r in reasons
        if r.rule == "risk_alert" or r.key not in seen or r.severity > seen[r.key]
    ]

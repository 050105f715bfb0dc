"""Reads for questionnaires: a client's list, staff score series, caseload summaries."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.care.models import Treatment
from apps.core.charts import build_change_chart, build_line_chart
from apps.questionnaires.catalogue import (
    practitioner_instruments,
    scoring_definition,
    wording_status,
)
from apps.questionnaires.definitions import UnknownInstrument
from apps.questionnaires.models import (
    ACTIVE_STATUSES,
    Administration,
    AdministrationStatus,
    TimePoint,
)
from apps.questionnaires.scoring import change, subscale_change

CHARTED = ("phq9", "gad7", "wai_sf_c")


def client_questionnaires(*, treatment: Treatment) -> dict[str, list]:
    """A client's questionnaires: ``due`` (open now, with ``available`` False when the
    licensed wording is missing) and ``done`` (completed, newest first).

    Missed ones are not listed to the client (no counters of missed tasks); staff see them.
    The practitioner's questionnaires (WAI-SF-T) are never listed to the client.
    """
    now = timezone.now()
    rows = list(
        Administration.objects.filter(treatment=treatment)
        .exclude(instrument__in=practitioner_instruments())
        .order_by("due_from", "instrument")
    )
    due, done = [], []
    ready: dict[str, bool] = {}
    for a in rows:
        a.definition = scoring_definition(a.instrument)
        if a.is_answerable(now):
            if a.instrument not in ready:
                ready[a.instrument] = wording_status(a.instrument).ready
            a.available = ready[a.instrument]
            due.append(a)
        elif a.status == AdministrationStatus.COMPLETED:
            done.append(a)
    done.sort(key=lambda a: a.completed_at, reverse=True)
    return {"due": due, "done": done}


def administrations_for_staff(*, treatment: Treatment) -> QuerySet[Administration]:
    """Every administration of the treatment (missed and cancelled included), by window."""
    return Administration.objects.filter(treatment=treatment).select_related("appointment")


def scores_for_treatment(*, treatment: Treatment) -> list[dict]:
    """Score series per instrument (PHQ-9, GAD-7, WAI-SF-C), ready for build_line_chart.

    Each entry: code, name, y_min, y_max, bands [(low, high, label)], points
    [(x label, total or None)], marked (indexes with a risk flag), baseline
    (first total), latest, change (the engine's ChangeResult first vs last, or
    None for instruments without outcome rules), and chart (the
    ``apps.core.charts.build_line_chart`` dict). Instruments never completed are left out.
    """
    completed = list(
        Administration.objects.filter(
            treatment=treatment, status=AdministrationStatus.COMPLETED
        ).order_by("completed_at")
    )
    series = []
    for code in CHARTED:
        rows = [a for a in completed if a.instrument == code]
        if not rows:
            continue
        try:
            definition = scoring_definition(code)
        except UnknownInstrument:
            continue
        points = [(date_format(timezone.localtime(a.completed_at), "j M"), a.total) for a in rows]
        marked = [i for i, a in enumerate(rows) if a.risk_flagged]
        totals = [a.total for a in rows if a.total is not None]
        first, last = (totals[0], totals[-1]) if totals else (None, None)
        delta = (
            change(definition=definition, first=first, last=last) if definition.outcome else None
        )
        summary = (
            _("%(name)s went from %(first)s to %(last)s.")
            % {"name": definition.short_name, "first": first, "last": last}
            if totals
            else _("No %(name)s score yet.") % {"name": definition.short_name}
        )
        chart = build_line_chart(
            title=_("%(name)s score over time") % {"name": definition.short_name},
            summary=summary,
            points=[
                {"x_label": x, "value": v, "label": a.band.replace("_", " ")}
                for (x, v), a in zip(points, rows, strict=True)
            ],
            y_min=definition.total.min,
            y_max=definition.total.max,
            bands=[{"from": b.min, "to": b.max, "label": b.label} for b in definition.bands],
            baseline=first,
            markers=[{"index": i, "text": _("Item 9 answered above 0")} for i in marked],
            chart_id=f"chart-{code}",
        )
        series.append(
            {
                "code": code,
                "name": definition.short_name,
                "y_min": definition.total.min,
                "y_max": definition.total.max,
                "bands": [(b.min, b.max, b.label) for b in definition.bands],
                "points": points,
                "marked": marked,
                "baseline": first,
                "latest": last,
                "change": delta,
                "chart": chart,
            }
        )
    return series


@dataclass(frozen=True)
class Phq9Summary:
    """The latest PHQ-9 of a treatment, for a caseload row."""

    administration_id: int
    total: int | None
    band: str
    completed_at: object
    risk_flagged: bool
    first_total: int | None

    @property
    def change(self) -> int | None:
        if self.total is None or self.first_total is None:
            return None
        return self.total - self.first_total


def latest_phq9_for_treatments(treatment_ids: Iterable[int]) -> dict[int, Phq9Summary]:
    """{treatment_id: latest completed PHQ-9 summary (with change from the first)}. One query.

    Callers pass treatment ids they have already scoped to the user.
    """
    rows = (
        Administration.objects.filter(
            treatment_id__in=list(treatment_ids),
            instrument="phq9",
            status=AdministrationStatus.COMPLETED,
        )
        .order_by("treatment_id", "completed_at")
        .values_list("pk", "treatment_id", "total", "band", "completed_at", "risk")
    )
    first: dict[int, int | None] = {}
    latest: dict[int, tuple] = {}
    for row in rows:
        treatment_id = row[1]
        if treatment_id not in first and row[2] is not None:
            first[treatment_id] = row[2]
        latest[treatment_id] = row
    return {
        tid: Phq9Summary(
            administration_id=pk,
            total=total,
            band=band,
            completed_at=completed_at,
            risk_flagged=any(r.get("flag") is True for r in (risk or {}).values()),
            first_total=first.get(tid),
        )
        for tid, (pk, _t, total, band, completed_at, risk) in latest.items()
    }


# --- The working alliance: the client's WAI-SF-C and the PWP's WAI-SF-T -----------------

ALLIANCE_CLIENT = "wai_sf_c"
ALLIANCE_PRACTITIONER = "wai_sf_t"
ALLIANCE_TIME_POINTS = (TimePoint.EARLY_ALLIANCE, TimePoint.END_OF_TREATMENT)
# Shown bond first: the research this platform follows names it first.
SUBSCALE_ORDER = ("total", "bond", "goal", "task")


def subscale_label(name: str) -> str:
    return {
        "total": pgettext("WAI subscale", "Total"),
        "bond": pgettext("WAI subscale", "Bond"),
        "goal": pgettext("WAI subscale", "Goal"),
        "task": pgettext("WAI subscale", "Task"),
    }.get(name, name.replace("_", " ").capitalize())


def subscale_rows(definition, subscales: dict | None) -> list[dict]:
    """[{"name", "label", "value", "min", "max"}] for one administration's stored
    subscales, in display order (bond, goal, task)."""
    by_name = {s.name: s for s in definition.subscales}
    names = [n for n in SUBSCALE_ORDER if n in by_name] + [
        n for n in by_name if n not in SUBSCALE_ORDER
    ]
    rows = []
    for name in names:
        items = by_name[name].items
        item_defs = [definition.item(n) for n in items]
        rows.append(
            {
                "name": name,
                "label": subscale_label(name),
                "value": (subscales or {}).get(name),
                "min": sum(min(i.values) for i in item_defs),
                "max": sum(max(i.values) for i in item_defs),
            }
        )
    return rows


def change_words(change: int | None) -> dict | None:
    """A change as number + arrow + words (staff view). Higher is a stronger alliance."""
    if change is None:
        return None
    if change > 0:
        return {"number": f"+{change}", "arrow": "↑", "words": _("up %(n)s") % {"n": change}}
    if change < 0:
        return {
            "number": f"−{abs(change)}",
            "arrow": "↓",
            "words": _("down %(n)s") % {"n": abs(change)},
        }
    return {"number": "0", "arrow": "→", "words": _("no change")}


@dataclass
class AllianceView:
    """One respondent's alliance questionnaire early in treatment and at the end."""

    code: str
    name: str
    early: Administration | None
    end: Administration | None
    changes: dict  # {"total"|subscale: SubscaleChange}

    def has_scores(self) -> bool:
        return self.early is not None or self.end is not None


@dataclass
class AllianceSummary:
    """Everything the alliance page and the review's alliance section show.

    ``rows``: one per score (total, bond, goal, task), each with the client's
    and the practitioner's early, end and change (numbers and words).
    ``history``: every completed WAI (both versions, any time point), oldest
    first. ``due``: the practitioner's questionnaires open for answers now.
    """

    client: AllianceView
    practitioner: AllianceView
    rows: list[dict]
    history: list[Administration]
    due: list[Administration]
    chart: dict | None
    summary: str

    @property
    def has_scores(self) -> bool:
        return self.client.has_scores() or self.practitioner.has_scores()


def _view(code: str, rows: list[Administration]) -> AllianceView:
    definition = scoring_definition(code)
    by_point = {
        a.time_point: a
        for a in rows
        if a.instrument == code
        and a.status == AdministrationStatus.COMPLETED
        and a.time_point in ALLIANCE_TIME_POINTS
    }
    early = by_point.get(TimePoint.EARLY_ALLIANCE)
    end = by_point.get(TimePoint.END_OF_TREATMENT)

    def parts(a: Administration | None):
        return None if a is None else {"total": a.total, **(a.subscales or {})}

    changes = subscale_change(definition=definition, early=parts(early), end=parts(end))
    return AllianceView(
        code=code,
        name=definition.short_name,
        early=early,
        end=end,
        changes={c.name: c for c in changes},
    )


def _sentence(who: str, view: AllianceView) -> str:
    total = view.changes.get("total")
    if total is None or (total.early is None and total.end is None):
        return _("%(who)s: no score yet.") % {"who": who}
    if total.end is None:
        return _("%(who)s: %(early)s early in treatment; no end score yet.") % {
            "who": who,
            "early": total.early,
        }
    if total.early is None:
        return _("%(who)s: %(end)s at the end; no early score.") % {"who": who, "end": total.end}
    return _("%(who)s: from %(early)s early in treatment to %(end)s at the end (%(words)s).") % {
        "who": who,
        "early": total.early,
        "end": total.end,
        "words": change_words(total.change)["words"],
    }


def alliance_for_treatment(
    *, treatment: Treatment, now: datetime.datetime | None = None
) -> AllianceSummary:
    """The client's WAI-SF-C and the PWP's WAI-SF-T early in treatment and at the end,
    with the total and bond, goal and task subscales and their change (end − early,
    `scoring.subscale_change`). For staff who may read the treatment (checked by the
    caller); the client never sees the practitioner's answers. One query.
    """
    now = now or timezone.now()
    rows = list(
        Administration.objects.filter(
            treatment=treatment, instrument__in=(ALLIANCE_CLIENT, ALLIANCE_PRACTITIONER)
        )
        .select_related("answered_by")
        .order_by("due_from", "pk")
    )
    client = _view(ALLIANCE_CLIENT, rows)
    practitioner = _view(ALLIANCE_PRACTITIONER, rows)
    definition = scoring_definition(ALLIANCE_CLIENT)
    bounds = {r["name"]: (r["min"], r["max"]) for r in subscale_rows(definition, {})}
    bounds["total"] = (definition.total.min, definition.total.max)
    table = []
    for name in SUBSCALE_ORDER:
        c, p = client.changes.get(name), practitioner.changes.get(name)
        if c is None and p is None:
            continue
        table.append(
            {
                "name": name,
                "label": subscale_label(name),
                "min": bounds[name][0],
                "max": bounds[name][1],
                "client": c,
                "client_words": change_words(c.change) if c else None,
                "practitioner": p,
                "practitioner_words": change_words(p.change) if p else None,
            }
        )
    chart = _alliance_chart(table, client, practitioner)
    client_who, practitioner_who = _("Client's view"), _("Practitioner's view")
    return AllianceSummary(
        client=client,
        practitioner=practitioner,
        rows=table,
        history=sorted(
            (a for a in rows if a.status == AdministrationStatus.COMPLETED),
            key=lambda a: (a.completed_at, a.pk),
        ),
        due=[a for a in rows if a.instrument == ALLIANCE_PRACTITIONER and a.is_answerable(now)],
        chart=chart,
        summary=" ".join(
            (_sentence(client_who, client), _sentence(practitioner_who, practitioner))
        ),
    )


def _alliance_chart(table: list[dict], client: AllianceView, practitioner: AllianceView):
    """The subscales early (circle) and at the end (square), both views; None without scores."""
    if not (client.has_scores() or practitioner.has_scores()):
        return None
    rows = []
    for row in table:
        if row["name"] == "total":
            continue
        for who, pair in (
            (_("client"), row["client"]),
            (_("practitioner"), row["practitioner"]),
        ):
            if pair is None or (pair.early is None and pair.end is None):
                continue
            rows.append(
                {
                    "label": _("%(score)s, %(who)s") % {"score": row["label"], "who": who},
                    "first": pair.early,
                    "second": pair.end,
                    "text": _("%(early)s to %(end)s")
                    % {
                        "early": "–" if pair.early is None else pair.early,
                        "end": "–" if pair.end is None else pair.end,
                    },
                }
            )
    subscales = [r for r in table if r["name"] != "total"]
    low, high = min(r["min"] for r in subscales), max(r["max"] for r in subscales)
    return build_change_chart(
        title=_("Bond, goal and task subscales, early in treatment and at the end"),
        summary=_(
            "Each subscale early in treatment (circle) and at the end (square), "
            "in the client's view and the practitioner's."
        ),
        rows=rows,
        x_min=low,
        x_max=high,
        chart_id="alliance-chart",
        tick_values=range(low, high + 1, 4),
    )


def practitioner_due_for(*, pwp, now: datetime.datetime | None = None) -> list[Administration]:
    """The practitioner's questionnaires (WAI-SF-T) open for ``pwp`` to answer now, about
    the clients on their own caseload, soonest closing first. One query."""
    now = now or timezone.now()
    return list(
        Administration.objects.filter(
            treatment__pwp=pwp,
            instrument__in=practitioner_instruments(),
            status__in=ACTIVE_STATUSES,
            due_from__lte=now,
            due_until__gt=now,
        )
        .select_related("treatment__client")
        .order_by("due_until", "pk")
    )

"""Reads for questionnaires: a client's list, staff score series, caseload summaries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from apps.care.models import Treatment
from apps.core.charts import build_line_chart
from apps.questionnaires.catalogue import scoring_definition, wording_status
from apps.questionnaires.definitions import UnknownInstrument
from apps.questionnaires.models import (
    Administration,
    AdministrationStatus,
)
from apps.questionnaires.scoring import change

CHARTED = ("phq9", "gad7", "wai_sf_c")


def client_questionnaires(*, treatment: Treatment) -> dict[str, list]:
    """A client's questionnaires: ``due`` (open now, with ``available`` False when the
    licensed wording is missing) and ``done`` (completed, newest first).

    Missed ones are not listed to the client (no counters of missed tasks); staff see them.
    """
    now = timezone.now()
    rows = list(
        Administration.objects.filter(treatment=treatment).order_by("due_from", "instrument")
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

"""Reads for the trial overview page. Pseudonymised: counts and participant IDs only."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from apps.care.models import Service, Treatment, TreatmentStatus
from apps.core.charts import build_line_chart
from apps.trials import adherence, analysis, charts
from apps.trials.adherence import Scope, treatments_in_scope


def recruitment_by_service() -> QuerySet[Service]:
    """Counts of treatments per service and status. Pseudonymised: no people."""
    counts = {
        status.value: Count("treatments", filter=Q(treatments__status=status.value))
        for status in TreatmentStatus
    }
    return Service.objects.annotate(total=Count("treatments"), **counts).order_by("name")


def recruitment_charts() -> list[dict]:
    """Cumulative enrolments by month (of treatment start), one line chart per service."""
    rows = (
        Treatment.objects.order_by()
        .annotate(month=TruncMonth("start_date"))
        .values_list("service__code", "month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    months = sorted({m for _code, m, _n in rows})
    by_service: dict[str, dict] = {}
    for code, month, n in rows:
        by_service.setdefault(code, {})[month] = n
    out = []
    top = max((sum(v.values()) for v in by_service.values()), default=0)
    y_max = max(5, top + (-top % 5))
    for code in sorted(by_service):
        running, points = 0, []
        for month in months:
            running += by_service[code].get(month, 0)
            points.append({"x_label": date_format(month, "M Y"), "value": running})
        out.append(
            build_line_chart(
                title=_("Participants enrolled at %(code)s, cumulative") % {"code": code},
                summary=_("%(code)s has enrolled %(n)s participants.")
                % {"code": code, "n": running},
                points=points,
                y_min=0,
                y_max=y_max,
                chart_id=f"recruitment-{code.lower()}",
                x_heading=_("Month"),
                value_heading=_("Enrolled so far"),
            )
        )
    return out


@dataclass
class Overview:
    overall: adherence.AdherenceSummary
    services: dict[str, adherence.AdherenceSummary]
    phq9_changes: list[int] = field(default_factory=list)
    # (participant ID, early WAI-SF-C total, PHQ-9 change from baseline to the last score)
    alliance: list[tuple[str, int, int]] = field(default_factory=list)
    categories: dict[str, int] = field(default_factory=dict)

    @property
    def phq9_mean_change(self) -> float | None:
        return round(statistics.fmean(self.phq9_changes), 1) if self.phq9_changes else None

    @property
    def correlation(self) -> float | None:
        return charts.pearson([a[1] for a in self.alliance], [a[2] for a in self.alliance])


def overview(scope: Scope | None = None) -> Overview:
    """Everything the overview shows: one streamed pass over the participants'
    adherence, and the alliance pairs as the analysis file defines them."""
    scope = scope or Scope()
    changes = []
    categories = {"reliable_improvement": 0, "no_reliable_change": 0, "reliable_deterioration": 0}

    def stream():
        for p in adherence.participant_adherence(scope):
            if p.phq9_change is not None:
                changes.append(p.phq9_change)
                categories[p.phq9_change_category] = categories.get(p.phq9_change_category, 0) + 1
            yield p

    overall, per_service = adherence.adherence_summary(stream())
    alliance = [
        (a.participant_id, a.wai_early, a.phq9_change)
        for a in analysis.alliance_points(treatments_in_scope(scope))
    ]
    return Overview(overall, per_service, changes, alliance, categories)

"""Facts for the early-warning rules, for many clients at one moment.

`facts_for` runs a fixed number of queries whatever the number of clients
(each source is read once for all of them), so the caseload's query count
stays constant and the trial report can replay past moments cheaply.
Callers pass treatments already scoped to the viewer.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Max, Q
from django.utils import timezone

from apps.accounts.models import LoginEvent
from apps.care.models import Appointment, AppointmentStatus, BespokeTask, Treatment
from apps.messaging.models import Message
from apps.programme.models import ExerciseEntry, StepProgress
from apps.questionnaires.catalogue import practitioner_instruments, scoring_definition
from apps.questionnaires.models import Administration, AdministrationStatus, TimePoint
from apps.safety.models import RiskAlert
from apps.tracking.models import MoodRating

from .models import WarningReview, WarningThresholds
from .rules import Facts, Reason, Score, Thresholds, evaluate, new_since

WINDOW_DAYS = 28  # messages older than this are left to the inactivity rule
MOOD_DAYS = 21
SCORED = ("phq9", "wai_sf_c")
# The alliance rules compare the WAI-SF-C at these two protocol time points.
WAI_TIME_POINTS = {TimePoint.EARLY_ALLIANCE: "wai_early", TimePoint.END_OF_TREATMENT: "wai_end"}
FIELDS = [
    "inactive_days",
    "recent_days",
    "mood_margin",
    "mood_min_ratings",
    "phq9_rise",
    "wai_low_max",
    "wai_fall",
    "bond_gap",
    "client_reply_days",
    "pwp_reply_days",
]


def default_thresholds() -> Thresholds:
    values = {name: getattr(settings, f"EARLY_WARNING_{name.upper()}") for name in FIELDS}
    values["mood_margin"] = Decimal(str(values["mood_margin"]))
    return Thresholds(**values)


def thresholds_for(service_ids: Iterable[int]) -> dict[int, Thresholds]:
    """{service_id: Thresholds}: the service's own values over the defaults. One query."""
    base = default_thresholds()
    out: dict[int, Thresholds] = defaultdict(lambda: base)
    for row in WarningThresholds.objects.filter(service_id__in=set(service_ids)):
        own = {name: getattr(row, name) for name in FIELDS if getattr(row, name) is not None}
        out[row.service_id] = Thresholds(**{**base.__dict__, **own})
    return out


def _band_ranks(code: str) -> dict[str, int]:
    try:
        bands = scoring_definition(code).bands
        ranks = {str(b.label).lower(): i for i, b in enumerate(bands)}
        ranks.update({str(getattr(b, "key", b.label)).lower(): i for i, b in enumerate(bands)})
        return ranks
    except Exception:  # noqa: BLE001 - a missing definition only loses the band rule
        return {}


def _short_name(code: str) -> str:
    try:
        return scoring_definition(code).short_name
    except Exception:  # noqa: BLE001
        return code


def facts_for(
    treatments: list[Treatment],
    *,
    at: datetime.datetime | None = None,
    last_activity: dict[int, datetime.datetime | None] | None = None,
    overdue_tasks: dict[int, int] | None = None,
    thresholds: dict[int, Thresholds] | None = None,
    window_days: int | None = None,
) -> dict[int, Facts]:
    """{treatment_id: Facts at `at`} using only data that existed then.

    Messages are read over a window of 28 days or the longest `recent_days`
    of the list's services. `window_days` overrides it: a caller showing one
    page of a longer list passes the whole list's (`sql.window_days_sql`), so
    a client's reasons do not depend on which other clients share the page.
    `thresholds` (from `thresholds_for`) saves reading them again.
    """

    at = at or timezone.now()
    ids = [t.pk for t in treatments]
    facts = {t.pk: Facts(at=at, today=timezone.localdate(at)) for t in treatments}
    if not ids:
        return facts
    th = thresholds if thresholds is not None else thresholds_for(t.service_id for t in treatments)
    if window_days is None:
        recent = max(x.recent_days for x in th.values()) if th else 14
        recent = max(recent, default_thresholds().recent_days)
        window_days = max(WINDOW_DAYS, recent)
    since = at - datetime.timedelta(days=window_days)

    for alert in (
        RiskAlert.objects.filter(treatment_id__in=ids, raised_at__lte=at)
        .filter(Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gt=at))
        .values_list("treatment_id", flat=True)
    ):
        facts[alert].open_alerts += 1

    by_id = {t.pk: t for t in treatments}
    for tid, number, starts_at in Appointment.objects.filter(
        treatment_id__in=ids,
        status=AppointmentStatus.DID_NOT_ATTEND,
        starts_at__lte=at,
        starts_at__gte=since,
    ).values_list("treatment_id", "number", "starts_at"):
        if starts_at >= at - datetime.timedelta(days=th[by_id[tid].service_id].recent_days):
            facts[tid].missed_sessions.append(number)

    # The practitioner's own questionnaires (WAI-SF-T) are not the client's to miss.
    for pk, tid, code, missed_at in (
        Administration.objects.filter(
            treatment_id__in=ids,
            status=AdministrationStatus.MISSED,
            missed_at__lte=at,
            missed_at__gte=since,
        )
        .exclude(instrument__in=practitioner_instruments())
        .values_list("pk", "treatment_id", "instrument", "missed_at")
    ):
        if missed_at >= at - datetime.timedelta(days=th[by_id[tid].service_id].recent_days):
            facts[tid].missed_questionnaires.append((pk, _short_name(code)))

    ranks = {code: _band_ranks(code) for code in SCORED}
    for tid, code, time_point, completed_at, total, band, subscales in (
        Administration.objects.filter(
            Q(instrument="phq9") | Q(instrument="wai_sf_c", time_point__in=WAI_TIME_POINTS),
            treatment_id__in=ids,
            status=AdministrationStatus.COMPLETED,
            completed_at__lte=at,
        )
        .order_by("completed_at", "pk")
        .values_list(
            "treatment_id",
            "instrument",
            "time_point",
            "completed_at",
            "total",
            "band",
            "subscales",
        )
    ):
        score = Score(
            completed_at, total, band, ranks[code].get((band or "").lower()), subscales or {}
        )
        if code == "phq9":
            facts[tid].phq9.append(score)
        else:
            setattr(facts[tid], WAI_TIME_POINTS[time_point], score)

    for tid, rated_on, value in MoodRating.objects.filter(
        treatment_id__in=ids,
        rated_on__gte=timezone.localdate(at) - datetime.timedelta(days=MOOD_DAYS),
        rated_on__lte=timezone.localdate(at),
        created_at__lte=at,
    ).values_list("treatment_id", "rated_on", "value"):
        facts[tid].mood[rated_on] = value

    for row in (
        Message.objects.filter(treatment_id__in=ids, created_at__lte=at, created_at__gte=since)
        .values("treatment_id")
        .annotate(
            client=Max("created_at", filter=Q(from_client=True)),
            staff=Max("created_at", filter=Q(from_client=False)),
        )
    ):
        facts[row["treatment_id"]].last_client_message_at = row["client"]
        facts[row["treatment_id"]].last_staff_message_at = row["staff"]

    if last_activity is None:
        last_activity = _activity_at(treatments, at, since)
    if overdue_tasks is None:
        overdue_tasks = _overdue_at(ids, at)
    for t in treatments:
        f = facts[t.pk]
        reference = last_activity.get(t.pk) or t.activated_at or t.invited_at or t.created_at
        open_then = _open_at(t, at)
        f.inactive_since = reference if open_then else None
        f.overdue_tasks = overdue_tasks.get(t.pk, 0) if open_then else 0
    return facts


def _open_at(t: Treatment, at: datetime.datetime) -> bool:
    if t.ended_at is not None:
        return t.ended_at > at and (t.activated_at or t.created_at) <= at
    return t.is_open


def _activity_at(treatments, at, since) -> dict[int, datetime.datetime | None]:
    """Last sign-in, mood rating, step seen or entry sent by each client up to `at`."""
    client_to_t = {t.client_id: t.pk for t in treatments}
    out: dict[int, datetime.datetime | None] = {}

    def keep(tid, when):
        if when is not None and (out.get(tid) is None or when > out[tid]):
            out[tid] = when

    for user_id, when in (
        LoginEvent.objects.filter(user_id__in=client_to_t, at__lte=at, at__gte=since)
        .values("user_id")
        .annotate(m=Max("at"))
        .values_list("user_id", "m")
    ):
        keep(client_to_t[user_id], when)
    ids = list(client_to_t.values())
    for tid, when in (
        MoodRating.objects.filter(treatment_id__in=ids, created_at__lte=at, created_at__gte=since)
        .values("treatment_id")
        .annotate(m=Max("created_at"))
        .values_list("treatment_id", "m")
    ):
        keep(tid, when)
    for tid, when in (
        ExerciseEntry.objects.filter(
            treatment_id__in=ids, submitted_at__lte=at, submitted_at__gte=since
        )
        .values("treatment_id")
        .annotate(m=Max("submitted_at"))
        .values_list("treatment_id", "m")
    ):
        keep(tid, when)
    for tid, when in (
        StepProgress.objects.filter(treatment_id__in=ids, opened_at__lte=at, opened_at__gte=since)
        .values("treatment_id")
        .annotate(m=Max("opened_at"))
        .values_list("treatment_id", "m")
    ):
        keep(tid, when)
    return out


def _overdue_at(ids, at) -> dict[int, int]:
    today = timezone.localdate(at)
    out: dict[int, int] = defaultdict(int)
    for tid in BespokeTask.objects.filter(
        Q(done_at__isnull=True) | Q(done_at__gt=at),
        treatment_id__in=ids,
        due_date__lt=today,
        created_at__lte=at,
    ).values_list("treatment_id", flat=True):
        out[tid] += 1
    return out


def reasons_for(
    treatments: list[Treatment],
    facts: dict[int, Facts],
    *,
    thresholds: dict[int, Thresholds] | None = None,
) -> dict[int, list[Reason]]:
    th = thresholds if thresholds is not None else thresholds_for(t.service_id for t in treatments)
    return {t.pk: evaluate(facts[t.pk], th[t.service_id]) for t in treatments}


def latest_reviews(treatment_ids: Iterable[int]) -> dict[int, WarningReview]:
    """{treatment_id: the latest "seen, plan made"}. One query (on PostgreSQL one row per
    treatment, DISTINCT ON; elsewhere, as under `make run` on SQLite, the first of each)."""
    out: dict[int, WarningReview] = {}
    reviews = (
        WarningReview.objects.filter(treatment_id__in=list(treatment_ids))
        .select_related("reviewed_by")
        .order_by("treatment_id", "-created_at", "-pk")
    )
    if connection.vendor == "postgresql":
        reviews = reviews.distinct("treatment_id")
    for review in reviews:
        out.setdefault(review.treatment_id, review)
    return out


__all__ = ["facts_for", "latest_reviews", "new_since", "reasons_for", "thresholds_for"]

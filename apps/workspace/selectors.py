"""Reads for the staff workspace: caseload rows, the pre-session review.

These gather several domains (care, programme, tracking, questionnaires,
messaging, safety, notifications) for one page. Every function takes
treatments already scoped by `apps.care.access` (or one treatment already
access-checked), so nothing here widens access.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connection
from django.db.models import (
    Count,
    DateTimeField,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, Lower, NullIf, Trim
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.care.models import (
    CANCELLED_STATUSES,
    OPEN_STATUSES,
    Appointment,
    AppointmentStatus,
    BespokeTask,
    StaffMembership,
    StaffRole,
    Treatment,
    TreatmentStatus,
)
from apps.care.selectors import (
    appointments_for,
    last_session_before,
    latest_session_record,
    session_notes_for,
    sessions_total,
    tasks_for,
)
from apps.core.charts import build_sparkline
from apps.earlywarning.rules import Reason
from apps.earlywarning.selectors import (
    facts_for,
    latest_reviews,
    new_since,
    reasons_for,
    thresholds_for,
)
from apps.earlywarning.sql import warnings_sql, window_days_sql
from apps.messaging.selectors import thread_for, unread_for_staff_expression
from apps.notifications.selectors import (
    EPOCH,
    last_activity_expression,
    notifications_for_treatment,
)
from apps.programme.models import (
    EntryFeedback,
    EntryStatus,
    ExerciseEntry,
    Module,
    ModulePlan,
    StepProgress,
)
from apps.questionnaires.catalogue import scoring_definition
from apps.questionnaires.selectors import (
    alliance_for_treatment,
    latest_phq9_for_treatments,
    scores_for_treatment,
)
from apps.safety.models import RiskAlert, RiskAlertStatus
from apps.safety.selectors import open_alerts_for_treatments
from apps.tracking.clock import local_today
from apps.tracking.selectors import goals_with_ratings, mood_chart, mood_series_for

INACTIVE_DAYS = 7
SPARKLINE_DAYS = 14
NOTIFICATION_LOG_ROWS = 20  # latest reminders and emails on the review page


# --- Caseload ------------------------------------------------------------------------


def _count(queryset: QuerySet) -> Subquery:
    """A correlated SELECT count(*) subquery (no GROUP BY: always one row)."""
    count = Func(Value(1), function="COUNT", output_field=IntegerField())
    return Subquery(queryset.order_by().annotate(n=count).values("n"), output_field=IntegerField())


class Attention:
    """Where a client sorts on "needs attention first" (lower sorts first).

    Clients with a warning sort by their most urgent reason, in the priority
    of docs/early-warning.md (`apps.earlywarning.rules.PRIORITY`: 0 is an
    open risk alert). Then clients whose warnings a PWP marked "seen, plan
    made" with nothing new since, then everyone else, then ended treatments.
    """

    RISK = 0
    SEEN = 20
    NONE = 30
    ENDED = 40


@dataclass
class CaseloadRow:
    treatment: Treatment
    week: int | None
    total_weeks: int
    next_session_at: datetime.datetime | None
    next_session_number: int | None
    sessions_total: int
    modules_completed: int
    modules_in_progress: int
    modules_total: int
    last_activity_at: datetime.datetime | None
    inactive: bool
    mood_values: list
    phq9: object | None
    phq9_band: str
    alerts: list = field(default_factory=list)
    unread: int = 0
    overdue_tasks: int = 0
    attention: int = Attention.NONE
    reasons: list[str] = field(default_factory=list)
    warnings: list[Reason] = field(default_factory=list)
    new_warnings: list[Reason] = field(default_factory=list)
    review: object | None = None

    @property
    def seen(self) -> bool:
        """Warnings marked "seen, plan made" with nothing new since."""
        return bool(self.warnings) and not self.new_warnings

    @property
    def mood(self) -> dict:
        """The mood sparkline, drawn only for the rows a page shows."""
        cached = self.__dict__.get("_mood")
        if cached is None:
            cached = self.__dict__["_mood"] = build_sparkline(
                self.mood_values, y_min=1, y_max=10, label=_("Mood, last 14 days (1 to 10)")
            )
        return cached

    @property
    def risk_tags(self) -> list[dict]:
        """One short tag per open alert ("Risk: item 9") with the full reason."""
        return [
            {
                "short": str(RISK_SHORT.get(a.source, gettext_lazy("Risk"))),
                "full": a.get_source_display(),
            }
            for a in self.alerts
        ]

    @property
    def phq9_change_abs(self) -> int | None:
        """Size of the PHQ-9 change since baseline, for "down 4" in words."""
        change = self.phq9.change if self.phq9 is not None else None
        return None if change is None else abs(change)


# Short words for the caseload's risk tags; the full reason (RiskSource
# label) goes in visually hidden text and a title. Keyed by the stored value
# so a source added later still shows as "Risk" with its full reason.
RISK_SHORT = {
    "phq9_item9": gettext_lazy("Risk: item 9"),
    "phq9_severe_total": gettext_lazy("Risk: severe score"),
    "phq9_item9_unknown": gettext_lazy("Risk: item 9 missing"),
    "exercise_safety_words": gettext_lazy("Risk: exercise"),
}


STATUS_FILTERS = {
    "open": (gettext_lazy("Open (invited or in treatment)"), OPEN_STATUSES),
    "active": (gettext_lazy("In treatment"), (TreatmentStatus.ACTIVE,)),
    "invited": (gettext_lazy("Invited"), (TreatmentStatus.INVITED,)),
    "ended": (
        gettext_lazy("Ended"),
        (TreatmentStatus.COMPLETED, TreatmentStatus.WITHDRAWN, TreatmentStatus.DROPPED_OUT),
    ),
    "all": (gettext_lazy("All"), None),
}
SORTS = {
    "attention": gettext_lazy("Needs attention first"),
    "name": gettext_lazy("Name"),
    "week": gettext_lazy("Treatment week"),
    "activity": gettext_lazy("Last activity"),
    "next_session": gettext_lazy("Next session"),
}


def _phq9_bands() -> list[tuple[int, int, str]]:
    """PHQ-9 severity bands from the questionnaires' definition (the one source)."""
    try:
        return [(b.min, b.max, str(b.label)) for b in scoring_definition("phq9").bands]
    except Exception:  # noqa: BLE001 - a missing definition file must not break the caseload
        return []


def _band_label(total: int | None, bands: list[tuple[int, int, str]]) -> str:
    if total is None:
        return ""
    return next((label for low, high, label in bands if low <= total <= high), "")


def caseload_page(
    treatments: QuerySet[Treatment],
    *,
    status: str = "open",
    inactive_only: bool = False,
    sort: str = "attention",
    page: str | int | None = None,
    per_page: int = 25,
    now: datetime.datetime | None = None,
) -> Page:
    """One page of the caseload table, sorted and filtered over the whole caseload.

    PostgreSQL filters and orders every treatment (`_caseload_order`: for
    "needs attention first" the early-warning rules in SQL,
    apps/earlywarning/sql.py) and returns the page's IDs and the total; only
    the page's treatments are then read and built into rows (`_rows_for`).
    A constant number of queries whatever the size of the caseload: one for
    the order, then for the page's treatments one each for the treatments
    (annotated with subqueries for the next session, modules and unread
    messages, and last activity and overdue tasks unless the order read
    them), open risk alerts, PHQ-9 scores, thresholds, the early-warning facts
    (six) and "seen, plan made". `page` is read as `Paginator.get_page` reads
    it (not a number: the first page; past the end or below 1: the last, which
    costs the order query once more). `treatments` must already be scoped to
    the viewer.
    """
    now = now or timezone.now()
    statuses = STATUS_FILTERS.get(status, STATUS_FILTERS["open"])[1]
    if statuses is not None:
        treatments = treatments.filter(status__in=statuses)
    sort = sort if sort in SORTS else "attention"
    try:
        wanted = int(page or 1)
    except (TypeError, ValueError):
        wanted = 1
    if not _orders_in_database():
        return _caseload_page_in_python(
            treatments, sort=sort, inactive_only=inactive_only, page=page, per_page=per_page,
            now=now,
        )  # fmt: skip
    ids, total, window_days, known = _caseload_order(
        treatments, sort=sort, inactive_only=inactive_only, now=now, page=wanted, per_page=per_page
    )
    paginator = Paginator(_Counted(total), per_page)
    try:
        number = paginator.validate_number(page if page not in (None, "") else 1)
    except PageNotAnInteger:
        number = 1
    except EmptyPage:
        number = paginator.num_pages
    if number != wanted:  # a page past the end (or below 1): the last page, as get_page does
        ids, total, window_days, known = _caseload_order(
            treatments, sort=sort, inactive_only=inactive_only, now=now, page=number,
            per_page=per_page,
        )  # fmt: skip
    rows = _rows_for(treatments, ids, now=now, window_days=window_days, known=known)
    return Page(rows, number, paginator)


def _orders_in_database() -> bool:
    """The order query (apps/earlywarning/sql.py) is PostgreSQL's SQL."""
    return connection.vendor == "postgresql"


def _caseload_page_in_python(
    treatments: QuerySet[Treatment],
    *,
    sort: str,
    inactive_only: bool,
    page: str | int | None,
    per_page: int,
    now: datetime.datetime,
) -> Page:
    """The same page without PostgreSQL (SQLite under `make run`): every row is built and
    sorted in Python, as before the order moved into the database. Fine for a demo; a
    service runs on PostgreSQL, where the order and the count are one query
    (`_caseload_order`; tests/workspace/test_caseload_order.py checks both agree)."""
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    never = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    ids = list(treatments.order_by(*treatments.query.order_by, "pk").values_list("pk", flat=True))
    rows = _rows_for(treatments, ids, now=now, window_days=None)
    if inactive_only:
        rows = [r for r in rows if r.inactive]

    def name(r):
        return r.treatment.client.get_full_name().strip().lower()

    keys = {
        "name": name,
        "week": lambda r: (-(r.week or 0), name(r)),
        "activity": lambda r: (r.last_activity_at or never, name(r)),
        "next_session": lambda r: (r.next_session_at or far, name(r)),
        "attention": lambda r: (
            r.attention,
            -len(r.new_warnings),
            min((a.raised_at for a in r.alerts), default=far),
            r.last_activity_at or never,
            name(r),
        ),
    }
    rows.sort(key=keys.get(sort, keys["attention"]))
    return Paginator(rows, per_page).get_page(page)


class _Counted:
    """What Paginator needs of a list it never slices: its length."""

    def __init__(self, count: int) -> None:
        self._count = count

    def count(self) -> int:
        return self._count


def _caseload_order(
    treatments: QuerySet[Treatment],
    *,
    sort: str,
    inactive_only: bool,
    now: datetime.datetime,
    page: int,
    per_page: int,
) -> tuple[list[int], int, int | None, dict[int, dict]]:
    """(IDs of page `page` in order, how many treatments pass the filters,
    the early-warning message window in days, {ID: the page's row values the
    order already computed: last activity, overdue tasks}). One query.

    The keys are those the table sorted by in Python before (stable, so ties
    keep the queryset's own order, then the ID):
    - name: the client's full name (else email), lowercased, by code point
      (PostgreSQL's lower() and TRIM of spaces, where Python lowercased and
      stripped any whitespace: the same for names as people type them);
    - week: treatment week, latest first (none counts as 0), then name;
    - activity: least recently active first (never active first), then name;
    - next_session: soonest first (none last), then name;
    - attention: `Attention` (the most urgent reason new since "seen, plan
      made", else SEEN, NONE or ENDED), more new reasons first, the oldest
      open risk alert, least recently active, name.
    """
    today = timezone.localdate(now)
    attention = sort == "attention"
    needs_activity = attention or sort == "activity" or inactive_only
    base_order = [o for o in treatments.query.order_by if isinstance(o, str)]
    # User.get_full_name(), then lower(): the Python sort's key.
    full_name = Concat("client__first_name", Value(" "), "client__last_name")
    columns: dict = {
        "name_key": Lower(
            Coalesce(NullIf(Trim(full_name), Value("")), "client__email", output_field=TextField())
        ),
        "last_activity_raw": last_activity_expression(OuterRef("client"))
        if needs_activity
        else Cast(Value(None), DateTimeField()),
    }
    if sort == "next_session":
        columns["next_session_at"] = Subquery(
            Appointment.objects.filter(
                treatment=OuterRef("pk"), status=AppointmentStatus.SCHEDULED, starts_at__gte=now
            )
            .order_by("starts_at")
            .values("starts_at")[:1],
            output_field=DateTimeField(),
        )
    if attention:
        columns["oldest_alert"] = Subquery(
            RiskAlert.objects.filter(treatment=OuterRef("pk"), status=RiskAlertStatus.OPEN)
            .order_by("raised_at")
            .values("raised_at")[:1],
            output_field=DateTimeField(),
        )
        columns["overdue_tasks"] = _overdue_tasks(today)
    for i, name in enumerate(base_order):
        columns[f"o{i}"] = F(name.lstrip("-"))
    fields = ["id", "service_id", "status", "ended_at", "activated_at", "invited_at"]
    fields += ["created_at", "start_date", "planned_end_date"]
    rows_qs = treatments.order_by().annotate(**columns).values(*fields, *columns)
    try:
        t0_sql, t0_params = rows_qs.query.sql_with_params()
    except EmptyResultSet:  # treatments.none(): nobody to show
        return [], 0, None, {}
    t0 = connection.ops.compose_sql(t0_sql, t0_params).replace("%", "%%")

    # Values of the page's rows computed here anyway: _rows_for need not again.
    known_columns = {}
    if needs_activity:
        known_columns["last_activity_raw"] = "last_activity"
    if attention:
        known_columns["overdue_tasks"] = "overdue_tasks"
    window_sql, params = window_days_sql()
    params.update(
        open=list(OPEN_STATUSES),
        epoch=EPOCH,
        today=today,
        inactive_before=now - datetime.timedelta(days=INACTIVE_DAYS),
        lo=(page - 1) * per_page,
        hi=page * per_page,
    )
    is_open = "t.status = ANY(%(open)s)"
    name = 't.name_key COLLATE "C"'
    activity = "t.last_activity ASC NULLS FIRST"
    order = {
        "name": [name],
        "week": [
            f"""CASE WHEN {is_open} AND %(today)s >= t.start_date THEN LEAST(
                    (%(today)s - t.start_date) / 7 + 1,
                    GREATEST(1, round((t.planned_end_date - t.start_date) / 7.0)::int))
                ELSE 0 END DESC""",
            name,
        ],
        "activity": [activity, name],
        "next_session": ["t.next_session_at ASC NULLS LAST", name],
        "attention": [
            f"""CASE WHEN NOT {is_open} THEN {Attention.ENDED}
                WHEN ew.n_new > 0 THEN ew.first_new
                WHEN ew.n_warnings > 0 THEN {Attention.SEEN}
                ELSE {Attention.NONE} END""",
            f"CASE WHEN {is_open} THEN -COALESCE(ew.n_new, 0) ELSE 0 END",
            "t.oldest_alert ASC NULLS LAST",
            activity,
            name,
        ],
    }[sort]
    order += [f"t.o{i} {'DESC' if o.startswith('-') else 'ASC'}" for i, o in enumerate(base_order)]
    order.append("t.id")
    ew = ""
    joins = ""
    if attention:
        ew_sql, ew_params = warnings_sql(at=now, today=today)
        params.update(ew_params)
        ew = f",{ew_sql}"
        joins = "LEFT JOIN ew ON ew.id = t.id"
    where = ""
    if inactive_only:
        where = (
            f"WHERE {is_open} AND COALESCE(t.last_activity, t.activated_at, t.invited_at,"
            " t.created_at) <= %(inactive_before)s"
        )
    # Every row is numbered; the page's rows come back, and the last row too,
    # so the total is known even for a page past the end. Pasted in: fixed
    # SQL and Django's compiled query with its values quoted by the driver
    # (compose_sql); every other value is a named parameter.
    sql = f"""
WITH t0 AS MATERIALIZED ({t0}),
t AS (
    SELECT t0.*, CASE WHEN t0.last_activity_raw > %(epoch)s THEN t0.last_activity_raw END
        AS last_activity
    FROM t0
){ew},
o AS (
    SELECT t.id, row_number() OVER (ORDER BY {", ".join(order)}) AS rn, count(*) OVER () AS total
    FROM t {joins} {where}
)
SELECT o.id, o.rn, o.total, {window_sql}, {", ".join(f"t.{c}" for c in known_columns) or "NULL"}
FROM o JOIN t ON t.id = o.id
WHERE (o.rn > %(lo)s AND o.rn <= %(hi)s) OR o.rn = o.total
ORDER BY o.rn"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    if not found:
        return [], 0, None, {}
    total, window_days = found[0][2], found[0][3]
    ids, known = [], {}
    for pk, rn, _total, _window, *values in found:
        if (page - 1) * per_page < rn <= page * per_page:
            ids.append(pk)
            known[pk] = dict(zip(known_columns.values(), values, strict=False))
    return ids, total, window_days, known


def _overdue_tasks(today: datetime.date) -> Coalesce:
    return _count(
        BespokeTask.objects.filter(
            treatment=OuterRef("pk"), done_at__isnull=True, due_date__lt=today
        )
    )


def _rows_for(
    treatments: QuerySet[Treatment],
    ids: list[int],
    *,
    now: datetime.datetime,
    window_days: int | None,
    known: dict[int, dict] | None = None,
) -> list[CaseloadRow]:
    """Caseload rows for the treatments `ids` (of `treatments`), in that order.
    `known` holds values already read per ID (`last_activity`, `overdue_tasks`),
    which are then not read again."""
    if not ids:
        return []
    known = known or {}
    have = set.intersection(*(set(v) for v in known.values())) if known else set()
    today = timezone.localdate(now)
    annotations: dict = {}
    if "last_activity" not in have:
        annotations["last_activity"] = last_activity_expression(OuterRef("client"))
    if "overdue_tasks" not in have:
        annotations["overdue_tasks"] = _overdue_tasks(today)
    next_session = Appointment.objects.filter(
        treatment=OuterRef("pk"), status=AppointmentStatus.SCHEDULED, starts_at__gte=now
    ).order_by("starts_at")
    plans = ModulePlan.objects.filter(treatment=OuterRef("pk"))
    found = (
        treatments.filter(pk__in=ids)
        .select_related("client", "pwp", "service")
        .annotate(
            next_session_at=Subquery(
                next_session.values("starts_at")[:1], output_field=DateTimeField()
            ),
            next_session_number=Subquery(next_session.values("number")[:1]),
            highest_session_number=_max_session_number(),
            modules_completed=_count(plans.filter(completed_at__isnull=False)),
            modules_in_progress=_count(
                plans.filter(started_at__isnull=False, completed_at__isnull=True)
            ),
            # Optional modules count towards "2 of N" once they are in the client's plan.
            optional_modules_in_plan=_count(
                plans.filter(module__mandatory=False, module__is_active=True).filter(
                    Q(unlocked=True) | Q(started_at__isnull=False) | Q(completed_at__isnull=False)
                )
            ),
            # The same for every row (an uncorrelated subquery, run once).
            required_modules=_count(Module.objects.filter(is_active=True, mandatory=True)),
            unread=unread_for_staff_expression(),
            **annotations,
        )
    )
    by_id = {t.pk: t for t in found}
    page = [by_id[pk] for pk in ids if pk in by_id]
    for t in page:
        for name, value in known.get(t.pk, {}).items():
            setattr(t, name, value)

    alerts: dict[int, list] = defaultdict(list)
    for alert in open_alerts_for_treatments(ids):
        alerts[alert.treatment_id].append(alert)
    phq9 = latest_phq9_for_treatments(ids)
    thresholds = thresholds_for(t.service_id for t in page)
    facts = facts_for(
        page,
        at=now,
        last_activity={
            t.pk: (t.last_activity if t.last_activity and t.last_activity > EPOCH else None)
            for t in page
        },
        overdue_tasks={t.pk: t.overdue_tasks for t in page},
        thresholds=thresholds,
        window_days=window_days,
    )
    warnings = reasons_for(page, facts, thresholds=thresholds)
    reviews = latest_reviews(ids)

    # The facts hold the last three weeks of mood ratings: the sparkline's two
    # weeks come from them.
    since = today - datetime.timedelta(days=SPARKLINE_DAYS - 1)
    days = [since + datetime.timedelta(days=i) for i in range(SPARKLINE_DAYS)]
    bands = _phq9_bands()
    inactive_before = now - datetime.timedelta(days=INACTIVE_DAYS)
    rows = []
    for t in page:
        last = t.last_activity if t.last_activity and t.last_activity > EPOCH else None
        # A client never seen counts from when they were invited or activated.
        reference = last or t.activated_at or t.invited_at or t.created_at
        inactive = t.is_open and reference is not None and reference <= inactive_before
        summary = phq9.get(t.pk)
        row = CaseloadRow(
            treatment=t,
            week=t.week_number(today),
            total_weeks=t.total_weeks,
            next_session_at=t.next_session_at,
            next_session_number=t.next_session_number,
            sessions_total=max(settings.FACE_TO_FACE_SESSIONS, t.highest_session_number or 0),
            modules_completed=t.modules_completed,
            modules_in_progress=t.modules_in_progress,
            modules_total=t.required_modules + t.optional_modules_in_plan,
            last_activity_at=last,
            inactive=inactive,
            mood_values=[facts[t.pk].mood.get(day) for day in days],
            phq9=summary,
            phq9_band=_band_label(summary.total, bands) if summary else "",
            alerts=alerts.get(t.pk, []),
            unread=t.unread,
            overdue_tasks=t.overdue_tasks if t.is_open else 0,
        )
        _set_attention(row, warnings.get(t.pk, []), reviews.get(t.pk))
        rows.append(row)
    return rows


def _max_session_number():
    return Subquery(
        Appointment.objects.filter(treatment=OuterRef("pk"))
        .exclude(status__in=CANCELLED_STATUSES)
        .order_by()
        .values("treatment")
        .annotate(m=Max("number"))
        .values("m")[:1],
        output_field=IntegerField(),
    )


def _set_attention(row: CaseloadRow, warnings: list[Reason], review) -> None:
    if not row.treatment.is_open:
        row.attention = Attention.ENDED
        return
    row.warnings = warnings
    row.reasons = [r.text for r in warnings]
    row.review = review
    row.new_warnings = new_since(warnings, review.seen if review else None)
    if row.new_warnings:
        row.attention = row.new_warnings[0].priority
    elif warnings:
        row.attention = Attention.SEEN


def review_entries(*, treatment: Treatment, since: datetime.datetime | None):
    """Sent exercise entries (newest first) with step, module and feedback prefetched."""

    entries = ExerciseEntry.objects.filter(treatment=treatment, status=EntryStatus.SUBMITTED)
    if since is not None:
        entries = entries.filter(submitted_at__gte=since)
    return (
        entries.select_related("step__module")
        .prefetch_related(
            Prefetch(
                "feedback",
                queryset=EntryFeedback.objects.select_related("author")
                .prefetch_related("replies")
                .order_by("created_at"),
            )
        )
        .order_by("-submitted_at", "-pk")
    )


def entry_get_for_treatment(*, treatment: Treatment, entry_id: int):
    """A sent exercise entry of `treatment` (already access-checked), else 404."""

    try:
        return (
            ExerciseEntry.objects.select_related("step__module")
            .prefetch_related("feedback__author", "feedback__replies")
            .get(pk=entry_id, treatment=treatment, status=EntryStatus.SUBMITTED)
        )
    except (ExerciseEntry.DoesNotExist, ValueError, TypeError):
        raise Http404("No such entry.") from None


def steps_completed_since(*, treatment: Treatment, since: datetime.datetime | None):

    progress = StepProgress.objects.filter(treatment=treatment, completed_at__isnull=False)
    if since is not None:
        progress = progress.filter(completed_at__gte=since)
    return progress.select_related("step__module").order_by("-completed_at")


def _entry_summary(entry) -> list[dict]:
    try:
        return entry.summary()
    except Exception:  # noqa: BLE001 - an unknown or changed exercise type still shows its data
        return [
            {"label": str(key), "value": str(value)}
            for key, value in (entry.data or {}).items()
            if not str(key).startswith("_")
        ]


def mood_chart_for(*, treatment: Treatment, days: int = 28) -> dict:

    series = mood_series_for(treatment=treatment, days=days)
    by_day = {item["date"]: item["value"] for item in series}

    chart = mood_chart(
        by_day,
        today=local_today(treatment.client),
        weeks=days // 7,
        days=days,
        subject=_("Mood"),
    )
    chart["title"] = _("Mood over the last %(n)s weeks, 1 (very low) to 10 (very good)") % {
        "n": days // 7
    }
    chart["notes"] = [item for item in series if item["note"] or item["tags"]][-5:]
    return chart


def phq9_change_words(change: int | None) -> dict | None:
    """Change since baseline as number + arrow + words (staff view)."""
    if change is None:
        return None
    if change < 0:
        return {"number": change, "arrow": "↓", "words": _("better (score went down)")}
    if change > 0:
        return {"number": f"+{change}", "arrow": "↑", "words": _("worse (score went up)")}
    return {"number": 0, "arrow": "→", "words": _("no change")}


def review_context(
    *, treatment: Treatment, show_all: bool = False, now: datetime.datetime | None = None
) -> dict:
    """Everything the pre-session review shows, for a treatment already access-checked.

    "Since the last session" means since the start of the most recent
    session that happened (or the treatment start when there was none);
    `show_all` widens entries and steps to the whole treatment.
    """

    now = now or timezone.now()
    appointments = appointments_for(treatment=treatment)
    last_session = last_session_before(appointments, now)
    next_session = next(
        (a for a in appointments if a.status == AppointmentStatus.SCHEDULED and a.starts_at >= now),
        None,
    )
    since = None if show_all or last_session is None else last_session.starts_at
    entries = list(review_entries(treatment=treatment, since=since))
    for entry in entries:
        entry.summary_items = _entry_summary(entry)
    scores = scores_for_treatment(treatment=treatment)
    for series in scores:
        baseline, latest = series.get("baseline"), series.get("latest")
        series["delta"] = phq9_change_words(
            latest - baseline if baseline is not None and latest is not None else None
        )
    notes = list(session_notes_for(treatment=treatment))
    # One query; one row more than shown tells the template the log goes on.
    notifications = list(
        notifications_for_treatment(treatment=treatment)[: NOTIFICATION_LOG_ROWS + 1]
    )
    messages = list(thread_for(treatment=treatment))
    tasks = list(tasks_for(treatment=treatment))
    if since is not None:
        recent_messages = [m for m in messages if m.created_at >= since]
    else:
        recent_messages = messages
    return {
        "appointments": appointments,
        "sessions_total": sessions_total(appointments),
        "last_session": last_session,
        "next_session": next_session,
        "since": since,
        "show_all": show_all,
        "entries": entries,
        "steps_completed": list(steps_completed_since(treatment=treatment, since=since)),
        # Rows that only carry a reordering (no opening, start or completion)
        # have nothing to report.
        "module_plans": list(
            ModulePlan.objects.filter(treatment=treatment)
            .exclude(unlocked=False, started_at__isnull=True, completed_at__isnull=True)
            .select_related("module")
        ),
        "mood_chart": mood_chart_for(treatment=treatment),
        "scores": scores,
        # The client's WAI-SF-C beside the PWP's WAI-SF-T, early and at the end.
        "alliance": alliance_for_treatment(treatment=treatment, now=now),
        "goals": goals_with_ratings(treatment=treatment),
        "tasks": tasks,
        "tasks_done": sum(1 for t in tasks if t.done_at is not None),
        "last_record": latest_session_record(treatment=treatment),
        # Not "messages": that name belongs to django.contrib.messages in templates.
        "review_messages": recent_messages[-20:],
        "messages_total": len(messages),
        "alerts": list(open_alerts_for_treatments([treatment.pk])),
        "notes": notes,
        "notifications": notifications[:NOTIFICATION_LOG_ROWS],
        "notifications_more": len(notifications) > NOTIFICATION_LOG_ROWS,
        # Notes written for the last session, else the most recent note.
        "last_notes": [n for n in notes if last_session and n.appointment_id == last_session.pk]
        or notes[:1],
        "today": timezone.localdate(now),
    }


def pwp_diary(*, pwp, first_day: datetime.date, days: int, zone) -> list[tuple]:
    """The PWP's booked sessions from `first_day` for `days` days, by local day:
    [(day, [appointment, ...]), ...]; every day listed, empty ones too. One query."""
    start = datetime.datetime.combine(first_day, datetime.time.min, tzinfo=zone)
    end = start + datetime.timedelta(days=days)
    rows = (
        Appointment.objects.filter(
            treatment__pwp=pwp,
            status=AppointmentStatus.SCHEDULED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .select_related("treatment__client")
        .order_by("starts_at")
    )
    by_day: dict[datetime.date, list] = {
        first_day + datetime.timedelta(days=n): [] for n in range(days)
    }
    for appointment in rows:
        local = appointment.starts_at.astimezone(zone)
        appointment.local_start = local
        appointment.local_end = appointment.ends_at.astimezone(zone)
        by_day.setdefault(local.date(), []).append(appointment)
    return list(by_day.items())


def handover_candidates(service) -> QuerySet:
    """Active practitioners of `service` who can take over a client."""
    return (
        User.objects.filter(
            is_active=True, memberships__service=service, memberships__role=StaffRole.PWP
        )
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


def handover_rows(*, services) -> list:
    """Practitioners of `services` (None: all) with open clients and open alerts,
    deactivated ones first. One query."""
    memberships = StaffMembership.objects.filter(role=StaffRole.PWP)
    if services is not None:
        memberships = memberships.filter(service_id__in=services)
    open_q = Q(caseload__status__in=OPEN_STATUSES)
    if services is not None:
        open_q &= Q(caseload__service_id__in=services)
    return list(
        User.objects.filter(pk__in=memberships.values("user_id"))
        .annotate(
            open_clients=Count("caseload", filter=open_q, distinct=True),
            open_alerts=Count(
                "caseload__risk_alerts",
                filter=open_q & Q(caseload__risk_alerts__status="open"),
                distinct=True,
            ),
        )
        .order_by("is_active", "first_name", "last_name", "email")
    )


def review_glance(context: dict) -> dict:
    """What changed since the last session, for the box at the top of the review.

    Made from the review context only (no queries): open risk alerts, each
    score with its change, the mood summary, exercises and steps done, modules
    completed in the period, tasks done and open, unread messages from the
    client, goals.
    """
    since = context.get("since")
    tasks = context.get("tasks") or []
    goals = context.get("goals") or []
    plans = context.get("module_plans") or []
    return {
        "alerts": len(context.get("alerts") or []),
        "scores": [
            {"name": s["name"], "latest": s["latest"], "delta": s["delta"]}
            for s in context.get("scores") or []
            if s.get("latest") is not None
        ],
        "mood": (context.get("mood_chart") or {}).get("summary", ""),
        "exercises": len(context.get("entries") or []),
        "steps": len(context.get("steps_completed") or []),
        "modules_completed": [
            p.module.title
            for p in plans
            if p.completed_at and (since is None or p.completed_at >= since)
        ],
        "tasks_done": sum(1 for t in tasks if t.done_at),
        "tasks_open": sum(1 for t in tasks if not t.done_at),
        "unread": sum(
            1
            for m in context.get("review_messages") or []
            if getattr(m, "from_client", False) and not m.read_at
        ),
        "goals": len(goals),
    }

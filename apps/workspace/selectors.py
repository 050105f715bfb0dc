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
from django.db.models import (
    Count,
    DateTimeField,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
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
from apps.earlywarning.selectors import facts_for, latest_reviews, new_since, reasons_for
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
from apps.safety.selectors import open_alerts_for_treatments
from apps.tracking.clock import local_today
from apps.tracking.models import MoodRating
from apps.tracking.selectors import goals_with_ratings, mood_chart, mood_series_for

INACTIVE_DAYS = 7
SPARKLINE_DAYS = 14
NOTIFICATION_LOG_ROWS = 20  # latest reminders and emails on the review page


# --- Caseload ------------------------------------------------------------------------


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*) subquery (0 when there are no rows)."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .annotate(_g=Value(1))
            .values("_g")
            .annotate(n=Count("*"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


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


def caseload_rows(
    treatments: QuerySet[Treatment],
    *,
    status: str = "open",
    inactive_only: bool = False,
    sort: str = "attention",
    now: datetime.datetime | None = None,
) -> list[CaseloadRow]:
    """One row per treatment with everything the caseload table shows.

    A constant number of queries whatever the number of clients: one for the
    treatments (annotated with subqueries for the next session, module
    progress, last activity, unread messages and overdue tasks), one for all
    mood ratings of the last 14 days, one for open risk alerts, one for the
    latest PHQ-9 scores. `treatments` must already be scoped to the viewer.
    """

    now = now or timezone.now()
    today = timezone.localdate(now)
    statuses = STATUS_FILTERS.get(status, STATUS_FILTERS["open"])[1]
    if statuses is not None:
        treatments = treatments.filter(status__in=statuses)
    next_session = Appointment.objects.filter(
        treatment=OuterRef("pk"), status=AppointmentStatus.SCHEDULED, starts_at__gte=now
    ).order_by("starts_at")
    plans = ModulePlan.objects.filter(treatment=OuterRef("pk"))
    treatments = treatments.select_related("client", "pwp", "service").annotate(
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
        last_activity=last_activity_expression(OuterRef("client")),
        unread=unread_for_staff_expression(),
        overdue_tasks=_count(
            BespokeTask.objects.filter(
                treatment=OuterRef("pk"), done_at__isnull=True, due_date__lt=today
            )
        ),
    )
    treatments = list(treatments)
    ids = [t.pk for t in treatments]
    required_modules = Module.objects.filter(is_active=True, mandatory=True).count()

    since = today - datetime.timedelta(days=SPARKLINE_DAYS - 1)
    mood_by_treatment: dict[int, dict[datetime.date, int]] = defaultdict(dict)
    for treatment_id, rated_on, value in MoodRating.objects.filter(
        treatment_id__in=ids, rated_on__gte=since
    ).values_list("treatment_id", "rated_on", "value"):
        mood_by_treatment[treatment_id][rated_on] = value
    alerts: dict[int, list] = defaultdict(list)
    for alert in open_alerts_for_treatments(ids):
        alerts[alert.treatment_id].append(alert)
    phq9 = latest_phq9_for_treatments(ids)
    facts = facts_for(
        treatments,
        at=now,
        last_activity={
            t.pk: (t.last_activity if t.last_activity and t.last_activity > EPOCH else None)
            for t in treatments
        },
        overdue_tasks={t.pk: t.overdue_tasks for t in treatments},
    )
    warnings = reasons_for(treatments, facts)
    reviews = latest_reviews(ids)

    days = [since + datetime.timedelta(days=i) for i in range(SPARKLINE_DAYS)]
    bands = _phq9_bands()
    inactive_before = now - datetime.timedelta(days=INACTIVE_DAYS)
    rows = []
    for t in treatments:
        last = t.last_activity if t.last_activity and t.last_activity > EPOCH else None
        # A client never seen counts from when they were invited or activated.
        reference = last or t.activated_at or t.invited_at or t.created_at
        inactive = t.is_open and reference is not None and reference <= inactive_before
        values = [mood_by_treatment[t.pk].get(day) for day in days]
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
            modules_total=required_modules + t.optional_modules_in_plan,
            last_activity_at=last,
            inactive=inactive,
            mood_values=values,
            phq9=summary,
            phq9_band=_band_label(summary.total, bands) if summary else "",
            alerts=alerts.get(t.pk, []),
            unread=t.unread,
            overdue_tasks=t.overdue_tasks if t.is_open else 0,
        )
        _set_attention(row, warnings.get(t.pk, []), reviews.get(t.pk))
        rows.append(row)
    if inactive_only:
        rows = [r for r in rows if r.inactive]
    return sort_rows(rows, sort)


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


def _name(row: CaseloadRow) -> str:
    return row.treatment.client.get_full_name().lower()


def sort_rows(rows: list[CaseloadRow], sort: str) -> list[CaseloadRow]:
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    never = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    if sort == "name":
        return sorted(rows, key=_name)
    if sort == "week":
        return sorted(rows, key=lambda r: (-(r.week or 0), _name(r)))
    if sort == "activity":
        # Least recently active first: the ones to chase.
        return sorted(rows, key=lambda r: (r.last_activity_at or never, _name(r)))
    if sort == "next_session":
        return sorted(rows, key=lambda r: (r.next_session_at or far, _name(r)))

    def attention_key(r: CaseloadRow):
        oldest_alert = min((a.raised_at for a in r.alerts), default=far)
        return (
            r.attention,
            -len(r.new_warnings),
            oldest_alert,
            r.last_activity_at or never,
            _name(r),
        )

    return sorted(rows, key=attention_key)


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

"""Reads for mood ratings and goals.

Client pages call these with `user=request.user` (a client sees only their
own rows). Staff pages call `mood_series_for` / `goals_with_ratings` with a
treatment already fetched through `apps.care.access.treatment_get_for_user`,
and audit the read themselves.
"""

import datetime

from django.db.models import Case, Prefetch, QuerySet, Value, When
from django.http import Http404
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts.models import User
from apps.care.models import Treatment
from apps.core.charts import build_line_chart, build_sparkline, summary_sentence
from apps.tracking.clock import local_today, user_zone
from apps.tracking.feedback import mood_trend, one_decimal, today_feedback, very_low_pattern
from apps.tracking.forms import MoodForm
from apps.tracking.models import (
    GOAL_RATING_MAX,
    GOAL_RATING_MIN,
    MOOD_MAX,
    MOOD_MIN,
    Goal,
    GoalComment,
    GoalRating,
    GoalStatus,
    MoodRating,
)

CHART_WEEKS = (4, 8, 12)
DEFAULT_CHART_WEEKS = 4
HOME_CHART_DAYS = 14


# --- Mood ----------------------------------------------------------------------


def mood_ratings_for(*, user: User, since: datetime.date) -> QuerySet[MoodRating]:
    """The client's own ratings from `since` (a local date) onwards, oldest first."""
    return MoodRating.objects.filter(client=user, rated_on__gte=since).order_by("rated_on")


def values_by_day(ratings) -> dict[datetime.date, int]:
    return {r.rated_on: r.value for r in ratings}


def daily_series(
    values: dict[datetime.date, float], *, end: datetime.date, days: int
) -> list[tuple[datetime.date, float | None]]:
    """One entry per day from `end - days + 1` to `end`, None where there is no rating."""
    start = end - datetime.timedelta(days=days - 1)
    return [
        (day, values.get(day)) for day in (start + datetime.timedelta(days=i) for i in range(days))
    ]


def weekly_series(
    values: dict[datetime.date, float], *, end: datetime.date, weeks: int
) -> list[tuple[datetime.date, float | None]]:
    """Average per 7-day block ending on `end`; each entry is (first day of block, average)."""
    series = []
    for w in range(weeks - 1, -1, -1):
        block_end = end - datetime.timedelta(days=7 * w)
        block_start = block_end - datetime.timedelta(days=6)
        block = [
            v
            for i in range(7)
            if (v := values.get(block_start + datetime.timedelta(days=i))) is not None
        ]
        series.append((block_start, float(one_decimal(sum(block) / len(block))) if block else None))
    return series


def mood_chart(
    values: dict[datetime.date, float],
    *,
    today: datetime.date,
    weeks: int,
    weekly: bool = False,
    compact: bool = False,
    days: int | None = None,
    subject: str | None = None,
) -> dict:
    """The line-chart dict for a client's mood (fixed 1-10 axis).

    Daily by default over `weeks` (or `days`), or weekly averages. The
    caption's first sentence is a plain summary; the rest says how many days
    were rated and the average. Words speak to the client ("Your mood", "You
    rated it") unless a `subject` is given, as staff pages do ("Mood").
    """
    # A staff page passes its own subject ("Mood"): the words then avoid "you".
    for_client = subject is None
    subject = subject or _("Your mood")
    if weekly:
        series = weekly_series(values, end=today, weeks=weeks)
        labels = [date_format(day, "j M") for day, _v in series]
        period = ngettext("over the last %(n)d week", "over the last %(n)d weeks", weeks) % {
            "n": weeks
        }
        x_header, y_header = _("Week starting"), _("Average mood (1 to 10)")
        decimals = 1
    else:
        days = days or weeks * 7
        series = daily_series(values, end=today, days=days)
        labels = [date_format(day, "j M") for day, _v in series]
        if days % 7 == 0 and days >= 14:
            period = ngettext(
                "over the last %(n)d week", "over the last %(n)d weeks", days // 7
            ) % {"n": days // 7}
        else:
            period = ngettext("over the last %(n)d day", "over the last %(n)d days", days) % {
                "n": days
            }
        x_header, y_header = _("Day"), _("Mood (1 very low to 10 very good)")
        decimals = 0
    series_values = [v for _d, v in series]
    present = [v for v in series_values if v is not None]
    summary = summary_sentence(series_values, subject=subject, period=period, decimals=decimals)
    if present and not weekly:
        if for_client:
            counts = ngettext(
                "You rated it on %(rated)d of %(total)d day. The average was %(avg)s.",
                "You rated it on %(rated)d of %(total)d days. The average was %(avg)s.",
                len(series),
            )
        else:
            counts = ngettext(
                "Rated on %(rated)d of %(total)d day. The average was %(avg)s.",
                "Rated on %(rated)d of %(total)d days. The average was %(avg)s.",
                len(series),
            )
        summary += " " + counts % {
            "rated": len(present),
            "total": len(series),
            "avg": one_decimal(sum(present) / len(present)),
        }
    chart = build_line_chart(
        title=(_("Your mood, %(period)s") if for_client else _("Mood, %(period)s"))
        % {"period": period},
        summary=summary,
        points=[
            {"x_label": label, "value": value}
            for label, value in zip(labels, series_values, strict=True)
        ],
        y_min=MOOD_MIN,
        y_max=MOOD_MAX,
        tick_values=range(MOOD_MIN, MOOD_MAX + 1),
        height=200 if compact else 260,
        chart_id="mood-chart-compact" if compact else "mood-chart",
        x_heading=x_header,
        value_heading=y_header,
    )
    chart["compact"] = compact
    return chart


def mood_page_context(*, user: User, weeks: int, weekly: bool) -> dict:
    """Chart, trend words and care-card flag for the mood page. Two queries."""
    today = local_today(user)
    weeks = weeks if weeks in CHART_WEEKS else DEFAULT_CHART_WEEKS
    since = today - datetime.timedelta(days=max(weeks * 7, 14) - 1)
    ratings = list(mood_ratings_for(user=user, since=since))
    by_day = values_by_day(ratings)
    today_rating = next((r for r in ratings if r.rated_on == today), None)
    return {
        "today": today,
        "today_rating": today_rating,
        "weeks": weeks,
        "weekly": weekly,
        "week_options": CHART_WEEKS,
        "mood_chart": mood_chart(by_day, today=today, weeks=weeks, weekly=weekly),
        "trend": mood_trend(by_day, today=today),
        "show_care_card": very_low_pattern(by_day, today=today),
        "today_feedback": (
            today_feedback(today_rating.value, by_day, today=today) if today_rating else ""
        ),
        "recent_notes": [r for r in reversed(ratings) if r.note or r.tags][:5],
    }


def mood_series_for(*, treatment: Treatment, days: int) -> list[dict]:
    """Staff view: the ratings made during `treatment` in the last `days` days, oldest first.

    `treatment` must come from `treatment_get_for_user`; ratings made outside
    the treatment (after it ended) are not included. Each item: date, value,
    note, tags (labels). One query.
    """
    if not isinstance(treatment, Treatment):
        raise TypeError("Pass a Treatment fetched through treatment_get_for_user.")
    since = local_today(treatment.client) - datetime.timedelta(days=days - 1)
    ratings = MoodRating.objects.filter(treatment=treatment, rated_on__gte=since).order_by(
        "rated_on"
    )
    return [
        {"date": r.rated_on, "value": r.value, "note": r.note, "tags": r.tag_labels()}
        for r in ratings
    ]


# --- Goals ---------------------------------------------------------------------


def _with_ratings(goals: QuerySet[Goal]) -> QuerySet[Goal]:
    return goals.prefetch_related(
        Prefetch("ratings", queryset=GoalRating.objects.order_by("rated_at", "pk"))
    )


def goals_for(*, user: User) -> QuerySet[Goal]:
    """The client's own goals with ratings prefetched (oldest first), active goals first."""
    return (
        _with_ratings(Goal.objects.filter(client=user))
        .annotate(
            active_first=Case(When(status=GoalStatus.ACTIVE, then=Value(0)), default=Value(1))
        )
        .order_by("active_first", "created_at", "pk")
    )


def goal_get_for_client(*, user: User, goal_id: int) -> Goal:
    """The client's own goal `goal_id`, else 404 (another client's goal is never found)."""
    try:
        return _with_thread(_with_ratings(Goal.objects.filter(client=user))).get(pk=goal_id)
    except (Goal.DoesNotExist, ValueError, TypeError):
        raise Http404("No such goal.") from None


def _with_thread(goals: QuerySet[Goal]) -> QuerySet[Goal]:
    """Comments (with authors), who proposed the goal and the session it was agreed in."""
    return goals.select_related("created_by", "agreed_in").prefetch_related(
        Prefetch("comments", queryset=GoalComment.objects.select_related("author"))
    )


def goal_get_for_treatment(*, treatment: Treatment, goal_id: int) -> Goal:
    """Staff view: goal `goal_id` set in `treatment` (already access-checked), else 404."""
    if not isinstance(treatment, Treatment):
        raise TypeError("Pass a Treatment fetched through treatment_get_for_user.")
    try:
        goal = _with_thread(_with_ratings(Goal.objects.filter(treatment=treatment))).get(pk=goal_id)
    except (Goal.DoesNotExist, ValueError, TypeError):
        raise Http404("No such goal.") from None
    return decorate_goal(goal)


def goals_with_ratings(*, treatment: Treatment) -> list[Goal]:
    """Staff view: the goals of `treatment`'s client set during that treatment, with ratings.

    `treatment` must come from `treatment_get_for_user`. Each goal has
    `.ratings.all()` prefetched (oldest first), `.latest` and `.sparkline`.
    Two queries.
    """
    if not isinstance(treatment, Treatment):
        raise TypeError("Pass a Treatment fetched through treatment_get_for_user.")
    goals = list(
        _with_ratings(
            Goal.objects.filter(treatment=treatment).select_related("agreed_in")
        ).order_by("created_at")
    )
    return [decorate_goal(g) for g in goals]


def decorate_goal(goal: Goal) -> Goal:
    """Attach `latest` (GoalRating or None) and `sparkline` (dict) from prefetched ratings."""
    ratings = list(goal.ratings.all())
    goal.latest = ratings[-1] if ratings else None
    goal.sparkline = build_sparkline(
        [r.value for r in ratings],
        y_min=GOAL_RATING_MIN,
        y_max=GOAL_RATING_MAX,
        label=_("How close you are, over time"),
    )
    return goal


def goal_progress_chart(goal: Goal) -> dict:
    """Line chart of a goal's ratings (0-10), one point per rating."""
    ratings = list(goal.ratings.all())
    values = [r.value for r in ratings]
    zone = user_zone(goal.client)
    return build_line_chart(
        title=_("How close you are to this goal"),
        summary=summary_sentence(values, subject=_("Your rating"), period=_("out of 10")),
        points=[
            {"x_label": date_format(localtime(r.rated_at, zone), "j M"), "value": r.value}
            for r in ratings
        ],
        y_min=GOAL_RATING_MIN,
        y_max=GOAL_RATING_MAX,
        tick_values=range(GOAL_RATING_MIN, GOAL_RATING_MAX + 1, 2),
        height=200,
        chart_id=f"goal-{goal.pk}-chart",
        x_heading=_("Date"),
        value_heading=_("How close (0 to 10)"),
    )


# --- Client home -----------------------------------------------------------------


def tracking_home_context(*, user: User) -> dict:
    """Everything the client home needs from tracking, in three queries whatever the data size.

    Keys: mood_done_today (bool), today_rating (MoodRating or None), mood_form
    (unbound MoodForm), mood_chart (last 14 days, compact), trend_text (str),
    today_feedback (str, "" before rating), show_care_card (bool), goals (active
    goals, each with `latest` and `sparkline`).
    """
    today = local_today(user)
    since = today - datetime.timedelta(days=HOME_CHART_DAYS - 1)
    ratings = list(mood_ratings_for(user=user, since=since))
    by_day = values_by_day(ratings)
    today_rating = next((r for r in ratings if r.rated_on == today), None)
    goals = [decorate_goal(g) for g in goals_for(user=user).filter(status=GoalStatus.ACTIVE)]
    return {
        "mood_done_today": today_rating is not None,
        "today_rating": today_rating,
        "mood_form": MoodForm(),
        "mood_chart": mood_chart(by_day, today=today, weeks=2, days=HOME_CHART_DAYS, compact=True),
        "trend_text": mood_trend(by_day, today=today).text,
        "today_feedback": (
            today_feedback(today_rating.value, by_day, today=today) if today_rating else ""
        ),
        "show_care_card": very_low_pattern(by_day, today=today),
        "goals": goals,
    }

"""Reads: the client home context (constant queries) and the staff selectors."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from apps.care.access import treatment_get_for_user
from apps.care.models import TreatmentStatus
from apps.tracking.clock import local_today
from apps.tracking.selectors import (
    goals_for,
    goals_with_ratings,
    mood_series_for,
    tracking_home_context,
    weekly_series,
)
from tests.tracking.factories import GoalFactory, GoalRatingFactory, rate_days

pytestmark = pytest.mark.django_db


def fill(client_user, *, days: int, goals: int):
    today = local_today(client_user)
    rate_days(client_user, {i: 3 + i % 6 for i in range(days)}, today=today)
    for g in range(goals):
        goal = GoalFactory(client=client_user, title=f"Goal {g}")
        for r in range(days // 5):
            GoalRatingFactory(
                goal=goal, value=r % 11, rated_at=timezone.now() - datetime.timedelta(days=r)
            )


@pytest.mark.parametrize(("days", "goals"), [(5, 1), (60, 3)])
def test_home_context_query_count_is_constant(client_user, django_assert_num_queries, days, goals):
    fill(client_user, days=days, goals=goals)
    # Mood ratings, goals, goal ratings: 3 whatever the amount of data.
    with django_assert_num_queries(3):
        context = tracking_home_context(user=client_user)
        render_to_string("tracking/_home_panel.html", context)
    assert len(context["goals"]) == goals


def test_home_context_before_and_after_rating(client_user):
    context = tracking_home_context(user=client_user)
    assert context["mood_done_today"] is False
    assert context["today_rating"] is None
    assert "value" in context["mood_form"].fields
    assert len(context["mood_chart"]["points"]) == 14
    html = render_to_string("tracking/_home_panel.html", context)
    assert "How are you feeling today?" in html and "Set a goal" in html

    today = local_today(client_user)
    rate_days(client_user, {0: 7, 1: 5, 2: 5}, today=today)
    goal = GoalFactory(client=client_user, title="Walk the dog")
    GoalRatingFactory(goal=goal, value=2, rated_at=timezone.now() - datetime.timedelta(days=3))
    GoalRatingFactory(goal=goal, value=6)
    GoalFactory(client=client_user, title="Old goal", status="achieved")
    context = tracking_home_context(user=client_user)
    assert context["mood_done_today"] is True
    assert context["today_rating"].value == 7
    assert [g.title for g in context["goals"]] == ["Walk the dog"]
    assert context["goals"][0].latest.value == 6
    html = render_to_string("tracking/_home_panel.html", context)
    assert "You rated your mood 7 out of 10 today." in html
    assert "How close you are: 6 out of 10" in html
    assert "How are you feeling today?" not in html


def test_goals_for_lists_active_goals_first(client_user, other_client):
    done = GoalFactory(client=client_user, title="Done", status="achieved")
    active = GoalFactory(client=client_user, title="Active")
    GoalFactory(client=other_client)
    assert list(goals_for(user=client_user)) == [active, done]


def test_weekly_series_averages_each_7_day_block():
    end = datetime.date(2026, 3, 28)
    values = {end: 6, end - datetime.timedelta(days=6): 4, end - datetime.timedelta(days=7): 9}
    assert weekly_series(values, end=end, weeks=3) == [
        (datetime.date(2026, 3, 8), None),
        (datetime.date(2026, 3, 15), 9.0),
        (datetime.date(2026, 3, 22), 5.0),
    ]


# --- Staff selectors -------------------------------------------------------------


def test_pwp_sees_ratings_made_during_the_treatment_only(pwp, client_user, treatment):
    today = local_today(client_user)
    rate_days(client_user, {0: 6, 1: 5}, today=today, treatment=treatment)
    rate_days(client_user, {2: 1}, today=today, treatment=None)  # after an earlier episode
    fetched = treatment_get_for_user(user=pwp, treatment_id=treatment.pk, write=False)
    series = mood_series_for(treatment=fetched, days=28)
    assert [(s["date"], s["value"]) for s in series] == [
        (today - datetime.timedelta(days=1), 5),
        (today, 6),
    ]
    assert mood_series_for(treatment=fetched, days=1) == [series[-1]]


def test_ratings_after_treatment_ends_are_not_shown_to_staff(pwp, client_user, treatment):
    from apps.tracking.services import mood_rate

    treatment.status = TreatmentStatus.COMPLETED
    treatment.save()
    mood_rate(client=client_user, value=4, note="private now")
    assert mood_series_for(treatment=treatment, days=28) == []


def test_staff_selectors_take_a_treatment_from_the_access_helper(other_pwp, treatment):
    from django.http import Http404

    with pytest.raises(TypeError):
        mood_series_for(treatment=treatment.pk, days=28)
    with pytest.raises(TypeError):
        goals_with_ratings(treatment=treatment.pk)
    # A PWP from another service never gets the treatment to pass in.
    with pytest.raises(Http404):
        treatment_get_for_user(user=other_pwp, treatment_id=treatment.pk, write=False)


def test_goals_with_ratings_for_the_review_page(pwp, client_user, treatment, other_treatment):
    goal = GoalFactory(client=client_user, treatment=treatment, created_by=pwp)
    GoalRatingFactory(goal=goal, value=3, rated_at=timezone.now() - datetime.timedelta(days=7))
    GoalRatingFactory(goal=goal, value=5)
    GoalFactory(client=other_treatment.client, treatment=other_treatment)
    goals = goals_with_ratings(treatment=treatment)
    assert goals == [goal]
    assert [r.value for r in goals[0].ratings.all()] == [3, 5]
    assert goals[0].latest.value == 5
    assert goals[0].sparkline["last_value"] == 5


def test_mood_chart_speaks_to_the_client_or_neutrally_for_staff():
    from apps.tracking.selectors import mood_chart

    today = datetime.date(2026, 3, 20)
    values = {today: 6, today - datetime.timedelta(days=3): 4}
    client_chart = mood_chart(values, today=today, weeks=2)
    assert client_chart["summary"] == (
        "Your mood went from 4 to 6 over the last 2 weeks. "
        "You rated it on 2 of 14 days. The average was 5.0."
    )
    assert client_chart["y_min"] == 1 and client_chart["y_max"] == 10
    staff_chart = mood_chart(values, today=today, weeks=4, days=28, subject="Mood")
    assert staff_chart["summary"].startswith("Mood went from 4 to 6 over the last 4 weeks.")
    assert "You" not in staff_chart["summary"] and "Your" not in staff_chart["title"]

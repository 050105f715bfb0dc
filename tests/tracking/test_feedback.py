"""Automated feedback: trend words, today's comparison, the very-low pattern, vague goals."""

import datetime

import pytest

from apps.tracking.feedback import goal_is_vague, mood_trend, today_feedback, very_low_pattern

TODAY = datetime.date(2026, 3, 20)


def days(values_by_offset: dict[int, int]) -> dict[datetime.date, int]:
    return {TODAY - datetime.timedelta(days=o): v for o, v in values_by_offset.items()}


def two_weeks(this_week: list[int], last_week: list[int]) -> dict[datetime.date, int]:
    data = {i: v for i, v in enumerate(this_week)}
    data.update({7 + i: v for i, v in enumerate(last_week)})
    return days(data)


@pytest.mark.parametrize(
    ("this_week", "last_week", "direction", "words"),
    [
        ([6, 6, 6], [6, 6, 6], "same", "about the same this week as last week (6.0 vs 6.0)"),
        # 0.4 apart: still "about the same"
        ([6, 6, 6, 6, 6], [6, 6, 5, 6, 6], "same", "about the same"),
        # exactly 0.5 apart: "a little"
        ([6, 6], [5.5, 5.5], None, None),
        ([7, 6, 6, 6], [6, 5, 6, 5], "a_little_higher", "a little higher this week than last"),
        ([7, 6, 7], [5, 5, 5], "higher", "higher this week than last week (6.7 vs 5.0)"),
        ([6, 6, 7], [5, 5, 5], "a_little_higher", "(6.3 vs 5.0)"),
        ([5, 5, 5], [6, 6, 5], "a_little_lower", "a little lower this week"),
        ([3, 4, 3], [6, 6, 6], "lower", "lower this week than last week (3.3 vs 6.0)"),
    ],
)
def test_trend_compares_the_last_7_days_with_the_7_before(this_week, last_week, direction, words):
    trend = mood_trend(two_weeks(this_week, last_week), today=TODAY)
    if direction is None:  # too few ratings in a week to compare
        assert trend.direction == "not_enough"
        return
    assert trend.direction == direction
    assert words in trend.text


def test_trend_thresholds_at_their_edges():
    # 0.5 exactly is "a little"; 1.5 exactly is a clear change.
    assert mood_trend(two_weeks([6, 6, 6, 6], [5, 6, 5, 6]), today=TODAY).direction == (
        "a_little_higher"
    )
    assert mood_trend(two_weeks([7, 7, 7, 7], [5, 6, 5, 6]), today=TODAY).direction == "higher"
    assert mood_trend(two_weeks([5, 6, 5, 6], [7, 7, 7, 7]), today=TODAY).direction == "lower"


def test_trend_needs_three_ratings_in_each_week():
    trend = mood_trend(two_weeks([5, 6], [3, 3, 3, 3]), today=TODAY)
    assert trend.direction == "not_enough"
    assert "at least 3 days" in trend.text


def test_lower_trend_is_gentle_and_suggests_talking_to_the_practitioner():
    text = mood_trend(two_weeks([2, 3, 2], [6, 6, 6]), today=TODAY).text
    assert "Ups and downs are normal" in text
    assert "practitioner" in text
    assert "!" not in text and "should" not in text


def test_today_is_compared_with_the_week_before_it():
    steady = days({1: 5, 2: 5, 3: 5, 7: 5, 8: 1})  # 8 days ago does not count
    assert "about the same as your average over the last week (5.0)" in today_feedback(
        5, steady, today=TODAY
    )
    history = days({1: 5, 2: 5, 3: 6, 4: 6})  # average 5.5
    assert "a little higher" in today_feedback(6, history, today=TODAY)
    assert "a little lower" in today_feedback(5, history, today=TODAY)
    assert today_feedback(7, history, today=TODAY).startswith("Today is higher")
    lower = today_feedback(4, history, today=TODAY)
    assert lower.startswith("Today is lower") and "Be kind to yourself" in lower
    # With no history there is nothing to compare: just thanks.
    assert today_feedback(3, {}, today=TODAY).startswith("Thank you")


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ({0: 1, 2: 2, 4: 1}, True),  # 3 of the last 5 days
        ({0: 2, 1: 2, 2: 2}, True),
        ({0: 1, 1: 2}, False),  # only 2 days
        ({0: 1, 1: 2, 5: 1}, False),  # the third is 6 days ago
        ({0: 3, 1: 3, 2: 3, 3: 3}, False),  # low, but not very low
        ({0: 1, 1: 5, 2: 2, 3: 6, 4: 2}, True),
    ],
)
def test_very_low_pattern_is_two_or_less_on_three_of_the_last_five_days(ratings, expected):
    assert very_low_pattern(days(ratings), today=TODAY) is expected


@pytest.mark.parametrize(
    "title",
    [
        "Feel happier",
        "feel better about myself",
        "Be happier",
        "I want to be less anxious",
        "To feel normal again",
        "Get better",
        "Happiness",
        "More confidence",
        "I'd like to stop feeling so low",
    ],
)
def test_goals_that_describe_a_feeling_are_vague(title):
    assert goal_is_vague(title)


@pytest.mark.parametrize(
    "title",
    [
        "Walk to the park with my sister on Saturday",
        "Call my friend Sam once a week",
        "I will go swimming on Tuesdays",
        "Get up by 8 on weekdays",
        "Cook a meal from scratch twice a week",
        "Apply for two jobs",
        "Reading before bed",
        "",
    ],
)
def test_goals_that_say_what_the_client_will_do_are_not_vague(title):
    assert not goal_is_vague(title)

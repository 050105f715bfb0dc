"""Exercise registry: one class per exercise type, looked up by key.

`get_exercise(key)` returns the (stateless) instance; `EXERCISES` lists every
key the content loader accepts in `exercise:`.
"""

from apps.programme.exercises.activation import ActivityDiary, ActivityList, ActivitySchedule
from apps.programme.exercises.base import Exercise, FeedbackItem, HistoryItem
from apps.programme.exercises.plans import ExercisePlan, ProblemSolving, StayingWellPlan
from apps.programme.exercises.quiz import Quiz
from apps.programme.exercises.simple import Cycle, Goals, Reflection, WeeklyReview
from apps.programme.exercises.thoughts import ThoughtRecord

EXERCISES: dict[str, Exercise] = {
    cls.key: cls()
    for cls in (
        Cycle,
        Goals,
        ActivityDiary,
        ActivityList,
        ActivitySchedule,
        WeeklyReview,
        ThoughtRecord,
        StayingWellPlan,
        ExercisePlan,
        ProblemSolving,
        Reflection,
        Quiz,
    )
}


def get_exercise(key: str) -> Exercise:
    """The exercise for `key`; KeyError for an unknown type."""
    return EXERCISES[key]


__all__ = ["EXERCISES", "Exercise", "FeedbackItem", "HistoryItem", "get_exercise"]

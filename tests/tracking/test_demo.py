import pytest
from django.core.management import call_command

from apps.tracking.models import Goal, GoalRating, MoodRating

pytestmark = pytest.mark.django_db


def counts():
    return MoodRating.objects.count(), Goal.objects.count(), GoalRating.objects.count()


def test_demo_adds_plausible_mood_and_goals_once():
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = counts()
    assert first[0] > 50 and first[1] >= 4 and first[2] >= 8
    for client_email in ["client3@example.org", "client9@example.org", "completed@example.org"]:
        ratings = MoodRating.objects.filter(client__email=client_email)
        assert ratings.exists()
        assert all(1 <= r.value <= 10 for r in ratings)
        goals = Goal.objects.filter(client__email=client_email).count()
        assert 1 <= goals <= 3
    # Gently improving: the last fortnight averages above the first for week 9.
    values = list(
        MoodRating.objects.filter(client__email="client9@example.org").values_list(
            "value", flat=True
        )
    )
    assert sum(values[-12:]) / 12 > sum(values[:12]) / 12
    # Ratings after the completed treatment ended belong to no treatment.
    assert MoodRating.objects.filter(client__email="completed@example.org", treatment=None).exists()
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == first

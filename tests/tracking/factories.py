import datetime

import factory
from django.utils import timezone

from apps.tracking.models import Goal, GoalRating, MoodRating
from tests.factories import ClientFactory


class MoodRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MoodRating

    client = factory.SubFactory(ClientFactory)
    value = 5
    rated_on = factory.LazyFunction(timezone.localdate)


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    client = factory.SubFactory(ClientFactory)
    title = "Walk to the park with my sister on Saturday"
    created_by = factory.SelfAttribute("client")


class GoalRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoalRating

    goal = factory.SubFactory(GoalFactory)
    value = 3
    rated_at = factory.LazyFunction(timezone.now)


def rate_days(client, values_by_offset: dict[int, int], *, today: datetime.date, treatment=None):
    """Ratings `today - offset` days ago, e.g. {0: 5, 1: 6}."""
    return [
        MoodRatingFactory(
            client=client,
            treatment=treatment,
            value=value,
            rated_on=today - datetime.timedelta(days=offset),
        )
        for offset, value in values_by_offset.items()
    ]

"""Demo mood ratings and goals (called by `manage.py demo`). Idempotent.

Clients in week 3, 5 and 9 and the one who completed get daily ratings that
improve gently with ups, downs and a few missed days, plus 1-3 goals with
progress ratings. Clients who already have ratings or a goal are left alone.
"""

import datetime
import random

from django.utils import timezone

from apps.tracking.models import Goal, GoalRating, GoalStatus, MoodRating, MoodTag

MAX_DAYS = 84

NOTES = [
    ("Slept badly again.", [MoodTag.SLEEP]),
    ("Went for a short walk at lunch.", [MoodTag.EXERCISE]),
    ("Hard day at work.", [MoodTag.WORK]),
    ("Saw Mum, it helped.", [MoodTag.FAMILY]),
    ("Stayed in all day.", [MoodTag.ALONE]),
    ("Worried about bills.", [MoodTag.MONEY]),
    ("Coffee with a friend.", [MoodTag.FRIENDS]),
]

# key: [(title, why, how, status, set_with_pwp, progress ratings)]
GOALS = {
    "week3": [
        (
            "Walk to the corner shop and back three times a week",
            "I want to get out of the house more.",
            "I will tick it off on my calendar.",
            GoalStatus.ACTIVE,
            True,
            [2, 3],
        ),
    ],
    "week5": [
        (
            "Call my sister every Sunday",
            "We used to be close and I miss her.",
            "I will have called her four Sundays in a row.",
            GoalStatus.ACTIVE,
            True,
            [3, 5, 6],
        ),
        (
            "Cook a proper meal twice a week",
            "I have been living on toast.",
            "Two meals a week for a month.",
            GoalStatus.ACTIVE,
            False,
            [1, 2, 4],
        ),
    ],
    "week9": [
        (
            "Go to the Tuesday swimming session",
            "Swimming used to clear my head.",
            "I will have gone on three Tuesdays.",
            GoalStatus.ACTIVE,
            True,
            [2, 4, 5, 7],
        ),
        (
            "Reply to my friends' messages within a day",
            "I do not want to lose touch with them.",
            "No unread messages older than a day.",
            GoalStatus.ACTIVE,
            False,
            [3, 4, 6],
        ),
        (
            "Feel more like myself",
            "",
            "",
            GoalStatus.ACTIVE,
            False,
            [4, 5],
        ),
    ],
    "completed": [
        (
            "Go back to work part-time",
            "Work gives my week a shape.",
            "I will be doing three days a week.",
            GoalStatus.ACHIEVED,
            True,
            [2, 4, 6, 8, 10],
        ),
        (
            "Join the Saturday walking group",
            "To meet people and get fit.",
            "I will know some of the walkers by name.",
            GoalStatus.ACTIVE,
            False,
            [3, 5, 7],
        ),
    ],
}


def _mood_ratings(treatment, today: datetime.date) -> list[MoodRating]:
    rng = random.Random(f"tandem-demo-mood-{treatment.participant_id}")  # noqa: S311 - demo data
    start = max(treatment.start_date, today - datetime.timedelta(days=MAX_DAYS - 1))
    span = (today - start).days
    ended = timezone.localdate(treatment.ended_at) if treatment.ended_at else None
    ratings = []
    for offset in range(span + 1):
        day = start + datetime.timedelta(days=offset)
        if rng.random() < 0.18:  # a missed day now and then
            continue
        progress = offset / max(span, 1)
        value = round(3.5 + 3 * progress + rng.gauss(0, 1.1))
        note, tags = ("", [])
        if rng.random() < 0.2:
            note, tags = NOTES[rng.randrange(len(NOTES))]
            note, tags = note, [str(t) for t in tags]
        in_treatment = ended is None or day <= ended
        ratings.append(
            MoodRating(
                client=treatment.client,
                treatment=treatment if in_treatment else None,
                value=min(10, max(1, value)),
                note=note,
                tags=tags,
                rated_on=day,
            )
        )
    return ratings


def _goals(treatment, key: str, pwp) -> None:
    now = timezone.now()
    started = treatment.activated_at or now
    for title, why, how, status, with_pwp, progress in GOALS[key]:
        goal = Goal.objects.create(
            client=treatment.client,
            treatment=treatment,
            title=title,
            why_it_matters=why,
            how_ill_know=how,
            status=status,
            status_changed_at=now if status != GoalStatus.ACTIVE else None,
            created_by=pwp if with_pwp else treatment.client,
        )
        # Spread the ratings from the start of treatment to a day or two ago.
        span = max((now - started).days - 1, len(progress))
        GoalRating.objects.bulk_create(
            GoalRating(
                goal=goal,
                value=value,
                rated_by=treatment.client,
                rated_at=started + datetime.timedelta(days=span * (i + 1) / (len(progress) + 1)),
            )
            for i, value in enumerate(progress)
        )


def populate(context: dict) -> None:
    today = context["today"]
    for key in GOALS:
        treatment = context["treatments"].get(key)
        if treatment is None:
            continue
        client = treatment.client
        if not MoodRating.objects.filter(client=client).exists():
            MoodRating.objects.bulk_create(_mood_ratings(treatment, today))
        if not Goal.objects.filter(client=client).exists():
            _goals(treatment, key, treatment.pwp)

"""Factories and builders for the workspace tests. Data goes through other
apps' real services where they exist (questionnaires, programme feedback)."""

import datetime
import uuid

import factory
from django.utils import timezone

from apps.care.models import Appointment, AppointmentStatus, BespokeTask, SessionNote
from apps.messaging.models import Message
from apps.programme.models import EntryStatus, ExerciseEntry
from apps.tracking.models import MoodRating
from tests.factories import TreatmentFactory

THOUGHT_RECORD = {
    "situation": "Sat alone at lunch at work",
    "feeling": "Sad",
    "feeling_before": 80,
    "body": "Heavy",
    "thought": "Nobody wants me around",
    "belief_before": 90,
    "evidence_for": "Nobody sat with me",
    "evidence_against": "Sam asked me to the quiz on Friday",
    "balanced_thought": "People were busy today; some people like my company",
    "balanced_belief": 60,
    "feeling_after": 50,
    "belief_after": 40,
    "next_action": "",
}


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    treatment = factory.SubFactory(TreatmentFactory)
    number = factory.Sequence(lambda n: n % 6 + 1)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))
    status = AppointmentStatus.SCHEDULED
    location = "Riverside Clinic, room 2"


class BespokeTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BespokeTask

    treatment = factory.SubFactory(TreatmentFactory)
    title = "Walk to the shop and back"
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=3))
    created_by = factory.LazyAttribute(lambda o: o.treatment.pwp)


class SessionNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionNote

    treatment = factory.SubFactory(TreatmentFactory)
    author = factory.LazyAttribute(lambda o: o.treatment.pwp)
    text = "Discussed sleep. Agreed one small walk a day."


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    treatment = factory.SubFactory(TreatmentFactory)
    from_client = True
    sender = factory.LazyAttribute(
        lambda o: o.treatment.client if o.from_client else o.treatment.pwp
    )
    body = "I found this week hard."
    idempotency_key = factory.LazyFunction(uuid.uuid4)


def mood(treatment, *, days_ago: int, value: int) -> MoodRating:
    return MoodRating.objects.create(
        client=treatment.client,
        treatment=treatment,
        value=value,
        rated_on=timezone.localdate() - datetime.timedelta(days=days_ago),
    )


def thought_record(treatment, step, *, data=None, when=None) -> ExerciseEntry:
    return ExerciseEntry.objects.create(
        treatment=treatment,
        step=step,
        exercise_type=step.entry_type,
        data=data or THOUGHT_RECORD,
        status=EntryStatus.SUBMITTED,
        submitted_at=when or timezone.now(),
    )


def phq9_completed(treatment, answers: dict[int, int], *, time_point="baseline"):
    """A completed PHQ-9 through the questionnaires app's services (raises alerts)."""
    from apps.questionnaires.services import administration_answer, administration_complete
    from tests.questionnaires.factories import AdministrationFactory

    administration = AdministrationFactory(treatment=treatment, time_point=time_point)
    for item, value in answers.items():
        administration_answer(administration=administration, item=item, value=value)
    return administration_complete(administration=administration)


PHQ9_ITEM9 = {1: 2, 2: 2, 3: 2, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1, 10: 1}  # total 12, item 9 = 1
PHQ9_MODERATE = {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 1, 7: 1, 8: 1, 9: 0, 10: 1}  # total 13

import uuid

import factory
from django.utils import timezone

from apps.programme.models import EntryFeedback, EntryStatus, ExerciseEntry, StepProgress
from tests.factories import TreatmentFactory


class ExerciseEntryFactory(factory.django.DjangoModelFactory):
    """A sent entry; pass `step` (exercise_type follows it) and `data`."""

    class Meta:
        model = ExerciseEntry

    treatment = factory.SubFactory(TreatmentFactory)
    exercise_type = factory.LazyAttribute(lambda o: o.step.entry_type)
    data = factory.LazyFunction(dict)
    status = EntryStatus.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
    client_request_id = factory.LazyFunction(uuid.uuid4)


class StepProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StepProgress

    treatment = factory.SubFactory(TreatmentFactory)
    completed_at = factory.LazyFunction(timezone.now)


class EntryFeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EntryFeedback

    entry = factory.SubFactory(ExerciseEntryFactory)
    author = factory.LazyAttribute(lambda o: o.entry.treatment.pwp)
    text = "Thank you for this. Let's talk about it on Thursday."

import datetime

import factory
from django.utils import timezone

from apps.questionnaires.models import Administration, AdministrationStatus, TimePoint
from tests.factories import TreatmentFactory


class AdministrationFactory(factory.django.DjangoModelFactory):
    """An open PHQ-9 whose window runs from yesterday to a week from now."""

    class Meta:
        model = Administration

    treatment = factory.SubFactory(TreatmentFactory)
    instrument = "phq9"
    definition_version = "1"
    time_point = TimePoint.BASELINE
    due_from = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    due_until = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    status = AdministrationStatus.OPEN


def answer_all(administration, values: dict[int, int]):
    from apps.questionnaires.services import administration_answer

    for item, value in values.items():
        administration_answer(administration=administration, item=item, value=value)


PHQ9_LOW_ITEM9 = {1: 1, 2: 1, 3: 1, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 1, 10: 0}  # total 4
PHQ9_NO_RISK = {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 0, 7: 0, 8: 0, 9: 0, 10: 1}  # total 5
PHQ9_SEVERE_NO_ITEM9 = {1: 3, 2: 3, 3: 3, 4: 3, 5: 3, 6: 3, 7: 2, 8: 2, 9: 0}  # total 22

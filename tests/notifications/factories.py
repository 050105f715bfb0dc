import datetime

import factory
from django.utils import timezone

from apps.care.models import Appointment, AppointmentStatus
from apps.notifications.models import NotificationPreference
from tests.factories import TreatmentFactory


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    treatment = factory.SubFactory(TreatmentFactory)
    number = factory.Sequence(lambda n: n + 1)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=20))
    status = AppointmentStatus.SCHEDULED


class PreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreference
        django_get_or_create = ("user",)

import datetime

import factory
from django.utils import timezone

from apps.accounts.models import User
from apps.care.models import Service, StaffMembership, StaffRole, Treatment, TreatmentStatus

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")

    @factory.post_generation
    def password(self, create, value, **kwargs):
        self.set_password(value or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Service {n}")
    code = factory.Sequence(lambda n: f"S{n:03d}")


class StaffFactory(UserFactory):
    """A staff user; `pwp_in=service` / `supervisor_of=service` add memberships."""

    @factory.post_generation
    def pwp_in(self, create, service, **kwargs):
        if service:
            self.is_pwp = True
            self.save(update_fields=["is_pwp"])
            StaffMembership.objects.get_or_create(user=self, service=service, role=StaffRole.PWP)

    @factory.post_generation
    def supervisor_of(self, create, service, **kwargs):
        if service:
            self.is_supervisor = True
            self.save(update_fields=["is_supervisor"])
            StaffMembership.objects.get_or_create(
                user=self, service=service, role=StaffRole.SUPERVISOR
            )


class ClientFactory(UserFactory):
    is_client = True


class TreatmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Treatment

    client = factory.SubFactory(ClientFactory)
    service = factory.SubFactory(ServiceFactory)
    pwp = factory.LazyAttribute(lambda o: StaffFactory(pwp_in=o.service))
    participant_id = factory.Sequence(lambda n: f"T-{n:05d}")
    status = TreatmentStatus.ACTIVE
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
    planned_end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(weeks=11))
    activated_at = factory.LazyFunction(timezone.now)

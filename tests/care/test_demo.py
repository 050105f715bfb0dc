import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.accounts.models import User
from apps.care.management.commands.demo import DEMO_PASSWORD
from apps.care.models import Treatment, TreatmentStatus


@pytest.mark.django_db
def test_demo_is_idempotent_and_every_demo_user_reaches_their_home(client):
    call_command("demo")
    counts = (User.objects.count(), Treatment.objects.count())
    call_command("demo")
    assert (User.objects.count(), Treatment.objects.count()) == counts

    statuses = set(Treatment.objects.values_list("status", flat=True))
    assert statuses >= {
        TreatmentStatus.INVITED,
        TreatmentStatus.ACTIVE,
        TreatmentStatus.COMPLETED,
        TreatmentStatus.WITHDRAWN,
    }
    assert Treatment.objects.filter(client__is_client=True).count() >= 6

    for user in User.objects.exclude(treatments__status=TreatmentStatus.INVITED):
        client.logout()
        assert client.login(email=user.email, password=DEMO_PASSWORD), user.email
        response = client.get(reverse("core:home"), follow=True)
        assert response.status_code == 200, user.email

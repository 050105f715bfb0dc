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
        response = client.get(reverse("workspace:home"), follow=True)
        assert response.status_code == 200, user.email


@pytest.mark.django_db
def test_workspace_demo_adds_sessions_task_welcome_note_and_thread_once(client):
    from apps.care.models import Appointment, BespokeTask, SessionNote
    from apps.messaging.models import Message

    call_command("demo")
    counts = (
        Appointment.objects.count(),
        BespokeTask.objects.count(),
        SessionNote.objects.count(),
        Message.objects.count(),
    )
    call_command("demo")
    assert counts == (
        Appointment.objects.count(),
        BespokeTask.objects.count(),
        SessionNote.objects.count(),
        Message.objects.count(),
    )
    assert set(Appointment.objects.values_list("status", flat=True)) >= {
        "attended",
        "did_not_attend",
        "scheduled",
    }
    assert counts[1] >= 1 and counts[2] >= 1 and counts[3] >= 2
    amy = Treatment.objects.get(client__email="client@example.org")
    assert amy.welcome_message
    client.login(email="pwp@example.org", password=DEMO_PASSWORD)
    assert client.get(reverse("workspace:caseload")).status_code == 200
    assert client.get(reverse("workspace:review", args=[amy.pk])).status_code == 200
    client.login(email="client@example.org", password=DEMO_PASSWORD)
    home = client.get(reverse("programme:home")).content.decode()
    assert "Walk to the shop and back" in home


@pytest.mark.django_db
def test_demo_never_books_one_practitioner_into_two_sessions_at_once():
    from apps.care.models import Appointment

    call_command("demo")
    booked = list(Appointment.objects.filter(status="scheduled").select_related("treatment"))
    for a in booked:
        for b in booked:
            if a.pk < b.pk and a.treatment.pwp_id == b.treatment.pwp_id:
                assert a.ends_at <= b.starts_at or b.ends_at <= a.starts_at, (a, b)

"""Bespoke tasks, the welcome message and module opening: the client's home reflects them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.care.models import BespokeTask
from apps.care.selectors import client_home_care_context
from apps.programme.models import Module, ModulePlan
from tests.care.factories import AppointmentFactory, BespokeTaskFactory


@pytest.mark.django_db
def test_pwp_sets_task_and_welcome_and_client_home_shows_them(client, pwp, treatment, client_user):
    client.force_login(pwp)
    due = timezone.localdate() + datetime.timedelta(days=5)
    response = client.post(
        reverse("workspace:task_add", args=[treatment.pk]),
        {
            "title": "Phone your sister",
            "instructions": "Just five minutes",
            "due_date": due.isoformat(),
        },
    )
    assert response.status_code == 302
    client.post(
        reverse("workspace:welcome_set", args=[treatment.pk]), {"welcome_message": "Hello from Jo"}
    )

    client.force_login(client_user)
    home = client.get(reverse("programme:home")).content.decode()
    assert "Phone your sister" in home and "Just five minutes" in home
    assert "Hello from Jo" in home


@pytest.mark.django_db
def test_task_needs_a_title_or_an_exercise(client, pwp, treatment, thought_step):
    client.force_login(pwp)
    due = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = client.post(reverse("workspace:task_add", args=[treatment.pk]), {"due_date": due})
    assert response.status_code == 200
    assert "Enter the task, or choose an exercise" in response.content.decode()
    client.post(
        reverse("workspace:task_add", args=[treatment.pk]),
        {"due_date": due, "step": thought_step.pk},
    )
    task = BespokeTask.objects.get()
    assert task.step == thought_step and task.title == thought_step.title


@pytest.mark.django_db
def test_client_marks_task_done_with_and_without_htmx(client, client_user, treatment):
    first = BespokeTaskFactory(treatment=treatment, title="First")
    second = BespokeTaskFactory(treatment=treatment, title="Second")
    client.force_login(client_user)
    response = client.post(reverse("care:task_done", args=[first.pk]))
    assert response.status_code == 302
    response = client.post(reverse("care:task_done", args=[second.pk]), HTTP_HX_REQUEST="true")
    assert 'id="client-tasks"' in response.content.decode()
    assert "You marked “Second” as done" in response.content.decode()
    assert BespokeTask.objects.filter(done_at__isnull=False).count() == 2
    # Twice is still once.
    done_at = BespokeTask.objects.get(pk=first.pk).done_at
    client.post(reverse("care:task_done", args=[first.pk]))
    assert BespokeTask.objects.get(pk=first.pk).done_at == done_at


@pytest.mark.django_db
def test_client_home_care_context_keys_and_query_count(treatment, django_assert_num_queries):
    AppointmentFactory(
        treatment=treatment, number=1, starts_at=timezone.now() + datetime.timedelta(days=2)
    )
    BespokeTaskFactory(treatment=treatment)
    treatment.welcome_message = "Hi"
    # Sessions, open tasks and the latest agreed session (none here: no task prefetch).
    with django_assert_num_queries(3):
        context = client_home_care_context(treatment=treatment)
        assert context["next_session"].total == 6
    assert set(context) >= {
        "next_session",
        "upcoming_sessions",
        "tasks_open",
        "welcome_message",
        "pwp",
        "agreed",
    }
    assert len(context["tasks_open"]) == 1 and context["welcome_message"] == "Hi"


@pytest.mark.django_db
def test_pwp_opens_an_optional_module(client, pwp, treatment, content):
    optional = Module.objects.filter(mandatory=False).first()
    client.force_login(pwp)
    page = client.get(reverse("workspace:plan", args=[treatment.pk])).content.decode()
    assert optional.title in page
    client.post(
        reverse("workspace:module_action", args=[treatment.pk]),
        {"module": optional.pk, "action": "add"},
    )
    assert ModulePlan.objects.get(treatment=treatment, module=optional).unlocked

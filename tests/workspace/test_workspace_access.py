"""Every workspace URL, tried from the wrong side: another PWP's client, another
client's objects, a client on staff pages, a trial manager. 404 (or 403 for a
wrong role) and none of the client's data in the response."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.care.models import Appointment, BespokeTask, SessionNote
from apps.messaging.models import Message
from apps.programme.models import EntryFeedback
from tests.care.factories import (
    AppointmentFactory,
    BespokeTaskFactory,
    MessageFactory,
    SessionNoteFactory,
    thought_record,
)


@pytest.fixture
def record(treatment, thought_step):
    """One of everything on `treatment` (held by `pwp`)."""
    return {
        "entry": thought_record(treatment, thought_step),
        "appointment": AppointmentFactory(
            treatment=treatment, number=1, starts_at=timezone.now() - datetime.timedelta(hours=2)
        ),
        "task": BespokeTaskFactory(treatment=treatment, title="Secret task title"),
        "note": SessionNoteFactory(treatment=treatment, text="Secret note text"),
        "message": MessageFactory(treatment=treatment, body="Secret message body"),
    }


def _staff_gets(treatment, record):
    t = treatment.pk
    return [
        reverse("workspace:review", args=[t]),
        reverse("workspace:review_print", args=[t]),
        reverse("workspace:client_detail", args=[t]),
        reverse("workspace:plan", args=[t]),
        reverse("care:sessions", args=[t]),
        reverse("care:sessions_plan", args=[t]),
        reverse("care:session_reschedule", args=[t, record["appointment"].pk]),
        reverse("care:session_ics", args=[record["appointment"].pk]),
        reverse("messaging:thread", args=[t]),
    ]


def _staff_posts(treatment, record):
    t = treatment.pk
    a = record["appointment"].pk
    day = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    return [
        (reverse("workspace:entry_feedback", args=[t, record["entry"].pk]), {"text": "hijack"}),
        (reverse("workspace:note_add", args=[t]), {"text": "hijack"}),
        (reverse("workspace:welcome_set", args=[t]), {"welcome_message": "hijack"}),
        (reverse("workspace:task_add", args=[t]), {"title": "hijack", "due_date": day}),
        (reverse("workspace:task_withdraw", args=[t, record["task"].pk]), {}),
        (reverse("care:session_schedule", args=[t]), {"number": 2, "date": day, "time": "10:00"}),
        (reverse("care:session_reschedule", args=[t, a]), {"date": day, "time": "10:00"}),
        (reverse("care:session_cancel", args=[t, a]), {"by": "service"}),
        (reverse("care:session_attendance", args=[t, a]), {"status": "attended"}),
        (
            reverse("messaging:thread", args=[t]),
            {"body": "hijack", "idempotency_key": "6f1c8a4e-2b1d-4c55-9a51-0c1e2f3a4b5c"},
        ),
    ]


def _nothing_changed(treatment):
    assert not EntryFeedback.objects.exists()
    assert SessionNote.objects.count() == 1
    assert BespokeTask.objects.filter(treatment=treatment).count() == 1
    assert Appointment.objects.filter(treatment=treatment).count() == 1
    assert Appointment.objects.get(treatment=treatment).status == "scheduled"
    assert Message.objects.count() == 1
    treatment.refresh_from_db()
    assert treatment.welcome_message == ""


def _no_data(response, treatment):
    content = response.content.decode()
    for secret in (
        treatment.client.email,
        treatment.client.last_name,
        "Secret task title",
        "Secret note text",
        "Secret message body",
        "Nobody wants me around",
    ):
        assert secret not in content


@pytest.mark.django_db
@pytest.mark.parametrize("intruder", ["other_pwp", "colleague_pwp"])
def test_pwp_cannot_see_or_act_on_another_pwps_client(client, request, treatment, record, intruder):
    client.force_login(request.getfixturevalue(intruder))
    for url in _staff_gets(treatment, record):
        response = client.get(url)
        assert response.status_code == 404, url
        _no_data(response, treatment)
    for url, data in _staff_posts(treatment, record):
        response = client.post(url, data)
        assert response.status_code == 404, url
        _no_data(response, treatment)
    _nothing_changed(treatment)


@pytest.mark.django_db
def test_client_cannot_reach_staff_pages(client, client_user, treatment, record):
    client.force_login(client_user)
    staff_only = [
        u
        for u in _staff_gets(treatment, record)
        if "calendar.ics" not in u and "/messages/" not in u
    ]
    for url in staff_only + [reverse("workspace:caseload"), reverse("workspace:service_overview")]:
        assert client.get(url).status_code in (403, 404), url
    for url, data in _staff_posts(treatment, record):
        if "/messages/" in url:
            continue
        assert client.post(url, data).status_code in (403, 404), url
    _nothing_changed(treatment)


@pytest.mark.django_db
def test_client_cannot_reach_another_clients_sessions_tasks_messages_or_ics(
    client, other_client, treatment, record
):
    client.force_login(other_client)
    assert (
        client.get(reverse("care:session_ics", args=[record["appointment"].pk])).status_code == 404
    )
    assert client.post(reverse("care:task_done", args=[record["task"].pk])).status_code == 404
    response = client.get(reverse("messaging:thread", args=[treatment.pk]))
    assert response.status_code == 404
    _no_data(response, treatment)
    for name in ("care:my_sessions", "care:my_tasks"):
        _no_data(client.get(reverse(name)), treatment)
    assert BespokeTask.objects.get(pk=record["task"].pk).done_at is None


@pytest.mark.django_db
def test_staff_cannot_mark_a_clients_task_done(client, pwp, record):
    client.force_login(pwp)
    assert client.post(reverse("care:task_done", args=[record["task"].pk])).status_code == 403


@pytest.mark.django_db
def test_trial_manager_gets_nothing_identifiable(client, trial_manager, treatment, record):
    client.force_login(trial_manager)
    for url in _staff_gets(treatment, record) + [reverse("messaging:inbox")]:
        response = client.get(url)
        assert response.status_code in (403, 404), url
        _no_data(response, treatment)


@pytest.mark.django_db
def test_supervisor_of_other_service_is_refused_everywhere(
    client, other_service, treatment, record
):
    from tests.factories import StaffFactory

    client.force_login(StaffFactory(supervisor_of=other_service))
    for url in _staff_gets(treatment, record):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        _no_data(response, treatment)

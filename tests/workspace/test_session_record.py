"""After a session the PWP records what was agreed; the client sees it on their home page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.care.models import AppointmentStatus, BespokeTask, SessionRecord
from apps.programme.models import Module, ModulePlan
from tests.care.factories import AppointmentFactory
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(treatment):
    # Monday 2 March 2026, 10:00 UTC: the heading names the weekday.
    return AppointmentFactory(
        treatment=treatment,
        number=2,
        starts_at=datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC),
        status=AppointmentStatus.SCHEDULED,
    )


def _sign_in(client, user):
    client.login(email=user.email, password=PASSWORD)
    return client


def _url(treatment):
    return reverse("workspace:session_record", args=[treatment.pk])


def _due() -> str:
    return (timezone.localdate() + datetime.timedelta(days=6)).isoformat()


def test_recorded_agreement_puts_tasks_and_module_in_the_clients_plan(
    client, pwp, treatment, session, content
):
    pwp.first_name = "Priya"
    pwp.save()
    module = Module.objects.filter(is_active=True).order_by("-order").first()
    _sign_in(client, pwp)
    form = client.get(_url(treatment)).content.decode()
    assert "Session 2" in form
    response = client.post(
        _url(treatment),
        {
            "appointment": session.pk,
            "agreed": "Try one small activity each morning.",
            "tasks": "Walk to the shop twice\n\nCall Sam on Sunday",
            "due_date": _due(),
            "next_module": module.pk,
            "goal_changes": "",
        },
    )
    assert response.status_code == 302
    record = SessionRecord.objects.get()
    assert record.appointment == session and record.created_by == pwp
    tasks = BespokeTask.objects.filter(session_record=record).order_by("pk")
    assert [t.title for t in tasks] == ["Walk to the shop twice", "Call Sam on Sunday"]
    assert ModulePlan.objects.get(treatment=treatment, module=module).unlocked
    session.refresh_from_db()
    assert session.status == AppointmentStatus.ATTENDED  # recorded, so it happened

    client.logout()
    _sign_in(client, treatment.client)
    home = client.get(reverse("programme:home")).content.decode()
    assert "Agreed with Priya on Monday" in home
    assert "Try one small activity each morning." in home
    assert "Call Sam on Sunday" in home and module.title in home


def test_bad_input_keeps_everything_typed(client, pwp, treatment, session):
    _sign_in(client, pwp)
    response = client.post(
        _url(treatment),
        {
            "appointment": session.pk,
            "agreed": "Keep this sentence please",
            "tasks": "Walk to the shop twice",
            "due_date": "",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Enter the date to do the tasks by" in page
    assert "Keep this sentence please" in page and "Walk to the shop twice" in page
    assert not SessionRecord.objects.exists() and not BespokeTask.objects.exists()


def test_a_past_due_date_saves_nothing(client, pwp, treatment, session):
    _sign_in(client, pwp)
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client.post(
        _url(treatment),
        {"appointment": session.pk, "tasks": "Walk", "due_date": yesterday},
    )
    assert response.status_code == 400
    assert "Choose a date today or later" in response.content.decode()
    assert not SessionRecord.objects.exists()  # all or nothing


def test_a_future_session_cannot_be_recorded(client, pwp, treatment):
    future = AppointmentFactory(treatment=treatment, number=3)
    _sign_in(client, pwp)
    response = client.post(_url(treatment), {"appointment": future.pk, "agreed": "Too soon"})
    assert response.status_code == 400
    assert "Choose a session that has already happened" in response.content.decode()


def test_review_offers_an_agenda_risk_first(client, pwp, treatment, session):
    _sign_in(client, pwp)
    page = client.get(reverse("workspace:review", args=[treatment.pk])).content.decode()
    agenda = page[page.index("Agenda for the session") :]
    order = [agenda.index(word) for word in ("Risk", "The week", "Goals", "Scores", "What to do")]
    assert order == sorted(order)
    assert reverse("workspace:session_record", args=[treatment.pk]) in page


@pytest.mark.parametrize("persona", ["colleague_pwp", "other_pwp", "supervisor", "other_client"])
def test_only_the_clients_own_pwp_records_a_session(client, request, treatment, session, persona):
    _sign_in(client, request.getfixturevalue(persona))
    assert client.get(_url(treatment)).status_code in (403, 404)
    response = client.post(_url(treatment), {"appointment": session.pk, "agreed": "hijack"})
    assert response.status_code in (403, 404)
    assert not SessionRecord.objects.exists()


def test_another_clients_session_is_refused(client, pwp, treatment, other_treatment):
    foreign = AppointmentFactory(
        treatment=other_treatment, number=1, starts_at=timezone.now() - datetime.timedelta(hours=1)
    )
    _sign_in(client, pwp)
    response = client.post(_url(treatment), {"appointment": foreign.pk, "agreed": "x"})
    assert response.status_code == 400
    assert not SessionRecord.objects.exists()

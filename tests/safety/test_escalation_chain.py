"""Alerts always reach an active person: PWP → supervisors → duty contacts → admins.

Before issue 10 a deactivated PWP in a service without a supervisor meant nobody
was emailed for 4 hours, then an admin whose menu had no Alerts link.
"""

import datetime
import uuid

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from apps.messaging.services import message_send
from apps.notifications.models import Notification
from apps.safety.models import EscalationStep, RiskAlert, RiskAlertNotice, ServiceSafetyPolicy
from apps.safety.services import risk_alert_acknowledge, risk_alerts_escalate
from tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def duty(service):
    person = StaffFactory(pwp_in=service, email="duty@north.example")
    policy, _ = ServiceSafetyPolicy.objects.get_or_create(service=service)
    policy.duty_contacts.add(person)
    return person


def _raise(treatment):
    message_send(
        sender=treatment.client,
        treatment=treatment,
        body="I want to kill myself",
        idempotency_key=uuid.uuid4(),
    )
    return RiskAlert.objects.get()


def _told(kind=None):
    rows = Notification.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    return {n.recipient.email for n in rows if n.kind.startswith("risk_")}


def test_inactive_pwp_and_no_supervisor_goes_to_duty_contacts_at_once(treatment, pwp, duty):
    pwp.is_active = False
    pwp.save()
    alert = _raise(treatment)
    assert _told() == {duty.email}
    assert alert.escalation_step == EscalationStep.DUTY


def test_inactive_pwp_no_supervisor_no_duty_goes_to_admins_at_once(treatment, pwp, admin_user):
    pwp.is_active = False
    pwp.save()
    alert = _raise(treatment)
    assert _told() == {admin_user.email}
    alert.refresh_from_db()
    assert alert.escalation_step == EscalationStep.ADMINS
    assert alert.next_escalation_at is None


def test_never_addressed_only_to_inactive_people(treatment, pwp, supervisor, duty, admin_user):
    pwp.is_active = False
    pwp.save()
    supervisor.is_active = False
    supervisor.save()
    _raise(treatment)
    assert _told() == {duty.email}
    assert not Notification.objects.filter(
        recipient__is_active=False, kind__startswith="risk_"
    ).exists()


def test_each_step_after_the_wait_until_acknowledged(treatment, pwp, supervisor, duty, admin_user):
    ServiceSafetyPolicy.objects.filter(service=treatment.service).update(escalation_hours=2)
    alert = _raise(treatment)
    assert _told("risk_alert") == {pwp.email, supervisor.email}
    start = alert.raised_at
    with time_machine.travel(start + datetime.timedelta(hours=1, minutes=59)):
        assert risk_alerts_escalate() == 0
    with time_machine.travel(start + datetime.timedelta(hours=2, minutes=1)):
        assert risk_alerts_escalate() == 1  # supervisors: still not acknowledged
        assert risk_alerts_escalate() == 0
    assert _told("risk_escalation") == {supervisor.email}
    with time_machine.travel(start + datetime.timedelta(hours=4, minutes=2)):
        assert risk_alerts_escalate() == 1
    assert _told("risk_escalation") == {supervisor.email, duty.email}
    with time_machine.travel(start + datetime.timedelta(hours=6, minutes=3)):
        assert risk_alerts_escalate() == 1
    assert _told("risk_escalation") == {supervisor.email, duty.email, admin_user.email}
    with time_machine.travel(start + datetime.timedelta(hours=12)):
        assert risk_alerts_escalate() == 0  # the chain has ended; the alert stays open
    steps = list(RiskAlertNotice.objects.values_list("recipient__email", "step"))
    assert (duty.email, EscalationStep.DUTY) in steps


def test_acknowledged_alert_stops_the_chain(treatment, pwp, duty):
    alert = _raise(treatment)
    risk_alert_acknowledge(alert=alert, actor=pwp, note="Called, safe tonight.")
    with time_machine.travel(alert.raised_at + datetime.timedelta(hours=30)):
        assert risk_alerts_escalate() == 0
    assert duty.email not in _told()


def test_alert_page_shows_who_was_told_and_who_is_next(client, treatment, pwp, supervisor, duty):
    alert = _raise(treatment)
    client.login(email=pwp.email, password=PASSWORD)
    html = client.get(reverse("workspace:alert_detail", args=[alert.pk])).content.decode()
    assert "Who has been told" in html
    assert pwp.get_full_name() in html and supervisor.get_full_name() in html
    assert "The client&#x27;s practitioner" in html or "The client's practitioner" in html
    assert "If nobody acknowledges it, next: The service" in html
    # After the supervisors' reminder, the duty contact would be next.
    with time_machine.travel(alert.raised_at + datetime.timedelta(hours=4, minutes=1)):
        risk_alerts_escalate()
    html = client.get(reverse("workspace:alert_detail", args=[alert.pk])).content.decode()
    assert duty.get_full_name() in html.split("If nobody acknowledges it")[1]


def test_duty_contact_told_about_an_alert_can_open_and_acknowledge_it(client, treatment, pwp, duty):
    pwp.is_active = False
    pwp.save()
    alert = _raise(treatment)
    client.login(email=duty.email, password=PASSWORD)
    url = reverse("workspace:alert_detail", args=[alert.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"note": "Duty call made."}).status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == duty


def test_admin_menu_has_alerts_and_the_page_opens(client, admin_user, treatment, pwp):
    pwp.is_active = False
    pwp.save()
    alert = _raise(treatment)
    client.force_login(admin_user)
    home = client.get(reverse("workspace:admin_home")).content.decode()
    assert f'href="{reverse("safety:alerts")}"' in home
    listing = client.get(reverse("safety:alerts"))
    assert listing.status_code == 200
    assert reverse("workspace:alert_detail", args=[alert.pk]) in listing.content.decode()


def test_system_check_warns_about_a_service_nobody_backs_up(service, pwp, capsys):
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", "--database", "default", "--fail-level", "ERROR")
    except SystemCheckError:  # pragma: no cover - other checks may error in some setups
        pass
    err = capsys.readouterr().err
    assert "safety.W001" in err and "NORTH" in err
    StaffFactory(supervisor_of=service, email="sup2@north.example")
    call_command("check", "--database", "default")
    assert "safety.W001" not in capsys.readouterr().err

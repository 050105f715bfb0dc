"""Risk alerts: raised with the questionnaire, shown at once, emailed, acknowledged, escalated."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.core.errors import DomainError
from apps.notifications.models import Notification
from apps.questionnaires.models import AdministrationStatus
from apps.questionnaires.services import administration_complete
from apps.safety.models import RiskAlert, RiskAlertStatus, ServiceSafetyPolicy
from apps.safety.services import risk_alert_acknowledge, risk_alerts_escalate
from tests.factories import PASSWORD
from tests.questionnaires.factories import (
    PHQ9_LOW_ITEM9,
    PHQ9_NO_RISK,
    PHQ9_SEVERE_NO_ITEM9,
    AdministrationFactory,
    answer_all,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def phq9(treatment):
    return AdministrationFactory(treatment=treatment)


def _complete(administration, answers):
    answer_all(administration, answers)
    return administration_complete(administration=administration)


def test_item_9_above_0_shows_crisis_page_and_alerts_pwp_and_supervisor_by_email(
    client, client_user, pwp, supervisor, phq9, django_capture_on_commit_callbacks
):
    client.login(email=client_user.email, password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        # The alert and its emails now go when item 9 is saved, before submitting.
        answer_all(phq9, PHQ9_LOW_ITEM9)  # total 4: low, but item 9 = 1
        response = client.post(reverse("questionnaires:check", args=[phq9.pk]), follow=True)
    html = response.content.decode()
    assert "If you might harm yourself or you are in danger now, call 999" in html
    assert "Samaritans" in html and "116123" in html
    assert (
        "We have told your practitioner. They will contact you – usually within 1 working day."
        in html
    )

    alert = RiskAlert.objects.get(administration=phq9)
    assert alert.source == "phq9_item9" and alert.status == RiskAlertStatus.OPEN
    outbox = Notification.objects.filter(kind="risk_alert")
    assert {n.recipient_id for n in outbox} == {pwp.pk, supervisor.pk}
    sent = [m for m in mail.outbox if m.to[0] in (pwp.email, supervisor.email)]
    assert len(sent) == 2
    for message in sent:
        assert reverse("workspace:alert_detail", args=[alert.pk]) in message.body
        assert "better off dead" not in message.body and "Several days" not in message.body


def test_alert_is_on_the_pwp_and_supervisor_dashboards_at_once(client, pwp, supervisor, phq9):
    _complete(phq9, PHQ9_LOW_ITEM9)
    for user in (pwp, supervisor):
        client.login(email=user.email, password=PASSWORD)
        alerts = client.get(reverse("safety:alerts")).content.decode()
        assert phq9.treatment.participant_id in alerts
        client.logout()
    client.login(email=pwp.email, password=PASSWORD)
    caseload = client.get(reverse("workspace:caseload")).content.decode()
    assert "1 open risk alert" in caseload


def test_severe_total_raises_an_alert_even_with_item_9_at_0(phq9):
    completed = _complete(phq9, PHQ9_SEVERE_NO_ITEM9)
    assert completed.total == 22
    assert list(RiskAlert.objects.values_list("source", flat=True)) == ["phq9_severe_total"]


def test_no_alert_without_risk(phq9):
    _complete(phq9, PHQ9_NO_RISK)
    assert not RiskAlert.objects.exists()


def test_alert_is_saved_in_the_same_transaction_as_the_risk_answer(phq9, monkeypatch):
    # Risk is judged when item 9 is saved (issue 10), so the guarantee holds there.
    answer_all(phq9, {n: v for n, v in PHQ9_LOW_ITEM9.items() if n != 9})

    def boom(**kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr("apps.safety.services.notification_schedule", boom)
    with pytest.raises(RuntimeError):
        answer_all(phq9, {9: 1})
    # Nothing half-done: the risk answer is not saved without its alert.
    assert 9 not in dict(phq9.answers.values_list("item", "value"))
    assert not RiskAlert.objects.exists()
    with pytest.raises(DomainError):  # and so the questionnaire cannot be completed
        administration_complete(administration=phq9)
    phq9.refresh_from_db()
    assert phq9.status == AdministrationStatus.IN_PROGRESS


def test_acknowledgement_requires_a_note_and_closes_the_alert(client, pwp, phq9):
    _complete(phq9, PHQ9_LOW_ITEM9)
    alert = RiskAlert.objects.get()
    with pytest.raises(DomainError):
        risk_alert_acknowledge(alert=alert, actor=pwp, note="   ")
    client.login(email=pwp.email, password=PASSWORD)
    url = reverse("workspace:alert_detail", args=[alert.pk])
    response = client.post(url, {"note": ""})
    assert response.status_code == 200
    assert "Enter a note saying what you did" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == RiskAlertStatus.OPEN

    response = client.post(url, {"note": "Phoned client, safety plan agreed."})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == RiskAlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_by == pwp
    assert alert.acknowledgement_note == "Phoned client, safety plan agreed."
    from auditlog.models import LogEntry

    assert LogEntry.objects.get_for_object(alert).filter(actor=pwp).exists()


def test_unacknowledged_alert_escalates_to_supervisor_after_the_delay_once(phq9, supervisor):
    _complete(phq9, PHQ9_LOW_ITEM9)
    alert = RiskAlert.objects.get()
    with time_machine.travel(alert.raised_at + datetime.timedelta(hours=3, minutes=59)):
        assert risk_alerts_escalate() == 0
    with time_machine.travel(alert.raised_at + datetime.timedelta(hours=4, minutes=1)):
        assert risk_alerts_escalate() == 1
        assert risk_alerts_escalate() == 0
    alert.refresh_from_db()
    assert alert.escalated_at is not None
    escalations = Notification.objects.filter(kind="risk_escalation")
    assert [n.recipient_id for n in escalations] == [supervisor.pk]


def test_escalation_delay_is_a_per_service_setting(phq9, supervisor):
    ServiceSafetyPolicy.objects.create(service=phq9.treatment.service, escalation_hours=1)
    _complete(phq9, PHQ9_LOW_ITEM9)
    alert = RiskAlert.objects.get()
    with time_machine.travel(alert.raised_at + datetime.timedelta(hours=1, minutes=1)):
        assert risk_alerts_escalate() == 1


def test_acknowledged_alert_does_not_escalate(phq9, pwp, supervisor):
    _complete(phq9, PHQ9_LOW_ITEM9)
    alert = RiskAlert.objects.get()
    risk_alert_acknowledge(alert=alert, actor=pwp, note="Called.")
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=5)):
        assert risk_alerts_escalate() == 0


# --- Access ----------------------------------------------------------------------


def test_other_pwps_cannot_see_or_acknowledge_the_alert(client, phq9, other_pwp, colleague_pwp):
    _complete(phq9, PHQ9_LOW_ITEM9)
    alert = RiskAlert.objects.get()
    url = reverse("workspace:alert_detail", args=[alert.pk])
    for user in (other_pwp, colleague_pwp):
        client.login(email=user.email, password=PASSWORD)
        assert client.get(url).status_code == 404
        assert client.post(url, {"note": "x"}).status_code == 404
        assert (
            phq9.treatment.participant_id
            not in client.get(reverse("safety:alerts")).content.decode()
        )
        client.logout()
    alert.refresh_from_db()
    assert alert.status == RiskAlertStatus.OPEN


def test_trial_manager_and_client_cannot_open_alert_pages(client, phq9, trial_manager, client_user):
    _complete(phq9, PHQ9_LOW_ITEM9)
    alert = RiskAlert.objects.get()
    for user in (trial_manager, client_user):
        client.login(email=user.email, password=PASSWORD)
        assert client.get(reverse("safety:alerts")).status_code == 403
        assert client.get(reverse("workspace:alert_detail", args=[alert.pk])).status_code == 403
        client.logout()


def test_service_crisis_resources_and_contact_promise_replace_the_defaults(
    client, client_user, phq9
):
    ServiceSafetyPolicy.objects.create(
        service=phq9.treatment.service,
        crisis_resources=[{"name": "North Crisis Line", "detail": "Any time.", "phone": "0800123"}],
        contact_within="2 hours on weekdays",
    )
    _complete(phq9, PHQ9_LOW_ITEM9)
    client.login(email=client_user.email, password=PASSWORD)
    html = client.get(reverse("questionnaires:result", args=[phq9.pk])).content.decode()
    assert "North Crisis Line" in html and "Samaritans" not in html
    assert "usually within 2 hours on weekdays" in html
    help_html = client.get(reverse("safety:help")).content.decode()
    assert "North Crisis Line" in help_html

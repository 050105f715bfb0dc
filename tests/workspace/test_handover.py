"""Caseload handover: a leaver's open clients and alerts, reassigned by a supervisor."""

import pytest
from django.urls import reverse

from apps.notifications.models import Notification
from apps.safety.models import RiskAlert
from tests.care.factories import PHQ9_ITEM9, phq9_completed
from tests.factories import StaffFactory, TreatmentFactory

pytestmark = pytest.mark.django_db


def test_supervisor_reassigns_a_deactivated_pwps_clients_and_alerts(
    client, pwp, colleague_pwp, supervisor, service, treatment, django_assert_max_num_queries
):
    phq9_completed(treatment, PHQ9_ITEM9)  # an open risk alert
    second = TreatmentFactory(pwp=pwp, service=service)
    pwp.is_active = False
    pwp.save()
    client.force_login(supervisor)
    listing = client.get(reverse("workspace:handover_list")).content.decode()
    assert "Deactivated" in listing and reverse("workspace:handover", args=[pwp.pk]) in listing
    url = reverse("workspace:handover", args=[pwp.pk])
    with django_assert_max_num_queries(25):
        page = client.get(url).content.decode()
    assert treatment.participant_id in page and second.participant_id in page
    response = client.post(url, {f"to_{treatment.pk}": colleague_pwp.pk})
    assert response.status_code == 302
    treatment.refresh_from_db()
    second.refresh_from_db()
    assert treatment.pwp == colleague_pwp and second.pwp == pwp  # "keep for now"
    alert = RiskAlert.objects.get(treatment=treatment)
    assert Notification.objects.filter(
        recipient=colleague_pwp, kind="risk_alert", object_id=str(alert.pk)
    ).exists()
    assert treatment.transitions.get().reason == "Caseload handover"


def test_handover_is_refused_to_others(
    client, pwp, other_pwp, colleague_pwp, supervisor, trial_manager, treatment, client_user
):
    url = reverse("workspace:handover", args=[pwp.pk])
    for user in (colleague_pwp, client_user, trial_manager):
        client.force_login(user)
        assert client.get(url).status_code == 403
    other_supervisor = StaffFactory(supervisor_of=other_pwp.memberships.get().service)
    client.force_login(other_supervisor)
    assert client.get(url).status_code == 404
    assert client.post(url, {f"to_{treatment.pk}": colleague_pwp.pk}).status_code == 404
    treatment.refresh_from_db()
    assert treatment.pwp == pwp

"""The lifecycle page on the client's record: summary, history, refusals."""

import pytest
from django.urls import reverse

from apps.care.models import TreatmentStatus
from apps.questionnaires.models import Administration, AdministrationStatus

pytestmark = pytest.mark.django_db


def _completed(treatment, code, total, days_ago):
    import datetime

    from django.utils import timezone

    at = timezone.now() - datetime.timedelta(days=days_ago)
    return Administration.objects.create(
        treatment=treatment,
        instrument=code,
        definition_version="1",
        time_point=f"pre_session_{days_ago}" if days_ago < 90 else "baseline",
        due_from=at - datetime.timedelta(days=1),
        due_until=at + datetime.timedelta(days=1),
        status=AdministrationStatus.COMPLETED,
        completed_at=at,
        total=total,
    )


def test_pwp_discharges_and_sees_summary_and_history(client, pwp, treatment):
    _completed(treatment, "phq9", 16, 60)
    _completed(treatment, "phq9", 7, 5)
    client.force_login(pwp)
    url = reverse("workspace:lifecycle", args=[treatment.pk])
    page = client.get(url).content.decode()
    assert "Discharge summary" in page and "Reliable improvement" in page
    response = client.post(url, {"kind": "discharge", "reason": "Goals met"}, follow=True)
    page = response.content.decode()
    treatment.refresh_from_db()
    assert treatment.status == TreatmentStatus.COMPLETED
    assert "Discharged at the end of treatment" in page and "Goals met" in page
    assert "recovered" in page


def test_an_illegal_step_is_refused_with_a_clear_message(client, pwp, treatment):
    client.force_login(pwp)
    url = reverse("workspace:lifecycle", args=[treatment.pk])
    response = client.post(url, {"kind": "reopen", "reason": "Why not"})
    assert response.status_code == 400
    assert "Only a completed or dropped-out treatment can be re-opened" in response.content.decode()
    response = client.post(url, {"kind": "dropout", "reason": ""})
    assert response.status_code == 400 and "Say why" in response.content.decode()


def test_supervisor_of_the_service_may_withdraw_but_another_services_may_not(
    client, supervisor, other_pwp, treatment
):
    url = reverse("workspace:lifecycle", args=[treatment.pk])
    client.force_login(other_pwp)
    assert client.post(url, {"kind": "trial_withdrawal", "reason": "x"}).status_code == 404
    client.force_login(supervisor)
    assert client.post(url, {"kind": "trial_withdrawal", "reason": "Asked"}).status_code == 302
    treatment.refresh_from_db()
    assert treatment.status == TreatmentStatus.WITHDRAWN


def test_the_page_keeps_a_constant_number_of_queries(
    client, pwp, treatment, django_assert_max_num_queries
):
    client.force_login(pwp)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("workspace:lifecycle", args=[treatment.pk])).status_code == 200


def test_after_a_transfer_the_client_sees_the_new_practitioner(
    client, pwp, colleague_pwp, treatment
):
    from apps.care.services import treatment_welcome_set

    colleague_pwp.first_name, colleague_pwp.last_name = "Tamsin", "Okonkwo-Reyes"
    colleague_pwp.save()
    treatment_welcome_set(actor=pwp, treatment=treatment, text="Hello, I'm your first PWP.")
    client.force_login(pwp)
    response = client.post(
        reverse("workspace:lifecycle", args=[treatment.pk]),
        {"kind": "transfer", "to_pwp": colleague_pwp.pk, "reason": "Caseload handover"},
    )
    assert response.status_code == 302
    client.force_login(treatment.client)
    page = client.get(reverse("programme:home")).content.decode()
    assert "Tamsin Okonkwo-Reyes" in page and "your first PWP" not in page

import pytest
from django.core.management import call_command

from apps.care.models import Treatment
from apps.questionnaires.models import Administration, AdministrationStatus
from apps.safety.models import RiskAlert, RiskAlertStatus

pytestmark = pytest.mark.django_db


def test_demo_questionnaires_and_alert_are_plausible_and_idempotent():
    call_command("demo")
    counts = (Administration.objects.count(), RiskAlert.objects.count())
    call_command("demo")
    assert (Administration.objects.count(), RiskAlert.objects.count()) == counts

    week9 = Treatment.objects.get(client__email="client9@example.org")
    totals = list(
        Administration.objects.filter(treatment=week9, instrument="phq9")
        .order_by("completed_at")
        .values_list("total", flat=True)
    )
    assert len(totals) >= 4 and totals[0] > totals[-1]  # improving
    completed = Treatment.objects.get(client__email="completed@example.org")
    wai = Administration.objects.get(
        treatment=completed, instrument="wai_sf_c", time_point="end_of_treatment"
    )
    assert wai.status == AdministrationStatus.COMPLETED and wai.wording_version == "placeholder"
    assert wai.band == "high"
    everyone = Administration.objects.filter(instrument="wai_sf_c", time_point="early_alliance")
    # After session 2 (day 15): every demo client is past it, spread over the bands.
    assert sorted(everyone.values_list("total", flat=True)) == [27, 38, 44, 52]
    # The PWP's view beside it, early and at the end, answered by the client's PWP.
    theirs = Administration.objects.filter(treatment=completed, instrument="wai_sf_t")
    assert {a.time_point for a in theirs} == {"early_alliance", "end_of_treatment"}
    assert {a.answered_by_id for a in theirs} == {completed.pwp_id}
    week5 = Treatment.objects.get(client__email="client5@example.org")
    early = Administration.objects.get(
        treatment=week5, instrument="wai_sf_c", time_point="early_alliance"
    )
    assert early.band == "low"
    alert = RiskAlert.objects.get()
    assert alert.treatment.client.email == "client5@example.org"
    assert alert.status == RiskAlertStatus.OPEN and alert.source == "phq9_item9"

"""Questionnaire schedule fidelity (issue 10): protocol presets, the follow-up anchor,
the WAI-SF-C timing rule, held WAI without wording, and cancelling on withdrawal."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.care.lifecycle import treatment_withdraw_from_trial
from apps.questionnaires import links
from apps.questionnaires.models import AdministrationStatus, QuestionnaireProtocol, TimePoint
from apps.questionnaires.services import (
    add_months,
    administration_create_ad_hoc,
    administration_plan_for,
    administrations_advance,
    treatment_administrations_sync,
)
from tests.factories import PASSWORD, TreatmentFactory
from tests.questionnaires.factories import AdministrationFactory

pytestmark = pytest.mark.django_db


def _plan(treatment):
    return {(p.instrument, p.time_point): p for p in administration_plan_for(treatment)}


def _start(treatment):
    return administration_plan_for(treatment)[0].due_from  # baseline opens at the start


@pytest.fixture
def e_compared(service):
    return QuestionnaireProtocol.objects.create(service=service, preset="e_compared")


def test_e_compared_follow_ups_count_from_baseline_at_3_6_and_12_months(e_compared, treatment):
    plan = _plan(treatment)
    start = _start(treatment)
    for time_point, months in TimePoint.FOLLOWUPS.items():
        assert plan[("phq9", time_point)].due_from == add_months(start, months)
    assert ("phq9", TimePoint.END_OF_TREATMENT) not in plan


def test_e_compared_wai_at_3_months_when_treatment_ended_within_3_months(e_compared, treatment):
    # 11 weeks planned: less than 3 months.
    plan = _plan(treatment)
    assert ("wai_sf_c", TimePoint.FOLLOWUP_3M) in plan
    assert ("wai_sf_c", TimePoint.FOLLOWUP_6M) not in plan


def test_e_compared_wai_at_6_months_when_treatment_ran_longer(e_compared, service, pwp):
    start = timezone.localdate() - datetime.timedelta(days=10)
    long = TreatmentFactory(
        service=service,
        pwp=pwp,
        start_date=start,
        planned_end_date=start + datetime.timedelta(weeks=16),
    )
    plan = _plan(long)
    assert ("wai_sf_c", TimePoint.FOLLOWUP_3M) not in plan
    assert plan[("wai_sf_c", TimePoint.FOLLOWUP_6M)].due_from == add_months(_start(long), 6)


def test_nhs_routine_preset_measures_at_the_end_and_has_no_follow_ups(service, treatment):
    QuestionnaireProtocol.objects.create(service=service, preset="nhs_routine")
    plan = _plan(treatment)
    assert {k for k in plan if k[1] == TimePoint.END_OF_TREATMENT} == {
        ("phq9", TimePoint.END_OF_TREATMENT),
        ("gad7", TimePoint.END_OF_TREATMENT),
    }
    assert not [k for k in plan if k[1] in TimePoint.FOLLOWUPS]


def test_preset_from_settings_for_services_without_their_own(settings, treatment):
    settings.QUESTIONNAIRE_PROTOCOL_PRESET = "e_compared"
    plan = _plan(treatment)
    assert ("phq9", TimePoint.FOLLOWUP_12M) in plan


def test_scores_page_shows_the_clients_schedule(client, pwp, treatment, e_compared):
    client.login(email=pwp.email, password=PASSWORD)
    html = client.get(reverse("questionnaires:treatment_scores", args=[treatment.pk])).content
    html = html.decode()
    assert "Protocol: E-COMPARED trial." in html
    assert "Follow-ups count from the start of treatment (baseline)." in html
    twelve = add_months(_start(treatment), 12)
    assert f"{twelve:%-d %b %Y}" in html


def test_wai_without_licensed_wording_is_held_not_missed(settings, treatment):
    settings.WAI_WORDING_FILE = ""
    wai = AdministrationFactory(
        treatment=treatment, instrument="wai_sf_c", status=AdministrationStatus.SCHEDULED
    )
    counts = administrations_advance()
    wai.refresh_from_db()
    assert wai.status == AdministrationStatus.WAITING_FOR_WORDING and counts["held"] == 1
    # Still held when the window has passed: never "missed".
    administrations_advance(now=wai.due_until + datetime.timedelta(days=1))
    wai.refresh_from_db()
    assert wai.status == AdministrationStatus.WAITING_FOR_WORDING
    # The admin site lists it under its own status.
    assert AdministrationStatus.WAITING_FOR_WORDING.label == "Waiting for wording"


def test_admins_see_how_many_questionnaires_wait_for_wording(
    client, admin_user, settings, treatment
):
    settings.WAI_WORDING_FILE = ""
    AdministrationFactory(
        treatment=treatment, instrument="wai_sf_c", status=AdministrationStatus.SCHEDULED
    )
    administrations_advance()
    client.force_login(admin_user)
    html = client.get(reverse("workspace:admin_home")).content.decode()
    assert "1 questionnaire is waiting for the wording" in html


def test_held_wai_opens_when_the_wording_arrives_while_due(settings, treatment):
    placeholder = settings.WAI_WORDING_FILE
    settings.WAI_WORDING_FILE = ""
    wai = AdministrationFactory(
        treatment=treatment, instrument="wai_sf_c", status=AdministrationStatus.SCHEDULED
    )
    administrations_advance()
    settings.WAI_WORDING_FILE = placeholder
    administrations_advance()
    wai.refresh_from_db()
    assert wai.status == AdministrationStatus.OPEN


def test_withdrawal_cancels_every_open_questionnaire_and_its_link(client, pwp, treatment):
    treatment_administrations_sync(treatment=treatment)
    asked = administration_create_ad_hoc(treatment=treatment, instrument="gad7")
    token = links.link_token_for(asked)
    treatment_withdraw_from_trial(actor=pwp, treatment=treatment, reason="Asked to stop")
    statuses = set(treatment.administrations.values_list("status", flat=True))
    assert statuses == {AdministrationStatus.CANCELLED}
    response = client.get(reverse("questionnaires:link", args=[token]))
    assert links.administration_for_token(token) is None
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 404, 410)
    # The planner does not bring them back.
    treatment_administrations_sync(treatment=treatment)
    assert not treatment.administrations.exclude(status=AdministrationStatus.CANCELLED).exists()


def test_a_deactivated_clients_link_stops_working(treatment):
    followup = AdministrationFactory(treatment=treatment, time_point=TimePoint.FOLLOWUP_3M)
    token = links.link_token_for(followup)
    assert links.administration_for_token(token) is not None
    treatment.client.is_active = False
    treatment.client.save()
    assert links.administration_for_token(token) is None

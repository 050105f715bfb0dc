"""The WAI-SF-C early in treatment: opens once session 2 is attended (by default)."""

import datetime

import pytest
from django.utils import timezone

from apps.care.models import AppointmentStatus
from apps.questionnaires.models import QuestionnaireProtocol, TimePoint
from apps.questionnaires.services import administration_plan_for
from tests.care.factories import AppointmentFactory


def _early(treatment, instrument=None):
    return [
        p
        for p in administration_plan_for(treatment)
        if p.time_point == TimePoint.EARLY_ALLIANCE and instrument in (None, p.instrument)
    ]


@pytest.mark.django_db
def test_nothing_until_session_two_is_attended_then_a_week_to_answer(treatment):
    AppointmentFactory(
        treatment=treatment,
        number=2,
        status=AppointmentStatus.SCHEDULED,
        starts_at=timezone.now() + datetime.timedelta(days=1),
    )
    assert _early(treatment) == []
    when = timezone.now() - datetime.timedelta(hours=2)
    treatment.appointments.update(status=AppointmentStatus.ATTENDED, starts_at=when)
    (planned,) = _early(treatment, "wai_sf_c")
    assert planned.due_from == when + datetime.timedelta(minutes=30)
    assert planned.due_until == planned.due_from + datetime.timedelta(days=7)
    # The PWP's WAI-SF-T after the same session, in the same window.
    (theirs,) = _early(treatment, "wai_sf_t")
    assert (theirs.due_from, theirs.due_until) == (planned.due_from, planned.due_until)


@pytest.mark.django_db
def test_the_service_protocol_chooses_the_session_and_the_preset(treatment):
    QuestionnaireProtocol.objects.create(service=treatment.service, preset="alliance_aware")
    protocol = QuestionnaireProtocol.objects.get(service=treatment.service)
    assert protocol.early_alliance == ["wai_sf_c"]
    assert "wai_sf_c" in protocol.end_of_treatment
    protocol.preset = ""
    protocol.early_alliance_after_session = 3
    protocol.save()
    AppointmentFactory(
        treatment=treatment,
        number=2,
        status=AppointmentStatus.ATTENDED,
        starts_at=timezone.now() - datetime.timedelta(days=1),
    )
    assert _early(treatment) == []
    AppointmentFactory(
        treatment=treatment,
        number=3,
        status=AppointmentStatus.ATTENDED,
        starts_at=timezone.now() - datetime.timedelta(hours=1),
    )
    assert [p.instrument for p in _early(treatment)] == ["wai_sf_c", "wai_sf_t"]


@pytest.mark.django_db
def test_the_e_compared_preset_keeps_the_trials_own_schedule(treatment):
    QuestionnaireProtocol.objects.create(service=treatment.service, preset="e_compared")
    AppointmentFactory(
        treatment=treatment,
        number=2,
        status=AppointmentStatus.ATTENDED,
        starts_at=timezone.now() - datetime.timedelta(days=1),
    )
    assert _early(treatment) == []

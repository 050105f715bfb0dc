"""The PWP answering their own WAI-SF-T about a client is not the client's activity:
the caseload's "last active", "no activity for N days" and "questionnaire missed" stay
as they were, on the page and in the rules."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import LoginEvent
from apps.earlywarning.report import activity_timeline
from apps.earlywarning.selectors import facts_for, reasons_for
from apps.questionnaires.models import AdministrationStatus, TimePoint
from apps.workspace.selectors import caseload_page
from tests.questionnaires.factories import AdministrationFactory

pytestmark = pytest.mark.django_db


def _state(treatment):
    treatment.refresh_from_db()
    (row,) = caseload_page(type(treatment).objects.filter(pk=treatment.pk)).object_list
    facts = facts_for([treatment])
    return {
        "last_activity_at": row.last_activity_at,
        "inactive": row.inactive,
        "reasons": [r.text for r in reasons_for([treatment], facts)[treatment.pk]],
        "inactive_since": facts[treatment.pk].inactive_since,
        "missed": facts[treatment.pk].missed_questionnaires,
        "timeline": activity_timeline([treatment]).get(treatment.pk, []),
    }


def test_the_pwp_answering_the_wai_sf_t_is_not_client_activity(client, pwp, treatment):
    last_seen = timezone.now() - datetime.timedelta(days=9)
    LoginEvent.objects.create(user=treatment.client, at=last_seen)
    # A WAI-SF-T the PWP let close unanswered: the client missed nothing.
    AdministrationFactory(
        treatment=treatment,
        instrument="wai_sf_t",
        time_point=TimePoint.EARLY_ALLIANCE,
        due_from=timezone.now() - datetime.timedelta(days=10),
        due_until=timezone.now() - datetime.timedelta(days=2),
        status=AdministrationStatus.MISSED,
        missed_at=timezone.now() - datetime.timedelta(days=2),
    )
    wai_t = AdministrationFactory(
        treatment=treatment, instrument="wai_sf_t", time_point=TimePoint.END_OF_TREATMENT
    )
    before = _state(treatment)
    assert before["last_activity_at"] == last_seen
    assert before["inactive"] is True
    assert before["reasons"] == ["No activity for 9 days"]
    assert before["missed"] == []

    client.force_login(pwp)  # the PWP's own sign-in is theirs, not the client's
    url = reverse("questionnaires:practitioner_all", args=[wai_t.pk])
    client.post(url, {f"item_{n}": "4" for n in range(1, 13)})
    client.post(reverse("questionnaires:practitioner_check", args=[wai_t.pk]))
    wai_t.refresh_from_db()
    assert (wai_t.status, wai_t.answered_by, wai_t.total) == ("completed", pwp, 48)

    assert _state(treatment) == before
    page = client.get(reverse("workspace:caseload")).content.decode()
    assert "No activity for 9 days" in page

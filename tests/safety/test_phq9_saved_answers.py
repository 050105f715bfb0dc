"""PHQ-9 risk judged on every saved answer, not only on submit (issue 10).

Before: answers were saved on every Continue but risk was judged only on submit;
an item-9 answer of 3 in a questionnaire never submitted raised nothing when the
window closed, and changing it to 0 before submitting erased it.
"""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.notifications.models import Notification
from apps.questionnaires.models import AdministrationStatus, AnswerChange
from apps.questionnaires.services import administration_complete, administrations_advance
from apps.safety.models import RiskAlert
from tests.factories import PASSWORD
from tests.questionnaires.factories import PHQ9_NO_RISK, AdministrationFactory, answer_all

pytestmark = pytest.mark.django_db

# As it stands in the HTML ("&" is escaped).
CARD = "If you might harm yourself or you are in danger now, call 999 or go to A&amp;E"


@pytest.fixture
def phq9(treatment):
    return AdministrationFactory(treatment=treatment)


def test_item_9_saved_above_0_raises_the_alert_and_the_next_page_shows_the_card(
    client, client_user, pwp, phq9
):
    client.login(email=client_user.email, password=PASSWORD)
    answer_all(phq9, {n: 0 for n in range(1, 9)})
    response = client.post(
        reverse("questionnaires:item", args=[phq9.pk, 9]), {"answer": "3"}, follow=True
    )
    alert = RiskAlert.objects.get(administration=phq9)
    assert alert.source == "phq9_item9"
    assert Notification.objects.filter(kind="risk_alert", recipient=pwp).exists()
    assert CARD in response.content.decode()  # the next page, before submitting
    phq9.refresh_from_db()
    assert phq9.status == AdministrationStatus.IN_PROGRESS


def test_unsubmitted_item_9_still_alerts_when_the_window_closes(phq9, treatment):
    answer_all(phq9, {1: 2, 2: 2})
    # A stored item-9 answer whose alert was not raised (e.g. saved before this
    # check existed): closing the window raises it.
    phq9.answers.create(item=9, value=3)
    assert not RiskAlert.objects.exists()
    with time_machine.travel(phq9.due_until + datetime.timedelta(minutes=1)):
        counts = administrations_advance()
    assert counts["missed"] == 1
    phq9.refresh_from_db()
    assert phq9.status == AdministrationStatus.MISSED
    assert RiskAlert.objects.get(administration=phq9).source == "phq9_item9"


def test_changing_3_to_0_keeps_the_record_and_the_alert(client, client_user, pwp, phq9):
    client.login(email=client_user.email, password=PASSWORD)
    answer_all(phq9, {n: 0 for n in range(1, 9)})
    url = reverse("questionnaires:item", args=[phq9.pk, 9])
    client.post(url, {"answer": "3"})
    client.post(url + "?change=1", {"answer": "0"})
    history = list(AnswerChange.objects.filter(administration=phq9, item=9))
    assert [(c.old_value, c.new_value) for c in history] == [(None, 3), (3, 0)]
    assert all(c.changed_by == client_user for c in history)
    answer_all(phq9, {10: 0})
    administration_complete(administration=phq9)
    alerts = RiskAlert.objects.filter(administration=phq9)
    assert [a.source for a in alerts] == ["phq9_item9"]  # kept, and not duplicated
    client.logout()
    client.login(email=pwp.email, password=PASSWORD)
    html = client.get(reverse("workspace:alert_detail", args=[alerts[0].pk])).content.decode()
    assert "Risk question answer history" in html
    assert "3 → 0" in html and "first answer → 3" in html


def test_completing_after_a_saved_risk_answer_makes_no_duplicate_alert_or_email(
    phq9, pwp, supervisor
):
    answer_all(phq9, {**PHQ9_NO_RISK, 9: 2})
    administration_complete(administration=phq9)
    assert RiskAlert.objects.filter(administration=phq9, source="phq9_item9").count() == 1
    assert Notification.objects.filter(kind="risk_alert", recipient=pwp).count() == 1


def test_no_alert_for_item_9_at_0_or_other_items(phq9):
    answer_all(phq9, PHQ9_NO_RISK)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=60)):
        administrations_advance()
    assert not RiskAlert.objects.exists()

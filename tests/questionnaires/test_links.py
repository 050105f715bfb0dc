"""Signed follow-up links: open that one questionnaire, once, until the window closes."""

import datetime

import pytest
import time_machine
from django.core import signing
from django.urls import reverse

from apps.questionnaires import links
from apps.questionnaires.models import AdministrationStatus, TimePoint
from tests.questionnaires.factories import PHQ9_NO_RISK, AdministrationFactory, answer_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def followup(treatment):
    return AdministrationFactory(treatment=treatment, time_point=TimePoint.FOLLOWUP_3M)


def _open(client, administration):
    token = links.link_token_for(administration)
    return client.get(reverse("questionnaires:link", args=[token]))


def test_link_opens_that_questionnaire_without_signing_in_and_completes_it(client, followup):
    response = _open(client, followup)
    assert response["Location"] == reverse("questionnaires:start", args=[followup.pk])
    assert client.get(response["Location"]).status_code == 200
    assert "_auth_user_id" not in client.session  # nobody is signed in
    for n, value in PHQ9_NO_RISK.items():
        client.post(reverse("questionnaires:item", args=[followup.pk, n]), {"answer": value})
    done = client.post(reverse("questionnaires:check", args=[followup.pk]), follow=True)
    assert "5 out of 27" in done.content.decode()
    followup.refresh_from_db()
    assert followup.status == AdministrationStatus.COMPLETED
    assert followup.link_nonce == ""


def test_link_does_not_open_another_administration(client, followup, treatment, other_treatment):
    mine_too = AdministrationFactory(treatment=treatment, instrument="gad7")
    theirs = AdministrationFactory(treatment=other_treatment)
    _open(client, followup)
    for other in (mine_too, theirs):
        response = client.get(reverse("questionnaires:start", args=[other.pk]))
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
        client.post(reverse("questionnaires:item", args=[other.pk, 1]), {"answer": "3"})
        assert not other.answers.exists()


def test_tampered_token_for_another_id_is_refused(client, followup, other_treatment):
    theirs = AdministrationFactory(treatment=other_treatment)
    token = links.link_token_for(followup)
    payload = signing.loads(token, salt=links.SALT)
    forged = signing.dumps({"a": theirs.pk, "n": payload["n"]}, salt=links.SALT)
    assert client.get(reverse("questionnaires:link", args=[forged])).status_code == 410
    bad = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(reverse("questionnaires:link", args=[bad])).status_code == 410


def test_link_is_single_use(client, followup):
    token = links.link_token_for(followup)
    answer_all(followup, PHQ9_NO_RISK)
    from apps.questionnaires.services import administration_complete

    administration_complete(administration=followup)
    response = client.get(reverse("questionnaires:link", args=[token]))
    assert response.status_code == 410
    assert "This link no longer works" in response.content.decode()


def test_session_scope_ends_when_the_questionnaire_is_completed_elsewhere(client, followup):
    _open(client, followup)
    answer_all(followup, PHQ9_NO_RISK)
    from apps.questionnaires.services import administration_complete

    administration_complete(administration=followup)
    response = client.get(reverse("questionnaires:item", args=[followup.pk, 1]))
    assert reverse("accounts:login") in response["Location"]


def test_link_expires_when_the_window_closes(client, followup):
    token = links.link_token_for(followup)
    with time_machine.travel(followup.due_until + datetime.timedelta(minutes=1)):
        assert client.get(reverse("questionnaires:link", args=[token])).status_code == 410


def test_link_reaches_no_other_page(client, followup):
    _open(client, followup)
    for name in ("programme:home", "questionnaires:list", "workspace:caseload", "safety:alerts"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert reverse("accounts:login") in response["Location"], name

"""The dropout-precedence report, checked against figures computed by hand."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import LoginEvent
from apps.care.models import AppointmentStatus, TreatmentStatus
from apps.earlywarning.report import dropout_report
from tests.care.factories import AppointmentFactory, MessageFactory
from tests.factories import TreatmentFactory

NOW = timezone.now().replace(microsecond=0)


def ago(days):
    return NOW - datetime.timedelta(days=days)


def _treatment(service, pwp, pid, *, ended=None, logins=(), status=TreatmentStatus.ACTIVE):
    t = TreatmentFactory(
        service=service,
        pwp=pwp,
        participant_id=pid,
        status=status,
        activated_at=ago(60),
        ended_at=ago(ended) if ended is not None else None,
    )
    for d in logins:
        LoginEvent.objects.create(user=t.client, at=ago(d))
    return t


def _dna(t, number, days):
    AppointmentFactory(
        treatment=t, number=number, status=AppointmentStatus.DID_NOT_ATTEND, starts_at=ago(days)
    )


@pytest.fixture
def trial(service, pwp):
    """Five participants, all started 60 days ago; weekly checkpoints at 53, 46, ... 4 days ago.

    A  dropped out 20 days ago; missed session 2 27 days ago (flagged 25 days ago).
    B  in treatment; a message to the PWP 40 days ago never answered (flagged 32..18 days ago).
    C  disengaged: last activity 55 days ago (no activity flagged from 46 days ago, after it).
    D  dropped out 10 days ago; the PWP's message 45 days ago never answered (39..18 days ago).
    E  dropped out 5 days ago; missed session 1 50 days ago (flagged 46 and 39 days ago,
       more than 4 weeks before the dropout).
    """
    dropped = TreatmentStatus.DROPPED_OUT
    a = _treatment(service, pwp, "T-A", ended=20, status=dropped, logins=range(58, 20, -5))
    _dna(a, 2, 27)
    b = _treatment(service, pwp, "T-B", logins=range(58, 0, -5))
    MessageFactory(treatment=b, created_at=ago(40))
    _treatment(service, pwp, "T-C", logins=(58, 55))
    d = _treatment(service, pwp, "T-D", ended=10, status=dropped, logins=range(58, 10, -5))
    MessageFactory(treatment=d, from_client=False, created_at=ago(45))
    e = _treatment(service, pwp, "T-E", ended=5, status=dropped, logins=range(58, 5, -5))
    _dna(e, 1, 50)
    return [a, b, d, e]


@pytest.mark.django_db
def test_figures_match_the_hand_count(trial):
    from apps.care.models import Treatment  # noqa: PLC0415 - why: keeps the imports above short

    report = dropout_report(list(Treatment.objects.all()), now=NOW)
    assert report.participants == 5
    assert report.events == 4  # A, D, E dropped out; C disengaged
    figures = {
        r.rule: (r.flagged, r.flagged_then_dropped, r.dropouts_flagged_before) for r in report.rules
    }
    assert figures == {
        "risk_alert": (0, 0, 0),
        "phq9_worse": (0, 0, 0),
        "missed_session": (2, 1, 2),
        "mood_falling": (0, 0, 0),
        "low_alliance": (0, 0, 0),
        "client_message_unanswered": (1, 0, 0),
        "questionnaire_missed": (0, 0, 0),
        "inactive": (1, 0, 0),
        "pwp_message_unanswered": (1, 1, 1),
        "overdue_task": (0, 0, 0),
    }
    rows = {r.participant_id: r for r in report.rows}
    assert rows["T-A"].event == "dropped_out" and rows["T-A"].rules_before == ["missed_session"]
    assert rows["T-C"].event == "disengaged" and rows["T-C"].event_at == ago(55)
    assert rows["T-C"].rules_before == [] and rows["T-C"].rules_ever == ["inactive"]
    assert rows["T-B"].event == "" and rows["T-B"].rules_ever == ["client_message_unanswered"]


@pytest.mark.django_db
def test_the_page_shows_participant_ids_only_and_says_descriptive(client, trial_manager, trial):
    client.force_login(trial_manager)
    response = client.get(reverse("trials:warning_report"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "These figures are descriptive" in content
    assert 'data-participant="T-A"' in content
    assert trial[0].client.get_full_name() not in content
    assert trial[0].client.email not in content


@pytest.mark.django_db
def test_a_pwp_cannot_see_the_report(client, pwp):
    client.force_login(pwp)
    assert client.get(reverse("trials:warning_report")).status_code == 403

"""The PWP's own view of the alliance (WAI-SF-T): scheduled with the client's WAI-SF-C,
answered only by the client's PWP on the same pages the client uses, never shown to the
client."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.care.models import AppointmentStatus
from apps.notifications.models import Notification
from apps.questionnaires import links
from apps.questionnaires.models import (
    Administration,
    AdministrationStatus,
    QuestionnaireProtocol,
    TimePoint,
)
from apps.questionnaires.services import (
    administration_plan_for,
    administrations_advance,
    treatment_administrations_sync,
)
from tests.care.factories import AppointmentFactory
from tests.questionnaires.factories import AdministrationFactory, answer_all

pytestmark = pytest.mark.django_db

ALL_THREES = dict.fromkeys(range(1, 13), 3)


@pytest.fixture
def wai_t(treatment):
    """The PWP's WAI-SF-T early in treatment, open now."""
    return AdministrationFactory(
        treatment=treatment, instrument="wai_sf_t", time_point=TimePoint.EARLY_ALLIANCE
    )


def _url(name, administration, *more):
    return reverse(f"questionnaires:practitioner_{name}", args=[administration.pk, *more])


def _session_two_attended(treatment, hours_ago=2):
    return AppointmentFactory(
        treatment=treatment,
        number=2,
        status=AppointmentStatus.ATTENDED,
        starts_at=timezone.now() - datetime.timedelta(hours=hours_ago),
    )


# --- Schedule -------------------------------------------------------------------------


def test_given_at_every_time_point_and_in_the_same_window_as_the_clients(treatment):
    QuestionnaireProtocol.objects.create(service=treatment.service, preset="alliance_aware")
    _session_two_attended(treatment)
    plan = {(p.instrument, p.time_point): p for p in administration_plan_for(treatment)}
    for time_point in (TimePoint.EARLY_ALLIANCE, TimePoint.END_OF_TREATMENT):
        client_side, theirs = plan[("wai_sf_c", time_point)], plan[("wai_sf_t", time_point)]
        assert (theirs.due_from, theirs.due_until) == (client_side.due_from, client_side.due_until)
    # Nowhere else: only where the client's WAI-SF-C is.
    assert {tp for code, tp in plan if code == "wai_sf_t"} == {
        TimePoint.EARLY_ALLIANCE,
        TimePoint.END_OF_TREATMENT,
    }


def test_the_protocol_can_leave_the_practitioners_view_out(treatment):
    protocol = QuestionnaireProtocol.objects.create(
        service=treatment.service, preset="alliance_aware"
    )
    protocol.preset = ""
    protocol.practitioner_alliance = False
    protocol.save()
    _session_two_attended(treatment)
    codes = {p.instrument for p in administration_plan_for(treatment)}
    assert "wai_sf_c" in codes and "wai_sf_t" not in codes


def test_a_protocol_cannot_list_the_practitioners_questionnaire_itself(service):
    protocol = QuestionnaireProtocol(service=service, early_alliance=["wai_sf_c", "wai_sf_t"])
    with pytest.raises(ValidationError) as error:
        protocol.full_clean()
    assert "answered by the practitioner" in str(error.value)


def test_opening_it_sends_the_client_no_invitation_or_reminder(treatment, settings):
    settings.QUESTIONNAIRE_REMINDER_DAYS = [0]
    QuestionnaireProtocol.objects.create(service=treatment.service, preset="alliance_aware")
    _session_two_attended(treatment)
    treatment_administrations_sync(treatment=treatment)
    theirs = treatment.administrations.get(instrument="wai_sf_t", time_point="early_alliance")
    client_side = treatment.administrations.get(instrument="wai_sf_c", time_point="early_alliance")
    administrations_advance()
    administrations_advance()  # the reminder pass
    theirs.refresh_from_db()
    assert theirs.status == AdministrationStatus.OPEN
    about = Notification.objects.filter(object_id__in=[str(theirs.pk), str(client_side.pk)])
    assert {(n.object_id, n.kind) for n in about} == {
        (str(client_side.pk), "questionnaire_invitation"),
        (str(client_side.pk), "questionnaire_reminder"),
    }


# --- Answering: the client's own PWP ----------------------------------------------------


def test_the_pwp_answers_one_question_a_page_and_saves(client, pwp, treatment, wai_t):
    client.force_login(pwp)
    start = client.get(_url("start", wai_t)).content.decode()
    assert "Your view of the alliance with Ceridwen Quillfeather" in start
    assert "Ceridwen Quillfeather does not see your answers" in start
    assert "Placeholder wording" in start
    assert "app-not-for-emergencies" not in start  # the client's notice: not for the PWP
    page = client.get(_url("item", wai_t, 1)).content.decode()
    assert "Question 1 of 12" in page
    assert "your work with Ceridwen Quillfeather" in page
    assert page.count('type="radio"') == 5
    for n in range(1, 13):
        response = client.post(_url("item", wai_t, n), {"answer": "4"})
        assert response.status_code == 302
    assert response["Location"] == _url("check", wai_t)
    check = client.get(_url("check", wai_t)).content.decode()
    assert "Save my answers" in check
    response = client.post(_url("check", wai_t))
    assert response["Location"] == _url("result", wai_t)
    wai_t.refresh_from_db()
    assert wai_t.status == AdministrationStatus.COMPLETED
    assert wai_t.answered_by == pwp
    assert (wai_t.total, wai_t.band) == (48, "high")
    assert wai_t.subscales == {"task": 16, "bond": 16, "goal": 16}
    result = client.get(_url("result", wai_t)).content.decode()
    assert "Your answers are saved" in result
    assert "48 (from 12 to 60)" in result
    assert "16 (from 4 to 20)" in result


def test_a_double_submit_keeps_one_record(client, pwp, treatment, wai_t):
    answer_all(wai_t, ALL_THREES)
    client.force_login(pwp)
    first = client.post(_url("check", wai_t))
    wai_t.refresh_from_db()
    completed_at = wai_t.completed_at
    second = client.post(_url("check", wai_t))
    assert first.status_code == second.status_code == 302
    assert second["Location"] == _url("result", wai_t)
    rows = Administration.objects.filter(treatment=treatment, instrument="wai_sf_t")
    assert rows.count() == 1
    wai_t.refresh_from_db()
    assert wai_t.completed_at == completed_at and wai_t.total == 36


def test_errors_say_how_to_fix_them(client, pwp, wai_t):
    client.force_login(pwp)
    response = client.post(_url("item", wai_t, 1), {})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert html.count("Select an answer to question 1. This question needs an answer.") >= 2
    answer_all(wai_t, {n: 3 for n in range(1, 12)})  # item 12 left out
    html = client.post(_url("check", wai_t)).content.decode()
    assert "Answer question 12. Select one of the answers to continue." in html
    assert _url("item", wai_t, 12) + "?change=1" in html
    wai_t.refresh_from_db()
    assert wai_t.status == AdministrationStatus.IN_PROGRESS


def test_all_questions_on_one_page_works_too(client, pwp, wai_t):
    client.force_login(pwp)
    data = {f"item_{n}": "5" for n in range(1, 13)}
    response = client.post(_url("all", wai_t), data)
    assert response["Location"] == _url("check", wai_t)
    client.post(_url("check", wai_t))
    wai_t.refresh_from_db()
    assert wai_t.total == 60


# --- Access: only the client's PWP; the client never sees it ---------------------------


@pytest.mark.parametrize("persona", ["other_pwp", "colleague_pwp", "supervisor", "admin_user"])
def test_no_one_but_the_clients_pwp_opens_it(client, request, wai_t, persona):
    client.force_login(request.getfixturevalue(persona))
    for url in (_url("start", wai_t), _url("item", wai_t, 1), _url("check", wai_t)):
        assert client.get(url).status_code == 404
    assert client.post(_url("item", wai_t, 1), {"answer": "3"}).status_code == 404
    assert not wai_t.answers.exists()


def test_after_a_handover_the_new_pwp_answers_it(client, pwp, colleague_pwp, treatment, wai_t):
    treatment.pwp = colleague_pwp
    treatment.save()
    client.force_login(pwp)
    assert client.get(_url("start", wai_t)).status_code == 404
    client.force_login(colleague_pwp)
    assert client.get(_url("start", wai_t)).status_code == 200


def test_the_client_never_sees_the_practitioners_questionnaire(
    client, client_user, treatment, wai_t
):
    answer_all(wai_t, ALL_THREES)
    client.force_login(client_user)
    listing = client.get(reverse("questionnaires:list")).content.decode()
    assert "WAI-SF-T" not in listing
    for name in ("start", "all", "check", "result"):
        url = reverse(f"questionnaires:{name}", args=[wai_t.pk])
        assert client.get(url).status_code == 404, name
    assert client.get(reverse("questionnaires:item", args=[wai_t.pk, 1])).status_code == 404
    assert client.get(_url("start", wai_t)).status_code == 404
    assert client.get(_url("result", wai_t)).status_code == 404
    # Nor through a signed link, were one ever made for it.
    token = links.link_token_for(wai_t)
    client.logout()
    response = client.get(reverse("questionnaires:link", args=[token]))
    assert response.status_code == 410
    assert client.get(reverse("questionnaires:start", args=[wai_t.pk])).status_code == 302


def test_the_client_cannot_open_the_alliance_page(client, client_user, treatment):
    client.force_login(client_user)
    response = client.get(reverse("questionnaires:alliance", args=[treatment.pk]))
    assert response.status_code in (403, 404)


def test_signed_out_visitors_are_sent_to_sign_in(client, wai_t):
    response = client.get(_url("start", wai_t))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]

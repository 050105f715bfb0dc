"""Client questionnaire pages: one item per page, resume, required item 9, check answers."""

import pytest
from django.urls import reverse

from apps.questionnaires.models import Administration, AdministrationStatus, Answer
from tests.factories import PASSWORD
from tests.questionnaires.factories import PHQ9_NO_RISK, AdministrationFactory, answer_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def phq9(treatment):
    return AdministrationFactory(treatment=treatment)


@pytest.fixture
def signed_in(client, client_user):
    client.login(email=client_user.email, password=PASSWORD)
    return client


def item_url(a, n, change=False):
    return reverse("questionnaires:item", args=[a.pk, n]) + ("?change=1" if change else "")


def test_question_page_shows_position_exact_wording_four_options_nothing_selected(signed_in, phq9):
    response = signed_in.get(item_url(phq9, 3))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Question 3 of 10" in html
    assert "Trouble falling or staying asleep, or sleeping too much" in html
    for label in ("Not at all", "Several days", "More than half the days", "Nearly every day"):
        assert label in html
    assert html.count('type="radio"') == 4
    assert "checked" not in html
    assert "This service is not for emergencies" in html
    assert "No permission required to reproduce" in html  # attribution


def test_each_continue_saves_the_answer_and_back_shows_it_again(signed_in, phq9):
    response = signed_in.post(item_url(phq9, 1), {"answer": "2"})
    assert response.status_code == 302
    assert response["Location"] == item_url(phq9, 2)
    assert Answer.objects.get(administration=phq9, item=1).value == 2
    phq9.refresh_from_db()
    assert phq9.status == AdministrationStatus.IN_PROGRESS

    back = signed_in.get(item_url(phq9, 2))
    assert f'href="{item_url(phq9, 1)}"' in back.content.decode()
    again = signed_in.get(item_url(phq9, 1)).content.decode()
    assert 'value="2" checked' in again


def test_leaving_and_coming_back_resumes_at_the_first_unanswered_question(
    signed_in, phq9, client, client_user
):
    signed_in.post(item_url(phq9, 1), {"answer": "1"})
    signed_in.post(item_url(phq9, 2), {"answer": "1"})
    client.logout()
    client.login(email=client_user.email, password=PASSWORD)
    html = client.get(reverse("questionnaires:start", args=[phq9.pk])).content.decode()
    assert "You have answered 2 questions so far" in html
    assert item_url(phq9, 3) in html


def test_item_9_is_required_and_the_error_says_how_to_fix_it(signed_in, phq9):
    response = signed_in.post(item_url(phq9, 9), {})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    message = "Select an answer to question 9. This question needs an answer."
    assert html.count(message) == 2  # on the question and in the summary
    assert "<title>Error:" in html
    assert not Answer.objects.filter(administration=phq9, item=9).exists()


def test_check_answers_lists_each_answer_with_change_links_then_completes(signed_in, phq9):
    answer_all(phq9, PHQ9_NO_RISK)
    html = signed_in.get(reverse("questionnaires:check", args=[phq9.pk])).content.decode()
    assert html.count("Change<span") == 10
    assert item_url(phq9, 4, change=True).replace("&", "&amp;") in html
    response = signed_in.post(reverse("questionnaires:check", args=[phq9.pk]))
    assert response.status_code == 302
    phq9.refresh_from_db()
    assert phq9.status == AdministrationStatus.COMPLETED
    assert phq9.total == 5 and phq9.band == "mild" and phq9.valid is True
    result = signed_in.get(response["Location"]).content.decode()
    assert "5 out of 27" in result
    assert "Your answers suggest mild symptoms of depression." in result
    assert "will contact you" not in result  # no crisis card without a risk


def test_change_link_returns_to_check_answers(signed_in, phq9):
    answer_all(phq9, PHQ9_NO_RISK)
    response = signed_in.post(item_url(phq9, 4, change=True), {"answer": "3"})
    assert response["Location"] == reverse("questionnaires:check", args=[phq9.pk])


def test_missing_item_9_at_submit_shows_an_error_linking_to_it(signed_in, phq9):
    answer_all(phq9, {1: 1, 2: 1})
    response = signed_in.post(reverse("questionnaires:check", args=[phq9.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Answer question 9" in html
    assert item_url(phq9, 9, change=True).replace("&", "&amp;") in html
    phq9.refresh_from_db()
    assert phq9.status == AdministrationStatus.IN_PROGRESS


def test_all_on_one_page_saves_answers_and_requires_item_9(signed_in, phq9):
    url = reverse("questionnaires:all", args=[phq9.pk])
    data = {f"item_{n}": str(v) for n, v in PHQ9_NO_RISK.items() if n != 9}
    response = signed_in.post(url, data)
    assert response.status_code == 200
    assert "Select an answer to question 9." in response.content.decode()
    assert Answer.objects.filter(administration=phq9).count() == 9  # nothing typed is lost
    data["item_9"] = "0"
    response = signed_in.post(url, data)
    assert response["Location"] == reverse("questionnaires:check", args=[phq9.pk])


def test_list_shows_due_and_done(signed_in, treatment):
    due = AdministrationFactory(treatment=treatment)
    done = AdministrationFactory(treatment=treatment, instrument="gad7")
    answer_all(done, {n: 0 for n in range(1, 8)})
    from apps.questionnaires.services import administration_complete

    administration_complete(administration=done)
    html = signed_in.get(reverse("questionnaires:list")).content.decode()
    assert reverse("questionnaires:start", args=[due.pk]) in html
    assert reverse("questionnaires:result", args=[done.pk]) in html


def test_closed_questionnaire_cannot_be_answered(signed_in, phq9):
    Administration.objects.filter(pk=phq9.pk).update(
        status=AdministrationStatus.MISSED, missed_at=phq9.due_from
    )
    response = signed_in.post(item_url(phq9, 1), {"answer": "1"})
    assert "This questionnaire is closed" in response.content.decode()
    assert not Answer.objects.filter(administration=phq9).exists()


# --- Access ------------------------------------------------------------------


def test_client_cannot_open_another_clients_administration_by_id(signed_in, other_treatment):
    theirs = AdministrationFactory(treatment=other_treatment)
    for url in (
        reverse("questionnaires:start", args=[theirs.pk]),
        item_url(theirs, 1),
        reverse("questionnaires:check", args=[theirs.pk]),
        reverse("questionnaires:result", args=[theirs.pk]),
    ):
        assert signed_in.get(url).status_code == 404
    assert signed_in.post(item_url(theirs, 1), {"answer": "3"}).status_code == 404
    assert not Answer.objects.filter(administration=theirs).exists()


def test_staff_cannot_use_client_questionnaire_pages(client, pwp, phq9):
    client.login(email=pwp.email, password=PASSWORD)
    assert client.get(reverse("questionnaires:start", args=[phq9.pk])).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client, phq9):
    response = client.get(reverse("questionnaires:start", args=[phq9.pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_staff_scores_page_shows_missed_and_is_refused_to_other_pwp(
    client, pwp, other_pwp, trial_manager, treatment
):
    AdministrationFactory(
        treatment=treatment, status=AdministrationStatus.MISSED, missed_at=treatment.created_at
    )
    url = reverse("questionnaires:treatment_scores", args=[treatment.pk])
    client.login(email=pwp.email, password=PASSWORD)
    html = client.get(url).content.decode()
    assert "Missed" in html
    client.logout()
    client.login(email=other_pwp.email, password=PASSWORD)
    assert client.get(url).status_code == 404
    client.logout()
    client.login(email=trial_manager.email, password=PASSWORD)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_staff_scores_page_says_down_4_not_down_minus_4(client, pwp, treatment):
    import datetime

    from apps.questionnaires.models import TimePoint
    from apps.questionnaires.services import administration_complete

    baseline = AdministrationFactory(treatment=treatment)
    answer_all(baseline, {**PHQ9_NO_RISK, 1: 3, 2: 3})  # total 9
    administration_complete(administration=baseline)
    later = AdministrationFactory(
        treatment=treatment,
        time_point=TimePoint.pre_session(1),
        due_from=baseline.due_from + datetime.timedelta(hours=1),
    )
    answer_all(later, PHQ9_NO_RISK)  # total 5
    administration_complete(administration=later)
    client.login(email=pwp.email, password=PASSWORD)
    html = client.get(reverse("questionnaires:treatment_scores", args=[treatment.pk])).content
    html = html.decode()
    assert "Down 4 since baseline" in html
    assert "Down -4" not in html

"""Goals are shared: the PWP proposes and changes them with the client, both comment,
a goal is marked agreed in a session, and ratings and comments sit together."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.care.models import AppointmentStatus
from apps.safety.models import RiskAlert
from apps.tracking.models import Goal, GoalComment
from tests.care.factories import AppointmentFactory
from tests.factories import PASSWORD
from tests.tracking.factories import GoalFactory

pytestmark = pytest.mark.django_db


def _sign_in(client, user):
    client.login(email=user.email, password=PASSWORD)
    return client


@pytest.fixture
def goal(client_user, treatment):
    return GoalFactory(client=client_user, treatment=treatment, title="Walk to the park")


def test_pwp_proposes_a_goal_and_the_client_sees_it_with_their_goals(
    client, pwp, treatment, client_user
):
    pwp.first_name = "Priya"
    pwp.save()
    _sign_in(client, pwp)
    url = reverse("workspace:goal_new", args=[treatment.pk])
    response = client.post(url, {"title": "Cook one meal a week", "why_it_matters": "Energy"})
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert goal.client == client_user and goal.created_by == pwp and goal.treatment == treatment
    client.logout()
    _sign_in(client, client_user)
    assert "Cook one meal a week" in client.get(reverse("tracking:goals")).content.decode()
    page = client.get(reverse("tracking:goal_detail", args=[goal.pk])).content.decode()
    assert "Priya proposed this goal with you" in page


def test_bad_goal_input_keeps_what_was_typed(client, pwp, treatment):
    _sign_in(client, pwp)
    url = reverse("workspace:goal_new", args=[treatment.pk])
    response = client.post(url, {"title": "", "why_it_matters": "Keep these words"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter what the client will do" in page and "Keep these words" in page
    assert not Goal.objects.exists()


def test_both_comment_and_see_each_others_comments(client, pwp, client_user, treatment, goal):
    _sign_in(client, client_user)
    response = client.post(
        reverse("tracking:goal_comment", args=[goal.pk]), {"text": "Rain makes it hard"}
    )
    assert response.status_code == 302
    client.logout()
    _sign_in(client, pwp)
    url = reverse("workspace:goal", args=[treatment.pk, goal.pk])
    assert "Rain makes it hard" in client.get(url).content.decode()
    client.post(url, {"action": "comment", "text": "Try the covered route?"})
    client.logout()
    _sign_in(client, client_user)
    page = client.get(reverse("tracking:goal_detail", args=[goal.pk])).content.decode()
    assert "Rain makes it hard" in page and "Try the covered route?" in page
    assert GoalComment.objects.count() == 2


def test_client_comment_goes_through_the_risk_screen(client, client_user, goal):
    _sign_in(client, client_user)
    client.post(reverse("tracking:goal_comment", args=[goal.pk]), {"text": "I want to kill myself"})
    assert RiskAlert.objects.get().subject == GoalComment.objects.get()


def test_empty_client_comment_says_what_to_do(client, client_user, goal):
    _sign_in(client, client_user)
    response = client.post(reverse("tracking:goal_comment", args=[goal.pk]), {"text": " "})
    assert response.status_code == 400
    assert "Write your comment before you send it" in response.content.decode()


def test_goal_marked_agreed_in_a_session_shows_on_both_sides(
    client, pwp, client_user, treatment, goal
):
    session = AppointmentFactory(
        treatment=treatment,
        number=2,
        status=AppointmentStatus.ATTENDED,
        starts_at=timezone.now() - datetime.timedelta(days=1),
    )
    _sign_in(client, pwp)
    url = reverse("workspace:goal", args=[treatment.pk, goal.pk])
    assert client.post(url, {"action": "agree", "appointment": session.pk}).status_code == 302
    goal.refresh_from_db()
    assert goal.agreed_in == session
    review = client.get(reverse("workspace:review", args=[treatment.pk])).content.decode()
    assert "Agreed in session 2" in review
    client.logout()
    _sign_in(client, client_user)
    page = client.get(reverse("tracking:goal_detail", args=[goal.pk])).content.decode()
    assert "Agreed in session 2" in page


def test_pwp_changes_the_goal_wording(client, pwp, treatment, goal):
    _sign_in(client, pwp)
    url = reverse("workspace:goal", args=[treatment.pk, goal.pk])
    client.post(url, {"action": "edit", "title": "Walk to the park twice a week"})
    goal.refresh_from_db()
    assert goal.title == "Walk to the park twice a week"


@pytest.mark.parametrize("persona", ["colleague_pwp", "other_pwp", "supervisor", "client_user"])
def test_only_the_clients_own_pwp_opens_or_changes_the_goal(
    client, request, treatment, goal, persona
):
    _sign_in(client, request.getfixturevalue(persona))
    url = reverse("workspace:goal", args=[treatment.pk, goal.pk])
    assert client.get(url).status_code in (403, 404)
    client.post(url, {"action": "edit", "title": "hijack"})
    goal.refresh_from_db()
    assert goal.title == "Walk to the park"


def test_another_client_cannot_comment_on_the_goal(client, other_client, goal):
    _sign_in(client, other_client)
    response = client.post(reverse("tracking:goal_comment", args=[goal.pk]), {"text": "x"})
    assert response.status_code == 404
    assert not GoalComment.objects.exists()


def test_a_goal_of_another_treatment_is_not_found(client, pwp, treatment, other_treatment):
    foreign = GoalFactory(client=other_treatment.client, treatment=other_treatment)
    _sign_in(client, pwp)
    url = reverse("workspace:goal", args=[treatment.pk, foreign.pk])
    assert client.get(url).status_code == 404

"""Session lifetime: only what a person does extends it; an absolute limit ends it."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.programme.content import content_load
from apps.programme.models import Step

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


@pytest.fixture
def step(db):
    content_load(directory=settings.CONTENT_DIR)
    return Step.objects.get(slug="thought-record")


def test_the_exercise_heartbeat_does_not_keep_a_session_alive(client, client_user, step):
    client.force_login(client_user)
    ping = reverse("programme:step_ping", args=[step.pk])
    start = timezone.now()
    for minutes in (10, 20, 29):
        with time_machine.travel(start + datetime.timedelta(minutes=minutes)):
            assert client.post(ping).status_code == 204
    with time_machine.travel(start + datetime.timedelta(minutes=31)):
        response = client.get(reverse("programme:home"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_navigation_extends_the_session(client, client_user):
    client.force_login(client_user)
    start = timezone.now()
    for minutes in (20, 40, 60):
        with time_machine.travel(start + datetime.timedelta(minutes=minutes)):
            assert client.get(reverse("programme:home")).status_code == 200


def test_stay_signed_in_extends_the_session(client, client_user):
    client.force_login(client_user)
    start = timezone.now()
    with time_machine.travel(start + datetime.timedelta(minutes=25)):
        assert client.post(reverse("core:session_extend")).status_code == 204
    with time_machine.travel(start + datetime.timedelta(minutes=50)):
        assert client.get(reverse("programme:home")).status_code == 200


def test_a_background_poll_after_the_idle_limit_signs_out(client, client_user):
    client.force_login(client_user)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        response = client.post(
            reverse("core:session_extend"), headers={"X-Requested-With": "fetch"}
        )
    assert response.status_code in (302, 401)  # the page then shows "You have been signed out"
    assert client.get(reverse("programme:home")).status_code == 302


@pytest.mark.parametrize(
    ("persona", "limit"),
    [("client_user", datetime.timedelta(days=7)), ("pwp", datetime.timedelta(hours=12))],
)
def test_a_session_ends_at_its_absolute_limit_however_busy(client, request, persona, limit):
    user = request.getfixturevalue(persona)
    home = reverse("workspace:home")
    client.force_login(user)
    start = timezone.now()
    moment = start
    # Busy all along: a request every 20 minutes, right up to the limit.
    while moment + datetime.timedelta(minutes=20) < start + limit:
        moment += datetime.timedelta(minutes=20)
        with time_machine.travel(moment):
            assert client.get(home).status_code in (200, 302)
            assert client.get(home).get("Location", "").startswith(LOGIN) is False
    with time_machine.travel(start + limit + datetime.timedelta(minutes=1)):
        response = client.get(home)
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert "For your security you were signed out" in client.get(response.url).content.decode()


def test_absolute_limits_come_from_settings():
    assert settings.SESSION_ABSOLUTE_STAFF == datetime.timedelta(hours=12)
    assert settings.SESSION_ABSOLUTE_CLIENT == datetime.timedelta(days=7)
    assert settings.SESSION_SAVE_EVERY_REQUEST is False

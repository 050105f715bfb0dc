"""Brute-force protection (django-axes): 5 failed sign-ins per (email, IP)
pause signing in for 15 minutes, with the same calm page whether or not the
email has an account."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from apps.accounts.services import sign_in_lockout_clear
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)  # 9:00am in London


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _attempt(client, email, password="wrong password", **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def _fail(client, email, times, **extra):
    for _ in range(times):
        response = _attempt(client, email, **extra)
    return response


def _page(response) -> str:
    # The CSRF token differs per request; nothing else should.
    return re.sub(r"[0-9A-Za-z]{32,}", "TOKEN", response.content.decode())


def test_fifth_failure_pauses_sign_in_and_says_when_to_try_again(client, pwp, clock):
    fourth = _fail(client, pwp.email, 4)
    assert fourth.status_code == 200
    assert "There is a problem" in fourth.content.decode()

    fifth = _attempt(client, pwp.email)
    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert "Sign-in paused" in page
    assert "Wait 15 minutes, then try again. You can try again after 9:15am." in page
    assert reverse("accounts:password_reset") in page

    # Even the right password is refused while paused.
    right = _attempt(client, pwp.email, PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_sign_in_works_again_after_the_cool_off(client, pwp, clock):
    _fail(client, pwp.email, 5)
    clock.shift(datetime.timedelta(minutes=14))
    assert _attempt(client, pwp.email, PASSWORD).status_code == 429
    # Trying during the pause restarted the 15 minutes.
    clock.shift(datetime.timedelta(minutes=15, seconds=1))
    response = _attempt(client, pwp.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(pwp.pk)


def test_a_successful_sign_in_resets_the_count(client, client_user, clock):
    _fail(client, client_user.email, 4)
    assert _attempt(client, client_user.email, PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    assert _fail(client, client_user.email, 4).status_code == 200
    assert _attempt(client, client_user.email).status_code == 429


def test_unknown_email_gets_exactly_the_same_lockout_page(client, pwp, clock):
    known = _fail(client, pwp.email, 5)
    unknown = _fail(client, "nobody@example.org", 5)
    assert unknown.status_code == known.status_code == 429
    assert _page(unknown) == _page(known)
    assert "nobody@example.org" not in unknown.content.decode()


def test_lockout_is_per_email_and_address(client, pwp, colleague_pwp, clock):
    _fail(client, pwp.email, 5)
    # Case and spaces do not make a new email.
    assert _attempt(client, f"  {pwp.email.upper()} ").status_code == 429
    # Another person at the same address is not locked out.
    assert _attempt(client, colleague_pwp.email, PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    # The same email from another address is not locked out.
    other_ip = _attempt(client, pwp.email, PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert other_ip.status_code == 302


def test_a_new_password_from_a_reset_link_ends_the_pause(client, pwp, clock):
    _fail(client, pwp.email, 5)
    assert sign_in_lockout_clear(user=pwp) == 1
    assert _attempt(client, pwp.email, PASSWORD).status_code == 302


def test_invitation_link_still_signs_the_client_in_with_axes_on(
    client, pwp, service, django_capture_on_commit_callbacks
):
    from tests.accounts.test_views import _enrol, _link_from_last_email

    _enrol(pwp, service, django_capture_on_commit_callbacks)
    link = _link_from_last_email()
    password = "a calm green river"
    response = client.post(link, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302
    assert client.get(reverse("programme:home")).status_code == 200


def test_sign_in_records_are_deleted_after_the_retention_period(client, client_user, settings):
    from axes.models import AccessLog

    from apps.accounts.tasks import sign_in_records_prune
    from config import celery_app

    settings.SIGN_IN_RECORD_RETENTION_DAYS = 90
    with time_machine.travel(NOW - datetime.timedelta(days=91), tick=False):
        client.post(LOGIN, {"username": client_user.email, "password": PASSWORD})
    client.logout()
    with time_machine.travel(NOW - datetime.timedelta(days=89), tick=False):
        client.post(LOGIN, {"username": client_user.email, "password": PASSWORD})
    assert AccessLog.objects.count() == 2

    with time_machine.travel(NOW, tick=False):
        assert sign_in_records_prune() == 1
    (kept,) = AccessLog.objects.all()
    assert kept.attempt_time.date() == (NOW - datetime.timedelta(days=89)).date()
    assert client_user.login_events.count() == 2  # adherence counts are kept
    assert "apps.accounts.tasks.sign_in_records_prune" in {
        entry["task"] for entry in celery_app.conf.beat_schedule.values()
    }

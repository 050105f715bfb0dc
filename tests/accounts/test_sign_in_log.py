"""The sign-in log (django-axes): every attempt is recorded for security
review, with the client's address as the proxies report it, kept for a
limited time; the log never locks anybody out."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.urls import reverse

from apps.accounts.tasks import sign_in_records_prune
from config import celery_app
from tests.accounts.test_views import _enrol, _link_from_last_email
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True


def _attempt(client, email, password="wrong password", **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def test_every_attempt_is_logged_and_none_locks_the_person_out(client, pwp, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    behind_proxy = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    for _ in range(12):
        assert _attempt(client, f"  {pwp.email.upper()} ", **behind_proxy).status_code == 200
    # Twelve failures: still no lockout (the delays of apps.accounts.throttle,
    # switched off here, are what slow guessing down).
    assert _attempt(client, pwp.email, PASSWORD, **behind_proxy).status_code == 302

    failures = AccessFailureLog.objects.all()
    assert failures.count() == 12
    assert {(f.username, f.ip_address, f.locked_out) for f in failures} == {
        (pwp.email, "203.0.113.5", False)
    }
    (success,) = AccessLog.objects.all()
    assert (success.username, success.ip_address) == (pwp.email, "203.0.113.5")
    client.post(reverse("accounts:logout"))
    success.refresh_from_db()
    assert success.logout_time is not None


def test_sign_in_records_are_deleted_after_the_retention_period(client, client_user, settings):
    settings.SIGN_IN_RECORD_RETENTION_DAYS = 90
    with time_machine.travel(NOW - datetime.timedelta(days=91), tick=False):
        _attempt(client, client_user.email)
        _attempt(client, client_user.email, PASSWORD)
    client.logout()
    with time_machine.travel(NOW - datetime.timedelta(days=89), tick=False):
        _attempt(client, client_user.email)
        _attempt(client, client_user.email, PASSWORD)
    assert AccessLog.objects.count() == 2
    assert AccessFailureLog.objects.count() == 2

    with time_machine.travel(NOW, tick=False):
        assert sign_in_records_prune() == 2
    for model in (AccessLog, AccessFailureLog):
        (kept,) = model.objects.all()
        assert kept.attempt_time.date() == (NOW - datetime.timedelta(days=89)).date()
    assert not AccessAttempt.objects.filter(attempt_time__lt=NOW - datetime.timedelta(days=90))
    assert client_user.login_events.count() == 2  # adherence counts are kept
    assert "apps.accounts.tasks.sign_in_records_prune" in {
        entry["task"] for entry in celery_app.conf.beat_schedule.values()
    }


def test_invitation_link_still_signs_the_client_in_with_the_log_on(
    client, pwp, service, django_capture_on_commit_callbacks
):
    _enrol(pwp, service, django_capture_on_commit_callbacks)
    link = _link_from_last_email()
    password = "a calm green river"
    response = client.post(link, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302
    assert client.get(reverse("programme:home")).status_code == 200

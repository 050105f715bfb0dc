"""Password spraying and friends: one address trying many emails, asking for
many reset links or guessing two-step codes for many accounts is slowed down;
one email tried or reset from many addresses is slowed down; behind a proxy,
clients are told apart by X-Forwarded-For and a shared proxy address is not a
global lockout."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from apps.accounts import throttle
from apps.notifications.models import Notification
from tests.accounts.factories import TOTPDeviceFactory
from tests.accounts.otp_helpers import device_code, sign_in
from tests.factories import PASSWORD, StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_on")]

LOGIN = reverse("accounts:login")
RESET = reverse("accounts:password_reset")
VERIFY = reverse("accounts:otp_verify")
NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _page(response) -> str:
    # The CSRF token differs per request; nothing else should.
    return re.sub(r"[0-9A-Za-z]{32,}", "TOKEN", response.content.decode())


def _attempt(client, email, password="wrong password", **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def test_one_address_cannot_try_thirty_emails_in_a_row(client, clock):
    codes = [_attempt(client, f"person{i}@example.org").status_code for i in range(30)]
    assert codes[:10] == [200] * 10
    assert set(codes[10:]) == {429}  # the eleventh has to wait
    page = _attempt(client, "person99@example.org").content.decode()
    assert "Wait 1 second, then try again." in page


def test_one_email_from_many_addresses_is_slowed_down(client, pwp, clock):
    for i in range(3):
        _attempt(client, pwp.email, REMOTE_ADDR=f"198.51.100.{i}")
    assert _attempt(client, pwp.email, REMOTE_ADDR="198.51.100.200").status_code == 429


def test_unknown_and_known_emails_get_the_same_wait_page(client, pwp, clock):
    for _ in range(3):
        _attempt(client, pwp.email, REMOTE_ADDR="198.51.100.1")
        _attempt(client, "nobody@example.org", REMOTE_ADDR="198.51.100.2")
    known = _attempt(client, pwp.email, REMOTE_ADDR="198.51.100.1")
    unknown = _attempt(client, "nobody@example.org", REMOTE_ADDR="198.51.100.2")
    assert known.status_code == unknown.status_code == 429
    assert _page(known).replace(pwp.email, "E") == _page(unknown).replace("nobody@example.org", "E")


def test_behind_a_proxy_distinct_clients_are_distinct(client, clock, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    # One sprayer behind the load balancer is slowed down...
    for i in range(10):
        _attempt(client, f"p{i}@example.org", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    sprayer = _attempt(client, "p11@example.org", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert sprayer.status_code == 429
    # ...and forging a left-hand entry does not make it someone new...
    forged = _attempt(
        client, "p12@example.org", HTTP_X_FORWARDED_FOR="192.0.2.77, 203.0.113.5", **proxy
    )
    assert forged.status_code == 429
    # ...while everyone else behind the same proxy address signs in as usual.
    other = _attempt(client, "someone@example.org", HTTP_X_FORWARDED_FOR="198.51.100.9", **proxy)
    assert other.status_code == 200


def test_without_a_trusted_proxy_the_header_is_ignored(settings):
    settings.AXES_IPWARE_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert throttle.client_ip(request) == "10.0.0.1"
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_PROXY_TRUSTED_IPS = ["10.0.0.2"]
    assert throttle.client_ip(request) == "10.0.0.1"  # not from a trusted proxy
    settings.AXES_IPWARE_PROXY_TRUSTED_IPS = ["10.0.0.1"]
    assert throttle.client_ip(request) == "1.2.3.4"
    settings.AXES_IPWARE_PROXY_COUNT = 2
    two = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4, 10.0.0.3"
    )
    assert throttle.client_ip(two) == "1.2.3.4"


def test_a_right_guess_does_not_reset_the_address_budget(client, client_user, clock):
    for i in range(9):
        _attempt(client, f"q{i}@example.org")
    assert _attempt(client, client_user.email, PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    _attempt(client, "q10@example.org")
    assert _attempt(client, "q11@example.org").status_code == 429


def test_parallel_attempts_cannot_share_one_opening(pwp):
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="198.51.100.3")
    counters = throttle.sign_in_counters(request, pwp.email)
    for _ in range(3):
        throttle.attempt_count(throttle.attempt_begin(counters, scope="test"))
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=2)
    with time_machine.travel(later):
        first = throttle.attempt_begin(counters, scope="test")
        second = throttle.attempt_begin(counters, scope="test")  # while the first is checked
        assert first.wait is None
        assert second.wait is not None
        throttle.attempt_release(first)
        assert throttle.attempt_begin(counters, scope="test").wait is None


# --- Password reset requests ---------------------------------------------------


def _reset(client, email, **extra):
    return client.post(RESET, {"email": email}, **extra)


def test_one_address_asking_for_resets_for_many_emails_is_slowed(
    client, client_user, clock, django_capture_on_commit_callbacks
):
    codes = [_reset(client, f"r{i}@example.org").status_code for i in range(5)]
    assert codes == [302] * 5
    with django_capture_on_commit_callbacks(execute=True):
        response = _reset(client, client_user.email)
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    page = response.content.decode()
    assert "There were several requests for a new password." in page
    assert "Wait 1 second, then try again." in page
    assert mail.outbox == []  # the waiting request sent nothing
    # Everyone else asks as usual.
    assert _reset(Client(), "r99@example.org", REMOTE_ADDR="198.51.100.4").status_code == 302


def test_resets_for_one_email_are_limited_from_any_address_and_reveal_nobody(
    client, client_user, clock
):
    for i in range(3):
        assert _reset(client, client_user.email, REMOTE_ADDR=f"198.51.100.{i}").status_code == 302
        assert _reset(client, "nobody@example.org", REMOTE_ADDR=f"203.0.113.{i}").status_code == 302
    known = _reset(client, client_user.email.upper(), REMOTE_ADDR="198.51.100.50")
    unknown = _reset(client, "nobody@example.org", REMOTE_ADDR="203.0.113.50")
    assert known.status_code == unknown.status_code == 429
    assert known["Retry-After"] == unknown["Retry-After"]
    assert _page(known).replace(client_user.email.upper(), "E") == _page(unknown).replace(
        "nobody@example.org", "E"
    )
    assert Notification.objects.filter(recipient=client_user, kind="password_reset").count() == 1
    clock.shift(datetime.timedelta(seconds=1))
    assert _reset(client, client_user.email, REMOTE_ADDR="198.51.100.51").status_code == 302


def test_behind_a_proxy_one_clients_reset_requests_do_not_stop_the_others(client, clock, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for i in range(5):
        _reset(client, f"s{i}@example.org", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert (
        _reset(client, "s9@example.org", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code
        == 429
    )
    other = _reset(client, "t@example.org", HTTP_X_FORWARDED_FOR="198.51.100.9", **proxy)
    assert other.status_code == 302


# --- Two-step codes ----------------------------------------------------------------


def test_one_address_guessing_codes_for_many_accounts_is_slowed(service, clock, settings):
    settings.STAFF_2FA_REQUIRED = True
    settings.TWO_STEP_IP_FREE_FAILURES = 3
    staff = [StaffFactory(pwp_in=service, email=f"staff{i}@north.example") for i in range(4)]
    devices = [TOTPDeviceFactory(user=person) for person in staff]
    browsers = []
    for person in staff:
        browser = Client(REMOTE_ADDR="198.51.100.66")
        assert sign_in(browser, person).status_code == 302
        browsers.append(browser)
    for browser, device in zip(browsers[:3], devices, strict=False):
        wrong = f"{(int(device_code(device)) + 1) % 1_000_000:06d}"
        page = browser.post(VERIFY, {"otp_token": wrong})
        assert "That code did not work" in page.content.decode()
    # The fourth account's right code has to wait: this address guessed too often.
    right = browsers[3].post(VERIFY, {"otp_token": device_code(devices[3])})
    assert right.status_code == 429
    assert right["Retry-After"] == "1"
    assert "There were several wrong codes from your network." in right.content.decode()
    assert "Wait 1 second, then try again." in right.content.decode()
    clock.shift(datetime.timedelta(seconds=1))
    assert browsers[3].post(VERIFY, {"otp_token": device_code(devices[3])}).status_code == 302

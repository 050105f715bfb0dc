"""A person who mistypes their password is slowed down, never locked out:
growing waits that say when to try again, which nobody else can stretch, and
which a stranger's guesses never impose on the owner's own device."""

import datetime
import re

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse

from apps.accounts.throttle import KNOWN_DEVICE_COOKIE
from tests.accounts.test_views import _link_from_last_email
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_on")]

LOGIN = reverse("accounts:login")
NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)  # 9:00am in London
HOME = "10.1.1.1"  # the person's home network, shared with whoever is on it


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _attempt(client, email, password="wrong password", **extra):
    extra.setdefault("REMOTE_ADDR", HOME)
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def _signed_in_as(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def test_a_person_who_keeps_mistyping_waits_longer_each_time_and_is_never_locked_out(
    client, pwp, clock
):
    for _ in range(3):
        assert _attempt(client, pwp.email).status_code == 200
    waits = []
    for _ in range(8):
        response = _attempt(client, pwp.email)
        assert response.status_code == 429
        waits.append(int(response["Retry-After"]))
        clock.shift(datetime.timedelta(seconds=waits[-1]))
        assert _attempt(client, pwp.email).status_code == 200  # a wrong guess, checked
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128]
    # Eleven wrong passwords later, the right one works after the wait.
    clock.shift(datetime.timedelta(seconds=256))
    assert _attempt(client, pwp.email, PASSWORD).status_code == 302
    assert _signed_in_as(client, pwp)


def test_the_wait_is_shown_on_the_sign_in_page_with_when_to_try_again(client, pwp, clock):
    for _ in range(3):
        _attempt(client, pwp.email)
    short = _attempt(client, pwp.email)
    page = short.content.decode()
    assert short.status_code == 429
    assert "There is a problem" in page and "<title>Error:" in page
    assert "each new attempt has to wait a little longer" in page
    assert "Wait 1 second, then try again." in page
    assert f'value="{pwp.email}"' in page  # the email stays typed in
    assert reverse("accounts:password_reset") in page

    for seconds in (1, 2, 4, 8, 16, 32):
        clock.shift(datetime.timedelta(seconds=seconds))
        _attempt(client, pwp.email)
    long = _attempt(client, pwp.email).content.decode()
    # 64 seconds from 9:00:00 (after the shifts, 9:01:03): two minutes, after 9:03am.
    assert "Wait 2 minutes, then try again. You can try again after 9:03am." in long


def test_trying_again_during_the_wait_does_not_make_it_longer(client, pwp, clock):
    for _ in range(6):
        clock.shift(datetime.timedelta(seconds=8))
        _attempt(client, pwp.email)
    first = _attempt(client, pwp.email)
    assert first.status_code == 429
    wait = int(first["Retry-After"])
    for _ in range(30):  # hammering during the wait
        assert _attempt(client, pwp.email, PASSWORD).status_code == 429
    clock.shift(datetime.timedelta(seconds=wait))
    assert _attempt(client, pwp.email, PASSWORD).status_code == 302


def test_a_stranger_cannot_lock_the_owner_out_of_their_own_device(client, pwp, clock):
    # The owner signed in on this browser before.
    assert _attempt(client, pwp.email, PASSWORD).status_code == 302
    cookie = client.cookies[KNOWN_DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert pwp.email not in cookie.value
    client.post(reverse("accounts:logout"))

    # Someone on the same network guesses the owner's password and sprays others.
    stranger = Client()
    for i in range(40):
        _attempt(stranger, pwp.email)
        _attempt(stranger, f"someone{i}@example.org")
    assert _attempt(stranger, pwp.email, PASSWORD).status_code == 429

    # The owner, on their own device and network, signs in straight away.
    assert _attempt(client, pwp.email, PASSWORD).status_code == 302
    assert _signed_in_as(client, pwp)


def test_on_a_known_device_the_owners_own_mistakes_still_slow_them(client, pwp, clock):
    _attempt(client, pwp.email, PASSWORD)
    client.post(reverse("accounts:logout"))
    for _ in range(3):
        assert _attempt(client, pwp.email).status_code == 200
    assert _attempt(client, pwp.email).status_code == 429


def test_a_made_up_known_device_cookie_counts_for_nothing(client, pwp, clock):
    client.cookies[KNOWN_DEVICE_COOKIE] = signing.dumps(
        {"device": "mine", "emails": ["0" * 20]}, salt="wrong salt"
    )
    for _ in range(3):
        _attempt(client, pwp.email, REMOTE_ADDR="198.51.100.7")
    assert _attempt(client, pwp.email, PASSWORD).status_code == 429


def test_a_right_password_starts_the_count_again(client, client_user, clock):
    for _ in range(3):
        _attempt(client, client_user.email, REMOTE_ADDR="198.51.100.1")
    clock.shift(datetime.timedelta(seconds=1))
    right = _attempt(client, client_user.email, PASSWORD, REMOTE_ADDR="198.51.100.1")
    assert right.status_code == 302
    client.post(reverse("accounts:logout"))
    client.cookies.clear()  # as a new device
    for _ in range(3):
        assert _attempt(client, client_user.email, REMOTE_ADDR="198.51.100.2").status_code == 200


def test_a_new_password_from_a_reset_link_ends_the_wait(
    client, pwp, clock, django_capture_on_commit_callbacks
):
    for _ in range(8):
        _attempt(client, pwp.email)
        clock.shift(datetime.timedelta(seconds=5))
    assert _attempt(client, pwp.email, PASSWORD).status_code == 429

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": pwp.email}, REMOTE_ADDR=HOME)
    form_page = client.get(_link_from_last_email(), follow=True)
    new = "another calm river"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    assert _attempt(client, pwp.email, new).status_code == 302


def test_unknown_email_gets_exactly_the_same_wait(client, pwp, clock):
    def page(response):
        # The CSRF token differs per request, and the email is typed back in.
        text = re.sub(r"[0-9A-Za-z]{32,}", "TOKEN", response.content.decode())
        return text.replace(pwp.email, "EMAIL").replace("nobody@example.org", "EMAIL")

    for _ in range(3):
        _attempt(client, pwp.email, REMOTE_ADDR="198.51.100.1")
        _attempt(client, "nobody@example.org", REMOTE_ADDR="198.51.100.2")
    known = _attempt(client, pwp.email, REMOTE_ADDR="198.51.100.1")
    unknown = _attempt(client, "nobody@example.org", REMOTE_ADDR="198.51.100.2")
    assert known.status_code == unknown.status_code == 429
    assert known["Retry-After"] == unknown["Retry-After"]
    assert page(known) == page(unknown)


def test_the_admin_has_no_sign_in_form_of_its_own(client, admin_user, clock):
    page = client.get("/admin/login/?next=/admin/accounts/user/")
    assert page.status_code == 302
    assert page.url == f"{LOGIN}?next=/admin/accounts/user/"
    # Posting a password to it signs nobody in and is not a way round the waits.
    post = client.post("/admin/login/", {"username": admin_user.email, "password": PASSWORD})
    assert post.status_code == 302 and post.url.startswith(LOGIN)
    assert not _signed_in_as(client, admin_user)

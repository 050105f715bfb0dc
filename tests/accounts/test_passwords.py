"""Passwords: not the person's name or email, not a common password; everyone
can change theirs; a change ends every other session and keeps this one."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from apps.notifications.models import Notification
from tests.accounts.otp_helpers import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CHANGE = reverse("accounts:password_change")


@pytest.mark.parametrize(
    "password",
    [
        "Ceridwen-2024-river",  # first name inside
        "my quillfeather garden",  # last name, any case
        "client-example-autumn",  # the email before the @, with punctuation
        "password123",  # a common password
    ],
)
def test_passwords_with_the_persons_name_or_common_ones_are_refused(client_user, password):
    with pytest.raises(ValidationError):
        validate_password(password, client_user)


def test_an_unrelated_long_password_is_fine(client_user):
    validate_password("a calm green river", client_user)


def test_everyone_has_a_change_password_link_and_page(client, client_user):
    client.force_login(client_user)
    home = client.get(reverse("programme:home")).content.decode()
    assert f'href="{CHANGE}"' in home
    page = client.get(CHANGE).content.decode()
    assert "Change your password" in page and 'autocomplete="current-password"' in page


def test_changing_the_password_ends_other_sessions_and_keeps_this_one(client, client_user):
    other_device = Client()
    other_device.force_login(client_user)
    assert other_device.get(reverse("programme:home")).status_code == 200
    client.force_login(client_user)
    response = client.post(
        CHANGE,
        {
            "old_password": PASSWORD,
            "new_password1": "a calm green river",
            "new_password2": "a calm green river",
        },
        follow=True,
    )
    assert "You were signed out everywhere else" in response.content.decode()
    assert client.get(reverse("programme:home")).status_code == 200
    assert other_device.get(reverse("programme:home")).status_code == 302
    assert Notification.objects.filter(recipient=client_user, kind="password_changed").exists()


def test_the_new_password_is_checked_against_the_name(client, client_user):
    client.force_login(client_user)
    response = client.post(
        CHANGE,
        {
            "old_password": PASSWORD,
            "new_password1": "ceridwen is my name",
            "new_password2": "ceridwen is my name",
        },
    )
    assert "must not contain your name" in response.content.decode()
    client_user.refresh_from_db()
    assert client_user.check_password(PASSWORD)


def test_a_wrong_current_password_is_refused(client, client_user):
    client.force_login(client_user)
    response = client.post(
        CHANGE,
        {
            "old_password": "nope",
            "new_password1": "a calm green river",
            "new_password2": "a calm green river",
        },
    )
    assert "Your current password is not right" in response.content.decode()


def test_staff_cannot_change_the_password_with_the_password_alone(client, pwp, settings):
    settings.STAFF_2FA_REQUIRED = True
    sign_in(client, pwp)
    response = client.get(CHANGE)
    assert response.status_code == 302
    assert not response.url.startswith(CHANGE)
    assert client.get(reverse("accounts:api_tokens")).status_code == 302

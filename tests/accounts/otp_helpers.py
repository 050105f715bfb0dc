"""Helpers for two-step verification tests: codes as an authenticator app makes them."""

import base64
import time

from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.tokens import two_step_setup_token_generator
from tests.factories import PASSWORD


def totp_code(key: bytes, *, step: int = 30, ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `ahead` steps later)."""
    totp = TOTP(key, step=step)
    totp.time = time.time() + ahead * step
    return f"{totp.token():06d}"


def device_code(device: TOTPDevice, *, ahead: int = 0) -> str:
    return totp_code(device.bin_key, step=device.step, ahead=ahead)


def key_from_page(text: str) -> bytes:
    """Decode the setup key as a person would type it (spaces, any case)."""
    key = "".join(text.split()).upper()
    return base64.b32decode(key + "=" * (-len(key) % 8))


def sign_in(client, user, *, next_url: str | None = None):
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("accounts:login"), data)


def setup_link(user) -> str:
    """The one-time set-up link the person is emailed (as the outbox makes it)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = two_step_setup_token_generator.make_token(user)
    return reverse("accounts:otp_setup_link", args=[uid, token])


def open_setup_link(client, user):
    """Open the emailed set-up link in this browser, as the person would."""
    response = client.get(setup_link(user))
    assert response.status_code == 302, response.status_code
    return response

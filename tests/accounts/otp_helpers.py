"""Helpers for two-step verification tests: codes as an authenticator app makes them."""

import base64
import time

from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

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

"""django-axes hooks: how a sign-in attempt is keyed, and the lockout page.

Attempts are counted per (email as typed, lower-cased; IP address), whether
or not an account has that email, so the lockout looks the same for every
address and cannot be used to find out who has an account.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def username_from_request(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The email an attempt was made with, normalised like the login form does."""
    value = (credentials or {}).get("username")
    if value is None:
        value = request.POST.get("username")
    return value.strip().lower() if value else value


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The calm lockout page (HTTP 429), saying when to try again.

    Each attempt during a lockout restarts the cool-off (axes'
    AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so "from now" is right.
    """
    cool_off = settings.AXES_COOLOFF_TIME
    at = timezone.localtime(timezone.now() + cool_off)
    return render(
        request,
        "accounts/locked_out.html",
        {
            "cool_off_minutes": int(cool_off.total_seconds() // 60),
            # House style for times: "9:15am".
            "try_again_at": f"{at.hour % 12 or 12}:{at.minute:02d}{'am' if at.hour < 12 else 'pm'}",
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )

"""django-axes as the sign-in log: how an attempt's email is recorded.

Axes records every sign-in, failed or not (AccessLog, AccessFailureLog), for
security review; it locks nobody out (AXES_LOCK_OUT_AT_FAILURE is off: the
growing delays of apps.accounts.throttle do that job).
"""

from django.http import HttpRequest


def username_from_request(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The email an attempt was made with, normalised like the login form does."""
    value = (credentials or {}).get("username")
    if value is None:
        value = request.POST.get("username")
    return value.strip().lower() if value else value

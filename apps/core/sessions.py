"""Session lifetime: an idle timeout that only people extend, and an absolute limit.

- Idle: a session ends SESSION_COOKIE_AGE seconds after the person last did
  something (a navigation, a click, a key press: the page posts to
  core:session_extend when they type or click, at most once a minute). A
  request the page makes by itself (the exercise page's heartbeat, an htmx
  poll) does not count: such a view is marked `@background_request`, and a
  poll sends the header `X-Background: 1`.
- Absolute: a session ends SESSION_ABSOLUTE_STAFF after sign-in for staff and
  SESSION_ABSOLUTE_CLIENT for clients, whatever the activity.

Both are checked on the server for every request (SESSION_SAVE_EVERY_REQUEST
is off, so a background request does not even renew the cookie). When a
session ends, the person is signed out and sent to sign in, with a message.
"""

import datetime
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

STARTED_KEY = "_session_started_at"
ACTIVITY_KEY = "_session_last_activity"


def background_request(view):
    """Mark a view that pages call by themselves: it never extends the session."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    wrapped.session_background = True
    return wrapped


def session_start(request: HttpRequest) -> None:
    """Stamp a new signed-in session (called on user_logged_in)."""
    now = timezone.now().timestamp()
    request.session[STARTED_KEY] = now
    request.session[ACTIVITY_KEY] = now


def absolute_limit(user) -> datetime.timedelta:
    if getattr(user, "is_client", False):
        return settings.SESSION_ABSOLUTE_CLIENT
    return settings.SESSION_ABSOLUTE_STAFF


def _signed_out(request: HttpRequest, message: str) -> HttpResponse:
    logout(request)
    messages.info(request, message)
    login = reverse(settings.LOGIN_URL)
    if request.method == "GET":
        login = f"{login}?{urlencode({'next': request.get_full_path()})}"
    if request.headers.get("HX-Request") == "true":
        return HttpResponseClientRedirect(login)
    if request.path_info.startswith("/api/") or request.headers.get("X-Requested-With"):
        return JsonResponse({"detail": message}, status=401)
    return HttpResponseRedirect(login)


class SessionLifetimeMiddleware:
    """Place after AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return None
        session = request.session
        now = timezone.now().timestamp()
        started = session.get(STARTED_KEY)
        last = session.get(ACTIVITY_KEY)
        if started is None or last is None:
            # A session from before these checks: start counting now.
            session_start(request)
            return None
        if now - started > absolute_limit(user).total_seconds():
            return _signed_out(
                request, _("For your security you were signed out. Please sign in again.")
            )
        if now - last > settings.SESSION_COOKIE_AGE:
            return _signed_out(
                request,
                _("You were signed out because you were inactive. Please sign in again."),
            )
        background = getattr(view_func, "session_background", False) or (
            request.headers.get("X-Background") == "1"
        )
        if not background:
            session[ACTIVITY_KEY] = now  # marks the session modified: the cookie is renewed
        return None

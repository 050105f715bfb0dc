"""Middleware of the core layer.

PrivatePagesMiddleware: pages are never stored by the browser or a proxy.

Almost every page holds someone's health information. Without this, on a
shared computer the Back button after signing out, or the browser's cache,
could show the last person's pages. Responses that set their own
Cache-Control (static files through WhiteNoise, which answers before this
runs; the web app manifest) keep it.
"""

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class HtmxSignedOutMiddleware:
    """An htmx request from someone no longer signed in answers 401, never the sign-in page.

    The browser follows a redirect inside an htmx request silently, so the page
    would get the sign-in form as a 200 and treat it as success (an autosave
    would say "Saved" and drop the device copy). Instead the answer is 401 with
    `X-Login-URL`: the sign-in page with `next` back to the page the person is
    on, for the page's script to offer. Plain (non-htmx) requests still go to
    the sign-in page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.headers.get("HX-Request") != "true"
            or response.status_code not in (301, 302, 303, 307, 308)
            or getattr(request, "user", None) is None
            or request.user.is_authenticated
        ):
            return response
        login_path = resolve_url(settings.LOGIN_URL)
        if urlsplit(response.get("Location", "")).path != login_path:
            return response
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = current.path + (f"?{current.query}" if current.query else "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts=None) or not back:
            back = "/"
        answer = HttpResponse(
            "You have been signed out. Sign in again to carry on.",
            status=401,
            content_type="text/plain; charset=utf-8",
        )
        answer["X-Login-URL"] = f"{login_path}?{urlencode({'next': back})}"
        answer["WWW-Authenticate"] = 'Session realm="Tandem"'
        return answer

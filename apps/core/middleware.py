"""Middleware of the core layer: private pages, bad input, signed-out htmx, the read audit.

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
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

from apps.core import audit
from apps.core.models import AccessEvent, AccessSubject


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


# A NUL byte, raw or percent-encoded ("%00") or JSON-escaped ("\u0000").
_NUL_MARKERS = (b"\x00", b"%00", b"\\u0000")
_BODY_TYPES = ("application/x-www-form-urlencoded", "application/json", "text/")


class RejectNulBytesMiddleware:
    """Answer 400 to any request with a NUL byte in its path, query string or
    form/JSON body, before a view, PostgreSQL (which refuses NUL in text and
    would write a fragment of the value into its error log) or our logs see it.

    Pages get a plain error page; the API gets {"detail": …}. In a multipart
    body only the form fields are checked, not uploaded files.
    """

    message = "The information sent contains a character we cannot accept (a NUL byte)."

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            return self._bad_request(request)
        return self.get_response(request)

    def _has_nul(self, request: HttpRequest) -> bool:
        query = request.META.get("QUERY_STRING", "").encode("latin-1", "replace").lower()
        path = request.path_info.encode("utf-8", "replace")
        if b"\x00" in path or any(marker in query for marker in _NUL_MARKERS):
            return True
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        if content_type.startswith("multipart/form-data"):
            # The form fields only; uploaded files may hold any bytes.
            try:
                values = [v for _k, vs in request.POST.lists() for v in vs]
            except Exception:  # noqa: BLE001 - a malformed body: Django answers that itself
                return False
            return any("\x00" in value for value in values)
        if not content_type.startswith(_BODY_TYPES):
            return False
        try:
            body = request.body.lower()
        except Exception:  # noqa: BLE001 - too large or unreadable: Django answers that itself
            return False
        return any(marker in body for marker in _NUL_MARKERS)

    def _bad_request(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/") or "json" in request.headers.get("Accept", ""):
            return JsonResponse({"detail": self.message}, status=400)
        return render(request, "core/bad_request.html", {"message": self.message}, status=400)


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


class AccessAuditMiddleware:
    """Writes one `AccessEvent` for every request that read identifiable data.

    Apps register their identifiable models (`apps.core.audit.register_identifiable`);
    loading any such row while the view runs (a page, a download, an htmx
    fragment, the Django admin) is noted, and the event is written here, once,
    with the signed-in user. Responses of 400 and above record nothing: the
    data was not shown. Place after the authentication middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit.reads_recorded() as touched:
            response = self.get_response(request)
        if touched and response.status_code < 400:
            self.record(request, touched)
        return response

    @staticmethod
    def record(request: HttpRequest, touched: set) -> None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        role = actor_role(actor)
        if role == "trial_manager":
            # Pseudonymised research reads: logged in trials.DataAccessLog.
            return
        # A client reading their own record is not an access to audit.
        subjects = [s for s in audit.subjects_of(touched) if actor is None or s[0] != actor.pk]
        if not subjects:
            return
        match = request.resolver_match
        view = match.view_name if match else ""
        with transaction.atomic(savepoint=False):
            event = AccessEvent.objects.create(
                actor=actor,
                actor_role=role,
                method=request.method[:8],
                view=view[:120],
                path=request.path[:300],
                subjects=subjects,
            )
            # Every value as PostgreSQL gives it back, so no re-read is needed.
            audit.seal(
                event,
                row={
                    f.attname: getattr(event, f.attname) for f in AccessEvent._meta.concrete_fields
                },
            )
            AccessSubject.objects.bulk_create(
                AccessSubject(event=event, client_id=cid, treatment_id=tid) for cid, tid in subjects
            )


def actor_role(user) -> str:
    """The role a person acted in, the most privileged they hold."""
    if user is None:
        return ""
    roles = list(user.roles)
    for role in ("admin", "supervisor", "pwp", "trial_manager", "client"):
        if role in roles:
            return role
    return ""


class PermissionsPolicyMiddleware:
    """Sends `Permissions-Policy` from settings.PERMISSIONS_POLICY: camera,
    microphone, geolocation and the rest are off for every page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allow)})"
            for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response

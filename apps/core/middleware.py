"""Request-wide behaviour: private pages, and the read audit.

Pages are never stored by the browser or a proxy.

Almost every page holds someone's health information. Without this, on a
shared computer the Back button after signing out, or the browser's cache,
could show the last person's pages. Responses that set their own
Cache-Control (static files through WhiteNoise, which answers before this
runs; the web app manifest) keep it.
"""

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

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

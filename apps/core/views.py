import kombu
import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST
from django.views.defaults import page_not_found as django_page_not_found

from apps.core import selectors as audit_selectors
from apps.core.components_demo import demo_context

ACCESS_PAGE_SIZE = 20


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice; a signed-in client also sees who opened their record."""
    context: dict = {
        "cookies": {
            "session": settings.SESSION_COOKIE_NAME,
            "csrf": settings.CSRF_COOKIE_NAME,
            "language": settings.LANGUAGE_COOKIE_NAME,
            "known_device": settings.SIGN_IN_KNOWN_DEVICE_COOKIE_NAME,
            "messages": CookieStorage.cookie_name,
        },
        "known_device_days": settings.SIGN_IN_KNOWN_DEVICE_DAYS,
    }
    if request.user.is_authenticated and request.user.is_client:
        paginator = Paginator(
            audit_selectors.record_opened_by(client=request.user), ACCESS_PAGE_SIZE
        )
        context["opened"] = paginator.get_page(request.GET.get("page"))
    return render(request, "core/privacy.html", context)


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@require_GET
@cache_control(max_age=3600, public=True)
def manifest(request: HttpRequest) -> JsonResponse:
    """Web app manifest, so a client can add the site to their home screen."""
    data = {
        "name": settings.SITE_NAME,
        "short_name": settings.SITE_NAME,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d5f63",
        "icons": [
            {"src": static("images/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("images/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("images/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json")


@require_POST
@login_required
def session_extend(request: HttpRequest) -> HttpResponse:
    """Keep the session alive; the session middleware refreshes the expiry."""
    request.session.modified = True
    return HttpResponse(status=204)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def _broker_ok() -> bool:
    url = settings.CELERY_BROKER_URL
    try:
        if url.startswith(("redis://", "rediss://")):
            client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
            try:
                return bool(client.ping())
            finally:
                client.close()
        with kombu.Connection(url, connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
    except Exception:  # any failure to reach it means "unavailable"
        return False
    return True


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Health for the load balancer and for people: {"status", "database", "broker"}.

    The HTTP status follows the database only (200, or 503 when it cannot be
    reached): pages work without the broker (messages wait in the outbox), so
    a Redis outage must not take every web instance out of the load balancer.
    The body says "unavailable" for the broker then.
    """
    database, broker = _database_ok(), _broker_ok()
    body = {
        "status": "ok" if database and broker else ("degraded" if database else "error"),
        "database": "ok" if database else "unavailable",
        "broker": "ok" if broker else "unavailable",
    }
    return JsonResponse(body, status=200 if database else 503)


@require_GET
def components_demo(request: HttpRequest) -> HttpResponse:
    """Every UI component with sample data, for designers and developers (DEBUG only)."""
    if not settings.DEBUG:
        return HttpResponse(status=404)
    return render(request, "_components_demo.html", {"demo": demo_context()})


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404: JSON under /api/ (what the API's schema promises), the page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return django_page_not_found(request, exception)

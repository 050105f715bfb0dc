from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from apps.core.components_demo import demo_context


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html")


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


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def components_demo(request: HttpRequest) -> HttpResponse:
    """Every UI component with sample data, for designers and developers (DEBUG only)."""
    if not settings.DEBUG:
        return HttpResponse(status=404)
    return render(request, "_components_demo.html", {"demo": demo_context()})

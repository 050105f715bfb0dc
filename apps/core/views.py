from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.models import Role
from apps.care.access import role_required
from apps.core import selectors as audit_selectors
from apps.safety.resources import crisis_resources_for

ROLE_HOMES = {
    Role.CLIENT: "programme:home",
    Role.PWP: "care:caseload",
    Role.SUPERVISOR: "care:service_overview",
    Role.TRIAL_MANAGER: "trials:overview",
    Role.ADMIN: "core:admin_home",
}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to their own home page after signing in."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    role = request.user.primary_role
    if role is None:
        return render(request, "core/no_role.html", status=403)
    return redirect(ROLE_HOMES[role])


@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    resources = crisis_resources_for(request.user)
    return render(request, "core/help.html", {"resources": resources})


ACCESS_PAGE_SIZE = 20


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice; a signed-in client also sees who opened their record."""
    context = {}
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


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
@role_required(Role.ADMIN)
def admin_home(request: HttpRequest) -> HttpResponse:
    from apps.care.models import Service, Treatment

    context = {
        "services": Service.objects.all(),
        "treatment_count": Treatment.objects.count(),
    }
    return render(request, "core/admin_home.html", context)


@require_GET
def components_demo(request: HttpRequest) -> HttpResponse:
    """Every UI component with sample data, for designers and developers (DEBUG only)."""
    from apps.core.components_demo import demo_context

    if not settings.DEBUG:
        return HttpResponse(status=404)
    return render(request, "_components_demo.html", {"demo": demo_context()})

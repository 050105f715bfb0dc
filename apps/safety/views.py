from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.models import Role
from apps.care.access import role_required
from apps.safety.models import RiskAlertStatus
from apps.safety.resources import crisis_resources_for
from apps.safety.selectors import alerts_visible_to, open_alerts_for_user

ALERT_ROLES = (Role.PWP, Role.SUPERVISOR, Role.ADMIN)


@require_GET
@role_required(*ALERT_ROLES)
def alerts(request: HttpRequest) -> HttpResponse:
    """Open alerts on the user's caseload (PWP) or service (supervisor), oldest first."""
    open_alerts = list(open_alerts_for_user(request.user))
    recent = list(
        alerts_visible_to(request.user)
        .filter(status=RiskAlertStatus.ACKNOWLEDGED)
        .order_by("-acknowledged_at")[:20]
    )
    return render(request, "safety/alerts.html", {"open_alerts": open_alerts, "recent": recent})


@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    """Get help now: the crisis resources of the person's service (UK defaults otherwise)."""
    resources = crisis_resources_for(request.user)
    return render(request, "safety/help.html", {"resources": resources})

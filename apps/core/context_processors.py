from django.conf import settings
from django.http import HttpRequest

from apps.core.navigation import nav_items_for


def site(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SESSION_TIMEOUT_SECONDS": settings.SESSION_COOKIE_AGE,
        "PROGRAMME_HEARTBEAT_SECONDS": settings.PROGRAMME_HEARTBEAT_SECONDS,
        "nav_items": nav_items_for(user, request.path) if user is not None else [],
    }

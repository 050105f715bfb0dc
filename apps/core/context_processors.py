from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SESSION_TIMEOUT_SECONDS": settings.SESSION_COOKIE_AGE,
        "PROGRAMME_HEARTBEAT_SECONDS": settings.PROGRAMME_HEARTBEAT_SECONDS,
    }

"""The admin site: staff must have passed two-step verification to use it.

Django's own admin login form still signs people in (through axes, so
lockouts apply); the staff middleware then sends them to the code page. This
check is the second lock on the admin door, so the admin stays closed even if
the middleware were removed. It reads STAFF_2FA_REQUIRED on each request.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django.http import HttpRequest


class TandemAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        if not settings.STAFF_2FA_REQUIRED:
            return True
        is_verified = getattr(request.user, "is_verified", None)
        return bool(is_verified and is_verified())

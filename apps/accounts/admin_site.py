"""The admin site: staff must have passed two-step verification to use it.

There is one sign-in door: the admin's own login page sends people to
accounts:login, where the growing delays of apps.accounts.throttle apply (the
admin's form would skip them). The staff middleware then sends them to the
code page. `has_permission` is the second lock on the admin door, so the
admin stays closed even if the middleware were removed. It reads
STAFF_2FA_REQUIRED on each request.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


class TandemAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        if not settings.STAFF_2FA_REQUIRED:
            return True
        is_verified = getattr(request.user, "is_verified", None)
        return bool(is_verified and is_verified())

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if request.user.is_authenticated:
            # Signed in but not allowed here: sending them to sign in again would loop.
            if self.has_permission(request):
                return super().login(request, extra_context)
            raise PermissionDenied
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index", current_app=self.name)
        return redirect_to_login(next_url, login_url=reverse("accounts:login"))

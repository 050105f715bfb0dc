"""Two-step verification for staff: the one place it is enforced.

After the password, a signed-in staff member (see User.is_staff_member) whose
session has not passed django-otp verification can reach only the two-step
pages, sign-out, the other account pages and the help, privacy and
accessibility pages. Everything else redirects to setup (no authenticator
app yet) or to the code page, remembering where they were going. Right after
setup, the new recovery codes must be acknowledged before anything else.

Clients are never asked: they hold no staff flag (a database constraint).

API tokens are not affected. Token authentication runs inside the API view,
after this middleware, so a token request is anonymous here and passes. A
trial manager makes their own tokens on the "API tokens" page after a fresh
code from their authenticator app (apps.accounts.api_tokens), for scripts that
cannot answer a code prompt; the token is the credential. A browser session
that calls the API the session way is still stopped here until verified.

Turned off by STAFF_2FA_REQUIRED=False (local demo and other apps' tests);
read on every request so tests can switch it with override_settings.
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django_htmx.http import HttpResponseClientRedirect

from apps.accounts.selectors import totp_device_confirmed

RECOVERY_CODES_SESSION_KEY = "accounts_new_recovery_codes"

# Reachable before verification. The whole accounts namespace is: it holds
# the two-step pages themselves, sign-in/out and password reset.
OPEN_NAMESPACES = frozenset({"accounts"})
OPEN_URL_NAMES = frozenset(
    {
        "safety:help",
        "core:privacy",
        "core:accessibility",
        "core:manifest",
        "core:healthz",
        "core:session_extend",
    }
)


# In the accounts namespace but not reachable with a password alone: whoever
# knows the password must not be able to change it or make API tokens.
GUARDED_URL_NAMES = frozenset(
    {"accounts:password_change", "accounts:api_tokens", "accounts:api_token_revoke"}
)


def _is_open(request: HttpRequest) -> bool:
    if request.path_info.startswith(settings.STATIC_URL):
        return True
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    if match.view_name in GUARDED_URL_NAMES:
        return False
    return match.namespace in OPEN_NAMESPACES or match.view_name in OPEN_URL_NAMES


def _redirect(request: HttpRequest, url_name: str) -> HttpResponse:
    url = reverse(url_name)
    if request.method == "GET":
        url = f"{url}?{urlencode({'next': request.get_full_path()})}"
    if request.headers.get("HX-Request") == "true":
        # An htmx swap would put the code page inside the current page.
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


class StaffTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.STAFF_2FA_REQUIRED:
            response = self._check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or not user.is_staff_member or _is_open(request):
            return None
        if not user.is_verified():
            if totp_device_confirmed(user=user) is None:
                return _redirect(request, "accounts:otp_setup")
            return _redirect(request, "accounts:otp_verify")
        if request.session.get(RECOVERY_CODES_SESSION_KEY):
            return _redirect(request, "accounts:otp_recovery_codes")
        return None


class UserLanguageMiddleware:
    """Show a signed-in person's pages in the language they chose.

    Runs after AuthenticationMiddleware. Django's LocaleMiddleware (earlier)
    has picked the language from the cookie or the browser; a saved choice on
    the person wins, so it follows them to every device. A choice no longer
    offered (settings.LANGUAGES) is ignored.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            language = user.language_code
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)

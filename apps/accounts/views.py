import base64
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.safestring import mark_safe
from django.utils.translation import activate, get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from apps.accounts.api_tokens import (
    api_token_create,
    api_token_get_for_user,
    api_token_revoke,
    api_tokens_of,
    may_hold_api_tokens,
)
from apps.accounts.forms import (
    ApiTokenCreateForm,
    LanguageForm,
    LoginForm,
    OTPTokenForm,
    PasswordChangeForm,
    PasswordResetForm,
    RecoveryCodeForm,
    RecoveryCodesSavedForm,
    SetPasswordForm,
)
from apps.accounts.middleware import RECOVERY_CODES_SESSION_KEY
from apps.accounts.models import User
from apps.accounts.qr import qr_svg
from apps.accounts.selectors import recovery_codes_left, totp_device_confirmed
from apps.accounts.services import (
    invitation_accept,
    password_changed_notify,
    recovery_code_use,
    recovery_codes_replace,
    totp_device_begin,
    totp_device_confirm,
    totp_verify,
    two_step_setup_link_send,
    user_language_set,
)
from apps.accounts.throttle import (
    Wait,
    attempt_begin,
    attempt_count,
    attempt_release,
    attempt_succeeded,
    known_device_remember,
    password_reset_counters,
    password_reset_wait_message,
    sign_in_counters,
    sign_in_counters_clear,
    sign_in_wait_message,
    throttled_response,
    two_step_counters,
    two_step_wait_message,
)
from apps.accounts.tokens import invitation_token_generator, two_step_setup_token_generator
from apps.core.errors import DomainError
from apps.core.forms import apply_domain_error

# Set when the codes in RECOVERY_CODES_SESSION_KEY replace earlier ones.
RECOVERY_CODES_REPLACED_SESSION_KEY = "accounts_recovery_codes_replaced"
# {"user": pk, "generation": n}: this browser opened a valid emailed set-up
# link (or an invitation link); only then is the authenticator key shown.
SETUP_GRANT_SESSION_KEY = "accounts_two_step_setup_grant"
# Set once the set-up link was emailed for this session, so reloading the
# page does not send another.
SETUP_LINK_SENT_SESSION_KEY = "accounts_two_step_link_sent"


def _setup_grant(request: HttpRequest, user: User) -> None:
    request.session[SETUP_GRANT_SESSION_KEY] = {
        "user": user.pk,
        "generation": user.two_step_generation,
    }


def _has_setup_grant(request: HttpRequest, user: User) -> bool:
    grant = request.session.get(SETUP_GRANT_SESSION_KEY) or {}
    return grant == {"user": user.pk, "generation": user.two_step_generation}


class LoginView(auth_views.LoginView):
    """Email and password, within the growing delays of apps.accounts.throttle
    (checked before any password is). AuthenticationForm passes the request
    to authenticate(), so django-axes can record the attempt."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        self.attempt = attempt_begin(
            sign_in_counters(request, request.POST.get("username", "")), scope="sign_in"
        )
        response = super().post(request, *args, **kwargs)
        if self.attempt.wait is not None:
            throttled_response(response, self.attempt.wait)
        return response

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        attempt = getattr(self, "attempt", None)
        if attempt is not None and attempt.wait is not None:
            kwargs["wait_message"] = sign_in_wait_message(attempt.wait)
        return kwargs

    def form_invalid(self, form):
        attempt_count(self.attempt)
        return super().form_invalid(form)

    def form_valid(self, form):
        attempt_succeeded(self.attempt)
        response = super().form_valid(form)
        known_device_remember(self.request, response, form.get_user().email)
        return response


class LogoutView(auth_views.LogoutView):
    pass


def _user_from_uid(uidb64: str) -> User | None:
    try:
        pk = urlsafe_base64_decode(uidb64).decode()
        return User.objects.get(pk=pk)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The one-time link from an invitation email: the client sets a password."""
    user = _user_from_uid(uidb64)
    if user is None or not invitation_token_generator.check_token(user, token):
        return render(request, "accounts/invitation_invalid.html", status=400)
    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        invitation_accept(user=user, password=form.cleaned_data["new_password1"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if user.is_staff_member:
            # The invitation link proved the email: two-step set-up may follow.
            _setup_grant(request, user)
        messages.success(request, _("Your password is set. Welcome."))
        return redirect("workspace:home")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "invited_user": user, "page_has_errors": bool(form.errors)},
    )


@require_http_methods(["GET", "POST"])
def password_reset_view(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. Every request counts, per address and per email
    as typed, and the answer is the same whether or not an account exists."""
    form = PasswordResetForm(request.POST if request.method == "POST" else None)
    wait = None
    if request.method == "POST" and form.is_valid():
        attempt = attempt_begin(
            password_reset_counters(request, form.cleaned_data["email"]), scope="password_reset"
        )
        wait = attempt.wait
        if wait is None:
            attempt_count(attempt)
            form.save()
            return redirect("accounts:password_reset_done")
        form.add_error(None, password_reset_wait_message(wait))
    response = render(
        request,
        "accounts/password_reset_form.html",
        {"form": form, "page_has_errors": bool(form.errors)},
    )
    return throttled_response(response, wait) if wait is not None else response


def password_reset_done_view(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_done.html")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    token_generator = default_token_generator

    def form_valid(self, form):
        response = super().form_valid(form)
        # A new password ends any wait on this email, and this browser, which
        # proved the mailbox, counts as the person's own from now on.
        sign_in_counters_clear(self.request, form.user.email)
        known_device_remember(self.request, response, form.user.email)
        password_changed_notify(user=form.user)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Everyone's own password. Django's view keeps this session signed in
    (update_session_auth_hash); every other session of the person ends, as
    their stored password hash no longer matches. They are emailed too."""

    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("workspace:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed_notify(user=form.user)
        messages.success(
            self.request,
            _("Your password is changed. You were signed out everywhere else."),
        )
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Two-step verification for staff ---------------------------------------
# Enforcement lives in apps.accounts.middleware; these are the pages it sends
# staff to. Clients who open them are sent home: they are never asked.


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _staff_only(view):
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff_member:
            return redirect("workspace:home")
        return view(request, *args, **kwargs)

    return wrapped


def _mark_verified(request: HttpRequest, device) -> None:
    otp_login(request, device)
    # A new session id once the second step is passed, as after the password.
    request.session.cycle_key()


def _code_checked(request: HttpRequest, form, field: str, check):
    """Run `check` (a service that raises DomainError for a wrong code) within
    the per-address limit on two-step codes (apps.accounts.throttle).

    Returns (result, wait): result is None when the code was refused or has to
    wait, and the form then holds the reason; wait is set for the 429.
    """
    attempt = attempt_begin(two_step_counters(request), scope="two_step")
    if attempt.wait is not None:
        form.add_error(field, two_step_wait_message(attempt.wait))
        return None, attempt.wait
    try:
        result = check()
    except DomainError as error:
        attempt_count(attempt)
        apply_domain_error(form, error)
        return None, None
    attempt_release(attempt)
    return result, None


def _code_page(response: HttpResponse, wait: Wait | None) -> HttpResponse:
    return throttled_response(response, wait) if wait is not None else response


def _grouped(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
@_staff_only
def otp_setup_view(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan or type the key, confirm with a code."""
    user = request.user
    next_url = _next_url(request)
    if totp_device_confirmed(user=user) is not None:
        return redirect(_with_next("accounts:otp_verify", next_url))
    if not _has_setup_grant(request, user):
        return _setup_link_page(request, user, next_url)
    device = totp_device_begin(user=user)
    form = OTPTokenForm(request.POST if request.method == "POST" else None)
    wait = None
    if request.method == "POST" and form.is_valid():
        codes, wait = _code_checked(
            request,
            form,
            "otp_token",
            lambda: totp_device_confirm(
                user=user, device=device, token=form.cleaned_data["otp_token"]
            ),
        )
        if codes is not None:
            _mark_verified(request, device)
            request.session.pop(SETUP_GRANT_SESSION_KEY, None)
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            return redirect(_with_next("accounts:otp_recovery_codes", next_url))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    response = render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "next": next_url,
            "secret_key": _grouped(secret),
            "qr_svg": mark_safe(  # noqa: S308 - SVG built by qrcode + ElementTree, text escaped
                qr_svg(device.config_url, title=_("QR code to scan with your authenticator app"))
            ),
            "nav_items": [],
            "page_has_errors": bool(form.errors),
        },
    )
    return _code_page(response, wait)


def _setup_link_page(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """No key without the emailed link: say it was sent; offer a new one."""
    if request.method == "POST" and request.POST.get("send_link"):
        two_step_setup_link_send(user=user)
        request.session[SETUP_LINK_SENT_SESSION_KEY] = True
        messages.success(request, _("We have sent you a new link."))
        return redirect(_with_next("accounts:otp_setup", next_url))
    if not request.session.get(SETUP_LINK_SENT_SESSION_KEY):
        two_step_setup_link_send(user=user)
        request.session[SETUP_LINK_SENT_SESSION_KEY] = True
    return render(
        request,
        "accounts/otp_setup_link_sent.html",
        {
            "next": next_url,
            "email": user.email,
            "hours": settings.TWO_STEP_SETUP_LINK_HOURS,
            "nav_items": [],
        },
    )


@never_cache
@require_http_methods(["GET"])
def otp_setup_link_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The emailed one-time link: lets this browser set up two-step verification.

    The link alone signs nobody in; the password is still asked for. Opened
    while signed in as someone else, it is refused.
    """
    user = _user_from_uid(uidb64)
    valid = user is not None and two_step_setup_token_generator.check_token(user, token)
    signed_in_as_other = request.user.is_authenticated and request.user != user
    if not valid or signed_in_as_other or not user.is_staff_member:
        return render(request, "accounts/two_step_link_invalid.html", status=400)
    _setup_grant(request, user)
    return redirect("accounts:otp_setup")


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
@_staff_only
def otp_verify_view(request: HttpRequest) -> HttpResponse:
    """Second step of signing in: a code from the authenticator app."""
    user = request.user
    next_url = _next_url(request)
    device = totp_device_confirmed(user=user)
    if device is None:
        return redirect(_with_next("accounts:otp_setup", next_url))
    if user.is_verified():
        return redirect(next_url)
    form = OTPTokenForm(request.POST if request.method == "POST" else None)
    wait = None
    if request.method == "POST" and form.is_valid():
        verified, wait = _code_checked(
            request,
            form,
            "otp_token",
            lambda: totp_verify(user=user, device=device, token=form.cleaned_data["otp_token"]),
        )
        if verified is not None:
            _mark_verified(request, device)
            return redirect(next_url)
    response = render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "next": next_url, "nav_items": [], "page_has_errors": bool(form.errors)},
    )
    return _code_page(response, wait)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
@_staff_only
def otp_recovery_view(request: HttpRequest) -> HttpResponse:
    """Second step with a one-time recovery code, for when the phone is not to hand."""
    user = request.user
    next_url = _next_url(request)
    if user.is_verified():
        return redirect(next_url)
    form = RecoveryCodeForm(request.POST if request.method == "POST" else None)
    wait = None
    if request.method == "POST" and form.is_valid():
        used, wait = _code_checked(
            request,
            form,
            "code",
            lambda: recovery_code_use(user=user, code=form.cleaned_data["code"]),
        )
        if used is not None:
            device, left = used
            _mark_verified(request, device)
            messages.info(
                request,
                ngettext(
                    "You used a recovery code. You have %(n)d code left.",
                    "You used a recovery code. You have %(n)d codes left.",
                    left,
                )
                % {"n": left},
            )
            return redirect(next_url)
    response = render(
        request,
        "accounts/otp_recovery.html",
        {
            "form": form,
            "next": next_url,
            "back_url": _with_next("accounts:otp_verify", next_url),
            "nav_items": [],
            "page_has_errors": bool(form.errors),
        },
    )
    return _code_page(response, wait)


@never_cache
@require_http_methods(["GET", "POST"])
@_staff_only
def otp_recovery_codes_view(request: HttpRequest) -> HttpResponse:
    """Show new recovery codes once; they are gone after "I have saved these"."""
    next_url = _next_url(request)
    codes = request.session.get(RECOVERY_CODES_SESSION_KEY)
    if not codes:
        return redirect(next_url)
    form = RecoveryCodesSavedForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        del request.session[RECOVERY_CODES_SESSION_KEY]
        if request.session.pop(RECOVERY_CODES_REPLACED_SESSION_KEY, False):
            messages.success(
                request, _("Your new recovery codes are ready. The old ones no longer work.")
            )
        else:
            messages.success(request, _("Two-step verification is set up."))
        return redirect(next_url)
    return render(
        request,
        "accounts/otp_recovery_codes.html",
        {
            "form": form,
            "next": next_url,
            "codes": codes,
            "nav_items": [],
            "page_has_errors": bool(form.errors),
        },
    )


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
@_staff_only
def otp_manage_view(request: HttpRequest) -> HttpResponse:
    """Two-step sign-in for this person: is it set up, how many recovery codes
    are left, and new codes (old ones stop working) after a fresh app code."""
    user = request.user
    here = reverse("accounts:otp_manage")
    device = totp_device_confirmed(user=user)
    if device is not None and not user.is_verified():
        # This page is reachable before the second step; what it does is not.
        return redirect(_with_next("accounts:otp_verify", here))
    form = OTPTokenForm(request.POST if request.method == "POST" else None)
    if device is not None and form.is_bound and form.is_valid():
        try:
            totp_verify(user=user, device=device, token=form.cleaned_data["otp_token"])
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            request.session[RECOVERY_CODES_SESSION_KEY] = recovery_codes_replace(user=user)
            request.session[RECOVERY_CODES_REPLACED_SESSION_KEY] = True
            return redirect(_with_next("accounts:otp_recovery_codes", here))
    return render(
        request,
        "accounts/otp_manage.html",
        {
            "device": device,
            "codes_left": recovery_codes_left(user=user) if device is not None else 0,
            "form": form,
            "setup_url": _with_next("accounts:otp_setup", here),
            "page_has_errors": bool(form.errors),
        },
    )


# --- API tokens ------------------------------------------------------------------


def _token_holder_only(view):
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may_hold_api_tokens(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
@_token_holder_only
def api_tokens_view(request: HttpRequest) -> HttpResponse:
    """The person's API tokens: make one (shown once), see when each was last
    used, revoke any."""
    user = request.user
    new_key = None
    form = ApiTokenCreateForm(
        request.POST if request.method == "POST" else None,
        initial={"days": settings.API_TOKEN_DEFAULT_DAYS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = api_token_create(
                user=user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                scope=form.cleaned_data["scope"],
                otp_token=form.cleaned_data["otp_token"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            form = ApiTokenCreateForm(initial={"days": settings.API_TOKEN_DEFAULT_DAYS})
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "tokens": list(api_tokens_of(user=user)),
            "new_key": new_key,
            "now": timezone.now(),
            "page_has_errors": bool(form.errors),
        },
    )


@require_http_methods(["POST"])
@_token_holder_only
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = api_token_get_for_user(user=request.user, token_id=token_id, write=True)
    api_token_revoke(token=token)
    messages.success(
        request, _("Token “%(name)s” is revoked. It no longer works.") % {"name": token.name}
    )
    return redirect("accounts:api_tokens")


@require_http_methods(["GET", "POST"])
def language_view(request: HttpRequest) -> HttpResponse:
    """Choose the language: the profile setting (GET shows it) and the header switcher.

    Signed in, the choice is saved on the person (UserLanguageMiddleware then
    uses it on every device, and emails follow it); signed out, a cookie holds
    it. Redirects to the safe `return_to` URL, else back here with a confirmation.
    """
    form = LanguageForm(
        request.POST or None,
        initial={"language": get_language(), "return_to": request.GET.get("next", "")},
    )
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            try:
                user_language_set(user=request.user, language=language)
            except DomainError as error:
                apply_domain_error(form, error)
        if not form.errors:
            activate(language)
            next_url = form.cleaned_data["return_to"]
            if not url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                next_url = ""
            if not next_url:
                messages.success(request, _("Your language is saved."))
            response = redirect(next_url or "accounts:language")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
                secure=request.is_secure(),
            )
            return response
    return render(request, "accounts/language.html", {"form": form})

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from apps.accounts.forms import LoginForm, PasswordResetForm, SetPasswordForm
from apps.accounts.models import User
from apps.accounts.services import invitation_accept
from apps.accounts.tokens import invitation_token_generator


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


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
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation_accept(user=user, password=form.cleaned_data["new_password1"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your password is set. Welcome."))
        return redirect("core:home")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "invited_user": user, "page_has_errors": bool(form.errors)},
    )


@require_http_methods(["GET", "POST"])
def password_reset_view(request: HttpRequest) -> HttpResponse:
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("accounts:password_reset_done")
    return render(
        request,
        "accounts/password_reset_form.html",
        {"form": form, "page_has_errors": bool(form.errors)},
    )


def password_reset_done_view(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_done.html")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    token_generator = default_token_generator


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"

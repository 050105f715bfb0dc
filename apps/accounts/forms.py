from django import forms
from django.contrib.auth import forms as auth_forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User


class LoginForm(auth_forms.AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _(
            "Enter the email address and password you signed up with. "
            "Both are case-sensitive except the email address."
        ),
        "inactive": _("This account is closed. Contact your service if you think this is wrong."),
    }


class PasswordResetForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={"required": _("Enter your email address")},
    )

    def save(self) -> None:
        """Queue a reset email if an active account has this address.

        Says nothing either way, so the form cannot be used to find out who
        has an account.
        """
        from apps.accounts.tasks import send_password_reset

        user = User.objects.filter(email__iexact=self.cleaned_data["email"], is_active=True).first()
        if user is not None:
            transaction.on_commit(lambda: send_password_reset.delay(user.pk))


class SetPasswordForm(auth_forms.SetPasswordForm):
    new_password1 = forms.CharField(
        label=_("Create a password"),
        strip=False,
        help_text=_("At least 10 characters. A few unrelated words make a strong password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

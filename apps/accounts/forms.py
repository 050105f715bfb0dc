import re

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.db import transaction
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import ApiTokenScope, User
from apps.accounts.signals import account_email_requested


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

    def __init__(self, request=None, *args, wait_message: str | None = None, **kwargs):
        super().__init__(request, *args, **kwargs)
        # Set by the view when this attempt has to wait (apps.accounts.throttle).
        self.wait_message = wait_message

    def clean(self):
        if self.wait_message:
            # Before authenticate(): a waiting attempt checks no password.
            raise forms.ValidationError(self.wait_message, code="wait")
        return super().clean()


class PasswordResetForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={"required": _("Enter your email address")},
    )

    def save(self) -> None:
        """Put a reset email in the outbox if an active account has this address.

        Says nothing either way, so the form cannot be used to find out who
        has an account.
        """
        user = User.objects.filter(email__iexact=self.cleaned_data["email"], is_active=True).first()
        if user is not None:
            # The outbox row is written in this transaction (a receiver in notifications).
            with transaction.atomic():
                account_email_requested.send(sender=User, user=user, kind="password_reset")


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


class OTPTokenForm(forms.Form):
    """A 6-digit code from an authenticator app. Spaces and dashes are ignored."""

    otp_token = forms.CharField(
        label=_("Enter the 6-digit code from your authenticator app"),
        help_text=_("The code changes every 30 seconds."),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "autocapitalize": "none",
            }
        ),
        error_messages={"required": _("Enter the 6-digit code from your authenticator app")},
    )

    def clean_otp_token(self) -> str:
        token = re.sub(r"[\s-]", "", self.cleaned_data["otp_token"])
        if not re.fullmatch(r"\d{6}", token):
            raise forms.ValidationError(
                _("Enter the code as 6 numbers, for example 123456"), code="format"
            )
        return token


class RecoveryCodeForm(forms.Form):
    """One of the person's recovery codes. Case, spaces and dashes are ignored."""

    code = forms.CharField(
        label=_("Enter one of your recovery codes"),
        help_text=_("Each code is 8 letters and numbers, and works only once."),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "autocapitalize": "none",
            }
        ),
        error_messages={"required": _("Enter one of your recovery codes")},
    )

    def clean_code(self) -> str:
        return re.sub(r"[\s-]", "", self.cleaned_data["code"]).lower()


class RecoveryCodesSavedForm(forms.Form):
    saved = forms.BooleanField(
        label=_("I have saved these recovery codes"),
        error_messages={
            "required": _("Confirm that you have saved your recovery codes somewhere safe")
        },
    )


class ApiTokenCreateForm(OTPTokenForm):
    """Name, lifetime and scope of a new API token, plus a fresh app code."""

    name = forms.CharField(
        label=_("Name"),
        help_text=_(
            "What the token is for, so you recognise it later. For example: analysis laptop."
        ),
        max_length=80,
        error_messages={"required": _("Enter a name for the token")},
    )
    days = forms.TypedChoiceField(
        label=_("Expires after"),
        coerce=int,
        choices=[(30, _("30 days")), (90, _("90 days")), (180, _("180 days")), (365, _("1 year"))],
        initial=90,
        widget=forms.RadioSelect,
    )
    scope = forms.ChoiceField(
        label=_("What the token can do"),
        choices=[],
        widget=forms.RadioSelect,
        initial="research_read",
    )
    field_order = ["name", "days", "scope", "otp_token"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = ApiTokenScope.choices
        self.fields["otp_token"].label = _(
            "Enter the 6-digit code from your authenticator app to confirm"
        )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    old_password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = SetPasswordForm.base_fields["new_password1"]
    new_password2 = SetPasswordForm.base_fields["new_password2"]
    field_order = ["old_password", "new_password1", "new_password2"]
    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": _("Your current password is not right. Check it and try again."),
    }


def _offered_languages() -> list[tuple[str, str]]:
    # Each language named in itself, so a reader finds theirs whatever is shown.
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Select the language you want to use")},
    )
    # Where to go back to (the page the header switcher was on); checked in the view.
    return_to = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _offered_languages()
        self.fields["language"].error_messages["invalid_choice"] = _(
            "Select one of the languages shown"
        )

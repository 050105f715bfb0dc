import functools
import math
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import LoginEvent, User
from apps.accounts.selectors import recovery_device
from apps.accounts.signals import (
    account_email_requested,
    invitation_accepted,
    user_time_zone_changed,
)
from apps.core.errors import DomainError


@transaction.atomic
def invitation_accept(*, user: User, password: str) -> None:
    """Set the invited user's password and start their treatment.

    care starts the treatment (its receiver of ``invitation_accepted``), in this
    transaction.

    Setting the password invalidates the invitation token (one-time link).
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation_accepted.send(sender=User, user=user)


def password_changed_notify(*, user: User) -> None:
    """Email the person that their password changed (not them? they can act)."""
    account_email_requested.send(sender=User, user=user, kind="password_changed")


def login_event_record(*, user: User) -> LoginEvent:
    """Record a successful sign-in for adherence analysis."""
    return LoginEvent.objects.create(user=user, at=timezone.now())


# --- Two-step verification (django-otp) ------------------------------------

TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10


def _throttled_message(info: dict | None) -> str:
    seconds = 1
    if info and info.get("locked_until"):
        remaining = (info["locked_until"] - timezone.now()).total_seconds()
        seconds = max(1, math.ceil(remaining))
    return ngettext(
        "You entered a wrong code several times. Wait %(n)d second, then try again.",
        "You entered a wrong code several times. Wait %(n)d seconds, then try again.",
        seconds,
    ) % {"n": seconds}


def _verify(device: Device, token: str) -> tuple[bool, dict | None]:
    """Check `token` on `device`, holding its row so two tries cannot race.

    Commits whatever the outcome: django-otp counts failures on the device row
    (its back-off) and removes a used recovery code, and both must stick.
    """
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, info = locked.verify_is_allowed()
        ok = allowed and locked.verify_token(token)
    return ok, (None if allowed else info)


@transaction.atomic
def totp_device_begin(*, user: User) -> TOTPDevice:
    """The person's not-yet-confirmed authenticator device, created once.

    Calling it again returns the same device and key, so reloading the setup
    page or entering a wrong code never changes the QR code already scanned.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
        device.full_clean()
        device.save()
    return device


def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str]:
    """Confirm a new authenticator app with a code from it; return new recovery codes.

    Raises DomainError (field "otp_token") for a wrong code or while django-otp
    makes the person wait after wrong codes. On success the device is
    confirmed, any other authenticator device is removed, and the recovery
    codes are replaced.
    """
    if device.user_id != user.pk or device.confirmed:
        raise DomainError(_("Start setting up two-step verification again."), field="otp_token")
    ok, throttled = _verify(device, token)
    if throttled is not None:
        raise DomainError(_throttled_message(throttled), field="otp_token")
    if not ok:
        raise DomainError(
            _("That code did not work. Enter the newest 6-digit code from your authenticator app."),
            field="otp_token",
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = recovery_codes_replace(user=user)
        _two_step_generation_bump(user)
        # The person hears of it, so a device set up by someone else is noticed.
        account_email_requested.send(sender=User, user=user, kind="two_step_enrolled")
    device.confirmed = True
    return codes


def _two_step_generation_bump(user: User) -> None:
    User.objects.filter(pk=user.pk).update(two_step_generation=F("two_step_generation") + 1)
    user.refresh_from_db(fields=["two_step_generation"])


def two_step_setup_link_send(*, user: User) -> None:
    """Email the person a one-time link to set up two-step verification.

    The only way (besides an invitation link) to reach the page that shows the
    authenticator key: a password alone is not enough. Does nothing for a
    person who already has an authenticator or is not staff.
    """
    if not user.is_staff_member or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return
    account_email_requested.send(sender=User, user=user, kind="two_step_setup")


@transaction.atomic
def two_step_reset(*, user: User) -> None:
    """An administrator's reset: remove the person's authenticator and recovery
    codes, make every earlier set-up link useless, and email them a new one.

    At their next sign-in they are asked for the emailed link, not shown a key.
    """
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _two_step_generation_bump(user)
    account_email_requested.send(sender=User, user=user, kind="two_step_reset")


def totp_verify(*, user: User, device: TOTPDevice, token: str) -> TOTPDevice:
    """Check a sign-in code from the person's authenticator app.

    Raises DomainError (field "otp_token") for a wrong or reused code, or while
    django-otp makes the person wait after wrong codes.
    """
    if device.user_id != user.pk or not device.confirmed:
        raise DomainError(_("Set up two-step verification first."), field="otp_token")
    ok, throttled = _verify(device, token)
    if throttled is not None:
        raise DomainError(_throttled_message(throttled), field="otp_token")
    if not ok:
        raise DomainError(
            _("That code did not work. Enter the newest 6-digit code from your authenticator app."),
            field="otp_token",
        )
    return device


def recovery_code_use(*, user: User, code: str) -> tuple[StaticDevice, int]:
    """Sign in with a one-time recovery code; return the device and codes left.

    The code is deleted as it is used. Raises DomainError (field "code") for an
    unknown or used code, or while django-otp makes the person wait.
    """
    device = recovery_device(user=user)
    if device is None:
        raise DomainError(
            _("You have no recovery codes. Ask an administrator to reset two-step verification."),
            field="code",
        )
    ok, throttled = _verify(device, code)
    if throttled is not None:
        raise DomainError(_throttled_message(throttled), field="code")
    if not ok:
        raise DomainError(
            _("That recovery code did not work. Check it and try again. Each code works once."),
            field="code",
        )
    return device, device.token_set.count()


@transaction.atomic
def recovery_codes_replace(*, user: User) -> list[str]:
    """Replace the person's recovery codes with RECOVERY_CODE_COUNT new ones.

    Old codes stop working. The new codes are returned so they can be shown
    once; they cannot be read back from any page afterwards.
    """
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@functools.cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_is_known(name: str) -> bool:
    """True for an IANA zone name zoneinfo can load ("Europe/Paris")."""
    return name in _known_time_zones()


@transaction.atomic
def user_time_zone_set(*, user: User, time_zone: str) -> User:
    """Set the time zone reminders use (wall-clock times are in this zone).

    A change cancels the pending mood reminders, which were at the old local
    moment, and plans them again after commit. Setting the same zone changes
    nothing. Raises DomainError (field ``time_zone``) for a zone zoneinfo does
    not know.
    """
    if not time_zone_is_known(time_zone):
        raise DomainError(
            _("Choose your time zone from the list. We do not know that time zone."),
            field="time_zone",
        )
    if user.time_zone == time_zone:
        return user
    user.time_zone = time_zone
    user.full_clean()
    user.save(update_fields=["time_zone"])
    # notifications cancels and re-plans the mood reminders (its receiver).
    user_time_zone_changed.send(sender=User, user=user)
    return user


def user_language_set(*, user: User, language: str) -> None:
    """Save the person's language for pages, emails and text messages.

    Raises DomainError when `language` is not one of settings.LANGUAGES.
    """
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise DomainError(_("Select one of the languages shown"), field="language")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])

"""API tokens: made, checked, listed and revoked here.

A key looks like `tdm_<prefix>_<secret>`: the prefix finds the row, and the
SHA-256 of the whole key must match the stored hash. Keys carry 256 bits of
randomness, so a fast hash is enough (nothing to brute-force).
"""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import ApiToken, ApiTokenScope, User
from apps.accounts.selectors import totp_device_confirmed
from apps.accounts.services import totp_verify
from apps.core.errors import DomainError

KEY_PREFIX = "tdm"
# last_used_at is written at most this often per token (not on every call).
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def may_hold_api_tokens(user: User) -> bool:
    """Trial managers only: never admins (their reach is too wide for a key
    that skips two-step) and never clients."""
    return bool(
        user.is_active
        and user.is_trial_manager
        and not (user.is_superuser or user.is_staff or user.is_client)
    )


@transaction.atomic
def api_token_create(
    *, user: User, name: str, days: int, otp_token: str, scope: str = ApiTokenScope.RESEARCH_READ
) -> tuple[ApiToken, str]:
    """Make a token for `user` after a fresh code from their authenticator app.

    Returns the row and the key; the key is not stored and cannot be shown
    again. Raises DomainError for a person who may not hold tokens (field
    None), a wrong code (field "otp_token"), or a lifetime out of range
    (field "days").
    """
    if not may_hold_api_tokens(user):
        raise DomainError(_("Only trial managers can have API tokens."))
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise DomainError(
            _("Choose a lifetime between 1 and %(n)d days.") % {"n": settings.API_TOKEN_MAX_DAYS},
            field="days",
        )
    device = totp_device_confirmed(user=user)
    if device is None:
        raise DomainError(
            _("Set up two-step verification before you create an API token."), field="otp_token"
        )
    totp_verify(user=user, device=device, token=otp_token)
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    now = timezone.now()
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=prefix,
        key_hash=_hash(key),
        scope=scope,
        created_at=now,
        expires_at=now + datetime.timedelta(days=days),
    )
    token.full_clean()
    token.save()
    return token, key


def api_token_authenticate(key: str) -> ApiToken | None:
    """The usable token with this key, or None (unknown, revoked, expired, or
    its owner may no longer hold tokens). Notes when it was last used."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(key)):
        return None
    now = timezone.now()
    if not token.is_usable(now) or not may_hold_api_tokens(token.user):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_tokens_of(*, user: User):
    """The person's own tokens, newest first (revoked and expired included)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def api_token_get_for_user(*, user: User, token_id, write: bool) -> ApiToken:
    """One of the person's own tokens, else 404. Nobody, not even an admin,
    reaches another person's token here (revoking others' is the admin's)."""
    del write  # the owner may read and revoke: the same rule both ways
    try:
        return api_tokens_of(user=user).get(pk=int(token_id))
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise Http404("No such token.") from None


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Stop the token working at once. Revoking twice changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token

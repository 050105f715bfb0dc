"""API tokens for tests: a row as api_token_create makes it, without the code prompt."""

import datetime
import hashlib
import secrets

from django.utils import timezone

from apps.accounts.models import ApiToken


def make_token(user, *, scope="research_read", days=30, **fields) -> str:
    """Store a token for `user` (whatever their role) and return its key."""
    prefix = secrets.token_hex(4)
    key = f"tdm_{prefix}_{secrets.token_urlsafe(32)}"
    now = timezone.now()
    ApiToken.objects.create(
        user=user,
        name=fields.pop("name", "test"),
        prefix=prefix,
        key_hash=hashlib.sha256(key.encode()).hexdigest(),
        scope=scope,
        created_at=fields.pop("created_at", now),
        expires_at=fields.pop("expires_at", now + datetime.timedelta(days=days)),
        **fields,
    )
    return key

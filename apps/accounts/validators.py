"""Password rules beyond Django's own: a password must not contain the
person's name or the first part of their email address."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Shorter names ("Al", "Jo") would refuse too many good passwords by chance.
MIN_PART_LENGTH = 3


def _normalise(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


class NameInPasswordValidator:
    """Refuse a password that contains the person's first, last or preferred
    name, or the part of their email address before the @ (in any case, with
    or without spaces and punctuation)."""

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        parts = [
            getattr(user, "first_name", ""),
            getattr(user, "last_name", ""),
            getattr(user, "preferred_name", ""),
            (getattr(user, "email", "") or "").split("@")[0],
        ]
        flat = _normalise(password)
        for part in parts:
            for piece in [_normalise(part), *(_normalise(p) for p in re.split(r"[\s._-]+", part))]:
                if len(piece) >= MIN_PART_LENGTH and piece in flat:
                    raise ValidationError(
                        _("Your password must not contain your name or email address."),
                        code="password_contains_name",
                    )

    def get_help_text(self) -> str:
        return _("Your password must not contain your name or email address.")

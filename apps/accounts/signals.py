"""Signals the accounts app sends for higher layers to act on (the layer ladder).

Account emails: accounts owns the decision that one is needed, the
notifications app owns the outbox. `notifications` connects synchronous
receivers in its AppConfig.ready(), so the outbox row is written in the same
database transaction as what caused it (the enrolment, the reset request):
both are saved or neither, and nothing depends on the broker being up.

- `invitation_requested(sender=User, user=User)`: an invited client needs a
  one-time link to set a password.
- `password_reset_requested(sender=User, user=User)`: an active account asked
  for a password reset link.
"""

import datetime

from django.dispatch import Signal

invitation_requested = Signal()
password_reset_requested = Signal()


def request_minute(moment: datetime.datetime) -> str:
    """Requests in the same minute are one message (a double-clicked button)."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%MZ")

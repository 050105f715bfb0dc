"""Signals the accounts app sends for higher layers to act on.

`account_email_requested(sender=User, user=..., kind=...)`: an account email
must go to `user`; `kind` is a notifications kind value ("two_step_setup",
"two_step_reset", "two_step_enrolled", "password_changed"). The notifications
app connects the receiver that puts it in the outbox; the one-time link, when
the kind has one, is made at send time there.
"""

from django.dispatch import Signal

account_email_requested = Signal()

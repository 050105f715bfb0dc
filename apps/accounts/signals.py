"""Signals accounts sends so that higher apps can act on account events.

accounts sits low on the ladder (docs/architecture.md): it imports no app
above it. An app above connects a receiver in its ``AppConfig.ready()``.
Receivers are synchronous, so they run inside the sender's transaction.
"""

import django.dispatch

# The invited person set their password. kwargs: ``user``.
# Received by care (activates their invited treatments).
invitation_accepted = django.dispatch.Signal()

# The person changed the time zone their reminders use. kwargs: ``user``.
# Received by notifications (plans the mood reminders again).
user_time_zone_changed = django.dispatch.Signal()

# An account email (invitation, password reset) is due now. kwargs: ``user``,
# ``kind`` ("invitation" or "password_reset"), ``due_at``, ``dedupe_key``.
# Received by notifications (puts the message in the outbox).
account_email_requested = django.dispatch.Signal()

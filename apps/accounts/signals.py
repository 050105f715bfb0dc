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

# An account email is due now. kwargs: ``user``, ``kind`` (a notifications kind
# value: "invitation", "password_reset", "two_step_setup", "two_step_reset",
# "two_step_enrolled", "password_changed"). Received by notifications, which
# puts one outbox row in (requests within the same minute are one message);
# a one-time link, when the kind has one, is made at send time.
account_email_requested = django.dispatch.Signal()

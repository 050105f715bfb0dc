"""Receivers for signals of lower layers that put messages in the outbox.

Connected in NotificationsConfig.ready(). They run synchronously, inside the
sender's transaction, so the outbox row and what caused it commit together;
the send itself is queued after commit and, if the broker is down then, the
dispatch sweep sends the row when it is back.
"""

from django.utils import timezone

from apps.accounts.signals import request_minute
from apps.notifications.kinds import Kind
from apps.notifications.services import notification_schedule


def invitation_to_outbox(sender, *, user, **kwargs) -> None:
    now = timezone.now()
    notification_schedule(
        recipient=user,
        kind=Kind.INVITATION,
        due_at=now,
        dedupe_key=f"invitation:user:{user.pk}:{request_minute(now)}",
        object=user,
    )


def password_reset_to_outbox(sender, *, user, **kwargs) -> None:
    now = timezone.now()
    notification_schedule(
        recipient=user,
        kind=Kind.PASSWORD_RESET,
        due_at=now,
        dedupe_key=f"password_reset:user:{user.pk}:{request_minute(now)}",
        object=user,
    )

"""Demo notifications: preferences for demo clients and a short message log.

Idempotent: rows are found by their dedupe keys, so running twice adds nothing.
Rows are written directly with their final status (nothing is sent).
"""

import datetime

from django.utils import timezone

from apps.notifications.kinds import Kind
from apps.notifications.models import (
    Channel,
    Notification,
    NotificationPreference,
    Status,
    SuppressedReason,
)


def populate(context: dict) -> None:
    now = timezone.now()
    for key in ("week1", "week3", "week5", "week9"):
        treatment = context["treatments"].get(key)
        if treatment is None:
            continue
        NotificationPreference.objects.get_or_create(
            user=treatment.client,
            defaults={"mood_reminder_enabled": True, "mood_reminder_time": datetime.time(19, 0)},
        )

    treatment = context["treatments"].get("week1")
    if treatment is None:
        return
    log = [
        # (key, kind, hours from now, status, reason)
        ("demo:welcome", Kind.INVITATION, -60, Status.SENT, ""),
        ("demo:mood-1", Kind.MOOD_REMINDER, -40, Status.SENT, ""),
        ("demo:message-1", Kind.NEW_MESSAGE, -30, Status.SENT, ""),
        ("demo:nudge-1", Kind.INACTIVITY_NUDGE, -20, Status.SUPPRESSED, SuppressedReason.OPTED_OUT),
        ("demo:mood-2", Kind.MOOD_REMINDER, -16, Status.SENT, ""),
    ]
    for key, kind, hours, status, reason in log:
        due = now + datetime.timedelta(hours=hours)
        Notification.objects.get_or_create(
            recipient=treatment.client,
            kind=kind,
            channel=Channel.EMAIL,
            dedupe_key=key,
            defaults={
                "treatment": treatment,
                "due_at": due,
                "original_due_at": due,
                "status": status,
                "suppressed_reason": reason,
                "attempts": 0 if status == Status.SUPPRESSED else 1,
                "sent_at": due if status == Status.SENT else None,
            },
        )

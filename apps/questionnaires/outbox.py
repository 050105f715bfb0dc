"""The one door to the notifications outbox for questionnaires.

Wraps ``apps.notifications.services`` (owned by the notifications app).
Messages never carry clinical content: ``context`` holds ids only, and the
text (with its signed link) is made at send time by the link builders in
``apps.questionnaires.notify``. Call inside the
transaction that makes the message due, so both commit or neither.
"""

from __future__ import annotations

import datetime
from typing import Any

from apps.notifications.services import notification_cancel, notification_schedule


def schedule(
    *,
    recipient,
    kind: str,
    due_at: datetime.datetime,
    dedupe_key: str,
    object=None,  # noqa: A002 - the notifications service's own argument name
    context: dict[str, Any] | None = None,
) -> list:
    """Queue one message in the outbox, exactly once per (recipient, kind, dedupe key)."""
    return notification_schedule(
        recipient=recipient,
        kind=kind,
        due_at=due_at,
        dedupe_key=dedupe_key,
        object=object,
        context=context or {},
    )


def cancel(*, kind: str, object) -> int:  # noqa: A002
    """Suppress pending messages of ``kind`` about ``object`` (e.g. reminders once completed)."""
    return notification_cancel(kind=kind, object=object)

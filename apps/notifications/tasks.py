"""Celery tasks for the outbox. Thin: they take IDs and call one service.

Beat (one instance, UTC) runs `notifications.dispatch_due` every minute and
`notifications.plan_reminders` every five (config/settings/base.py). Due times
live in the database; nothing here uses countdowns or ETAs. A large sweep
sends reminders several to a task (`notifications.send_batch`).
"""

from celery import shared_task
from django.conf import settings

from apps.notifications import services


@shared_task(
    name="notifications.send",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.NOTIFICATIONS_SEND_TIME_LIMIT,
    soft_time_limit=max(settings.NOTIFICATIONS_SEND_TIME_LIMIT - 10, 5),
)
def notification_send(notification_id: int) -> str:
    """Send one outbox row if it is still due and pending (see
    services.notification_deliver). Safe to run twice or concurrently; returns
    quietly ("not_claimed") when the row is gone or already handled. Transient
    failures are retried from the database, not by re-raising here."""
    return services.notification_deliver(notification_id=notification_id)


@shared_task(
    name="notifications.send_urgent",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.NOTIFICATIONS_URGENT_SEND_TIME_LIMIT,
    soft_time_limit=max(settings.NOTIFICATIONS_URGENT_SEND_TIME_LIMIT - 5, 3),
)
def notification_send_urgent(notification_id: int) -> str:
    """notification_send for urgent kinds (risk alerts), routed to their own queue
    (NOTIFICATIONS_URGENT_QUEUE) and worker."""
    return services.notification_deliver(notification_id=notification_id)


@shared_task(
    name="notifications.send_batch",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.NOTIFICATIONS_SEND_TIME_LIMIT,
    soft_time_limit=max(settings.NOTIFICATIONS_SEND_TIME_LIMIT - 10, 5),
)
def notifications_send_batch(notification_ids: list[int]) -> dict[str, int]:
    """Send several due non-urgent rows in turn (services.notifications_deliver:
    each row claimed and marked sent on its own, as notification_send does).
    Safe to run twice or concurrently; rows already handled are skipped."""
    return services.notifications_deliver(notification_ids=notification_ids)


@shared_task(name="notifications.dispatch_due")
def dispatch_due() -> int:
    """Queue sends for every due row and reclaim abandoned ones. Idempotent."""
    return services.notifications_dispatch_due()


@shared_task(name="notifications.dispatch_urgent")
def dispatch_urgent() -> int:
    """The same for urgent kinds only, every NOTIFICATIONS_URGENT_SWEEP_SECONDS,
    on the urgent queue: risk alerts recover within a minute. Idempotent."""
    return services.notifications_dispatch_due(urgent_only=True)


@shared_task(name="notifications.plan_reminders")
def plan_reminders() -> dict[str, int]:
    """Create upcoming session, mood and inactivity reminders. Idempotent."""
    return {
        "session_reminders": services.session_reminders_plan(),
        "mood_reminders": services.mood_reminders_plan(),
        "inactivity_nudges": services.inactivity_nudges_plan(),
    }

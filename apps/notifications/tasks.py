"""Celery tasks for the outbox. Thin: they take IDs and call one service.

Beat (one instance, UTC) runs `notifications.dispatch_due` every minute and
`notifications.plan_reminders` every five (config/settings/base.py). Due times
live in the database; nothing here uses countdowns or ETAs.
"""

from celery import shared_task

from apps.notifications import services


@shared_task(name="notifications.send", acks_late=True, reject_on_worker_lost=True)
def notification_send(notification_id: int) -> str:
    """Send one outbox row if it is still due and pending (see
    services.notification_deliver). Safe to run twice or concurrently; returns
    quietly ("not_claimed") when the row is gone or already handled. Transient
    failures are retried from the database, not by re-raising here."""
    return services.notification_deliver(notification_id=notification_id)


@shared_task(name="notifications.dispatch_due")
def dispatch_due() -> int:
    """Queue sends for every due row and reclaim abandoned ones. Idempotent."""
    return services.notifications_dispatch_due()


@shared_task(name="notifications.plan_reminders")
def plan_reminders() -> dict[str, int]:
    """Create upcoming session, mood and inactivity reminders. Idempotent."""
    return {
        "session_reminders": services.session_reminders_plan(),
        "mood_reminders": services.mood_reminders_plan(),
        "inactivity_nudges": services.inactivity_nudges_plan(),
    }

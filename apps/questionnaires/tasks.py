import structlog
from celery import shared_task

from apps.questionnaires.services import administrations_plan_all

log = structlog.get_logger(__name__)


@shared_task
def plan_administrations() -> dict:
    """Beat (every 15 minutes): create due administrations, open windows with an
    invitation, send reminders, mark closed ones missed. Idempotent."""
    counts = administrations_plan_all()
    log.info("questionnaires_planned", **counts)
    return counts

from celery import shared_task

from apps.safety.services import risk_alerts_escalate


@shared_task
def escalate_risk_alerts() -> int:
    """Beat (every 5 minutes): escalate alerts unacknowledged past their delay. Idempotent."""
    return risk_alerts_escalate()

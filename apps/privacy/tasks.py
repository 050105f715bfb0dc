import structlog
from celery import shared_task

from apps.privacy.retention import retention_run
from apps.privacy.services import access_request_produce as produce

log = structlog.get_logger(__name__)


@shared_task(time_limit=900, soft_time_limit=840)
def access_request_produce(request_id: str) -> None:
    """Make one copy of a client's data. Claims the request, so a duplicate
    delivery does nothing; returns quietly when the request is gone."""
    produce(request_id=request_id)


@shared_task(time_limit=3600, soft_time_limit=3500)
def retention_enforce() -> dict:
    """Beat (daily): apply the retention schedule (settings.RETENTION_DAYS)."""
    done = retention_run()
    log.info("retention_applied", **done)
    return done

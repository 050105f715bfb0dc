import structlog
from celery import shared_task

from apps.trials.services import export_job_run, export_jobs_expire

log = structlog.get_logger(__name__)


@shared_task(time_limit=3600, soft_time_limit=3500)
def run_export_job(job_id: str) -> None:
    """Write one export's file. Claims the job, so a duplicate delivery does nothing;
    returns quietly when the job is gone. Long exports get an hour."""
    export_job_run(job_id=job_id)


@shared_task
def expire_export_jobs() -> int:
    """Beat (hourly): delete export files past their expiry; downloads then answer 410."""
    n = export_jobs_expire()
    if n:
        log.info("exports_expired", count=n)
    return n

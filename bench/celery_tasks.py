"""The no-op Celery task that bench/run_all.py measures the broker's own
throughput with (the baseline of the reminder fan-out). Loaded by the bench's
worker with ``--include bench.celery_tasks``."""

import redis
from celery import shared_task
from django.conf import settings

COUNTER = "bench:noop"
_redis = None


@shared_task(name="bench.noop", ignore_result=True)
def noop() -> None:
    """Count one run (a single Redis INCR, so the run can be observed)."""
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(settings.REDIS_URL)
    _redis.incr(COUNTER)

"""The real services CI promises: PostgreSQL, Redis, a Celery worker."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_database_is_postgresql_when_required(postgres):
    assert connection.vendor == "postgresql"


def test_redis_answers(redis_url):
    import redis

    assert redis.Redis.from_url(redis_url).ping() is True


def test_a_real_celery_worker_answers_over_redis(redis_url):
    from config import celery_app

    env = {**os.environ, "REDIS_URL": redis_url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--hostname",
            "ping-check@%h",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        replies = []
        deadline = time.monotonic() + 30
        while not replies and time.monotonic() < deadline:
            replies = celery_app.control.ping(timeout=1.0) or []
        assert any(
            name.startswith("celery@ping-check") or "ping-check" in name
            for reply in replies
            for name in reply
        )
    finally:
        worker.terminate()
        worker.wait(timeout=20)

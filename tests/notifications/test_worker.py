"""End to end: a real Celery worker over the real Redis, killed mid-batch.

Issue 5, "Done when": schedule a batch of due reminders, kill the worker
partway with SIGKILL, start it again, and find each reminder sent exactly
once; a second beat tick sends nothing new.

Determinism: the recording email backend has a gate. Once some messages are
sent the test closes the gate; each worker process then stops *before* the
provider accepts its next message and says so. When both processes are
stopped, every message already accepted has also been marked sent (each
process handles one message at a time), so the kill lands at a known point:
two rows left "sending", never accepted. The lease sweep then hands them out
again. The one window the design accepts a duplicate in (between the
provider accepting and the "sent" UPDATE) is milliseconds wide and is
documented in apps/notifications/services.py; this test does not gamble on it.
"""

import collections
import datetime
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.utils import timezone

from apps.notifications.kinds import Kind
from apps.notifications.models import Notification, Status
from apps.notifications.services import session_reminders_plan
from apps.notifications.tasks import dispatch_due
from tests.factories import TreatmentFactory
from tests.notifications.factories import AppointmentFactory, PreferenceFactory

BATCH = 30
DEADLINE_SECONDS = 50


def _database_url() -> str:
    db = settings.DATABASES["default"]  # already the test database's name
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def _lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _wait_for(condition, what: str, started: float) -> None:
    while not condition():
        if time.monotonic() - started > DEADLINE_SECONDS:
            raise AssertionError(f"Timed out waiting for {what}")
        time.sleep(0.05)


def _start_worker(name: str, env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "--hostname",
            f"{name}@%h",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGKILL takes the pool too
    )


def _kill(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_killed_worker_sends_each_reminder_exactly_once(redis_url, postgres, tmp_path, settings):
    import redis

    from config import celery_app

    started = time.monotonic()
    redis.Redis.from_url(redis_url).flushdb()  # a DB number only these tests use
    record, gate = tmp_path / "sent.jsonl", tmp_path / "gate"
    blocked = Path(f"{record}.blocked")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "NOTIFICATIONS_RECORDING_FILE": str(record),
        "NOTIFICATIONS_RECORDING_GATE": str(gate),
        "NOTIFICATIONS_RECORDING_DELAY": "0.05",
    }

    # A batch of session reminders, due now (sessions in 20 hours).
    for _ in range(BATCH):
        treatment = TreatmentFactory()
        # No quiet hours, so the test passes at any hour.
        PreferenceFactory(
            user=treatment.client,
            quiet_hours_start=datetime.time(0, 0),
            quiet_hours_end=datetime.time(0, 0),
        )
        AppointmentFactory(
            treatment=treatment, starts_at=timezone.now() + datetime.timedelta(hours=20)
        )
    assert session_reminders_plan() == BATCH
    ids = set(Notification.objects.filter(kind=Kind.SESSION_REMINDER).values_list("pk", flat=True))

    def sent_rows() -> int:
        return Notification.objects.filter(status=Status.SENT).count()

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    workers: list[subprocess.Popen] = []
    try:
        # Beat's tick: queue a send for every due row (in Redis, for real).
        assert dispatch_due() == BATCH

        workers.append(_start_worker("notif-e2e-1", env, tmp_path / "worker1.log"))
        _wait_for(lambda: len(_lines(record)) >= 8, "the first sends", started)
        gate.touch()
        _wait_for(lambda: len(_lines(blocked)) >= 2, "both pool processes to stop", started)
        _kill(workers[0])

        accepted = len(_lines(record))
        assert 8 <= accepted < BATCH
        assert sent_rows() == accepted  # everything the provider accepted is marked sent
        assert Notification.objects.filter(status=Status.SENDING).count() == 2

        gate.unlink()
        workers.append(_start_worker("notif-e2e-2", env, tmp_path / "worker2.log"))
        _wait_for(lambda: sent_rows() == BATCH - 2, "the rest of the queue", started)

        # The two rows the killed worker held come back after the lease.
        settings.NOTIFICATIONS_SENDING_LEASE_SECONDS = 1
        time.sleep(1.1)
        assert dispatch_due() == 2
        _wait_for(lambda: sent_rows() == BATCH, "the reclaimed rows", started)

        # A second beat tick (and a third) sends nothing new.
        assert dispatch_due() == 0
        assert dispatch_due() == 0
        time.sleep(0.5)
    finally:
        for worker in workers:
            _kill(worker)
        celery_app.conf.task_always_eager = eager
        redis.Redis.from_url(redis_url).flushdb()

    counts = collections.Counter(int(line["id"]) for line in _lines(record))
    assert set(counts) == ids
    assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v > 1}
    assert time.monotonic() - started < 60

"""Risk first: a risk alert is sent within seconds while a reminder fan-out is queued.

Real Celery workers (the default one and the risk one, as in the Procfile) over
a throwaway redis-server. Before: both shared one queue and an alert waited
behind every reminder queued before it (54.8 s behind 477 reminders).
TANDEM_FANOUT sets the size of the fan-out (default 2,000; docs/reliability.md
gives the figure measured with 10,000).
"""

import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from apps.notifications.kinds import Kind
from apps.notifications.models import Channel, Notification, Status
from apps.notifications.services import notification_schedule, notifications_dispatch_due
from apps.safety.models import RiskAlert, RiskSource
from tests.factories import TreatmentFactory
from tests.faults import celery_broker
from tests.notifications.factories import PreferenceFactory
from tests.notifications.test_worker import _database_url, _kill
from tests.questionnaires.factories import AdministrationFactory

FANOUT = int(os.environ.get("TANDEM_FANOUT", "2000"))
ALERT_WITHIN_SECONDS = 5.0


def _start_worker(name: str, queue: str, env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue]
        + ["--pool", "prefork", "--concurrency", "1", "--hostname", f"{name}@%h"]
        + ["--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _sent_ids(path: Path) -> list[int]:
    if not path.exists():
        return []
    return [int(json.loads(line)["id"]) for line in path.read_text().splitlines() if line]


def _wait(condition, what: str, seconds: float) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"Timed out waiting for {what}")
        time.sleep(0.02)
    return time.monotonic() - started


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_risk_alert_overtakes_a_reminder_fan_out(postgres, throwaway_redis, tmp_path):
    record = tmp_path / "sent.jsonl"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": throwaway_redis.url,
        "NOTIFICATIONS_RECORDING_FILE": str(record),
        "NOTIFICATIONS_RECORDING_DELAY": "0.01",
    }
    treatment = TreatmentFactory()
    PreferenceFactory(
        user=treatment.client,
        mood_reminder_enabled=True,
        quiet_hours_start=datetime.time(0, 0),
        quiet_hours_end=datetime.time(0, 0),
    )
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            recipient=treatment.client,
            kind=Kind.MOOD_REMINDER,
            channel=Channel.EMAIL,
            dedupe_key=f"fanout:{i}",
            due_at=now,
            original_due_at=now,
            treatment=treatment,
        )
        for i in range(FANOUT)
    )
    alert = RiskAlert.objects.create(
        treatment=treatment,
        source=RiskSource.PHQ9_ITEM9,
        administration=AdministrationFactory(treatment=treatment),
    )
    workers = []
    with celery_broker(throwaway_redis.url):
        try:
            assert notifications_dispatch_due(limit=FANOUT) == FANOUT  # the fan-out, queued
            workers.append(_start_worker("default", "celery", env, tmp_path / "default.log"))
            workers.append(
                _start_worker(
                    "risk", settings.NOTIFICATIONS_URGENT_QUEUE, env, tmp_path / "risk.log"
                )
            )
            _wait(lambda: len(_sent_ids(record)) >= 5, "the workers to start", 30)

            (row,) = notification_schedule(
                recipient=treatment.pwp,
                kind=Kind.RISK_ALERT,
                due_at=timezone.now(),
                dedupe_key=f"risk_alert:{alert.pk}:{treatment.pwp_id}",
                object=alert,
            )
            delay = _wait(lambda: row.pk in _sent_ids(record), "the risk alert", 30)
            reminders_sent = len(_sent_ids(record)) - 1
        finally:
            for worker in workers:
                _kill(worker)
    print(f"risk alert sent {delay:.2f} s after it was raised, behind {FANOUT} reminders")
    assert delay < ALERT_WITHIN_SECONDS
    assert reminders_sent < FANOUT  # the fan-out was still being sent
    row.refresh_from_db()
    assert row.status == Status.SENT


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_risk_alert_whose_worker_was_killed_mid_send_is_sent_within_a_minute(
    postgres, throwaway_redis, tmp_path
):
    """Production leases and sweep interval: the risk worker is SIGKILLed while it
    holds the alert (before the provider accepted it); beat's urgent sweep runs
    every NOTIFICATIONS_URGENT_SWEEP_SECONDS. Before: 10-12 minutes."""
    record, gate = tmp_path / "sent.jsonl", tmp_path / "gate"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": throwaway_redis.url,
        "NOTIFICATIONS_RECORDING_FILE": str(record),
        "NOTIFICATIONS_RECORDING_GATE": str(gate),
    }
    treatment = TreatmentFactory()
    alert = RiskAlert.objects.create(
        treatment=treatment,
        source=RiskSource.PHQ9_ITEM9,
        administration=AdministrationFactory(treatment=treatment),
    )
    queue = settings.NOTIFICATIONS_URGENT_QUEUE
    workers = []
    with celery_broker(throwaway_redis.url):
        try:
            gate.touch()
            workers.append(_start_worker("risk1", queue, env, tmp_path / "risk1.log"))
            (row,) = notification_schedule(
                recipient=treatment.pwp,
                kind=Kind.RISK_ALERT,
                due_at=timezone.now(),
                dedupe_key=f"risk_alert:{alert.pk}:{treatment.pwp_id}",
                object=alert,
            )
            blocked = Path(f"{record}.blocked")
            _wait(lambda: blocked.exists(), "the worker to hold the alert", 30)
            _kill(workers[0])
            killed_at = time.monotonic()
            row.refresh_from_db()
            assert row.status == Status.SENDING and row.handed_at is not None
            gate.unlink()
            workers.append(_start_worker("risk2", queue, env, tmp_path / "risk2.log"))

            def sent() -> bool:
                return row.pk in _sent_ids(record)

            next_sweep = time.monotonic()
            while not sent() and time.monotonic() - killed_at < 75:
                if time.monotonic() >= next_sweep:  # beat's urgent sweep
                    notifications_dispatch_due(urgent_only=True)
                    next_sweep += settings.NOTIFICATIONS_URGENT_SWEEP_SECONDS
                time.sleep(0.1)
            recovered = time.monotonic() - killed_at
        finally:
            for worker in workers:
                _kill(worker)
    print(f"risk alert sent {recovered:.1f} s after its worker was killed mid-send")
    assert sent()
    assert recovered < 60
    assert _sent_ids(record).count(row.pk) == 1

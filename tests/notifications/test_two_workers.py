"""Scale-out: two Celery worker processes (prefork) on one Redis and one
PostgreSQL share the outbox, and every due reminder is sent exactly once,
even when each send is queued twice (a second beat, a duplicate delivery).

Issue 15: web and workers scale out; beat stays single; the claim in
notification_deliver (a conditional UPDATE) is what makes two workers safe.
A large sweep goes out several reminders to a task (notifications_deliver),
each row still claimed on its own: the second test.
"""

import collections
import datetime
import os
import time
from pathlib import Path

import pytest
from django.utils import timezone

from apps.notifications.kinds import Kind
from apps.notifications.models import Notification, Status
from apps.notifications.services import session_reminders_plan
from apps.notifications.tasks import dispatch_due, notification_send
from tests.factories import TreatmentFactory
from tests.notifications.factories import AppointmentFactory, PreferenceFactory
from tests.notifications.test_worker import _database_url, _kill, _lines, _start_worker

BATCH = 60
DEADLINE_SECONDS = 90


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_workers_send_each_reminder_exactly_once(redis_url, postgres, tmp_path):
    import redis

    from config import celery_app

    started = time.monotonic()
    redis.Redis.from_url(redis_url).flushdb()
    record = tmp_path / "sent.jsonl"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "NOTIFICATIONS_RECORDING_FILE": str(record),
        # A slow provider, so both workers have work at the same time.
        "NOTIFICATIONS_RECORDING_DELAY": "0.05",
    }
    for _ in range(BATCH):
        treatment = TreatmentFactory()
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

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    workers = []
    try:
        workers = [_start_worker(f"scale-{i}", env, tmp_path / f"worker{i}.log") for i in (1, 2)]
        assert dispatch_due() == BATCH
        for notification_id in ids:  # every send queued a second time
            notification_send.delay(notification_id)

        sent = Notification.objects.filter(status=Status.SENT)
        while sent.count() < BATCH or len(_lines(record)) < BATCH:
            assert time.monotonic() - started < DEADLINE_SECONDS, "timed out"
            assert all(w.poll() is None for w in workers), "a worker exited"
            time.sleep(0.1)
        # Which worker each sending process belongs to (read while they run).
        owners = {_parent(int(line["pid"])) for line in _lines(record)}
        time.sleep(1)  # the duplicate tasks drain; none may send again
        assert dispatch_due() == 0
    finally:
        for worker in workers:
            _kill(worker)
        celery_app.conf.task_always_eager = eager
        redis.Redis.from_url(redis_url).flushdb()

    counts = collections.Counter(int(line["id"]) for line in _lines(record))
    assert set(counts) == ids
    assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v > 1}
    assert owners == {w.pid for w in workers}, "both workers should have sent some"


FANOUT = 400


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_workers_send_a_large_sweep_in_groups_each_reminder_exactly_once(
    redis_url, postgres, tmp_path
):
    """A sweep of 400 due reminders goes out in send tasks of several rows
    (notifications.send_batch); every group is queued a second time (as with a
    second beat or a redelivered task); two workers share them."""
    import redis

    from apps.notifications.models import Channel
    from apps.notifications.services import send_batch_size
    from apps.notifications.tasks import notifications_send_batch
    from config import celery_app

    started = time.monotonic()
    redis.Redis.from_url(redis_url).flushdb()
    record = tmp_path / "sent.jsonl"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "NOTIFICATIONS_RECORDING_FILE": str(record),
        "NOTIFICATIONS_RECORDING_DELAY": "0.005",
    }
    users = [TreatmentFactory().client for _ in range(8)]
    for user in users:
        PreferenceFactory(
            user=user,
            mood_reminder_enabled=True,
            quiet_hours_start=datetime.time(0, 0),
            quiet_hours_end=datetime.time(0, 0),
        )
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            recipient=users[i % len(users)],
            kind=Kind.MOOD_REMINDER,
            channel=Channel.EMAIL,
            dedupe_key=f"sweep:{i}",
            due_at=now,
            original_due_at=now,
        )
        for i in range(FANOUT)
    )
    ids = list(Notification.objects.order_by("due_at", "pk").values_list("pk", flat=True))
    size = send_batch_size(FANOUT)
    assert size > 1

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    workers = []
    try:
        workers = [_start_worker(f"sweep-{i}", env, tmp_path / f"worker{i}.log") for i in (1, 2)]
        assert dispatch_due() == FANOUT
        for i in range(0, FANOUT, size):  # every group queued a second time
            notifications_send_batch.delay(ids[i : i + size])

        sent = Notification.objects.filter(status=Status.SENT)
        while sent.count() < FANOUT or len(_lines(record)) < FANOUT:
            assert time.monotonic() - started < DEADLINE_SECONDS, "timed out"
            assert all(w.poll() is None for w in workers), "a worker exited"
            time.sleep(0.1)
        owners = {_parent(int(line["pid"])) for line in _lines(record)}
        time.sleep(1)  # the duplicate tasks drain; none may send again
        assert dispatch_due() == 0
    finally:
        for worker in workers:
            _kill(worker)
        celery_app.conf.task_always_eager = eager
        redis.Redis.from_url(redis_url).flushdb()

    counts = collections.Counter(int(line["id"]) for line in _lines(record))
    assert set(counts) == set(ids)
    assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v > 1}
    assert owners == {w.pid for w in workers}, "both workers should have sent some"

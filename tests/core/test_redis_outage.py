"""Pages survive a Redis outage; messages caused meanwhile wait in the outbox.

Each test starts its own redis-server (tests/faults.py) and kills it: the
shared Redis is never touched. Before: step pages answered 500 (the page-text
cache raised), a message POST answered 500 after saving, enrolling a client
answered 500 and its invitation was never sent, and /healthz/ said 200 "ok".
"""

import copy
import logging
import time

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from apps.care.services import treatment_enrol
from apps.messaging.models import Message
from apps.notifications.kinds import Kind
from apps.notifications.models import Notification, Status
from apps.notifications.services import notification_schedule, notifications_dispatch_due
from apps.programme.content import content_load
from apps.programme.models import Module
from tests.factories import PASSWORD
from tests.faults import celery_broker

pytestmark = [pytest.mark.django_db(transaction=True)]


def _cache_at(url: str) -> dict:
    """The project's own cache settings, pointed at `url`."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: the project's cache is not Redis")
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = url
    return caches


def test_step_pages_answer_from_the_database_when_the_cache_is_down(
    client, client_user, treatment, throwaway_redis, settings, caplog
):
    settings.CACHES = _cache_at(throwaway_redis.url)
    content_load(directory=settings.CONTENT_DIR)
    step = Module.objects.get(slug="psychoeducation").steps.order_by("order").first()
    url = reverse("programme:step", args=["psychoeducation", step.slug])
    client.login(email=client_user.email, password=PASSWORD)
    assert client.get(url).status_code == 200  # fills the cache
    throwaway_redis.stop()

    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        pages = [client.get(url) for _ in range(3)]
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert step.title in pages[0].content.decode()
    assert time.monotonic() - started < 5  # short timeouts: no hanging pages
    assert sum("cache_unavailable" in r.getMessage() for r in caplog.records) <= 1

    throwaway_redis.start()  # and the cache is used again once Redis is back
    assert client.get(url).status_code == 200


def test_healthz_reports_the_broker_apart_and_stays_200_for_the_load_balancer(
    client, throwaway_redis, settings
):
    settings.CELERY_BROKER_URL = throwaway_redis.url
    assert client.get(reverse("core:healthz")).json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
    }
    throwaway_redis.stop()
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "unavailable"}


def _queued(url: str, queue: str = "celery") -> int:
    return redis.Redis.from_url(url).llen(queue)


def test_a_message_posted_while_redis_is_down_is_saved_and_its_email_goes_later(
    client, client_user, treatment, throwaway_redis
):
    client.login(email=client_user.email, password=PASSWORD)
    with celery_broker(throwaway_redis.url):
        throwaway_redis.stop()
        started = time.monotonic()
        response = client.post(
            reverse("messaging:thread", args=[treatment.pk]),
            {
                "body": "Can we move Thursday?",
                "idempotency_key": "7c3e0d2e-1111-4c1e-9a55-0c6f1f0a0001",
            },
        )
        assert response.status_code == 302
        assert time.monotonic() - started < 5
        assert Message.objects.filter(body="Can we move Thursday?").exists()
        row = Notification.objects.get(kind=Kind.NEW_CLIENT_MESSAGE)
        assert (row.status, row.enqueued_at) == (Status.PENDING, None)

        # Redis is back: the next sweep (beat, every minute) queues it.
        throwaway_redis.start()
        assert notifications_dispatch_due() == 1
        assert _queued(throwaway_redis.url) == 1


def test_enrolling_a_client_while_redis_is_down_keeps_the_treatment_and_the_invitation(
    pwp, service, throwaway_redis
):
    with celery_broker(throwaway_redis.url):
        throwaway_redis.stop()
        treatment = treatment_enrol(
            actor=pwp, service=service, pwp=pwp, email="new.client@example.org"
        )
        assert treatment.pk is not None
        invitation = Notification.objects.get(kind=Kind.INVITATION)
        assert invitation.recipient == treatment.client
        assert (invitation.status, invitation.enqueued_at) == (Status.PENDING, None)

        throwaway_redis.start()
        assert notifications_dispatch_due() == 1
        assert _queued(throwaway_redis.url) == 1


def test_a_risk_alert_sweep_while_redis_is_down_leaves_rows_for_the_next_sweep(
    pwp, throwaway_redis
):
    with celery_broker(throwaway_redis.url):
        throwaway_redis.stop()
        notification_schedule(
            recipient=pwp, kind=Kind.RISK_ALERT, due_at=timezone.now(), dedupe_key="risk:down"
        )
        assert notifications_dispatch_due(urgent_only=True) == 0
        assert Notification.objects.get().enqueued_at is None
        throwaway_redis.start()
        assert notifications_dispatch_due(urgent_only=True) == 1
        assert _queued(throwaway_redis.url, settings.NOTIFICATIONS_URGENT_QUEUE) == 1


def test_every_cache_call_degrades_to_a_miss_while_redis_is_down(throwaway_redis, settings):
    settings.CACHES = _cache_at(throwaway_redis.url)
    cache.set("forever", "kept", None)
    assert cache.get("forever") == "kept"
    throwaway_redis.stop()
    assert cache.get("forever", "fallback") == "fallback"
    assert cache.get_many(["forever"]) == {}
    assert cache.set("k", "v", 60) is None
    assert cache.add("k", "v") is False
    assert cache.delete("k") is False
    assert cache.has_key("k") is False

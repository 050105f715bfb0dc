"""Duplicates when the database fails while a sent message is being marked sent.

The shared PostgreSQL is never stopped: the fault is injected at the one
statement a database outage breaks in this window (the "sent" UPDATE after the
provider accepted). 1,000 messages, 10 of them hit by the outage.
- a short outage (shorter than NOTIFICATIONS_MARK_SENT_RETRY_SECONDS): the
  worker retries the UPDATE; 0 duplicates per 1,000 (before: every one of the
  10 was sent twice after the lease);
- a longer outage: email is sent again after the lease, each duplicate with
  the same Message-ID (recognisable); text messages through a provider that
  knows its references (GOV.UK Notify) are not sent again.
"""

import collections
import datetime
from datetime import UTC

import pytest
import time_machine
from django.core import mail
from django.db import OperationalError

from apps.notifications import services
from apps.notifications.backends import LocmemSMSBackend
from apps.notifications.kinds import Kind
from apps.notifications.models import Channel, Notification, Status
from apps.notifications.services import notification_deliver, notifications_dispatch_due

ROWS = 1000
HIT_EVERY = 100  # 10 of the 1,000 are sent while the database is down
START = datetime.datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def _rows(user, channel) -> list[int]:
    Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=Kind.PASSWORD_RESET,
            channel=channel,
            dedupe_key=f"dup:{i}",
            due_at=START,
            original_due_at=START,
        )
        for i in range(ROWS)
    )
    return list(Notification.objects.order_by("pk").values_list("pk", flat=True))


def _outage(monkeypatch, hit: set[int], failures: int | None) -> None:
    """Each row in `hit` finds the database down `failures` times (None: always)
    when it marks itself sent."""
    seen = collections.Counter()
    real = services._mark_sent_once

    def flaky(mine, **fields):
        pk = mine.values_list("pk", flat=True).first()
        if pk in hit and (failures is None or seen[pk] < failures):
            seen[pk] += 1
            raise OperationalError("server closed the connection unexpectedly")
        return real(mine, **fields)

    monkeypatch.setattr(services, "_mark_sent_once", flaky)


def _send_all(ids) -> None:
    for pk in ids:
        try:
            notification_deliver(notification_id=pk)
        except OperationalError:
            pass  # the task fails; the row stays "sending" until its lease ends


def _after_the_lease() -> None:
    with time_machine.travel(START + datetime.timedelta(minutes=5), tick=False):
        notifications_dispatch_due(limit=ROWS)


@pytest.mark.django_db
def test_a_short_database_outage_while_marking_sent_sends_no_duplicates(
    client_user, monkeypatch, settings
):
    settings.NOTIFICATIONS_MARK_SENT_RETRY_SECONDS = 5
    ids = _rows(client_user, Channel.EMAIL)
    _outage(monkeypatch, set(ids[::HIT_EVERY]), failures=1)
    with time_machine.travel(START, tick=True):
        _send_all(ids)
    _after_the_lease()
    per_row = collections.Counter(m.extra_headers["X-Tandem-Notification"] for m in mail.outbox)
    assert len(per_row) == ROWS
    assert sum(n - 1 for n in per_row.values()) == 0  # duplicates per 1,000
    assert Notification.objects.filter(status=Status.SENT).count() == ROWS


@pytest.mark.django_db
def test_a_long_outage_resends_email_with_the_same_message_id(client_user, monkeypatch, settings):
    settings.NOTIFICATIONS_MARK_SENT_RETRY_SECONDS = 0
    ids = _rows(client_user, Channel.EMAIL)
    hit = set(ids[::HIT_EVERY])
    _outage(monkeypatch, hit, failures=None)
    with time_machine.travel(START, tick=True):
        _send_all(ids)
    monkeypatch.setattr(services, "_mark_sent_once", lambda mine, **f: mine.update(**f))
    _after_the_lease()
    by_id = collections.defaultdict(list)
    for message in mail.outbox:
        by_id[int(message.extra_headers["X-Tandem-Notification"])].append(
            message.extra_headers["Message-ID"]
        )
    duplicated = {pk for pk, ids_ in by_id.items() if len(ids_) > 1}
    assert duplicated == hit  # 10 per 1,000: those in flight during the outage
    for pk in duplicated:
        assert len(set(by_id[pk])) == 1  # the same Message-ID: recognisably one message
        assert by_id[pk][0] == f"<tandem-notification-{pk}@{_host(settings)}>"
    assert Notification.objects.filter(status=Status.SENT).count() == ROWS


@pytest.mark.django_db
def test_a_long_outage_sends_no_duplicate_text_through_a_provider_that_knows_references(
    client_user, monkeypatch, settings, sms_outbox
):
    from tests.notifications.factories import PreferenceFactory

    PreferenceFactory(user=client_user, sms_enabled=True, phone_number="07700900123")
    settings.NOTIFICATIONS_MARK_SENT_RETRY_SECONDS = 0
    ids = _rows(client_user, Channel.SMS)
    _outage(monkeypatch, set(ids[::HIT_EVERY]), failures=None)
    with time_machine.travel(START, tick=True):
        _send_all(ids)
    monkeypatch.setattr(services, "_mark_sent_once", lambda mine, **f: mine.update(**f))
    _after_the_lease()
    references = collections.Counter(m["reference"] for m in LocmemSMSBackend.outbox)
    assert len(references) == ROWS
    assert sum(n - 1 for n in references.values()) == 0
    assert Notification.objects.filter(status=Status.SENT).count() == ROWS


def _host(settings) -> str:
    from urllib.parse import urlsplit

    return urlsplit(settings.SITE_URL).hostname

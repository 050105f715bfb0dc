"""The retention schedule (`settings.RETENTION_DAYS`), applied daily by beat.

Each rule removes what is past its period and nothing else:

- ``clinical_record``: the free text of a treatment that ended more than the
  period ago (`erasure.clinical_text_remove`, every kind but messages), and
  the account of a client all of whose treatments are that old (and who has
  not signed in since): anonymised like an approved anonymisation.
- ``messages``: the text of messages in such treatments (rows stay for the
  research counts).
- ``mood_notes``: the note and tags of a mood rating made outside any
  treatment (only the client sees those), counted from the day rated.
- ``notifications``: outbox rows sent, suppressed or failed, counted from
  their last change. Pending rows are never deleted.
- ``data_copies``: copies of a client's data past their expiry: file deleted.

Never touched: a treatment still open (invited or in treatment), a treatment
with an open safety alert, and the audit tables (docs/audit.md). Each run is
one `PrivacyEvent` with the counts, even when nothing was due.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.models import User
from apps.care.models import OPEN_STATUSES, Treatment
from apps.notifications.models import Notification, Status
from apps.privacy.erasure import (
    ANONYMISED_DOMAIN,
    TEXT_KEYS,
    account_anonymise,
    clinical_text_remove,
)
from apps.privacy.models import PrivacyAction
from apps.privacy.services import access_requests_expire, privacy_event_record
from apps.safety.models import RiskAlert, RiskAlertStatus
from apps.tracking.models import MoodRating

FINISHED_NOTIFICATIONS = (Status.SENT, Status.SUPPRESSED, Status.FAILED)


def _cutoff(now: datetime.datetime, rule: str) -> datetime.datetime:
    return now - datetime.timedelta(days=settings.RETENTION_DAYS[rule])


def treatments_past(cutoff: datetime.datetime) -> QuerySet[Treatment]:
    """Closed treatments that ended at or before `cutoff`, without an open alert.

    The end is `ended_at` (set by every closing step), else the last change of
    a closed row made before the lifecycle kept it.
    """
    open_alerts = RiskAlert.objects.filter(status=RiskAlertStatus.OPEN).values("treatment_id")
    return (
        Treatment.objects.exclude(status__in=OPEN_STATUSES)
        .alias(end=Coalesce("ended_at", "updated_at", output_field=DateTimeField()))
        .filter(end__lte=cutoff)
        .exclude(pk__in=open_alerts)
    )


def clients_past(cutoff: datetime.datetime) -> QuerySet[User]:
    """Clients whose every treatment is past `cutoff` and who have not signed in since."""
    recent = Treatment.objects.exclude(pk__in=treatments_past(cutoff).values("pk"))
    return (
        User.objects.filter(is_client=True, treatments__isnull=False)
        .exclude(email__endswith="@" + ANONYMISED_DOMAIN)
        .exclude(pk__in=recent.values("client_id"))
        .exclude(last_login__gt=cutoff)
        .distinct()
    )


def retention_run(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Apply every rule of the schedule once; returns counts by rule and kind.

    Idempotent: what was removed is not counted again. Each rule runs in its
    own transaction; the run is recorded as one `PrivacyEvent`.
    """
    now = now or timezone.now()
    done: dict[str, int] = {}

    with transaction.atomic():
        cutoff = _cutoff(now, "clinical_record")
        ids = list(treatments_past(cutoff).values_list("pk", flat=True))
        if ids:
            changed = clinical_text_remove(treatment_ids=ids, only=TEXT_KEYS - {"messages"})
            done.update({f"clinical_record.{k}": n for k, n in changed.items()})
        accounts = 0
        for client in clients_past(cutoff):
            changed = clinical_text_remove(client=client, only=TEXT_KEYS - {"messages"})
            for key, n in changed.items():
                done[f"clinical_record.{key}"] = done.get(f"clinical_record.{key}", 0) + n
            account_anonymise(client=client)
            accounts += 1
        if accounts:
            done["clinical_record.accounts"] = accounts

    with transaction.atomic():
        ids = list(treatments_past(_cutoff(now, "messages")).values_list("pk", flat=True))
        if ids and (n := clinical_text_remove(treatment_ids=ids, only={"messages"})):
            done["messages"] = n["messages"]

    with transaction.atomic():
        day = timezone.localdate(_cutoff(now, "mood_notes"))
        notes = MoodRating.objects.filter(treatment__isnull=True, rated_on__lte=day)
        n = notes.exclude(note="", tags=[]).update(note="", tags=[])
        if n:
            done["mood_notes"] = n

    with transaction.atomic():
        old = Notification.objects.filter(
            status__in=FINISHED_NOTIFICATIONS,
            updated_at__lte=_cutoff(now, "notifications"),
        ).exclude(treatment__status__in=OPEN_STATUSES)
        n = old.delete()[0]
        if n:
            done["notifications"] = n

    n = access_requests_expire(now=now)
    if n:
        done["data_copies"] = n

    privacy_event_record(
        action=PrivacyAction.RETENTION_APPLIED,
        detail={"counts": done, "days": dict(settings.RETENTION_DAYS)},
    )
    return done

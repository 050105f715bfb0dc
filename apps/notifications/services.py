"""Writes for notifications: the outbox API other apps call, sending, planners.

API for other apps
------------------
- `notification_schedule(*, recipient, kind, due_at, dedupe_key, object=None,
  context=None, channels=None) -> list[Notification]`: idempotent; one row
  per channel; a send is queued after commit when the row is already due.
- `notification_cancel(*, kind, object, reason=CANCELLED) -> int`: pending rows
  of that kind about that object become suppressed.
- `session_reminders_sync(*, appointment)`: call after booking, rescheduling
  or cancelling a session; the planner also reconciles every few minutes.

Delivery guarantee (see `notification_deliver`, docs/reliability.md)
-------------------------------------------------------------------
At least once. A duplicate is possible only when the provider accepted a
message and the "sent" UPDATE then cannot commit: the window is the whole
provider call (seconds, not milliseconds) plus that UPDATE, and it matters
when a worker is killed in it or the database is unreachable for longer than
NOTIFICATIONS_MARK_SENT_RETRY_SECONDS (the worker keeps retrying the UPDATE
through a shorter outage). The row is then sent again after its lease. To keep
such duplicates rare and recognisable: `handed_at` is committed before the
provider call; every attempt carries the row's own reference (GOV.UK Notify
`reference`, email `Message-ID` <tandem-notification-<id>@site>); and where the
provider can tell (Notify, by reference) a resend of a handed-over row asks it
first and sends nothing if it already has it. We prefer a rare duplicate to
marking such rows failed, which would silently drop safety alerts and
reminders. Every other crash point is resent exactly once, and beat firing
twice, two workers racing or a redelivered task never send twice: the unique
constraint stops duplicate rows and the conditional claim stops duplicate sends.

A large sweep of reminders (more than SEND_SPREAD rows) goes out several rows
to a task (`notifications_deliver`): the same claim, one row at a time, in the
same commit as the previous row's "sent", so the window above is unchanged
(one row per worker process); rows of a batch task lost with its worker are
queued again by the sweep after NOTIFICATIONS_REENQUEUE_AFTER_SECONDS.
"""

import collections
import contextlib
import datetime
import random
import smtplib
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

import structlog
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, connection, models, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation

from apps.accounts.models import User
from apps.care.consent import has_consent
from apps.care.models import (
    OPEN_STATUSES,
    Appointment,
    AppointmentStatus,
    ConsentKind,
    Service,
    TransitionKind,
    Treatment,
    TreatmentStatus,
    TreatmentTransition,
    clients_without_consent,
)
from apps.core.errors import DomainError
from apps.core.time import user_zone
from apps.notifications.backends import TransientSendError, sms_backend
from apps.notifications.kinds import (
    Kind,
    NotificationNotNeeded,
    kind_spec,
    link_builder_for,
    urgent_kinds,
)
from apps.notifications.links import absolute_url
from apps.notifications.models import (
    Channel,
    Notification,
    NotificationPreference,
    ServiceQuietHours,
    Status,
    SuppressedReason,
    default_quiet_hours_end,
    default_quiet_hours_start,
    local_moment,
)
from apps.notifications.selectors import last_activity_expression, preference_for

logger = structlog.get_logger(__name__)

# Failures worth retrying. Recipient/sender refusals are SMTPException
# subclasses but permanent, so they are checked first.
PERMANENT_SMTP_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)
TRANSIENT_ERRORS = (
    smtplib.SMTPException,
    ConnectionError,
    TimeoutError,
    socket.gaierror,
    TransientSendError,
    SoftTimeLimitExceeded,
)

SESSION_REMINDER_MIN_NOTICE = datetime.timedelta(hours=2)
# A session reminder arriving later than this before the session is no use:
# quiet hours never push one past it (see _before_quiet_hours).
SESSION_REMINDER_MIN_USEFUL = datetime.timedelta(hours=1)
PLANNING_HORIZON = datetime.timedelta(hours=26)


def object_ref(obj: models.Model | None) -> tuple[str, str]:
    """("app_label.model", "pk") for a related object, ("", "") for None."""
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def _check_context(context: dict) -> dict:
    # IDs and short tokens only: the outbox must never hold clinical text.
    for key, value in context.items():
        ok = (
            value is None
            or isinstance(value, bool | int)
            or (isinstance(value, str) and len(value) <= 64)
        )
        if not ok:
            raise ValueError(f"Notification context {key!r} must be an ID, not text.")
    return context


def _treatment_for(recipient: User, obj: models.Model | None) -> int | None:
    if isinstance(obj, Treatment):
        return obj.pk
    treatment_id = getattr(obj, "treatment_id", None)
    if treatment_id:
        return treatment_id
    if recipient.is_client:
        return (
            Treatment.objects.filter(client=recipient)
            .order_by("-created_at")
            .values_list("pk", flat=True)
            .first()
        )
    return None


def _resolve_channels(recipient: User, kind: str, channels: Iterable[str] | None) -> list[str]:
    if channels is not None:
        return list(dict.fromkeys(channels))
    if kind_spec(kind).mandatory:
        return [Channel.EMAIL]
    pref = preference_for(recipient)
    chosen = [c for c in (Channel.EMAIL, Channel.SMS) if pref.channel_enabled(c)]
    if Channel.SMS in chosen and not has_consent(recipient, ConsentKind.TEXT_MESSAGES):
        chosen.remove(Channel.SMS)
    # With every channel off we still keep an email row: it is suppressed at
    # send time, so staff can see the person turned messages off.
    return chosen or [Channel.EMAIL]


def _enqueue_on_commit(rows: list[Notification]) -> None:
    if not rows:
        return
    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(enqueued_at=timezone.now())
    for row in rows:
        transaction.on_commit(partial(notification_enqueue, row.pk, kind=row.kind))


def send_task_for(kind: str):
    """The Celery task that sends rows of `kind`: urgent kinds have their own queue."""
    from apps.notifications import tasks  # why: tasks imports this module

    return tasks.notification_send_urgent if kind_spec(kind).urgent else tasks.notification_send


def notification_enqueue(notification_id: int, *, kind: str) -> bool:
    """Queue the send of one outbox row; never raises. Returns whether it was queued.

    With the broker down (Redis stopped) the page that caused the message still
    answers normally: the row stays pending, `enqueued_at` is cleared, and the
    dispatch sweep queues it once the broker is back (within a minute; urgent
    kinds within NOTIFICATIONS_URGENT_SWEEP_SECONDS).
    """
    try:
        send_task_for(kind).delay(notification_id)
    except Exception as exc:  # kombu and redis raise many types; the row is the record
        Notification.objects.filter(pk=notification_id, status=Status.PENDING).update(
            enqueued_at=None
        )
        _log_broker_down(exc)
        return False
    return True


def notifications_enqueue_batch(notification_ids: list[int]) -> bool:
    """Queue one task that sends these (non-urgent) rows in turn
    (`notifications_deliver`); never raises, as `notification_enqueue`."""
    from apps.notifications import tasks  # why: tasks imports this module

    try:
        tasks.notifications_send_batch.delay(notification_ids)
    except Exception as exc:  # kombu and redis raise many types; the rows are the record
        Notification.objects.filter(pk__in=notification_ids, status=Status.PENDING).update(
            enqueued_at=None
        )
        _log_broker_down(exc)
        return False
    return True


_broker_down_logged_at = [0.0]


def _log_broker_down(exc: BaseException) -> None:
    # At most once a minute: with Redis down every request would log it.
    if time.monotonic() - _broker_down_logged_at[0] > 60:
        _broker_down_logged_at[0] = time.monotonic()
        logger.warning("notification_enqueue_failed", error=_short_error(exc))


@transaction.atomic
def notification_schedule(
    *,
    recipient: User,
    kind: str,
    due_at: datetime.datetime,
    dedupe_key: str,
    object: models.Model | None = None,  # noqa: A002 - the documented API name
    context: dict | None = None,
    channels: Iterable[str] | None = None,
) -> list[Notification]:
    """Put a message in the outbox, once. Returns its rows (one per channel).

    Idempotent: calling again with the same (recipient, kind, dedupe_key)
    returns the existing rows and creates nothing, also under concurrent
    calls. Make `dedupe_key` name the kind, the object and the due moment,
    e.g. "questionnaire_reminder:administration:7:2026-03-04T09:00Z": a new
    due moment (a rescheduled session) is a new message. A row earlier
    suppressed as `cancelled` comes back to life (the session was reinstated).

    `channels` None means the channels the recipient chose (email by default;
    email only for kinds nobody can opt out of). `object` is the thing the
    message is about (an Appointment, a questionnaire administration, an
    alert); it is stored as ("app.model", "pk") and, when it has a treatment,
    files the row in that treatment's staff log. `context` holds IDs and short
    tokens only (ValueError otherwise); templates never see it directly, only
    what the kind's link builder makes from it at send time.

    Rows already due are sent by a task queued after the transaction commits.
    Raises KeyError for an unregistered kind.
    """
    kind_spec(kind)
    now = timezone.now()
    object_type, object_id = object_ref(object)
    context = _check_context(dict(context or {}))
    treatment_id = _treatment_for(recipient, object)
    rows: list[Notification] = []
    to_enqueue: list[Notification] = []
    for channel in _resolve_channels(recipient, kind, channels):
        row, created = Notification.objects.get_or_create(
            recipient=recipient,
            kind=kind,
            channel=channel,
            dedupe_key=dedupe_key,
            defaults={
                "due_at": due_at,
                "original_due_at": due_at,
                "object_type": object_type,
                "object_id": object_id,
                "context": context,
                "treatment_id": treatment_id,
            },
        )
        if (
            not created
            and row.status == Status.SUPPRESSED
            and row.suppressed_reason == SuppressedReason.CANCELLED
        ):
            row.status, row.suppressed_reason, row.enqueued_at = Status.PENDING, "", None
            row.save(update_fields=["status", "suppressed_reason", "enqueued_at", "updated_at"])
            created = True
        if created and row.status == Status.PENDING and row.due_at <= now:
            to_enqueue.append(row)
        rows.append(row)
    _enqueue_on_commit(to_enqueue)
    return rows


def account_email_schedule(*, user: User, kind: str) -> list[Notification]:
    """Queue an account email (two-step set-up link, reset, confirmation) now.

    Requests within the same minute are one message (a double-clicked button).
    """
    now = timezone.now()
    minute = now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%MZ")
    return notification_schedule(
        recipient=user,
        kind=kind,
        due_at=now,
        dedupe_key=f"{kind}:user:{user.pk}:{minute}",
        object=user,
    )


def treatment_invitation_schedule(*, treatment: Treatment) -> list[Notification]:
    """Queue the invitation of a returning client to accept a new treatment."""
    return notification_schedule(
        recipient=treatment.client,
        kind=Kind.TREATMENT_INVITATION,
        due_at=timezone.now(),
        dedupe_key=f"treatment_invitation:treatment:{treatment.pk}",
        object=treatment,
    )


# Which message the client gets for each lifecycle step (apps.care.lifecycle).
LIFECYCLE_CLIENT_KINDS = {
    TransitionKind.DISCHARGE: Kind.TREATMENT_DISCHARGED,
    TransitionKind.DROPOUT: Kind.TREATMENT_CLOSED,
    TransitionKind.TRIAL_WITHDRAWAL: Kind.TRIAL_WITHDRAWN,
    TransitionKind.REOPEN: Kind.TREATMENT_REOPENED,
    TransitionKind.TRANSFER: Kind.PRACTITIONER_CHANGED,
}
# Reminders that belong to a course in progress: they stop when it closes.
COURSE_REMINDER_KINDS = (Kind.MOOD_REMINDER, Kind.INACTIVITY_NUDGE)


@transaction.atomic
def treatment_transition_notify(
    *, treatment: Treatment, transition: TreatmentTransition, actor: User | None
) -> list[Notification]:
    """Tell the people concerned about one lifecycle step, in the step's transaction.

    - The client, for every step (`LIFECYCLE_CLIENT_KINDS`), once they have set up
      their account: a calm message on what it means for them, that they keep
      their tools, and where to find help. Sent only while still true.
    - A transfer: the new practitioner ("a client moved to your caseload") and
      the previous one; any other step: the client's practitioner. Never the
      person who recorded it, nor a closed account.

    A step that closes the treatment cancels the client's pending mood reminders
    and welcome-back nudges (session reminders go with their sessions,
    questionnaires with theirs); a re-open plans the mood reminders again.
    Returns the rows written.
    """
    now = timezone.now()
    rows: list[Notification] = []

    def tell(recipient: User | None, kind: str) -> None:
        if recipient is None or not recipient.is_active:
            return
        if actor is not None and recipient.pk == actor.pk:
            return
        rows.extend(
            notification_schedule(
                recipient=recipient,
                kind=kind,
                due_at=now,
                dedupe_key=f"{kind}:transition:{transition.pk}",
                object=transition,
            )
        )

    client = treatment.client
    if client.has_usable_password():  # an invitation never taken up: nothing to tell
        tell(client, LIFECYCLE_CLIENT_KINDS[transition.kind])
    if transition.kind == TransitionKind.TRANSFER:
        tell(transition.to_pwp, Kind.CASELOAD_CLIENT_ADDED)
        tell(transition.from_pwp, Kind.CASELOAD_CLIENT_CHANGED)
    else:
        tell(treatment.pwp, Kind.CASELOAD_CLIENT_CHANGED)

    closing = transition.from_status in OPEN_STATUSES and transition.to_status not in OPEN_STATUSES
    if closing:
        Notification.objects.filter(
            recipient=client, kind__in=COURSE_REMINDER_KINDS, status=Status.PENDING
        ).update(
            status=Status.SUPPRESSED, suppressed_reason=SuppressedReason.CANCELLED, updated_at=now
        )
    elif transition.to_status in OPEN_STATUSES and transition.from_status not in OPEN_STATUSES:
        transaction.on_commit(partial(mood_reminders_plan, user_ids=[client.pk]))
    return rows


@transaction.atomic
def notification_cancel(
    *,
    kind: str,
    object: models.Model,  # noqa: A002 - the documented API name
    reason: str = SuppressedReason.CANCELLED,
) -> int:
    """Suppress every pending message of `kind` about `object`. Returns how many.

    For example: a session was cancelled, or a questionnaire was completed so
    its reminders are no longer needed. Rows already sending, sent or failed
    are left alone (a send in flight cannot be recalled).
    """
    object_type, object_id = object_ref(object)
    return Notification.objects.filter(
        kind=kind, object_type=object_type, object_id=object_id, status=Status.PENDING
    ).update(status=Status.SUPPRESSED, suppressed_reason=reason, updated_at=timezone.now())


# --- Sending ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def _render_text(name: str, context: dict) -> str:
    """A plain-text template without HTML escaping: an email or a text is not HTML, so
    "O'Brien" must arrive as O'Brien, not O&#x27;Brien (includes inherit this)."""
    return get_template(name).template.render(Context(context, autoescape=False))  # type: ignore[attr-defined]


def notification_render(notification: Notification) -> Rendered:
    """The text of one message, rendered now from the kind's templates.

    Templates get the recipient's display name, site name and URLs, and
    whatever the kind's link builder returns (a fresh one-time link, a session
    time), rendered in the recipient's language. They never get
    `notification.context`. Raises NotificationNotNeeded
    when the builder says the message no longer makes sense.
    """
    # In the recipient's language (their saved choice, else LANGUAGE_CODE), not
    # the language of whichever request or worker happens to send it.
    with translation.override(notification.recipient.language_code):
        builder = link_builder_for(notification.kind)
        extra = builder(notification) if builder else {}
        context = {
            "name": notification.recipient.display_name,
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL.rstrip("/"),
            "link": settings.SITE_URL.rstrip("/") + "/",
            "preferences_url": absolute_url("notifications:preferences"),
            **extra,
        }
        base = f"notifications/{notification.kind}"
        body = _render_text(f"{base}.{notification.channel}.txt", context).strip() + "\n"
        subject = ""
        if notification.channel == Channel.EMAIL:
            subject = " ".join(_render_text(f"{base}.subject.txt", context).split())
    return Rendered(subject=subject, body=body)


def message_id_for(notification: Notification) -> str:
    """The email Message-ID of an outbox row: the same on every attempt, so a
    duplicate after an interrupted send is recognisable (mail systems and
    people see one message id twice)."""
    host = urlsplit(settings.SITE_URL).hostname or "tandem.invalid"
    return f"<{notification.reference}@{host}>"


def _channel_send(
    notification: Notification, message: Rendered, phone: str, email_connection=None
) -> None:
    if notification.channel == Channel.EMAIL:
        EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient.email],
            headers={
                "X-Tandem-Notification": str(notification.pk),
                "Message-ID": message_id_for(notification),
            },
            connection=email_connection,
        ).send()
    elif notification.channel == Channel.SMS:
        sms_backend().send(to=phone, body=message.body, reference=notification.reference)
    else:
        raise ValueError(f"Unknown channel {notification.channel}")


def _already_accepted(notification: Notification) -> bool:
    """After an interrupted attempt that reached the provider, ask the provider
    (where it can tell, e.g. GOV.UK Notify by reference) whether it has it."""
    if notification.handed_at is None or notification.channel != Channel.SMS:
        return False
    return sms_backend().already_sent(notification.reference)


def _sent_fields() -> dict:
    """The UPDATE that marks a claimed row sent."""
    now = timezone.now()
    return {
        "status": Status.SENT,
        "sent_at": now,
        "last_error": "",
        "claimed_at": None,
        "updated_at": now,
    }


def _mark_sent_once(mine, **fields) -> int:
    return mine.update(**fields)


def _mark_sent(mine, log, *, urgent: bool = False) -> None:
    """Mark a row the provider accepted as sent, retrying through a short
    database outage (up to NOTIFICATIONS_MARK_SENT_RETRY_SECONDS) instead of
    leaving it for the lease sweep to send again."""
    seconds = settings.NOTIFICATIONS_MARK_SENT_RETRY_SECONDS
    if urgent:  # stay well inside the urgent task's short time limit
        seconds = min(seconds, settings.NOTIFICATIONS_URGENT_SEND_TIME_LIMIT // 4)
    deadline = time.monotonic() + seconds
    pause = 0.2
    while True:
        try:
            _mark_sent_once(mine, **_sent_fields())
            return
        except DatabaseError:
            if time.monotonic() + pause > deadline:
                log.error("notification_sent_not_recorded")
                raise
            log.warning("notification_mark_sent_retry")
            if not connection.in_atomic_block:
                connection.close()  # a broken connection is not reused: the next try reconnects
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential back-off with jitter: 0.5–1 × base × 2**(attempts-1), capped."""
    ceiling = min(
        settings.NOTIFICATIONS_RETRY_MAX_SECONDS,
        settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1),
    )
    return datetime.timedelta(seconds=ceiling * random.uniform(0.5, 1.0))  # noqa: S311


def _short_error(exc: BaseException) -> str:
    # Class name only: provider messages can echo addresses or content.
    return f"{type(exc).__name__}"[:200]


def _send_decision(
    notification: Notification, pref: NotificationPreference, now: datetime.datetime
) -> tuple[str, datetime.datetime | None]:
    """Whether a due row goes out now: (suppressed reason, None) when it must
    not be sent (closed account, opted out of the kind or channel, no address,
    consent to texts withdrawn, too late after quiet hours), ("", end of quiet
    hours) when it waits for them, ("", None) to send it now."""
    spec = kind_spec(notification.kind)
    recipient = notification.recipient
    if not recipient.is_active:
        return SuppressedReason.RECIPIENT_INACTIVE, None
    if not spec.mandatory:
        if spec.preference_field and not getattr(pref, spec.preference_field):
            return SuppressedReason.OPTED_OUT, None
        if notification.channel == Channel.SMS and not pref.phone_number:
            return SuppressedReason.NO_ADDRESS, None
        if notification.channel == Channel.SMS and not has_consent(
            recipient, ConsentKind.TEXT_MESSAGES
        ):
            return SuppressedReason.OPTED_OUT, None  # consent to texts withdrawn
        if not pref.channel_enabled(notification.channel):
            return SuppressedReason.OPTED_OUT, None
    if spec.quiet_hours:
        quiet_until = pref.quiet_hours_end_after(now, user_zone(recipient))
        useful_until = _useful_until(notification)
        if quiet_until is not None and useful_until is not None and quiet_until > useful_until:
            # After quiet hours would be too late (the session will have begun).
            return SuppressedReason.TOO_LATE, None
        if quiet_until is not None:
            return "", quiet_until
    if notification.channel == Channel.EMAIL and not recipient.email:
        return SuppressedReason.NO_ADDRESS, None
    return "", None


def notification_deliver(*, notification_id: int) -> str:
    """Send one due outbox row, at most once per claim. Returns what happened:
    "not_claimed", "suppressed", "deferred", "retry", "failed" or "sent".

    Deliberately not one transaction: each step commits on its own so a crash
    anywhere leaves a truthful row.
    1. Claim: a conditional UPDATE pending→sending; only one caller wins, so a
       task delivered twice, or two workers, send once. Missing or not-due
       rows are "not_claimed".
    2. Decide at send time: closed account, opted out (kind or channel), no
       phone number → suppressed with a reason. In the recipient's quiet hours
       → back to pending with due_at at the end of quiet hours (their zone).
    3. Render (tokens made now) and hand to the channel backend.
    4. Mark sent in one UPDATE fenced by the claim time. Transient errors
       (SMTP, connection, timeout) → pending again with back-off and jitter,
       or failed after NOTIFICATIONS_MAX_ATTEMPTS; other errors → failed.
    A worker killed between 1 and 4 leaves the row "sending"; the dispatch
    sweep returns it to pending after NOTIFICATIONS_SENDING_LEASE_SECONDS.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=Status.PENDING, due_at__lte=now
    ).update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now)
    if claimed != 1:
        return "not_claimed"
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    mine = Notification.objects.filter(pk=notification_id, status=Status.SENDING, claimed_at=now)
    log = logger.bind(notification_id=notification_id, kind=notification.kind)

    def finish(**fields) -> None:
        mine.update(updated_at=timezone.now(), **fields)

    def suppress(reason: str) -> str:
        finish(status=Status.SUPPRESSED, suppressed_reason=reason, claimed_at=None)
        log.info("notification_suppressed", reason=reason)
        return "suppressed"

    spec = kind_spec(notification.kind)
    pref = preference_for(notification.recipient)
    reason, quiet_until = _send_decision(notification, pref, now)
    if reason:
        return suppress(reason)
    if quiet_until is not None:
        finish(
            status=Status.PENDING,
            due_at=quiet_until,
            claimed_at=None,
            enqueued_at=None,
            attempts=F("attempts") - 1,  # waiting is not a failed try
        )
        log.info("notification_deferred", until=quiet_until.isoformat())
        return "deferred"

    try:
        message = notification_render(notification)
    except NotificationNotNeeded as not_needed:
        return suppress(not_needed.reason)
    except Exception as exc:  # a template or builder bug: retrying will not help
        finish(status=Status.FAILED, last_error=_short_error(exc), claimed_at=None)
        log.exception("notification_render_failed")
        return "failed"

    try:
        if _already_accepted(notification):
            log.info("notification_already_accepted")
            _mark_sent(mine, log, urgent=spec.urgent)
            return "sent"
        # Recorded before the provider is called: see Notification.handed_at.
        mine.update(handed_at=timezone.now())
        _channel_send(notification, message, pref.phone_number)
    except PERMANENT_SMTP_ERRORS as exc:
        finish(status=Status.FAILED, last_error=_short_error(exc), claimed_at=None)
        log.warning("notification_failed", error=_short_error(exc))
        return "failed"
    except TRANSIENT_ERRORS as exc:
        if notification.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            finish(status=Status.FAILED, last_error=_short_error(exc), claimed_at=None)
            log.warning(
                "notification_failed", error=_short_error(exc), attempts=notification.attempts
            )
            return "failed"
        finish(
            status=Status.PENDING,
            due_at=timezone.now() + retry_delay(notification.attempts),
            last_error=_short_error(exc),
            claimed_at=None,
            enqueued_at=None,
        )
        log.info("notification_retry", error=_short_error(exc), attempts=notification.attempts)
        return "retry"
    except Exception as exc:
        finish(status=Status.FAILED, last_error=_short_error(exc), claimed_at=None)
        log.exception("notification_failed")
        return "failed"

    # The duplicate window of the module docstring: from the provider call
    # above until this UPDATE commits (retried through a short outage).
    _mark_sent(mine, log, urgent=spec.urgent)
    log.info("notification_sent")
    return "sent"


# --- Sending in batches (large sweeps of reminders) ---------------------------------

# A sweep makes at least this many send tasks before it puts several rows in
# one: every worker process of a deployment gets work, and a task lost with its
# worker holds one row until the re-enqueue time.
SEND_SPREAD = 64


def send_batch_size(rows: int) -> int:
    """Rows per send task for a sweep of `rows` due non-urgent rows: 1 up to
    SEND_SPREAD rows, growing to NOTIFICATIONS_SEND_BATCH."""
    return max(1, min(settings.NOTIFICATIONS_SEND_BATCH, -(-rows // SEND_SPREAD)))


class _Batch:
    """State of one `notifications_deliver` run: the row sent last (its "sent"
    is committed together with the next claim) and the email connection."""

    def __init__(self) -> None:
        self.unmarked = None  # (fenced queryset, logger) of the row sent last
        self.email = None
        self.counts: collections.Counter = collections.Counter()

    def mark_sent(self) -> None:
        """Commit the "sent" of the row sent last, retrying through a short outage."""
        if self.unmarked is not None:
            mine, log = self.unmarked
            _mark_sent(mine, log)
            self.unmarked = None

    def claim(self, notification: Notification) -> tuple[bool, object]:
        """Claim `notification` and record it as handed over, in one commit with
        the previous row's "sent". Returns (claimed, fenced queryset)."""
        at = timezone.now()
        fields = {"status": Status.SENDING, "claimed_at": at, "handed_at": at, "updated_at": at}
        claim = Notification.objects.filter(
            pk=notification.pk, status=Status.PENDING, due_at__lte=at
        )
        mine = Notification.objects.filter(pk=notification.pk, status=Status.SENDING, claimed_at=at)
        try:
            with transaction.atomic():
                if self.unmarked is not None:
                    _mark_sent_once(self.unmarked[0], **_sent_fields())
                claimed = claim.update(attempts=F("attempts") + 1, **fields) == 1
            self.unmarked = None
        except DatabaseError:
            if connection.in_atomic_block:
                raise
            # The database went away: the previous row's "sent" gets the
            # retries of a single send (it raises when they run out), then
            # the claim is tried on its own.
            connection.close()
            self.mark_sent()
            claimed = claim.update(attempts=F("attempts") + 1, **fields) == 1
        return claimed, mine

    def email_connection(self):
        if self.email is None:
            self.email = get_connection()
            self.email.open()
        return self.email

    def drop_email_connection(self) -> None:
        if self.email is not None:
            email, self.email = self.email, None
            with contextlib.suppress(Exception):  # a broken connection is dropped either way
                email.close()


def notifications_deliver(*, notification_ids: list[int]) -> dict[str, int]:
    """Send several due outbox rows of non-urgent kinds, one after another,
    with the guarantees of `notification_deliver` and fewer round trips.
    Returns how many rows ended each way ("sent", "suppressed", ...).

    The rows, their recipients and preferences are read once. Each row is
    decided (`_send_decision`) and rendered before it is claimed; a row that
    is not to be sent is settled with a conditional UPDATE on the pending row.
    A row to send is claimed, and recorded as handed over, with one
    conditional UPDATE in the same commit as the previous row's "sent", just
    before its provider call: at any moment one row of the batch is between
    its claim and its "sent", as with single sends, so a crash or a database
    outage costs at most that row (sent again after the lease, with the same
    Message-ID). A row another worker claimed first is skipped. Rows not yet
    claimed when the batch has run for half of NOTIFICATIONS_SEND_TIME_LIMIT
    go back to the sweep (`enqueued_at` cleared). Email goes through one
    backend connection.
    """
    started = time.monotonic()
    rows = list(
        Notification.objects.filter(
            pk__in=notification_ids, status=Status.PENDING, due_at__lte=timezone.now()
        )
        .select_related("recipient")
        .order_by("due_at", "pk")
    )
    prefs = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(user_id__in={r.recipient_id for r in rows})
    }
    batch = _Batch()
    try:
        for index, notification in enumerate(rows):
            if time.monotonic() - started > settings.NOTIFICATIONS_SEND_TIME_LIMIT / 2:
                batch.mark_sent()
                rest = [r.pk for r in rows[index:]]
                Notification.objects.filter(pk__in=rest, status=Status.PENDING).update(
                    enqueued_at=None
                )
                batch.counts["returned"] += len(rest)
                break
            pref = prefs.get(notification.recipient_id) or NotificationPreference(
                user=notification.recipient
            )
            batch.counts[_deliver_in_batch(notification, pref, batch)] += 1
        batch.mark_sent()
    finally:
        batch.drop_email_connection()
    return dict(batch.counts)


def _deliver_in_batch(notification: Notification, pref, batch: _Batch) -> str:
    """One row of `notifications_deliver`; the outcomes of `notification_deliver`."""
    now = timezone.now()
    log = logger.bind(notification_id=notification.pk, kind=notification.kind)

    def settle(**fields) -> bool:
        """Change the row while it is still pending and due (not claimed by anyone)."""
        batch.mark_sent()
        return bool(
            Notification.objects.filter(
                pk=notification.pk, status=Status.PENDING, due_at__lte=now
            ).update(updated_at=timezone.now(), **fields)
        )

    def suppress(reason: str) -> str:
        if not settle(
            status=Status.SUPPRESSED, suppressed_reason=reason, attempts=F("attempts") + 1
        ):
            return "not_claimed"
        log.info("notification_suppressed", reason=reason)
        return "suppressed"

    reason, quiet_until = _send_decision(notification, pref, now)
    if reason:
        return suppress(reason)
    if quiet_until is not None:
        if not settle(due_at=quiet_until, enqueued_at=None):
            return "not_claimed"
        log.info("notification_deferred", until=quiet_until.isoformat())
        return "deferred"
    try:
        message = notification_render(notification)
    except NotificationNotNeeded as not_needed:
        return suppress(not_needed.reason)
    except Exception as exc:  # a template or builder bug: retrying will not help
        if not settle(
            status=Status.FAILED, last_error=_short_error(exc), attempts=F("attempts") + 1
        ):
            return "not_claimed"
        log.exception("notification_render_failed")
        return "failed"

    accepted = _already_accepted(notification)  # handed over by an earlier attempt
    claimed, mine = batch.claim(notification)
    if not claimed:
        return "not_claimed"
    attempts = notification.attempts + 1

    def finish(**fields) -> None:
        mine.update(updated_at=timezone.now(), **fields)

    try:
        if accepted:
            log.info("notification_already_accepted")
        else:
            email = batch.email_connection() if notification.channel == Channel.EMAIL else None
            _channel_send(notification, message, pref.phone_number, email)
    except PERMANENT_SMTP_ERRORS as exc:
        finish(status=Status.FAILED, last_error=_short_error(exc), claimed_at=None)
        log.warning("notification_failed", error=_short_error(exc))
        return "failed"
    except TRANSIENT_ERRORS as exc:
        batch.drop_email_connection()
        if attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            finish(status=Status.FAILED, last_error=_short_error(exc), claimed_at=None)
            log.warning("notification_failed", error=_short_error(exc), attempts=attempts)
            return "failed"
        finish(
            status=Status.PENDING,
            due_at=timezone.now() + retry_delay(attempts),
            last_error=_short_error(exc),
            claimed_at=None,
            enqueued_at=None,
        )
        log.info("notification_retry", error=_short_error(exc), attempts=attempts)
        return "retry"
    except Exception as exc:
        batch.drop_email_connection()
        finish(status=Status.FAILED, last_error=_short_error(exc), claimed_at=None)
        log.exception("notification_failed")
        return "failed"
    # Marked sent with the next row's claim, or at the end of the batch.
    batch.unmarked = (mine, log)
    log.info("notification_sent")
    return "sent"


def notifications_dispatch_due(*, limit: int = 1000, urgent_only: bool = False) -> int:
    """Queue a send for every due pending row; reclaim abandoned sends.

    Run by beat every minute, and every NOTIFICATIONS_URGENT_SWEEP_SECONDS with
    `urgent_only` (risk alerts). Safe to run twice: the claim in
    notification_deliver makes extra tasks no-ops. Rows "sending" for longer
    than their lease were abandoned by a killed worker (or could not be marked
    sent) and become pending again: NOTIFICATIONS_URGENT_LEASE_SECONDS for
    urgent kinds, NOTIFICATIONS_SENDING_LEASE_SECONDS for the rest. A pending
    row whose task was queued recently (the urgent or normal re-enqueue time)
    is skipped, so a backlog does not grow the queue every minute. Returns how
    many sends were queued.
    """
    now = timezone.now()
    urgent = urgent_kinds()

    def seconds(name: str) -> datetime.timedelta:
        return datetime.timedelta(seconds=getattr(settings, name))

    lease_over = Q(
        kind__in=urgent, claimed_at__lt=now - seconds("NOTIFICATIONS_URGENT_LEASE_SECONDS")
    )
    requeue = Q(
        kind__in=urgent,
        enqueued_at__lt=now - seconds("NOTIFICATIONS_URGENT_REENQUEUE_AFTER_SECONDS"),
    )
    if not urgent_only:
        lease_over |= Q(claimed_at__lt=now - seconds("NOTIFICATIONS_SENDING_LEASE_SECONDS"))
        requeue |= Q(enqueued_at__lt=now - seconds("NOTIFICATIONS_REENQUEUE_AFTER_SECONDS"))
    reclaimed = (
        Notification.objects.filter(status=Status.SENDING)
        .filter(lease_over)
        .update(
            status=Status.PENDING,
            claimed_at=None,
            enqueued_at=None,
            last_error="Interrupted while sending",
            updated_at=now,
        )
    )
    if reclaimed:
        logger.warning("notifications_reclaimed", count=reclaimed)
    due = Notification.objects.filter(status=Status.PENDING, due_at__lte=now)
    if urgent_only:
        due = due.filter(kind__in=urgent)
    rows = list(
        due.filter(Q(enqueued_at__isnull=True) | requeue)
        .order_by("due_at")
        .values_list("pk", "kind")[:limit]
    )
    if not rows:
        return 0
    Notification.objects.filter(pk__in=[pk for pk, _kind in rows]).update(enqueued_at=now)
    # Urgent rows first, one task each on their own queue; the rest in due
    # order, several to a task when the sweep is large (send_batch_size).
    first = [(pk, kind) for pk, kind in rows if kind in urgent]
    rest = [(pk, kind) for pk, kind in rows if kind not in urgent]
    size = send_batch_size(len(rest))
    groups = [[row] for row in first] + [rest[i : i + size] for i in range(0, len(rest), size)]
    queued = 0
    for index, group in enumerate(groups):
        if len(group) == 1:
            ok = notification_enqueue(group[0][0], kind=group[0][1])
        else:
            ok = notifications_enqueue_batch([pk for pk, _kind in group])
        if not ok:
            # The broker is down: the rest wait for the next sweep, not the requeue time.
            left = [pk for g in groups[index:] for pk, _kind in g]
            Notification.objects.filter(pk__in=left).update(enqueued_at=None)
            return queued
        queued += len(group)
    return queued


@transaction.atomic
def notification_resend(*, notification: Notification) -> bool:
    """Send a failed message again now (the admin "Resend" action).

    Only failed rows: a sent message is never sent twice by this route.
    Returns False (nothing done) for any other status.
    """
    now = timezone.now()
    updated = Notification.objects.filter(pk=notification.pk, status=Status.FAILED).update(
        status=Status.PENDING, attempts=0, due_at=now, last_error="", updated_at=now
    )
    if updated:
        _enqueue_on_commit([notification])
    return bool(updated)


# --- Planners (run by beat every few minutes) ---------------------------------------


def _create_missing(rows: list[Notification]) -> int:
    """Insert planned rows that do not exist yet; revive cancelled ones.

    Planners running twice (or two beats) add nothing: existing keys are
    skipped and a concurrent insert of the same key is ignored by the unique
    constraint (INSERT ... ON CONFLICT DO NOTHING). Returns rows created.
    """
    if not rows:
        return 0
    # Planner keys name the recipient and the kind, so kind + key finds a row.
    matching = Notification.objects.filter(
        kind__in={r.kind for r in rows}, dedupe_key__in={r.dedupe_key for r in rows}
    )
    existing = set(matching.values_list("recipient_id", "kind", "channel", "dedupe_key"))
    missing = [r for r in rows if (r.recipient_id, r.kind, r.channel, r.dedupe_key) not in existing]
    Notification.objects.bulk_create(missing, ignore_conflicts=True)
    matching.filter(status=Status.SUPPRESSED, suppressed_reason=SuppressedReason.CANCELLED).update(
        status=Status.PENDING, suppressed_reason="", enqueued_at=None
    )
    return len(missing)


def _planned(
    *, recipient_id: int, kind: str, due_at, key: str, treatment_id, obj=("", ""), context=None
) -> Notification:
    # Planners create the email row; SMS rows follow the person's choice.
    return Notification(
        recipient_id=recipient_id,
        kind=kind,
        channel=Channel.EMAIL,
        dedupe_key=key,
        due_at=due_at,
        original_due_at=due_at,
        treatment_id=treatment_id,
        object_type=obj[0],
        object_id=obj[1],
        context=context or {},
    )


def _with_sms(rows: list[Notification]) -> list[Notification]:
    sms_users = set(
        NotificationPreference.objects.filter(
            user_id__in={r.recipient_id for r in rows}, sms_enabled=True
        )
        .exclude(phone_number="")
        .exclude(user_id__in=clients_without_consent(ConsentKind.TEXT_MESSAGES))
        .values_list("user_id", flat=True)
    )
    email_off = set(
        NotificationPreference.objects.filter(
            user_id__in=sms_users, email_enabled=False
        ).values_list("user_id", flat=True)
    )
    out = []
    for row in rows:
        if row.recipient_id in sms_users:
            sms = Notification(
                **{
                    f.attname: getattr(row, f.attname)
                    for f in row._meta.concrete_fields
                    if f.attname != "id"
                }
            )
            sms.channel = Channel.SMS
            out.append(sms)
        if row.recipient_id not in email_off:
            out.append(row)
    return out


def session_reminder_key(appointment: Appointment) -> str:
    return f"session_reminder:appointment:{appointment.pk}:{_utc_key(appointment.starts_at)}"


def _utc_key(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%MZ")


def _useful_until(notification: Notification) -> datetime.datetime | None:
    """The last moment a message is still worth sending, for kinds about a
    moment (a session reminder: an hour before the session), else None."""
    if notification.kind != Kind.SESSION_REMINDER:
        return None
    starts = (notification.context or {}).get("starts_at")
    if not starts:
        return None
    moment = datetime.datetime.strptime(starts, "%Y-%m-%dT%H:%MZ").replace(tzinfo=datetime.UTC)
    return moment - SESSION_REMINDER_MIN_USEFUL


def _before_quiet_hours(
    due: datetime.datetime,
    useful_until: datetime.datetime,
    recipient: User,
    now: datetime.datetime,
) -> datetime.datetime:
    """Where a reminder due at `due` should be planned so it never arrives late.

    Outside quiet hours, or when they end in time (by `useful_until`): `due`
    (the send waits for their end). Otherwise just before they begin, if that
    is still ahead; else `due` unchanged, and the send suppresses it as too
    late (notification_deliver) rather than deliver it after the session began.
    """
    pref = preference_for(recipient)
    tz = user_zone(recipient)
    ends = pref.quiet_hours_end_after(due, tz)
    if ends is None or ends <= useful_until:
        return due
    begins = pref.quiet_hours_start_before(due, tz)
    early = begins - datetime.timedelta(minutes=1)
    return early if early > now else due


def _session_reminder_row(appointment: Appointment, now: datetime.datetime) -> Notification:
    lead = datetime.timedelta(hours=settings.NOTIFICATIONS_SESSION_REMINDER_HOURS)
    # In UTC: arithmetic on a local aware datetime (a form's) is wall-clock
    # arithmetic, an hour out across a clock change.
    starts = appointment.starts_at.astimezone(datetime.UTC)
    due = max(starts - lead, now)
    client = appointment.treatment.client
    row = _planned(
        recipient_id=client.pk,
        kind=Kind.SESSION_REMINDER,
        due_at=_before_quiet_hours(due, starts - SESSION_REMINDER_MIN_USEFUL, client, now),
        key=session_reminder_key(appointment),
        treatment_id=appointment.treatment_id,
        obj=object_ref(appointment),
        context={"appointment_id": appointment.pk, "starts_at": _utc_key(appointment.starts_at)},
    )
    row.original_due_at = due  # due_at earlier than this: brought before quiet hours
    return row


def _stale_session_reminders(now: datetime.datetime, appointment_ids=None) -> int:
    """Suppress pending reminders whose session was cancelled, moved or deleted."""
    pending = Notification.objects.filter(kind=Kind.SESSION_REMINDER, status=Status.PENDING)
    if appointment_ids is not None:
        pending = pending.filter(object_id__in=[str(i) for i in appointment_ids])
    pending = list(pending.only("pk", "object_id", "dedupe_key"))
    if not pending:
        return 0
    live = {
        str(a.pk): a for a in Appointment.objects.filter(pk__in={int(n.object_id) for n in pending})
    }
    cancelled, gone = [], []
    for row in pending:
        appointment = live.get(row.object_id)
        if appointment is None:
            gone.append(row.pk)
        elif (
            appointment.status != AppointmentStatus.SCHEDULED
            or row.dedupe_key != session_reminder_key(appointment)
        ):
            cancelled.append(row.pk)
    for ids, reason in (
        (cancelled, SuppressedReason.CANCELLED),
        (gone, SuppressedReason.OBJECT_GONE),
    ):
        if ids:
            Notification.objects.filter(pk__in=ids, status=Status.PENDING).update(
                status=Status.SUPPRESSED, suppressed_reason=reason, updated_at=now
            )
    return len(cancelled) + len(gone)


def session_reminders_plan(*, now: datetime.datetime | None = None) -> int:
    """Create a reminder for each scheduled session starting in the next day.

    Due NOTIFICATIONS_SESSION_REMINDER_HOURS (24) before the start, or now for
    a session booked later than that (but not for one less than two hours
    away). Pending reminders of sessions since cancelled or moved are
    suppressed; a moved session gets a new reminder (its key has the new time).
    Returns how many rows were created.
    """
    now = now or timezone.now()
    _stale_session_reminders(now)
    lead = datetime.timedelta(hours=settings.NOTIFICATIONS_SESSION_REMINDER_HOURS)
    appointments = Appointment.objects.filter(
        status=AppointmentStatus.SCHEDULED,
        starts_at__gte=now + SESSION_REMINDER_MIN_NOTICE,
        starts_at__lte=now + lead + datetime.timedelta(hours=1),
        treatment__status__in=OPEN_STATUSES,
        treatment__client__is_active=True,
    ).select_related("treatment__client")
    rows = [_session_reminder_row(a, now) for a in appointments]
    return _create_missing(_with_sms(rows))


@transaction.atomic
def session_reminders_sync(*, appointment: Appointment) -> None:
    """Bring one session's reminders in line with it, at once.

    For the sessions workspace to call after booking, moving or cancelling a
    session (the planner does the same every few minutes as a safety net).
    """
    now = timezone.now()
    _stale_session_reminders(now, appointment_ids=[appointment.pk])
    lead = datetime.timedelta(hours=settings.NOTIFICATIONS_SESSION_REMINDER_HOURS)
    if (
        appointment.status == AppointmentStatus.SCHEDULED
        and appointment.treatment.is_open
        and now + SESSION_REMINDER_MIN_NOTICE
        <= appointment.starts_at
        <= now + lead + datetime.timedelta(hours=1)
    ):
        _create_missing(_with_sms([_session_reminder_row(appointment, now)]))


def mood_reminder_key(user_id: int, day: datetime.date, at: datetime.time, zone: str) -> str:
    # Keyed by the client's local date, time and zone: one per local day,
    # whatever the clocks do, and a changed time or time zone is a new message.
    # (Migration notifications.0002 gave pending rows from before the zone
    # was part of the key their zone.)
    return f"mood_reminder:user:{user_id}:{day.isoformat()}T{at:%H:%M}@{zone}"


def _open_treatment_subquery():
    return Subquery(
        Treatment.objects.filter(client=OuterRef("user"), status__in=OPEN_STATUSES)
        .order_by("-created_at")
        .values("pk")[:1]
    )


def mood_reminders_plan(
    *, now: datetime.datetime | None = None, user_ids: list[int] | None = None
) -> int:
    """Create each client's daily mood reminders for the next day or so.

    Only for clients with an open treatment (invited or in progress): after a
    discharge, dropout or withdrawal the check-in stays, its reminders stop.

    The time the client chose is wall-clock time in their own time zone;
    the UTC due moment is computed here (see models.local_moment), so 19:00
    stays 19:00 across the March and October clock changes. Returns how many
    rows were created.
    """
    now = now or timezone.now()
    prefs = (
        NotificationPreference.objects.filter(
            mood_reminder_enabled=True, user__is_active=True, user__is_client=True
        )
        .select_related("user")
        .annotate(open_treatment_id=_open_treatment_subquery())
        # Reminders belong to a course in progress: none before it starts or after it ends.
        .filter(open_treatment_id__isnull=False)
    )
    if user_ids is not None:
        prefs = prefs.filter(user_id__in=user_ids)
    rows = []
    for pref in prefs:
        tz = user_zone(pref.user)
        today = now.astimezone(tz).date()
        for day in (today - datetime.timedelta(days=1), today, today + datetime.timedelta(days=1)):
            due = local_moment(day, pref.mood_reminder_time, tz)
            if now < due <= now + PLANNING_HORIZON:
                rows.append(
                    _planned(
                        recipient_id=pref.user_id,
                        kind=Kind.MOOD_REMINDER,
                        due_at=due,
                        key=mood_reminder_key(pref.user_id, day, pref.mood_reminder_time, tz.key),
                        treatment_id=pref.open_treatment_id,
                    )
                )
    return _create_missing(_with_sms(rows))


def inactivity_nudges_plan(*, now: datetime.datetime | None = None) -> int:
    """Nudge clients in active treatment with no activity for N days.

    N is NOTIFICATIONS_INACTIVITY_DAYS. The key is the moment of the last
    activity, so there is at most one nudge per spell of inactivity: the next
    nudge needs new activity first. Activity is `selectors.last_activity_at`
    (sign-ins, mood ratings, programme steps), or the treatment start if
    later. Returns how many rows were created.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.NOTIFICATIONS_INACTIVITY_DAYS)
    treatments = (
        Treatment.objects.filter(status=TreatmentStatus.ACTIVE, client__is_active=True)
        .annotate(last_seen=last_activity_expression(OuterRef("client_id")))
        .values("pk", "client_id", "last_seen", "activated_at")
    )
    rows = []
    for t in treatments:
        spell_start = max(filter(None, [t["last_seen"], t["activated_at"]]))
        if spell_start <= cutoff:
            rows.append(
                _planned(
                    recipient_id=t["client_id"],
                    kind=Kind.INACTIVITY_NUDGE,
                    due_at=now,
                    key=f"inactivity_nudge:user:{t['client_id']}:{_utc_key(spell_start)}",
                    treatment_id=t["pk"],
                )
            )
    return _create_missing(_with_sms(rows))


# --- Preferences ---------------------------------------------------------------------


@transaction.atomic
def service_quiet_hours_set(
    *, actor: User, service: Service, start: datetime.time, end: datetime.time
) -> bool:
    """Set `service`'s quiet hours; returns whether they changed.

    Used by every reminder to the service's clients who have not chosen their
    own (planned and checked again at send time, in the client's time zone).
    Callers check that `actor` may change the service's settings. Raises
    DomainError (field "end") for an empty window or one longer than 16 hours.
    """
    row = ServiceQuietHours.objects.select_for_update().filter(service=service).first()
    current = (
        (row.start, row.end) if row else (default_quiet_hours_start(), default_quiet_hours_end())
    )
    if (start, end) == current:
        return False
    row = row or ServiceQuietHours(service=service)
    row.start, row.end = start, end
    try:
        row.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(messages[0], field=None if field == NON_FIELD_ERRORS else field) from None
    row.save()
    return True


@transaction.atomic
def preference_update(*, user: User, **fields) -> NotificationPreference:
    """Save a person's notification choices. They apply at once.

    Opting out needs nothing more: every send checks preferences first.
    Quiet hours equal to the service's are stored as "follow the service". A
    changed or turned-off mood reminder cancels the pending ones at the old
    time; the planner makes new ones. Raises DomainError (with its field) for
    text messages without a mobile number or a mood reminder inside quiet
    hours (the rules are NotificationPreference.clean).
    """
    pref = preference_for(user)
    old_time, old_enabled = pref.mood_reminder_time, pref.mood_reminder_enabled
    for name, value in fields.items():
        setattr(pref, name, value)
    if (pref.quiet_hours_start, pref.quiet_hours_end) == pref.service_quiet_hours:
        # The same as the service's: keep following the service when it changes them.
        pref.quiet_hours_start = pref.quiet_hours_end = None
    try:
        pref.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(messages[0], field=None if field == NON_FIELD_ERRORS else field) from None
    pref.save()
    if old_enabled and (not pref.mood_reminder_enabled or pref.mood_reminder_time != old_time):
        mood_reminders_replan(user=user)
    elif pref.mood_reminder_enabled:
        transaction.on_commit(partial(mood_reminders_plan, user_ids=[user.pk]))
    return pref


def mood_reminders_replan(*, user: User) -> int:
    """Cancel ``user``'s pending mood reminders and plan them again after commit.

    For a changed reminder time or time zone: the pending rows are at the old
    local moment. Call inside the transaction that saved the change. Returns
    how many were cancelled.
    """
    cancelled = Notification.objects.filter(
        recipient=user,
        kind=Kind.MOOD_REMINDER,
        status=Status.PENDING,
        due_at__gt=timezone.now(),
    ).update(status=Status.SUPPRESSED, suppressed_reason=SuppressedReason.CANCELLED)
    if preference_for(user).mood_reminder_enabled:
        transaction.on_commit(partial(mood_reminders_plan, user_ids=[user.pk]))
    return cancelled

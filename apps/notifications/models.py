"""The outbox and each person's notification preferences.

Every message the platform sends is a `Notification` row before it is sent.
The row, not the broker, holds the due time; the unique constraint on
(recipient, kind, channel, dedupe_key) makes "the same reminder twice"
impossible however often a planner or beat runs.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.care.models import Treatment
from apps.notifications.kinds import kind_label


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")


class Status(models.TextChoices):
    PENDING = "pending", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Not sent")


class SuppressedReason(models.TextChoices):
    OPTED_OUT = "opted_out", _("The person turned these off")
    RECIPIENT_INACTIVE = "recipient_inactive", _("The account is closed")
    OBJECT_GONE = "object_gone", _("No longer needed")
    CANCELLED = "cancelled", _("Cancelled or rescheduled")
    NO_ADDRESS = "no_address", _("No phone number or email address")
    TOO_LATE = (
        "too_late",
        _(
            "Not sent: the person's quiet hours end too close to the session, "
            "and they had begun before it was booked"
        ),
    )


def default_quiet_hours_start() -> datetime.time:
    return settings.NOTIFICATIONS_QUIET_HOURS_START


def default_quiet_hours_end() -> datetime.time:
    return settings.NOTIFICATIONS_QUIET_HOURS_END


def default_mood_reminder_time() -> datetime.time:
    return datetime.time(19, 0)


def quiet_window_contains(start: datetime.time, end: datetime.time, at: datetime.time) -> bool:
    """Whether wall-clock time `at` falls in the quiet hours from `start` to `end`.

    A window whose start is later than its end spans midnight; start == end
    means no quiet hours.
    """
    if start == end:
        return False
    if start < end:
        return start <= at < end
    return at >= start or at < end


def quiet_window_minutes(start: datetime.time, end: datetime.time) -> int:
    """How long the quiet hours from `start` to `end` last, in minutes (0 for none)."""
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return minutes % (24 * 60)


# A service's quiet hours leave at least this much of the day for reminders.
SERVICE_QUIET_HOURS_MAX_MINUTES = 16 * 60


class ServiceQuietHours(models.Model):
    """A service's quiet hours: when reminders to its clients wait.

    In each client's own time zone. A service without a row uses
    NOTIFICATIONS_QUIET_HOURS_START and _END. A client who chose their own
    quiet hours keeps them (NotificationPreference). Risk alerts and account
    emails never wait (their kind says so). Edited on the service settings page.
    """

    service = models.OneToOneField(
        "care.Service", on_delete=models.CASCADE, related_name="quiet_hours"
    )
    start = models.TimeField(_("quiet from"), default=default_quiet_hours_start)
    end = models.TimeField(_("quiet until"), default=default_quiet_hours_end)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("service quiet hours")
        verbose_name_plural = _("service quiet hours")
        constraints = [
            models.CheckConstraint(
                name="service_quiet_hours_not_empty", condition=~Q(start=F("end"))
            )
        ]

    def __str__(self) -> str:
        return f"Quiet hours of service {self.service_id}: {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start is None or self.end is None:
            return
        if self.start == self.end:
            raise ValidationError(
                {
                    "end": _(
                        "Choose an end time different from the start. A service cannot turn "
                        "quiet hours off; each client can change their own."
                    )
                }
            )
        if quiet_window_minutes(self.start, self.end) > SERVICE_QUIET_HOURS_MAX_MINUTES:
            raise ValidationError(
                {"end": _("Choose quiet hours of 16 hours or fewer, so reminders can go out.")}
            )


def local_moment(day: datetime.date, at: datetime.time, tz: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The UTC instant of wall-clock time `at` on `day` in `tz`.

    On the spring clock change a time that does not exist (01:30 in London)
    resolves to the instant an hour later on the wall clock (02:30 BST); on the
    autumn change a time that happens twice resolves to the first one (BST).
    """
    naive = datetime.datetime.combine(day, at)
    return naive.replace(tzinfo=tz, fold=0).astimezone(datetime.UTC)


class NotificationPreference(models.Model):
    """How and when one person wants to hear from us.

    A person without a row has the defaults (email on, everything on, mood
    reminder off, their service's quiet hours). Preferences are read at send time, so
    turning something off works at once, even for messages already queued.
    Risk alerts to staff and account emails ignore them.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("by email"), default=True)
    sms_enabled = models.BooleanField(_("by text message"), default=False)
    phone_number = models.CharField(
        _("mobile number"),
        max_length=20,
        blank=True,
        validators=[
            RegexValidator(r"^\+?[0-9]{10,15}$", _("Enter a mobile number, like 07700 900 123"))
        ],
    )
    session_reminders = models.BooleanField(_("session reminders"), default=True)
    questionnaire_reminders = models.BooleanField(_("questionnaire reminders"), default=True)
    message_emails = models.BooleanField(_("new message alerts"), default=True)
    inactivity_nudges = models.BooleanField(_("a nudge if I have not signed in"), default=True)
    mood_reminder_enabled = models.BooleanField(_("daily mood reminder"), default=False)
    mood_reminder_time = models.TimeField(
        _("mood reminder time"), default=default_mood_reminder_time
    )
    # Empty (both): the person follows their service's quiet hours (see `quiet_hours`).
    quiet_hours_start = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet until"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="sms_needs_phone_number",
                condition=Q(sms_enabled=False) | ~Q(phone_number=""),
            ),
            models.CheckConstraint(
                name="own_quiet_hours_both_or_neither",
                condition=Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                | Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Preferences of {self.user_id}"

    def clean(self) -> None:
        errors = {}
        if self.sms_enabled and not self.phone_number:
            errors["phone_number"] = _("Enter a mobile number to get text messages")
        if self.mood_reminder_enabled and self.in_quiet_hours(self.mood_reminder_time):
            errors["mood_reminder_time"] = _("Choose a reminder time outside your quiet hours")
        if errors:
            raise ValidationError(errors)

    @property
    def has_own_quiet_hours(self) -> bool:
        return self.quiet_hours_start is not None and self.quiet_hours_end is not None

    @property
    def service_quiet_hours(self) -> tuple[datetime.time, datetime.time]:
        """The quiet hours of the person's service (their latest treatment's), else
        the platform's (NOTIFICATIONS_QUIET_HOURS_START, _END). One query, once."""
        if "_service_quiet_hours" not in self.__dict__:
            row = (
                Treatment.objects.filter(client_id=self.user_id)
                .order_by("-created_at")
                .values_list("service__quiet_hours__start", "service__quiet_hours__end")
                .first()
            )
            if row is None or None in row:
                row = (default_quiet_hours_start(), default_quiet_hours_end())
            self.__dict__["_service_quiet_hours"] = tuple(row)
        return self.__dict__["_service_quiet_hours"]

    @property
    def quiet_hours(self) -> tuple[datetime.time, datetime.time]:
        """(start, end) in force for this person: their own, else their service's."""
        if self.quiet_hours_start is not None and self.quiet_hours_end is not None:
            return self.quiet_hours_start, self.quiet_hours_end
        return self.service_quiet_hours

    def in_quiet_hours(self, at: datetime.time) -> bool:
        return quiet_window_contains(*self.quiet_hours, at)

    def quiet_hours_end_after(self, moment: datetime.datetime, tz) -> datetime.datetime | None:
        """When the quiet hours around `moment` end (UTC), or None if not quiet then."""
        local = moment.astimezone(tz)
        if not self.in_quiet_hours(local.time()):
            return None
        start, end = self.quiet_hours
        day = local.date()
        if start > end and local.time() >= start:
            day += datetime.timedelta(days=1)  # evening part of a window spanning midnight
        return local_moment(day, end, tz)

    def quiet_hours_start_before(self, moment: datetime.datetime, tz) -> datetime.datetime | None:
        """When the quiet hours around `moment` began (UTC), or None if not quiet then."""
        local = moment.astimezone(tz)
        if not self.in_quiet_hours(local.time()):
            return None
        start, end = self.quiet_hours
        day = local.date()
        if start > end and local.time() < end:
            day -= datetime.timedelta(days=1)  # morning part of a window spanning midnight
        return local_moment(day, start, tz)

    def channel_enabled(self, channel: str) -> bool:
        if channel == Channel.EMAIL:
            return self.email_enabled
        if channel == Channel.SMS:
            return self.sms_enabled and bool(self.phone_number)
        return False


class Notification(models.Model):
    """One message to one person on one channel: the outbox row.

    Life cycle: pending → sending → sent, or → suppressed (with a reason), or
    → failed (after the last retry; admins can resend). A pending row may move
    its `due_at` later (quiet hours, retry back-off); `original_due_at` keeps
    the moment it was first due. `context` holds IDs only, never text.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    treatment = models.ForeignKey(
        "care.Treatment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        help_text=_("The episode of care this message belongs to, for the staff log."),
    )
    kind = models.CharField(_("kind"), max_length=40)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    dedupe_key = models.CharField(max_length=200)
    due_at = models.DateTimeField(_("due"))
    original_due_at = models.DateTimeField(_("first due"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    suppressed_reason = models.CharField(
        _("why not sent"), max_length=24, choices=SuppressedReason.choices, blank=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Written (and committed) just before the provider is called: a row found
    # "sending" with this set may have been accepted, so a resend uses the same
    # provider reference / Message-ID and asks the provider first where it can.
    handed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "channel", "dedupe_key"],
                name="notification_once_per_recipient_kind_channel_key",
            ),
            models.CheckConstraint(
                name="notification_suppressed_has_reason",
                condition=Q(status="suppressed", suppressed_reason__gt="")
                | (~Q(status="suppressed") & Q(suppressed_reason="")),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["object_type", "object_id", "kind"]),
            models.Index(fields=["treatment", "due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id} ({self.channel}, {self.status})"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def reference(self) -> str:
        """The provider reference of this message, the same for every attempt
        (GOV.UK Notify's `reference`; the email Message-ID is made from it)."""
        return f"tandem-notification-{self.pk}"

    @property
    def waiting_for_quiet_hours(self) -> bool:
        return (
            self.status == Status.PENDING
            and self.due_at > self.original_due_at
            and (self.attempts == 0)
        )

    @property
    def brought_forward(self) -> bool:
        """Planned before the person's quiet hours began, because their end
        would have been too close to the session (see services)."""
        return self.due_at < self.original_due_at and self.status in (
            Status.PENDING,
            Status.SENDING,
            Status.SENT,
        )

    @property
    def explanation(self) -> str:
        """Why the row is in its state, in words staff can read."""
        if self.status == Status.SUPPRESSED:
            return str(SuppressedReason(self.suppressed_reason).label)
        if self.brought_forward:
            return str(
                _(
                    "Sent before the person's quiet hours begin: after them would be "
                    "too close to the session"
                )
            )
        if self.waiting_for_quiet_hours:
            return str(_("Waiting until the person's quiet hours end"))
        if self.status == Status.SENT and self.due_at > self.original_due_at and self.attempts <= 1:
            return str(_("Sent when the person's quiet hours ended"))
        if self.status in (Status.PENDING, Status.FAILED) and self.last_error:
            return self.last_error
        return ""

"""Data-protection requests and their audit trail.

- `SubjectAccessRequest`: a copy of everything held about one client (a ZIP
  made in the background, kept in the export storage until it expires).
- `ErasureRequest`: anonymisation or erasure of one client, requested by one
  administrator and decided by another.
- `PrivacyEvent`: one step of either, or of a retention run. Append-only in
  PostgreSQL (migration 0002) and sealed into the audit hash chain.

See docs/privacy.md.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SarStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to start")
    RUNNING = "running", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired and deleted")


class ReleaseState(models.TextChoices):
    """Whether a copy the client asked for may be downloaded by them."""

    NOT_NEEDED = "", _("Requested by staff")
    AWAITING = "awaiting", _("Waiting for a member of staff to release it")
    RELEASED = "released", _("Released to the client")
    DECLINED = "declined", _("Not released")


class SubjectAccessRequest(models.Model):
    """One copy of everything the platform holds about one client.

    Asked for by a member of staff (an admin, or a supervisor of one of the
    client's services) or by the client. A client's own request is made at once
    but released to them only after a member of staff has looked at it
    (`release_state`). The file lives in the export storage until `expires_at`.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="subject_access_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    due_by = models.DateField(
        _("answer by"), help_text=_("One calendar month after the request (UK GDPR Article 12).")
    )
    status = models.CharField(max_length=16, choices=SarStatus.choices, default=SarStatus.PENDING)
    release_state = models.CharField(
        max_length=16, choices=ReleaseState.choices, default=ReleaseState.NOT_NEEDED, blank=True
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    released_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(_("why it is not released"), blank=True, max_length=2000)
    file_name = models.CharField(max_length=200, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    row_counts = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A double click asks once: one unfinished copy per client.
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(status__in=["pending", "running"]),
                name="one_unfinished_copy_per_client",
            ),
            # Only a client's own request waits for release; staff never release to themselves.
            models.CheckConstraint(
                name="release_only_for_the_clients_own_request",
                condition=Q(release_state="") | Q(requested_by=F("client")),
            ),
            models.CheckConstraint(
                name="released_by_staff_not_the_client",
                condition=Q(released_by__isnull=True) | ~Q(released_by=F("client")),
            ),
            models.CheckConstraint(
                name="released_copy_has_who_and_when",
                condition=~Q(release_state__in=["released", "declined"])
                | Q(released_by__isnull=False, released_at__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"Copy of data for {self.client_id} ({self.status})"

    @property
    def by_client(self) -> bool:
        return self.requested_by_id == self.client_id

    @property
    def is_waiting(self) -> bool:
        return self.status in (SarStatus.PENDING, SarStatus.RUNNING)

    def is_downloadable(self, now=None) -> bool:
        """Ready and not past its expiry (the file may outlive it until the daily sweep)."""
        now = now or timezone.now()
        return (
            self.status == SarStatus.READY and self.expires_at is not None and self.expires_at > now
        )

    def client_may_download(self, now=None) -> bool:
        return self.release_state == ReleaseState.RELEASED and self.is_downloadable(now)

    @property
    def awaits_release(self) -> bool:
        return self.release_state == ReleaseState.AWAITING

    def download_name(self) -> str:
        return f"tandem-data-{self.client_id}-{self.created_at:%Y%m%d}.zip"


class ErasureKind(models.TextChoices):
    ANONYMISE = "anonymise", _("Anonymise: remove names, contact details and free text")
    ERASE = "erase", _("Erase: delete the client's records")


class ErasureStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a second administrator")
    REJECTED = "rejected", _("Rejected")
    DONE = "done", _("Approved and carried out")


class ErasureRequest(models.Model):
    """A request to anonymise or erase one client, and its decision.

    Requested by one administrator with a reason; approved or rejected by a
    different one (a database constraint). On approval the service carries it
    out in the same transaction and records what it kept for research, why
    (`legal_basis`) and under which participant IDs.
    """

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="erasure_requests"
    )
    kind = models.CharField(_("what to do"), max_length=16, choices=ErasureKind.choices)
    reason = models.TextField(_("reason"), max_length=2000)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    status = models.CharField(
        max_length=16, choices=ErasureStatus.choices, default=ErasureStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True, max_length=2000)
    carried_out_at = models.DateTimeField(null=True, blank=True)
    # The research exemption: pseudonymised research data kept, why, and under which IDs.
    research_exemption = models.BooleanField(default=False)
    legal_basis = models.TextField(blank=True)
    kept_participant_ids = models.JSONField(default=list, blank=True)
    # What was done, by data type: {"messages": {"changed": 3}, ...}. Counts only.
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="erasure_decided_by_a_second_person",
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
            ),
            models.CheckConstraint(
                name="erasure_decision_has_who_and_when",
                condition=Q(status="pending", decided_by__isnull=True)
                | (~Q(status="pending") & Q(decided_by__isnull=False, decided_at__isnull=False)),
            ),
            models.CheckConstraint(
                name="erasure_exemption_has_legal_basis",
                condition=Q(research_exemption=False) | ~Q(legal_basis=""),
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(status="pending"),
                name="one_pending_erasure_request_per_client",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.client_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == ErasureStatus.PENDING


class PrivacyAction(models.TextChoices):
    SAR_REQUESTED = "sar_requested", _("Copy of data requested")
    SAR_PRODUCED = "sar_produced", _("Copy of data made")
    SAR_FAILED = "sar_failed", _("Copy of data failed")
    SAR_RELEASED = "sar_released", _("Copy of data released to the client")
    SAR_DECLINED = "sar_declined", _("Copy of data not released")
    SAR_DOWNLOADED = "sar_downloaded", _("Copy of data downloaded")
    SAR_EXPIRED = "sar_expired", _("Copy of data deleted at expiry")
    ERASURE_REQUESTED = "erasure_requested", _("Erasure or anonymisation requested")
    ERASURE_APPROVED = "erasure_approved", _("Erasure or anonymisation approved")
    ERASURE_REJECTED = "erasure_rejected", _("Erasure or anonymisation rejected")
    ERASURE_CARRIED_OUT = "erasure_carried_out", _("Erasure or anonymisation carried out")
    RETENTION_APPLIED = "retention_applied", _("Retention schedule applied")


class PrivacyEvent(models.Model):
    """One step of a data-protection request, or one retention run.

    Append-only (a PostgreSQL trigger refuses UPDATE and DELETE) and sealed
    into the audit hash chain (`apps.core.audit.seal_model`). `detail` holds
    counts and codes, never anyone's words. `client_id` is a plain number, not
    a foreign key, like `core.AccessSubject`.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for the background tasks (making a copy, retention)."),
    )
    action = models.CharField(max_length=32, choices=PrivacyAction.choices)
    client_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    access_request = models.ForeignKey(
        SubjectAccessRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    erasure_request = models.ForeignKey(
        ErasureRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} for {self.client_id} at {self.at:%Y-%m-%d %H:%M}"

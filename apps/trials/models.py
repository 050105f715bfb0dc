"""Export jobs and the research data access log.

`ExportJob` is one requested download (a dataset, a format, a scope); a Celery
task writes its file, which expires after `TRIALS_EXPORT_EXPIRY_HOURS`.
`DataAccessLog` records every read of research data (exports, API reads, the
overview page): who, when, what, with which scope. It is append-only.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Dataset(models.TextChoices):
    PARTICIPANTS = "participants", _("Participants (one row each)")
    EVENTS = "events", _("Events (one row per event)")
    SCORES = "scores", _("Questionnaire scores (items and totals)")
    ANALYSIS = (
        "analysis",
        _("Analysis file (one row each: outcomes, alliance, sessions, modules, warnings)"),
    )
    CODEBOOK = "codebook", _("Codebook (what every column means)")


class FileFormat(models.TextChoices):
    CSV = "csv", _("CSV (UTF-8)")
    XLSX = "xlsx", _("Excel (XLSX)")


class ExportStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for a second administrator to approve")
    PENDING = "pending", _("Waiting to start")
    RUNNING = "running", _("Being prepared")
    READY = "ready", _("Ready to download")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ExportJob(models.Model):
    """One export: what was asked for, by whom, and where its file is.

    The scope (services, enrolment date range, free text) is copied onto the row
    so the file can always be explained later, even if a service is renamed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_jobs"
    )
    dataset = models.CharField(max_length=16, choices=Dataset.choices)
    file_format = models.CharField(max_length=8, choices=FileFormat.choices)
    service_ids = models.JSONField(default=list, blank=True)
    service_codes = models.JSONField(default=list, blank=True)
    date_from = models.DateField(_("enrolled from"), null=True, blank=True)
    date_to = models.DateField(_("enrolled to"), null=True, blank=True)
    include_free_text = models.BooleanField(default=False)
    purpose = models.TextField(
        _("approved purpose"),
        blank=True,
        help_text=_("Required when free text is included: the approval it relies on."),
    )
    status = models.CharField(
        max_length=24, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    # Free text runs only once a second administrator (not the requester) approves.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="approved_export_jobs",
        null=True,
        blank=True,
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="free_text_export_has_purpose",
                condition=Q(include_free_text=False) | ~Q(purpose=""),
            ),
            models.CheckConstraint(
                name="free_text_export_approved_by_second_person",
                condition=Q(include_free_text=False)
                | Q(status="awaiting_approval")
                | (Q(approved_by__isnull=False) & ~Q(approved_by=models.F("requested_by"))),
            ),
            models.CheckConstraint(
                name="export_date_range_ordered",
                condition=Q(date_from__isnull=True)
                | Q(date_to__isnull=True)
                | Q(date_to__gte=models.F("date_from")),
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.dataset}.{self.file_format} ({self.status})"

    @property
    def is_ready(self) -> bool:
        return self.status == ExportStatus.READY

    @property
    def is_gone(self) -> bool:
        """Failed or expired: the download answers 410."""
        return self.status in (ExportStatus.FAILED, ExportStatus.EXPIRED)

    @property
    def is_waiting(self) -> bool:
        return self.status in (ExportStatus.PENDING, ExportStatus.RUNNING)

    @property
    def awaits_approval(self) -> bool:
        return self.status == ExportStatus.AWAITING_APPROVAL

    def download_name(self) -> str:
        stamp = self.created_at.strftime("%Y%m%d-%H%M")
        return f"tandem-{self.dataset}-{stamp}.{self.file_format}"


class AccessAction(models.TextChoices):
    EXPORT_REQUESTED = "export_requested", _("Export requested")
    EXPORT_DOWNLOADED = "export_downloaded", _("Export downloaded")
    API_READ = "api_read", _("API read")
    PAGE_VIEWED = "page_viewed", _("Page viewed")


class DataAccessLog(models.Model):
    """One read of research data. Append-only: the admin shows it read-only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="data_access_logs"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=24, choices=AccessAction.choices)
    resource = models.CharField(
        max_length=60, help_text=_("What was read, e.g. participants, events, fhir.")
    )
    scope = models.JSONField(default=dict, blank=True)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    purpose = models.TextField(blank=True)
    via_token = models.BooleanField(default=False)
    export_job = models.ForeignKey(
        ExportJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="access_logs"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.resource} at {self.at:%Y-%m-%d %H:%M}"

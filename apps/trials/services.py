"""Writes for trials: export jobs and the data access log.

`export_job_create` records the request and queues the job after commit;
`export_job_run` (Celery) writes the file through the streaming exporters into
the shared export storage (`apps.core.storage`: a directory or S3-compatible
object storage), where the web process reads it for the download;
`export_jobs_expire` (beat) deletes files past their expiry from that storage.
"""

from __future__ import annotations

import datetime
import os
import tempfile

import structlog
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.care.models import Service
from apps.core.errors import DomainError
from apps.core.storage import export_storage, open_stream
from apps.trials import exporters
from apps.trials.access import is_researcher
from apps.trials.adherence import Scope
from apps.trials.models import (
    AccessAction,
    DataAccessLog,
    Dataset,
    ExportJob,
    ExportStatus,
    FileFormat,
)

log = structlog.get_logger(__name__)

PURPOSE_MIN_LENGTH = 10


def data_access_record(
    *,
    user: User,
    action: str,
    resource: str,
    scope: dict | None = None,
    row_count: int | None = None,
    purpose: str = "",
    via_token: bool = False,
    export_job: ExportJob | None = None,
) -> DataAccessLog:
    """Append one entry to the research data access log (who, when, what, scope)."""
    return DataAccessLog.objects.create(
        user=user,
        action=action,
        resource=resource,
        scope=scope or {},
        row_count=row_count,
        purpose=purpose,
        via_token=via_token,
        export_job=export_job,
    )


def job_scope(job: ExportJob) -> Scope:
    return Scope(
        service_ids=tuple(job.service_ids),
        date_from=job.date_from,
        date_to=job.date_to,
        include_free_text=job.include_free_text,
    )


@transaction.atomic
def export_job_create(
    *,
    user: User,
    dataset: str,
    file_format: str,
    scope: Scope,
    purpose: str = "",
    via_token: bool = False,
) -> ExportJob:
    """Record an export request and queue it (after commit).

    Raises PermissionDenied for anyone but a trial manager or admin, and when
    a non-admin asks for free text. Raises DomainError for an unknown dataset
    or format, a reversed date range, or free text without a purpose.
    """
    if not is_researcher(user):
        raise PermissionDenied
    if dataset not in Dataset.values:
        raise DomainError(_("Choose what to export."), field="dataset")
    if file_format not in FileFormat.values:
        raise DomainError(_("Choose a file format."), field="file_format")
    if scope.date_from and scope.date_to and scope.date_to < scope.date_from:
        raise DomainError(_("The end date must be the same as or after the start date."),
                          field="date_to")  # fmt: skip
    purpose = (purpose or "").strip()
    if scope.include_free_text:
        if not user.is_superuser:
            raise PermissionDenied
        if len(purpose) < PURPOSE_MIN_LENGTH:
            raise DomainError(
                _("Describe the approved purpose for including free text."), field="purpose"
            )
    else:
        purpose = ""
    services = Service.objects.filter(pk__in=scope.service_ids).order_by("code")
    job = ExportJob(
        requested_by=user,
        dataset=dataset,
        file_format=file_format,
        service_ids=sorted(s.pk for s in services),
        service_codes=[s.code for s in services],
        date_from=scope.date_from,
        date_to=scope.date_to,
        include_free_text=scope.include_free_text,
        purpose=purpose,
        # Free text waits for a second administrator (export_job_approve).
        status=ExportStatus.AWAITING_APPROVAL if scope.include_free_text else ExportStatus.PENDING,
    )
    job.full_clean()
    job.save()
    data_access_record(
        user=user,
        action=AccessAction.EXPORT_REQUESTED,
        resource=dataset,
        scope={**scope.as_dict(), "service_codes": job.service_codes, "format": file_format},
        purpose=purpose,
        via_token=via_token,
        export_job=job,
    )
    if job.status == ExportStatus.PENDING:
        _export_job_enqueue(job)
    return job


def _export_job_enqueue(job: ExportJob) -> None:
    # why: the tasks module imports this one (its task calls export_job_run).
    from apps.trials.tasks import run_export_job

    job_id = str(job.pk)
    transaction.on_commit(lambda: run_export_job.delay(job_id))


@transaction.atomic
def export_job_approve(*, user: User, job: ExportJob) -> ExportJob:
    """A second administrator approves a free-text export; it then runs.

    Raises PermissionDenied for anyone but an administrator, and DomainError
    when the approver requested the export themselves or the job is not
    waiting for approval.
    """
    if not user.is_superuser:
        raise PermissionDenied
    job = ExportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ExportStatus.AWAITING_APPROVAL:
        raise DomainError(_("This export is not waiting for approval."))
    if job.requested_by_id == user.pk:
        raise DomainError(
            _("A second administrator must approve an export you requested yourself.")
        )
    job.approved_by = user
    job.approved_at = timezone.now()
    job.status = ExportStatus.PENDING
    job.full_clean()
    job.save(update_fields=["approved_by", "approved_at", "status"])
    _export_job_enqueue(job)
    return job


def export_job_run(*, job_id) -> ExportJob | None:
    """Write the job's file. Runs once: the job is claimed by a conditional update.

    Returns None when the job is gone or already claimed. A failure marks the
    job failed (its download then answers 410) and removes any partial file.
    """
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.PENDING).update(
        status=ExportStatus.RUNNING, started_at=now
    )
    if claimed != 1:
        return None
    job = ExportJob.objects.get(pk=job_id)
    storage = export_storage()
    # Written to a local temporary file first (flat memory, and an upload
    # of known size), then saved to the shared storage in one piece: a reader
    # never sees a partial file.
    fd, local = tempfile.mkstemp(suffix=f".{job.file_format}.part")
    os.close(fd)
    try:
        export = exporters.build_export(job.dataset, job_scope(job))
        if job.file_format == FileFormat.CSV:
            with open(local, "w", encoding="utf-8", newline="") as fh:
                rows = exporters.write_csv(export, fh)
        else:
            rows = exporters.write_xlsx(export, local)
        size = os.path.getsize(local)
        with open(local, "rb") as fh:
            name = storage.save(f"{job.pk}.{job.file_format}", File(fh))
    except Exception as exc:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, finished_at=timezone.now(), error=type(exc).__name__
        )
        log.exception("export_failed", job_id=str(job.pk), dataset=job.dataset)
        job.refresh_from_db()
        return job
    finally:
        os.unlink(local)
    finished = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.READY,
        row_count=rows,
        file_name=name,
        file_size=size,
        finished_at=finished,
        expires_at=finished + datetime.timedelta(hours=settings.TRIALS_EXPORT_EXPIRY_HOURS),
    )
    log.info("export_ready", job_id=str(job.pk), dataset=job.dataset, rows=rows)
    job.refresh_from_db()
    return job


def export_job_file(*, user: User, job: ExportJob, via_token: bool = False):
    """A ready job's file, open for reading as a stream from the shared
    storage, recording the download. The caller closes it (FileResponse does).

    Callers check `job.is_ready` first (410 when gone, 202 while waiting).
    """
    stream = open_stream(export_storage(), job.file_name)
    data_access_record(
        user=user,
        action=AccessAction.EXPORT_DOWNLOADED,
        resource=job.dataset,
        scope={
            **job_scope(job).as_dict(),
            "service_codes": job.service_codes,
            "format": job.file_format,
        },  # fmt: skip
        row_count=job.row_count,
        purpose=job.purpose,
        via_token=via_token,
        export_job=job,
    )
    return stream


def export_jobs_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of ready jobs past their expiry (from the shared
    storage) and mark them expired."""
    now = now or timezone.now()
    storage = export_storage()
    expired = 0
    for job in ExportJob.objects.filter(status=ExportStatus.READY, expires_at__lte=now):
        if job.file_name:
            storage.delete(job.file_name)  # no error when already gone
        expired += ExportJob.objects.filter(pk=job.pk, status=ExportStatus.READY).update(
            status=ExportStatus.EXPIRED
        )
    return expired

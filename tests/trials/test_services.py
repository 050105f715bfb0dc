"""Export job service: runs once, fails visibly, expires."""

import datetime

from apps.trials.models import ExportJob, ExportStatus
from apps.trials.services import export_job_run, export_jobs_expire
from tests.factories import UserFactory


def test_job_runs_once_even_if_delivered_twice(db, settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path
    job = ExportJob.objects.create(
        requested_by=UserFactory(is_trial_manager=True), dataset="codebook", file_format="csv"
    )
    first = export_job_run(job_id=job.pk)
    assert first.status == ExportStatus.READY and first.row_count > 50
    assert export_job_run(job_id=job.pk) is None
    assert export_job_run(job_id="00000000-0000-0000-0000-000000000000") is None


def test_failed_job_is_marked_failed_without_a_partial_file(db, settings, tmp_path, monkeypatch):
    settings.EXPORT_ROOT = tmp_path
    job = ExportJob.objects.create(
        requested_by=UserFactory(is_trial_manager=True), dataset="events", file_format="xlsx"
    )

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("apps.trials.exporters.write_xlsx", boom)
    result = export_job_run(job_id=job.pk)
    assert result.status == ExportStatus.FAILED and result.error == "OSError"
    assert list(tmp_path.iterdir()) == []


def test_only_ready_jobs_past_expiry_expire(db, settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path
    user = UserFactory(is_trial_manager=True)
    now = datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)
    old = ExportJob.objects.create(requested_by=user, dataset="events", file_format="csv",
                                   status=ExportStatus.READY, file_name="old.csv",
                                   expires_at=now - datetime.timedelta(minutes=1))  # fmt: skip
    fresh = ExportJob.objects.create(requested_by=user, dataset="events", file_format="csv",
                                     status=ExportStatus.READY, file_name="new.csv",
                                     expires_at=now + datetime.timedelta(hours=1))  # fmt: skip
    (tmp_path / "old.csv").write_text("x")
    (tmp_path / "new.csv").write_text("x")
    assert export_jobs_expire(now=now) == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == (ExportStatus.EXPIRED, ExportStatus.READY)
    assert [p.name for p in tmp_path.iterdir()] == ["new.csv"]

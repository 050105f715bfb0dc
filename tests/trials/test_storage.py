"""Export files live in shared storage: the worker writes, the web serves.

The S3 path runs against a real S3-compatible server on loopback (moto in
server mode, in a subprocess) through a real boto3 client: the worker's
upload, the streamed download and the expiry's delete are all HTTP requests
to it.
"""

import datetime
import socket
import subprocess
import sys
import time
import urllib.request

import boto3
import pytest
from django.core.files.storage import storages

from apps.trials.models import ExportJob, ExportStatus
from apps.trials.services import export_job_run, export_jobs_expire
from tests.factories import UserFactory

BUCKET = "tandem-exports-test"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture
def manager(db):
    return UserFactory(is_trial_manager=True)


@pytest.fixture
def tm_client(client, manager):
    client.force_login(manager)
    return client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server on a free loopback port, for this module only."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1)  # noqa: S310
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the local S3 server (moto) did not start")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def s3(s3_endpoint, settings):
    """The exports storage pointed at a fresh bucket; yields a boto3 client."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-2", **KEYS)
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "location": "exports",
                "endpoint_url": s3_endpoint,
                "access_key": KEYS["aws_access_key_id"],
                "secret_key": KEYS["aws_secret_access_key"],
                "region_name": "eu-west-2",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    assert storages["exports"].__class__.__name__ == "S3Storage"
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_export_goes_to_object_storage_and_downloads_from_it(
    trial, tm_client, s3, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.EXPORT_ROOT = tmp_path  # must stay unused
    with django_capture_on_commit_callbacks(execute=True):
        tm_client.post("/trials/exports/confirm/", {"dataset": "events", "file_format": "csv"})
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.READY
    assert _keys(s3) == [f"exports/{job.file_name}"]
    assert list(tmp_path.iterdir()) == []  # nothing on the worker's own disk
    stored = s3.get_object(Bucket=BUCKET, Key=f"exports/{job.file_name}")["Body"].read()
    assert len(stored) == job.file_size

    download = tm_client.get(f"/trials/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert int(download["Content-Length"]) == job.file_size
    body = b"".join(download.streaming_content)
    assert body == stored
    lines = body.decode().splitlines()
    assert len(lines) == 57 and lines[0].startswith("participant_id,service_code,event_type")

    export_jobs_expire(now=job.expires_at + datetime.timedelta(minutes=1))
    assert _keys(s3) == []
    assert tm_client.get(f"/trials/exports/{job.pk}/download/").status_code == 410


def test_failed_export_leaves_nothing_in_object_storage(trial, manager, s3, monkeypatch):
    job = ExportJob.objects.create(requested_by=manager, dataset="events", file_format="xlsx")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("apps.trials.exporters.write_xlsx", boom)
    assert export_job_run(job_id=job.pk).status == ExportStatus.FAILED
    assert _keys(s3) == []


def test_default_storage_is_a_directory_at_export_root(trial, manager, settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"
    job = ExportJob.objects.create(requested_by=manager, dataset="codebook", file_format="csv")
    job = export_job_run(job_id=job.pk)
    path = tmp_path / "exports" / job.file_name
    assert path.read_bytes().startswith(b"dataset,column,")
    assert path.stat().st_size == job.file_size

"""Trial manager pages: access, no names, the overview's numbers, the export flow."""

import datetime

import pytest

from apps.trials.models import AccessAction, DataAccessLog, ExportJob
from apps.trials.services import export_jobs_expire
from tests.factories import ClientFactory, StaffFactory, UserFactory
from tests.trials.factories import SECRETS

PAGES = ["trials:overview", "trials:exports"]


@pytest.fixture
def manager(db):
    return UserFactory(is_trial_manager=True, email="tm@example.org", first_name="Tess")


@pytest.fixture
def tm_client(client, manager):
    client.force_login(manager)
    return client


@pytest.mark.parametrize("name", PAGES)
def test_pwp_supervisor_and_client_get_403_anonymous_goes_to_sign_in(trial, client, name):
    from django.urls import reverse

    url = reverse(name)
    assert client.get(url).status_code == 302
    service = trial.services["AAA"]
    for user in (
        StaffFactory(pwp_in=service),
        StaffFactory(supervisor_of=service),
        ClientFactory(),
    ):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 403
        assert b"AAA-0001" not in response.content


def test_others_cannot_reach_export_jobs_or_downloads(trial, client, manager):
    job = ExportJob.objects.create(requested_by=manager, dataset="events", file_format="csv")
    client.force_login(StaffFactory(pwp_in=trial.services["AAA"]))
    assert client.get(f"/trials/exports/{job.pk}/").status_code == 403
    assert client.get(f"/trials/exports/{job.pk}/download/").status_code == 403
    client.force_login(UserFactory(is_trial_manager=True))
    assert client.get(f"/trials/exports/{job.pk}/").status_code == 404
    assert (
        client.post(
            "/trials/exports/confirm/", {"dataset": "events", "file_format": "csv"}
        ).status_code
        == 302
    )


def test_overview_shows_funnel_modules_phq9_change_and_alliance_without_names(
    trial, tm_client, django_assert_max_num_queries
):
    # Constant whatever the trial size: participants are read in chunks of 1,000
    # (the alliance pairs: their ids and scores, two queries per chunk).
    with django_assert_max_num_queries(26):
        response = tm_client.get("/trials/")
    assert response.status_code == 200
    html = response.content.decode()
    for secret in SECRETS:
        assert secret not in html, secret
    ctx = response.context
    assert [(r["label"], r["value"], r["percent"]) for r in ctx["funnel"]] == [
        ("Enrolled", 5, 100),
        ("Started the programme", 3, 60),
        ("Completed the course", 1, 20),
    ]
    assert {m["title"]: (m["started"], m["completed"]) for m in ctx["module_rows"]} == {
        "Psychoeducation": (3, 2),
        "Behavioural-Activation": (1, 1),
        "Cognitive-Restructuring": (1, 1),
        "Relapse-Prevention": (1, 1),
        "Problem-Solving": (1, 0),
    }
    assert ctx["phq9_n"] == 2 and ctx["phq9_mean_change"] == -7.0
    # Only an end-of-treatment WAI-SF-C here: the scatter needs an early one.
    assert ctx["alliance"] == [] and ctx["scatter"]["n"] == 0
    assert ctx["correlation"] is None  # fewer than 3 pairs: no coefficient
    assert "Mean change -7.0 points (n = 2)" in html
    assert "No participant has an early WAI-SF-C and two PHQ-9 scores yet." in html
    assert "Alpha Talking Therapies" in html
    assert len(ctx["recruitment_charts"]) == 2
    assert DataAccessLog.objects.filter(
        action=AccessAction.PAGE_VIEWED, resource="overview"
    ).exists()


def test_export_flow_check_answers_confirm_banner_and_download(
    trial, tm_client, manager, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.EXPORT_ROOT = tmp_path
    page = tm_client.get("/trials/exports/")
    assert b"include_free_text" not in page.content  # admins only
    data = {"dataset": "events", "file_format": "csv"}
    check = tm_client.post("/trials/exports/check/", data)
    assert check.status_code == 200
    assert "56 rows, pseudonymised" in check.content.decode()
    assert b"Confirm and export" in check.content
    assert not ExportJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        confirm = tm_client.post("/trials/exports/confirm/", data)
    html = tm_client.get(confirm["Location"]).content.decode()
    for page_html in (
        html,
        check.content.decode(),
        tm_client.get("/trials/exports/").content.decode(),
    ):
        for secret in SECRETS:
            assert secret not in page_html, secret
    assert "govuk-notification-banner--success" in html and "Export started" in html
    assert "56 rows, pseudonymised" in html
    job = ExportJob.objects.get()
    download = tm_client.get(f"/trials/exports/{job.pk}/download/")
    lines = b"".join(download.streaming_content).decode().splitlines()
    assert len(lines) == 57 and lines[0].startswith("participant_id,service_code,event_type")
    actions = list(DataAccessLog.objects.filter(user=manager).values_list("action", flat=True))
    assert sorted(actions) == ["export_downloaded", "export_requested"]
    assert (
        tm_client.get(f"/trials/exports/{job.pk}/", HTTP_HX_REQUEST="true").content.count(b"<h1")
        == 0
    )
    export_jobs_expire(now=job.expires_at + datetime.timedelta(minutes=1))
    gone = tm_client.get(f"/trials/exports/{job.pk}/download/")
    assert gone.status_code == 410 and b"expired" in gone.content


def test_check_page_rejects_reversed_dates_with_error_summary(trial, tm_client):
    response = tm_client.post(
        "/trials/exports/check/",
        {
            "dataset": "participants",
            "file_format": "csv",
            "date_from": "2025-05-01",
            "date_to": "2025-03-01",
        },  # fmt: skip
    )
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert b"<title>Error:" in response.content


def test_admin_free_text_export_records_purpose(
    trial, client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.EXPORT_ROOT = tmp_path
    client.force_login(trial.admin)
    data = {"dataset": "events", "file_format": "xlsx", "include_free_text": "on"}
    missing = client.post("/trials/exports/check/", data)
    assert b"Describe the approved purpose" in missing.content
    data["purpose"] = "REC 24/LO/0001: qualitative study of messages"
    check = client.post("/trials/exports/check/", data)
    assert b"Included, for: REC 24/LO/0001" in check.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/trials/exports/confirm/", data)
    job = ExportJob.objects.get()
    assert job.include_free_text and job.purpose.startswith("REC 24/LO/0001")
    assert DataAccessLog.objects.get(action=AccessAction.EXPORT_REQUESTED).purpose == job.purpose
    # Free text waits for a second administrator; the requester cannot approve it.
    assert job.status == "awaiting_approval" and not job.file_name
    page = client.get(f"/trials/exports/{job.pk}/").content.decode()
    assert "A second administrator must approve it" in page
    assert "Approve this export" not in page
    refused = client.post(f"/trials/exports/{job.pk}/approve/", follow=True)
    assert "A second administrator must approve" in refused.content.decode()
    job.refresh_from_db()
    assert job.status == "awaiting_approval"

    second = UserFactory(is_superuser=True, is_staff=True, email="admin2@example.org")
    client.force_login(second)
    assert "Approve this export" in client.get(f"/trials/exports/{job.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/trials/exports/{job.pk}/approve/")
    job.refresh_from_db()
    assert job.approved_by == second
    assert job.status == "ready" and job.file_name.endswith(".xlsx")


def test_a_trial_manager_cannot_approve_a_free_text_export(trial, client):
    job = ExportJob.objects.create(
        requested_by=trial.admin,
        dataset="events",
        file_format="csv",
        include_free_text=True,
        purpose="REC 24/LO/0001: qualitative study",
        status="awaiting_approval",
    )
    client.force_login(UserFactory(is_trial_manager=True))
    assert client.post(f"/trials/exports/{job.pk}/approve/").status_code == 403
    job.refresh_from_db()
    assert job.status == "awaiting_approval" and job.approved_by is None

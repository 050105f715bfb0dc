"""REST API: access, pagination, filters, no identifiers, access log, export jobs."""

import base64
import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.accounts.models import LoginEvent
from apps.trials.models import AccessAction, DataAccessLog, ExportJob, ExportStatus
from apps.trials.services import export_job_approve, export_jobs_expire
from tests.accounts.token_helpers import make_token
from tests.factories import ClientFactory, StaffFactory, UserFactory
from tests.trials.factories import (
    EXPECTED_EVENT_COUNTS,
    EXPECTED_PARTICIPANTS,
    SECRETS,
    practitioner_answers,
    t,
)

ENDPOINTS = [
    "/api/v1/participants/",
    "/api/v1/events/",
    "/api/v1/scores/",
    "/api/v1/fhir/questionnaire-responses/",
    "/api/v1/adherence-summary/",
    "/api/v1/exports/",
]


def _token_client(user, scope="research_read"):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user, scope=scope)}")
    return api


@pytest.fixture
def manager(db):
    return UserFactory(is_trial_manager=True, email="tm@example.org", first_name="Tess")


@pytest.fixture
def api(manager):
    return _token_client(manager, scope="research_export")


@pytest.mark.parametrize("url", ENDPOINTS)
def test_pwp_client_and_supervisor_tokens_get_403(trial, url):
    service = trial.services["AAA"]
    for user in (
        StaffFactory(pwp_in=service),
        StaffFactory(supervisor_of=service),
        ClientFactory(),
    ):
        # Such tokens cannot be made; a stored one is refused outright.
        response = _token_client(user).get(url)
        assert response.status_code in (401, 403), (user.roles, url)
        assert "AAA-0001" not in response.content.decode()


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_is_refused(trial, url):
    assert APIClient().get(url).status_code in (401, 403)


def test_participants_paginate_and_match_the_export(trial, api):
    first = api.get("/api/v1/participants/?limit=2").json()
    assert first["count"] == 5
    assert [p["participant_id"] for p in first["results"]] == ["AAA-0001", "AAA-0002"]
    second = api.get(first["next"]).json()
    assert [p["participant_id"] for p in second["results"]] == ["AAA-0003", "BBB-0001"]
    p1 = first["results"][0]
    assert p1["logins"] == 3 and p1["course_completed"] is True
    assert p1["seconds_on_platform"] == EXPECTED_PARTICIPANTS["AAA-0001"]["seconds_on_platform"]
    assert p1["modules"]["relapse-prevention"] == "completed"
    one = api.get("/api/v1/participants/BBB-0001/").json()
    assert one["mood_ratings"] == 3 and one["phq9_change"] == -7


def test_participants_filter_by_service_and_enrolment_date(trial, api):
    rows = api.get("/api/v1/participants/?service=BBB").json()["results"]
    assert [r["participant_id"] for r in rows] == ["BBB-0001", "BBB-0002"]
    rows = api.get("/api/v1/participants/?enrolled_from=2025-03-05&enrolled_to=2025-05-31").json()
    assert [r["participant_id"] for r in rows["results"]] == ["AAA-0003", "BBB-0001"]
    assert api.get("/api/v1/participants/?service=NOPE").status_code == 400
    assert api.get("/api/v1/participants/?enrolled_from=March").status_code == 400


def _walk(api, url, link="next"):
    """Every page from `url` on, following `link`; returns the pages' results."""
    pages = []
    while url:
        data = api.get(url).json()
        assert "count" not in data  # cursor pages never count the rows
        pages.append(data["results"])
        url = data[link]
    return pages


def _event_key(e):
    return (e["occurred_at"], e["participant_id"], e["event_type"])


def test_events_cursor_walks_every_event_once_in_time_order(trial, api):
    pages = _walk(api, "/api/v1/events/?limit=7")
    events = [e for page in pages for e in page]
    total = sum(sum(c.values()) for c in EXPECTED_EVENT_COUNTS.values())
    assert len(events) == total and len(pages) == -(-total // 7)
    assert all(len(page) == 7 for page in pages[:-1])
    # Time order (ties, e.g. two participants' logins at 10:00 on 10 March, straddle
    # pages without loss or repeat).
    assert [e["occurred_at"] for e in events] == sorted(e["occurred_at"] for e in events)
    seen = {}
    for e in events:
        key = (e["participant_id"], e["event_type"])
        seen[key] = seen.get(key, 0) + 1
    assert seen == {
        (pid, ev): n for pid, counts in EXPECTED_EVENT_COUNTS.items() for ev, n in counts.items()
    }
    # And back again from the last page with the previous links: the same pages.
    last = api.get("/api/v1/events/?limit=7")
    while last.json()["next"]:
        last = api.get(last.json()["next"])
    backwards = _walk(api, last.json()["previous"], link="previous")
    assert [[_event_key(e) for e in p] for p in reversed(backwards)] == [
        [_event_key(e) for e in p] for p in pages[:-1]
    ]


def test_events_cursor_is_stable_when_events_arrive(trial, api):
    first = api.get("/api/v1/events/?limit=10").json()
    # A new login before the cursor's position must not shift the next page.
    LoginEvent.objects.create(
        user=trial.treatments["AAA-0001"].client,
        at=datetime.datetime(2025, 3, 3, 9, 1, tzinfo=datetime.UTC),
    )
    second = api.get(first["next"]).json()
    walked = [_event_key(e) for e in first["results"] + second["results"]]
    assert len(set(walked)) == 20
    assert ("2025-03-03T09:01:00Z", "AAA-0001", "login") not in walked


def test_events_deep_page_runs_the_same_queries_and_never_counts(trial, api):
    url = "/api/v1/events/?limit=3"
    for _ in range(8):
        url = api.get(url).json()["next"]
    with CaptureQueriesContext(connection) as first:
        api.get("/api/v1/events/?limit=3")
    with CaptureQueriesContext(connection) as deep:
        assert len(api.get(url).json()["results"]) == 3
    assert len(deep.captured_queries) == len(first.captured_queries)
    sql = " ".join(q["sql"] for q in deep.captured_queries).upper()
    assert "COUNT(" not in sql and "OFFSET" not in sql


def test_events_bad_cursor_is_404(trial, api):
    assert api.get("/api/v1/events/?cursor=not-a-cursor").status_code == 404
    forged = base64.b64encode(b"p=%5B%22yesterday%22%5D").decode()
    assert api.get(f"/api/v1/events/?cursor={forged}").status_code == 404


def test_events_filter(trial, api):
    data = api.get("/api/v1/events/?participant=BBB-0001&event_type=mood_rated").json()
    assert [(e["occurred_at"], e["value"]) for e in data["results"]] == [
        ("2025-03-10T20:00:00Z", 7),
        ("2025-03-11T20:00:00Z", 5),
        ("2025-03-16T20:00:00Z", 6),
    ]
    assert data["next"] is None and data["previous"] is None
    data = api.get(
        "/api/v1/events/?service=AAA&occurred_from=2025-03-17&occurred_to=2025-03-17"
    ).json()
    assert {e["event_type"] for e in data["results"]} == {"login", "step_opened", "step_completed"}
    assert len(data["results"]) == 1 + 2 + 2
    assert api.get("/api/v1/events/?event_type=party").status_code == 400


def test_scores_paginate_by_completion_time_with_a_cursor(trial, api):
    pages = _walk(api, "/api/v1/scores/?limit=2")
    scores = [s for page in pages for s in page]
    assert len(scores) == 7 and [len(p) for p in pages] == [2, 2, 2, 1]
    assert [s["completed_at"] for s in scores] == sorted(s["completed_at"] for s in scores)
    assert [(s["participant_id"], s["instrument"], s["time_point"]) for s in scores[:3]] == [
        ("AAA-0001", "phq9", "baseline"),
        ("AAA-0001", "gad7", "baseline"),
        ("AAA-0002", "phq9", "baseline"),
    ]


def test_scores_carry_items_and_totals(trial, api):
    data = api.get("/api/v1/scores/?participant=AAA-0001&instrument=phq9").json()
    assert [(s["time_point"], s["total"]) for s in data["results"]] == [
        ("baseline", 15),
        ("end_of_treatment", 8),
    ]
    baseline = data["results"][0]
    assert len(baseline["items"]) == 10
    assert baseline["items"][8] == {
        "item_number": 9,
        "link_id": "phq9-9",
        "value": 1,
        "loinc_code": "44260-8",
        "answer_code": "LA6569-3",
    }


def test_scores_and_events_say_the_practitioner_answered_their_wai_sf_t(trial, api):
    p1 = trial.treatments["AAA-0001"]
    practitioner_answers(p1, "early_alliance", dict.fromkeys(range(1, 13), 4), t(3, 29, 11))
    scores = api.get("/api/v1/scores/?participant=AAA-0001").json()["results"]
    assert [(s["instrument"], s["respondent"]) for s in scores] == [
        ("phq9", "client"),
        ("gad7", "client"),
        ("wai_sf_t", "practitioner"),
        ("phq9", "client"),
        ("wai_sf_c", "client"),
    ]
    events = api.get("/api/v1/events/?participant=AAA-0001&event_type=questionnaire_completed")
    assert [(e["instrument"], e["respondent"]) for e in events.json()["results"]] == [
        (s["instrument"], s["respondent"]) for s in scores
    ]
    participant = api.get("/api/v1/participants/AAA-0001/").json()
    assert participant["questionnaires_completed"] == 4  # the client's, as before
    assert participant["weeks_active"] == 4


def test_adherence_summary_has_funnel_per_service(trial, api):
    data = api.get("/api/v1/adherence-summary/").json()
    assert (data["overall"]["enrolled"], data["overall"]["started"]) == (5, 3)
    assert data["overall"]["completed_course"] == 1
    assert [(s["label"], s["enrolled"]) for s in data["services"]] == [("AAA", 3), ("BBB", 2)]


@pytest.mark.parametrize("url", ENDPOINTS[:5])
def test_no_names_emails_or_free_text_in_api_responses(trial, api, url):
    body = api.get(url + "?limit=1000").content.decode().lower()
    for secret in SECRETS:
        assert secret.lower() not in body, (url, secret)


def test_every_api_read_is_logged_with_scope(trial, api, manager):
    api.get("/api/v1/participants/?service=AAA&limit=2")
    entry = DataAccessLog.objects.get()
    assert (entry.user, entry.action, entry.resource) == (
        manager,
        AccessAction.API_READ,
        "participants",
    )
    assert entry.scope == {"limit": ["2"], "service": ["AAA"]}
    assert entry.row_count == 2 and entry.via_token
    for url in ENDPOINTS[1:]:
        api.get(url)
    assert DataAccessLog.objects.count() == len(ENDPOINTS)


def test_schema_and_docs_are_served(trial, api, manager, client):
    client.force_login(manager)
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/participants/" in schema.content and b"seconds_on_platform" in schema.content
    assert client.get("/api/v1/docs/").status_code == 200
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]

    def params(path):
        return {p["name"] for p in paths[path]["get"]["parameters"]}

    for path in ("/api/v1/events/", "/api/v1/scores/"):
        assert {"cursor", "limit"} <= params(path) and "offset" not in params(path), path
        page = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert (
            "count"
            not in client.get("/api/v1/schema/?format=json").json()["components"]["schemas"][
                page["$ref"].rsplit("/", 1)[1]
            ]["properties"]
        )
    assert {"limit", "offset"} <= params("/api/v1/participants/")
    assert "cursor" not in params("/api/v1/participants/")


def test_export_job_202_status_file_then_expiry_410(
    trial, api, manager, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.EXPORT_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/exports/",
            {"dataset": "participants", "file_format": "csv", "services": ["AAA"]},
            format="json",  # fmt: skip
        )
    assert response.status_code == 202
    status_url = response["Location"]
    status = api.get(status_url).json()
    assert status["status"] == "ready" and status["row_count"] == 3
    download = api.get(status["download_url"])
    assert download.status_code == 200
    text = b"".join(download.streaming_content).decode()
    assert text.splitlines()[0].startswith("participant_id,service_code,")
    assert [line.split(",")[0] for line in text.splitlines()[1:]] == [
        "AAA-0001",
        "AAA-0002",
        "AAA-0003",
    ]
    assert DataAccessLog.objects.filter(action=AccessAction.EXPORT_DOWNLOADED).count() == 1
    assert DataAccessLog.objects.filter(action=AccessAction.EXPORT_REQUESTED).count() == 1
    job = ExportJob.objects.get()
    assert export_jobs_expire(now=job.expires_at + datetime.timedelta(seconds=1)) == 1
    assert not (tmp_path / job.file_name).exists()
    assert api.get(status["download_url"]).status_code == 410


def test_pending_job_answers_202_and_failed_job_410(trial, api, manager):
    job = ExportJob.objects.create(requested_by=manager, dataset="events", file_format="csv")
    response = api.get(f"/api/v1/exports/{job.pk}/download/")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.FAILED)
    assert api.get(f"/api/v1/exports/{job.pk}/download/").status_code == 410


def test_trial_manager_cannot_see_another_managers_job_or_ask_for_free_text(trial, api, manager):
    other = UserFactory(is_trial_manager=True)
    job = ExportJob.objects.create(requested_by=other, dataset="events", file_format="csv")
    assert api.get(f"/api/v1/exports/{job.pk}/").status_code == 404
    assert api.get("/api/v1/exports/not-a-uuid/").status_code == 404
    response = api.post(
        "/api/v1/exports/",
        {"dataset": "events", "include_free_text": True, "purpose": "Ethics approval 123/456"},
        format="json",
    )
    assert response.status_code == 400 and "include_free_text" in response.json()
    assert not ExportJob.objects.filter(requested_by=manager).exists()


def test_admin_free_text_export_in_the_browser_needs_a_purpose(
    trial, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.EXPORT_ROOT = tmp_path
    # Admins hold no tokens: this is the admin's (verified) browser session.
    api = APIClient()
    api.force_authenticate(trial.admin)
    response = api.post(
        "/api/v1/exports/", {"dataset": "events", "include_free_text": True}, format="json"
    )
    assert response.status_code == 400 and "purpose" in response.json()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/exports/",
            {
                "dataset": "events",
                "include_free_text": True,
                "purpose": "REC 24/LO/0001 qualitative",
            },
            format="json",
        )
    assert response.status_code == 202
    assert response.json()["status"] == "awaiting_approval"
    log = DataAccessLog.objects.get(action=AccessAction.EXPORT_REQUESTED)
    assert log.purpose == "REC 24/LO/0001 qualitative" and log.scope["include_free_text"] is True
    download = response.json()["status_url"] + "download/"
    assert api.get(download).status_code == 202  # nothing until a second admin approves
    job = ExportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        export_job_approve(user=UserFactory(is_superuser=True, is_staff=True), job=job)
    body = b"".join(api.get(download).streaming_content)
    assert b"SECRET-MOOD-NOTE" in body
    assert json.dumps(log.scope)


def test_schema_and_docs_need_sign_in(client):
    assert client.get("/api/v1/schema/").status_code in (401, 403)
    assert client.get("/api/v1/docs/").status_code in (401, 403)


def test_a_token_never_gets_free_text_even_with_the_export_scope(trial, manager):
    api = _token_client(manager, scope="research_export")
    response = api.post(
        "/api/v1/exports/",
        {"dataset": "events", "include_free_text": True, "purpose": "REC 24/LO/0001 qualitative"},
        format="json",
    )
    assert response.status_code == 400
    assert "never available with a token" in response.json()["include_free_text"]
    assert not ExportJob.objects.exists()


def test_a_read_only_token_cannot_request_exports(trial, manager):
    response = _token_client(manager).post(
        "/api/v1/exports/", {"dataset": "participants"}, format="json"
    )
    assert response.status_code == 403
    assert not ExportJob.objects.exists()
    assert _token_client(manager).get("/api/v1/participants/").status_code == 200


def test_admin_tokens_are_refused(trial):
    response = _token_client(trial.admin).get("/api/v1/participants/")
    assert response.status_code == 401
    assert "AAA-0001" not in response.content.decode()


def test_schema_and_docs_only_for_staff_with_api_access(client, trial):
    client.force_login(StaffFactory(pwp_in=trial.services["AAA"]))
    assert client.get("/api/v1/schema/").status_code == 403
    assert client.get("/api/v1/docs/").status_code == 403
    client.force_login(UserFactory(is_trial_manager=True))
    assert client.get("/api/v1/schema/?format=json").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200


def test_an_unknown_api_url_answers_json_404(api):
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}

"""The trial manager's main journey in a real browser: sign in, overview, export
events for one service and a date range, check, confirm, job status. Axe on
every page; no client's name or email on any of them."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.trials.models import ExportJob, ExportStatus
from tests.factories import PASSWORD, UserFactory
from tests.trials.factories import EXPECTED_EVENT_COUNTS, SECRETS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def check_page(page) -> None:
    """Accessible, and no client's (or practitioner's) name, email or free text."""
    assert serious_violations(page) == [], page.url
    text = page.content().lower()
    leaked = [secret for secret in SECRETS if secret.lower() in text]
    assert leaked == [], page.url


def test_trial_manager_exports_events_for_a_service_and_dates(
    desktop, live_server, trial, settings, tmp_path
):
    settings.EXPORT_ROOT = tmp_path
    manager = UserFactory(is_trial_manager=True, email="tm@example.org", first_name="Tess")
    page = desktop

    # Sign in through the real login page; a trial manager lands on the overview.
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Email address").fill(manager.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + reverse("trials:overview"))
    alliance = page.get_by_role("heading", name="Early working alliance and PHQ-9 change")
    expect(alliance).to_be_visible()
    check_page(page)

    # To exports, from the navigation.
    page.get_by_role("link", name="Exports", exact=True).first.click()
    page.wait_for_url(live_server.url + reverse("trials:exports"))
    check_page(page)

    page.get_by_label("Events (one row per event)").check()
    page.get_by_label("CSV (UTF-8)").check()
    page.get_by_label("Alpha Talking Therapies (AAA)").check()
    page.get_by_label("Enrolled from").fill("2025-03-01")
    page.get_by_label("Enrolled to").fill("2025-05-31")
    page.get_by_role("button", name="Continue").click()

    # Check answers: AAA's three participants enrolled in March, every event of each.
    page.get_by_role("heading", name="Check your export").wait_for()
    rows = sum(
        sum(EXPECTED_EVENT_COUNTS[pid].values()) for pid in ("AAA-0001", "AAA-0002", "AAA-0003")
    )
    expect(page.locator("#row-count")).to_have_text(f"{rows} rows, pseudonymised")
    summary = page.locator(".govuk-summary-list").inner_text()
    assert "AAA" in summary and "BBB" not in summary
    assert "2025" in summary and "any date" not in summary
    check_page(page)

    page.get_by_role("button", name="Confirm and export").click()

    # The job page: success banner, and the job's status (Celery runs eagerly in tests).
    page.get_by_role("heading", name="Your export").wait_for()
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Export started")
    status = page.locator("#export-status")
    status.get_by_text(f"Your file is ready: {rows} rows, pseudonymised.").wait_for()
    assert status.get_by_role("link", name="Download").count() == 1
    job = ExportJob.objects.get(requested_by=manager)
    assert (job.status, job.row_count, job.service_codes) == (ExportStatus.READY, rows, ["AAA"])
    assert page.url == live_server.url + reverse("trials:export_job", args=[job.pk])
    check_page(page)

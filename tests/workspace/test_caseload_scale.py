"""Caseload and service overview at trial scale (issue 15): the same number of
queries for 5 clients as for 300, 25 rows a page, and sorting and filtering
that still run over the whole caseload, not just the page shown."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.care.models import StaffMembership, StaffRole, Treatment
from apps.trials.generate import generate

pytestmark = pytest.mark.postgres


def _generated(prefix: str, clients: int):
    call_command(
        "generate_trial", clients=clients, history_rows=0, prefix=prefix, stdout=io.StringIO()
    )
    membership = StaffMembership.objects.get(service__code=f"{prefix}01", role=StaffRole.PWP)
    return membership.user


def _queries(client, url, data=None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, data or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.fixture
def content(db, postgres):
    call_command("load_content", stdout=io.StringIO())


def test_caseload_queries_are_the_same_for_5_and_300_clients(client, content):
    small_pwp = _generated("S", 5)
    generate(clients=300, history_rows=0, prefix="L", caseload_low=300, caseload_high=300,
             log=lambda line: None)  # fmt: skip
    large_pwp = StaffMembership.objects.get(service__code="L01", role=StaffRole.PWP).user
    url = reverse("workspace:caseload")
    client.force_login(small_pwp)
    client.get(url)
    small, _ = _queries(client, url, {"status": "all"})
    client.force_login(large_pwp)
    client.get(url)
    large, page = _queries(client, url, {"status": "all"})
    assert small == large
    assert page.count('data-participant="') == 25
    assert "Showing 1 to 25 of 300 clients" in page

    # Sorting by week runs over all 300: page 1 holds the latest weeks of the
    # whole caseload, and the last page the earliest.
    _, first = _queries(client, url, {"status": "all", "sort": "week", "page": 1})
    _, last = _queries(client, url, {"status": "all", "sort": "week", "page": 12})
    weeks = {
        t.participant_id: t.week_number() or 0
        for t in Treatment.objects.filter(service__code="L01")
    }
    shown_first = re.findall(r'data-participant="([^"]+)"', first)
    shown_last = re.findall(r'data-participant="([^"]+)"', last)
    assert min(weeks[p] for p in shown_first) >= max(weeks[p] for p in shown_last)
    assert max(weeks[p] for p in shown_first) == max(weeks.values())

    # Filtering too: only the inactive clients of the whole caseload.
    _, inactive = _queries(client, url, {"status": "all", "inactive": "on"})
    assert "No activity for 7+ days" in inactive


def test_service_overview_queries_are_the_same_for_5_and_300_clients(client, content):
    generate(clients=5, history_rows=0, prefix="S", log=lambda line: None)
    generate(clients=300, history_rows=0, prefix="L", pwps_per_service=100,
             log=lambda line: None)  # fmt: skip
    url = reverse("workspace:service_overview")
    counts = []
    for code in ("S01", "L01"):
        supervisor = StaffMembership.objects.get(service__code=code, role=StaffRole.SUPERVISOR).user
        client.force_login(supervisor)
        client.get(url)
        n, page = _queries(client, url, {"status": "all"})
        counts.append(n)
    assert counts[0] == counts[1]
    assert page.count('data-participant="') == 25
    assert "Showing 1 to 25 of 300 clients" in page

"""The caseload and the supervisor's service overview."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import LoginEvent
from apps.care.models import TreatmentStatus
from tests.care.factories import (
    PHQ9_ITEM9,
    PHQ9_MODERATE,
    AppointmentFactory,
    BespokeTaskFactory,
    MessageFactory,
    mood,
    phq9_completed,
)
from tests.factories import StaffFactory, TreatmentFactory


def _active_recently(treatment):
    LoginEvent.objects.create(user=treatment.client, at=timezone.now())


def _busy_client(pwp, service, i):
    """A client with something in every column of the caseload."""
    treatment = TreatmentFactory(pwp=pwp, service=service)
    _active_recently(treatment)
    AppointmentFactory(treatment=treatment, number=1)
    BespokeTaskFactory(
        treatment=treatment, due_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    MessageFactory(treatment=treatment)
    for day in range(3):
        mood(treatment, days_ago=day, value=5 + day)
    if i % 5 == 0:
        phq9_completed(treatment, PHQ9_MODERATE)
    return treatment


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_caseload_queries_do_not_grow_with_caseload_size(client, pwp, service):
    for i in range(5):
        _busy_client(pwp, service, i)
    client.force_login(pwp)
    url = reverse("workspace:caseload")
    client.get(url)  # warm caches (content type lookups, session)
    small = _count_queries(client, url)
    for i in range(45):
        _busy_client(pwp, service, i)
    large = _count_queries(client, url)
    assert small == large
    content = client.get(url).content.decode()
    # 25 rows a page: the other 25 are on page 2, and none is on both.
    assert content.count('data-participant="') == 25
    assert "Showing 1 to 25 of 50 clients" in content
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('data-participant="') == 25
    first_ids = set(content.split('data-participant="')[1:])
    assert not first_ids & set(second.split('data-participant="')[1:])


@pytest.mark.django_db
def test_service_overview_queries_do_not_grow(client, service, supervisor):
    pwps = [StaffFactory(pwp_in=service) for _ in range(2)]
    for i in range(5):
        _busy_client(pwps[i % 2], service, i)
    client.force_login(supervisor)
    url = reverse("workspace:service_overview")
    client.get(url)
    small = _count_queries(client, url)
    for i in range(45):
        _busy_client(pwps[i % 2], service, i)
    assert _count_queries(client, url) == small
    content = client.get(url).content.decode()
    for p in pwps:
        assert p.get_full_name() in content


@pytest.mark.django_db
def test_needs_attention_order_follows_the_warning_priority(client, pwp, service):
    quiet = TreatmentFactory(pwp=pwp, service=service, client__first_name="Quiet")
    _active_recently(quiet)
    unread = TreatmentFactory(pwp=pwp, service=service, client__first_name="Unread")
    _active_recently(unread)
    MessageFactory(treatment=unread, created_at=timezone.now() - datetime.timedelta(days=3))
    overdue = TreatmentFactory(pwp=pwp, service=service, client__first_name="Overdue")
    _active_recently(overdue)
    BespokeTaskFactory(
        treatment=overdue, due_date=timezone.localdate() - datetime.timedelta(days=2)
    )
    inactive = TreatmentFactory(
        pwp=pwp,
        service=service,
        client__first_name="Inactive",
        activated_at=timezone.now() - datetime.timedelta(days=20),
    )
    risky = TreatmentFactory(pwp=pwp, service=service, client__first_name="Risky")
    _active_recently(risky)
    phq9_completed(risky, PHQ9_ITEM9)

    client.force_login(pwp)
    content = client.get(reverse("workspace:caseload")).content.decode()
    order = [
        content.index(f'data-participant="{t.participant_id}"')
        for t in (risky, unread, inactive, overdue, quiet)
    ]
    assert order == sorted(order)
    assert "Client&#x27;s message not answered for 3 days" in content
    assert "PHQ-9 item 9 answered above 0" in content  # the risk tag, in words
    assert "No activity for 7+ days" in content


@pytest.mark.django_db
def test_row_shows_week_session_phq9_band_and_change(client, pwp, service):
    treatment = TreatmentFactory(
        pwp=pwp, service=service, start_date=timezone.localdate() - datetime.timedelta(days=30)
    )
    AppointmentFactory(treatment=treatment, number=3)
    phq9_completed(treatment, PHQ9_ITEM9)  # 12
    phq9_completed(treatment, PHQ9_MODERATE, time_point="pre_session_2")  # 13
    client.force_login(pwp)
    content = client.get(reverse("workspace:caseload")).content.decode()
    assert "5 of 11" in content
    assert "Session 3 of 6" in content
    assert "13 moderate (+1)" in content  # short, for scanning
    assert "13, moderate, up 1 since baseline" in content  # in words, for screen readers


@pytest.mark.django_db
def test_inactive_filter_and_status_filter(client, pwp, service):
    active = TreatmentFactory(pwp=pwp, service=service)
    _active_recently(active)
    idle = TreatmentFactory(
        pwp=pwp, service=service, activated_at=timezone.now() - datetime.timedelta(days=9)
    )
    ended = TreatmentFactory(pwp=pwp, service=service, status=TreatmentStatus.COMPLETED)
    client.force_login(pwp)
    url = reverse("workspace:caseload")
    content = client.get(url, {"inactive": "on"}).content.decode()
    assert idle.participant_id in content and active.participant_id not in content
    content = client.get(url).content.decode()
    assert ended.participant_id not in content
    content = client.get(url, {"status": "ended"}).content.decode()
    assert ended.participant_id in content and active.participant_id not in content


@pytest.mark.django_db
def test_htmx_filter_returns_only_the_table_region(client, pwp, treatment):
    client.force_login(pwp)
    response = client.get(reverse("workspace:caseload"), {"sort": "name"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="caseload-region">')
    assert "<html" not in content
    assert treatment.participant_id in content
    full = client.get(reverse("workspace:caseload"), {"sort": "name"}).content.decode()
    assert "<html" in full and 'hx-push-url="true"' in full

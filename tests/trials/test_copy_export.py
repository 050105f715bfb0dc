"""On PostgreSQL the events CSV is formatted by COPY: byte for byte the file the
Python writer makes (the fallback on SQLite and for free text)."""

import datetime
import io

import pytest

from apps.accounts.models import LoginEvent
from apps.care.models import Service
from apps.trials import exporters
from apps.trials.adherence import Scope
from tests.factories import ServiceFactory, TreatmentFactory

pytestmark = pytest.mark.postgres


def _both(scope=None) -> tuple[str, int, str, int]:
    scope = scope or Scope()
    fast, slow = io.StringIO(), io.StringIO()
    n_fast = exporters.write_csv(exporters.build_export("events", scope), fast)
    n_slow = exporters.write_csv(exporters.build_export("events", scope), slow, use_copy=False)
    return fast.getvalue(), n_fast, slow.getvalue(), n_slow


def test_copy_writes_the_known_trial_exactly_as_python_does(trial, postgres):
    fast, n_fast, slow, n_slow = _both()
    assert n_fast == n_slow == 56
    assert fast == slow
    assert fast.splitlines()[0].startswith("participant_id,service_code,event_type,occurred_at")


def test_copy_weeks_follow_each_services_time_zone_and_bad_zones(db, postgres):
    """Events late on a Sunday in New York are still in that week there (Monday
    in UTC); a service whose zone name is unknown counts in Europe/London, as
    the Python writer does; an event before the start date is in week 0."""
    start = datetime.date(2025, 3, 3)  # a Monday
    rows = []
    for code, zone in (("NYC", "America/New_York"), ("BAD", "Nowhere/Atlantis"), ("LDN", "")):
        service = ServiceFactory(code=code)
        Service.objects.filter(pk=service.pk).update(time_zone=zone)
        treatment = TreatmentFactory(
            service=service,
            participant_id=f"{code}-0001",
            start_date=start,
            created_at=datetime.datetime(2025, 3, 1, 9, tzinfo=datetime.UTC),
        )
        for at in (
            datetime.datetime(2025, 3, 10, 3, 30, 15, 999999, tzinfo=datetime.UTC),
            datetime.datetime(2025, 3, 2, 12, 0, tzinfo=datetime.UTC),
            datetime.datetime(2025, 3, 24, 0, 0, 1, tzinfo=datetime.UTC),
        ):
            rows.append(LoginEvent(user=treatment.client, at=at))
    LoginEvent.objects.bulk_create(rows)
    fast, n_fast, slow, n_slow = _both()
    assert fast == slow and n_fast == n_slow == 9
    lines = fast.splitlines()
    assert "NYC-0001,NYC,login,2025-03-10T03:30:15Z,1,,,,,,,," in lines
    assert "LDN-0001,LDN,login,2025-03-10T03:30:15Z,2,,,,,,,," in lines
    assert "BAD-0001,BAD,login,2025-03-02T12:00:00Z,0,,,,,,,," in lines


def test_free_text_exports_keep_the_python_writer(trial, postgres):
    export = exporters.build_export("events", Scope(include_free_text=True))
    assert export.copy_treatments is None
    assert exporters.build_export("events", Scope()).copy_treatments is not None

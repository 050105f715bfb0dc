"""Every adherence number of the known trial against hand-computed values."""

import csv
import datetime
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import LoginEvent
from apps.trials import adherence, exporters
from apps.trials.adherence import Scope
from tests.factories import ServiceFactory, TreatmentFactory
from tests.trials.factories import EXPECTED_PARTICIPANTS


def _participants_csv(scope=None):
    scope = scope or Scope()
    export = exporters.build_export("participants", scope)
    text = "".join(exporters.csv_chunks(export))
    return list(csv.DictReader(io.StringIO(text)))


def test_participants_export_matches_hand_computed_values(trial):
    rows = _participants_csv()
    assert [r["participant_id"] for r in rows] == sorted(EXPECTED_PARTICIPANTS)
    for row in rows:
        expected = EXPECTED_PARTICIPANTS[row["participant_id"]]
        for column, value in expected.items():
            want = "" if value is None else str(value)
            assert row[column] == want, (row["participant_id"], column)


def test_every_participant_column_is_checked(trial):
    rows = _participants_csv()
    checked = set(next(iter(EXPECTED_PARTICIPANTS.values()))) | {"participant_id"}
    assert set(rows[0]) == checked


def test_funnel_and_service_summaries(trial):
    overall, per_service = adherence.adherence_summary(adherence.participant_adherence(Scope()))
    assert overall.funnel == [("enrolled", 5), ("started", 3), ("completed_course", 1)]
    assert per_service["AAA"].funnel == [("enrolled", 3), ("started", 2), ("completed_course", 1)]
    assert per_service["BBB"].funnel == [("enrolled", 2), ("started", 1), ("completed_course", 0)]
    assert overall.totals["logins"] == 3 + 1 + 0 + 2 + 1
    assert overall.totals["seconds_on_platform"] == 720 + 60 + 180
    assert per_service["BBB"].totals["mood_ratings"] == 4
    assert overall.module_completed["psychoeducation"] == 2
    assert overall.module_completed["relapse-prevention"] == 1
    assert overall.module_started["problem-solving"] == 1


def test_scope_filters_services_and_enrolment_dates(trial):
    bbb = trial.services["BBB"].pk
    rows = _participants_csv(Scope(service_ids=(bbb,)))
    assert [r["participant_id"] for r in rows] == ["BBB-0001", "BBB-0002"]
    rows = _participants_csv(Scope(date_to=datetime.date(2025, 5, 31)))
    assert [r["participant_id"] for r in rows] == ["AAA-0001", "AAA-0002", "AAA-0003", "BBB-0001"]
    rows = _participants_csv(Scope(date_from=datetime.date(2025, 3, 5)))
    assert [r["participant_id"] for r in rows] == ["AAA-0003", "BBB-0001", "BBB-0002"]


def test_participant_queries_do_not_grow_with_participants(trial, django_assert_max_num_queries):
    # One id query + one weeks query per activity source + one annotated query + module list.
    with django_assert_max_num_queries(12):
        list(adherence.participant_adherence(Scope()))


def _participant_with_logins(service, *moments):
    treatment = TreatmentFactory(
        service=service, created_at=datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)
    )
    for moment in moments:
        LoginEvent.objects.create(user=treatment.client, at=moment)
    return treatment


def _utc(day, hour, minute=0):
    return datetime.datetime(2025, 6, day, hour, minute, tzinfo=datetime.UTC)


def test_weeks_active_counts_local_weeks_of_the_service(db, django_assert_num_queries):
    # Monday 2 June 10:00 UTC, and Sunday 8 June 23:30 UTC, which is Monday 9 June
    # 00:30 in London (BST): two local weeks, although one UTC week.
    london = ServiceFactory(code="LDN")  # time zone: the default, Europe/London
    ldn = _participant_with_logins(london, _utc(2, 10), _utc(8, 23, 30))
    utc = _participant_with_logins(
        ServiceFactory(code="UTC", time_zone="UTC"), _utc(2, 10), _utc(8, 23, 30)
    )
    # Monday 2 June 03:30 UTC is still Sunday 1 June (23:30) in New York.
    nyc = _participant_with_logins(
        ServiceFactory(code="NYC", time_zone="America/New_York"), _utc(2, 3, 30), _utc(2, 10)
    )

    rows = {r["participant_id"]: r for r in _participants_csv()}
    assert rows[ldn.participant_id]["weeks_active"] == "2"
    assert rows[utc.participant_id]["weeks_active"] == "1"
    assert rows[nyc.participant_id]["weeks_active"] == "2"

    # Three time zones cost no more queries than one.
    with CaptureQueriesContext(connection) as one_zone:
        list(adherence.participant_adherence(Scope(service_ids=(london.pk,))))
    with django_assert_num_queries(len(one_zone.captured_queries)):
        assert {
            p.participant_id: p.weeks_active for p in adherence.participant_adherence(Scope())
        } == {ldn.participant_id: 2, utc.participant_id: 1, nyc.participant_id: 2}


def test_unknown_service_time_zone_counts_as_london(db):
    odd = _participant_with_logins(
        ServiceFactory(code="ODD", time_zone="Mars/Olympus_Mons"), _utc(2, 10), _utc(8, 23, 30)
    )
    assert adherence.weeks_active([odd.pk]) == {odd.pk: 2}

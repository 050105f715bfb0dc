"""Exports stream: peak memory is flat whether there are 2,000 or 20,000 event rows."""

import datetime
import tracemalloc

from apps.accounts.models import LoginEvent
from apps.trials import exporters
from apps.trials.adherence import Scope, treatments_in_scope
from tests.factories import TreatmentFactory


class _NullFile:
    def write(self, value):
        return len(value)


def _add_logins(treatment, n):
    start = treatment.created_at + datetime.timedelta(minutes=1)
    LoginEvent.objects.bulk_create(
        [
            LoginEvent(user=treatment.client, at=start + datetime.timedelta(seconds=i))
            for i in range(n)
        ],
        batch_size=5000,
    )


def _peak(write) -> int:
    tracemalloc.start()
    try:
        write()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _events(chunk_size):
    # A chunk smaller than either run, so both runs hold the same number of chunks.
    export = exporters.build_export("events", Scope())
    export.rows = exporters.event_rows(treatments_in_scope(Scope()), chunk_size=chunk_size)
    return export


def _csv_peak():
    n = {}

    def write():
        n["rows"] = exporters.write_csv(_events(500), _NullFile())

    return _peak(write), n["rows"]


def test_events_csv_memory_is_flat(db):
    treatment = TreatmentFactory()
    _add_logins(treatment, 2_000)
    _csv_peak()  # warm up imports and caches
    small, rows = _csv_peak()
    assert rows == 2_000
    _add_logins(treatment, 18_000)
    large, rows = _csv_peak()
    assert rows == 20_000
    # Ten times the rows, (almost) the same peak: a small constant margin.
    assert large < small + 256 * 1024, (small, large)


def test_events_xlsx_memory_is_flat(db, tmp_path):
    treatment = TreatmentFactory()
    _add_logins(treatment, 1_000)

    def write():
        exporters.write_xlsx(_events(200), tmp_path / "e.xlsx")

    _peak(write)
    small = _peak(write)
    _add_logins(treatment, 4_000)
    large = _peak(write)
    assert large < small + 256 * 1024, (small, large)

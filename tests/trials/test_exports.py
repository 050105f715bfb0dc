"""Events, scores and codebook exports of the known trial; CSV vs XLSX; no identifiers."""

import csv
import io
from collections import Counter

import openpyxl
import pytest

from apps.trials import exporters
from apps.trials.adherence import Scope
from apps.trials.columns import CODEBOOK_COLUMNS
from tests.trials.factories import (
    EXPECTED_EVENT_COUNTS,
    P1_GAD7_BASELINE,
    P1_PHQ9_BASELINE,
    P1_PHQ9_END,
    P1_WAI_END,
    P2_PHQ9_BASELINE,
    P4_PHQ9_BASELINE,
    P4_PHQ9_SESSION1,
    SECRETS,
)

DATASETS = ("participants", "events", "scores", "analysis", "codebook")


def _csv(dataset, scope=None):
    scope = scope or Scope()
    text = "".join(exporters.csv_chunks(exporters.build_export(dataset, scope)))
    return list(csv.reader(io.StringIO(text)))


def _dicts(dataset, scope=None):
    header, *rows = _csv(dataset, scope)
    return [dict(zip(header, r, strict=True)) for r in rows]


def test_event_counts_per_participant_and_type(trial):
    rows = _dicts("events")
    counts = {}
    for r in rows:
        counts.setdefault(r["participant_id"], Counter())[r["event_type"]] += 1
    assert {k: dict(v) for k, v in counts.items()} == EXPECTED_EVENT_COUNTS
    assert len(rows) == 56 == exporters.count_rows("events", Scope())


def test_event_rows_carry_times_weeks_and_values(trial):
    rows = _dicts("events")
    p1 = [r for r in rows if r["participant_id"] == "AAA-0001"]
    assert p1 == sorted(p1, key=lambda r: (r["occurred_at"], r["event_type"]))
    first = p1[0]
    assert first == {
        "participant_id": "AAA-0001",
        "service_code": "AAA",
        "event_type": "login",
        "occurred_at": "2025-03-03T10:00:00Z",
        "treatment_week": "1",
        "module": "",
        "step": "",
        "instrument": "",
        "time_point": "",
        "respondent": "",
        "session_number": "",
        "value": "",
        "seconds_spent": "",
    }
    opened = [r for r in p1 if r["event_type"] == "step_opened"]
    assert [(r["module"], r["step"], r["seconds_spent"]) for r in opened][:2] == [
        ("psychoeducation", "m1-read", "120"),
        ("psychoeducation", "m1-ex", "120"),
    ]
    moods = [
        (r["occurred_at"], r["value"], r["treatment_week"])
        for r in p1
        if r["event_type"] == "mood_rated"
    ]
    assert moods == [("2025-03-04T20:00:00Z", "4", "1"), ("2025-03-11T20:00:00Z", "6", "2")]
    sessions = [
        (r["event_type"], r["session_number"]) for r in p1 if r["event_type"].startswith("session_")
    ]
    assert sessions == [
        ("session_attended", "1"),
        ("session_attended", "2"),
        ("session_did_not_attend", "3"),
    ]
    fields = ("event_type", "instrument", "time_point", "respondent", "value", "treatment_week")
    qs = [tuple(r[f] for f in fields) for r in p1 if r["event_type"].startswith("questionnaire")]
    assert qs == [
        ("questionnaire_completed", "phq9", "baseline", "client", "15", "1"),
        ("questionnaire_completed", "gad7", "baseline", "client", "10", "1"),
        ("questionnaire_missed", "gad7", "pre_session_3", "client", "", "3"),
        ("questionnaire_completed", "phq9", "end_of_treatment", "client", "8", "11"),
        ("questionnaire_completed", "wai_sf_c", "end_of_treatment", "client", "48", "11"),
    ]


def _items(answers):
    return sorted(answers.items())


def test_scores_long_items_totals_subscales_and_time_points(trial):
    rows = _dicts("scores")
    assert len(rows) == 77 == exporters.count_rows("scores", Scope())
    by_adm = {}
    for r in rows:
        by_adm.setdefault((r["participant_id"], r["instrument"], r["time_point"]), []).append(r)
    assert list(by_adm) == [
        ("AAA-0001", "phq9", "baseline"),
        ("AAA-0001", "gad7", "baseline"),
        ("AAA-0001", "phq9", "end_of_treatment"),
        ("AAA-0001", "wai_sf_c", "end_of_treatment"),
        ("AAA-0002", "phq9", "baseline"),
        ("BBB-0001", "phq9", "baseline"),
        ("BBB-0001", "phq9", "pre_session_1"),
    ]
    expected = {
        ("AAA-0001", "phq9", "baseline"): (P1_PHQ9_BASELINE, "15", "moderately_severe"),
        ("AAA-0001", "gad7", "baseline"): (P1_GAD7_BASELINE, "10", "moderate"),
        ("AAA-0001", "phq9", "end_of_treatment"): (P1_PHQ9_END, "8", "mild"),
        ("AAA-0001", "wai_sf_c", "end_of_treatment"): (P1_WAI_END, "48", "high"),
        ("AAA-0002", "phq9", "baseline"): (P2_PHQ9_BASELINE, "20", "severe"),
        ("BBB-0001", "phq9", "baseline"): (P4_PHQ9_BASELINE, "12", "moderate"),
        ("BBB-0001", "phq9", "pre_session_1"): (P4_PHQ9_SESSION1, "5", "mild"),
    }
    for key, (answers, total, band) in expected.items():
        group = by_adm[key]
        items = [r for r in group if r["score_type"] == "item"]
        assert [(int(r["item_number"]), int(r["value"])) for r in items] == _items(answers)
        assert all(r["link_id"] == f"{key[1].replace('_', '-')}-{r['item_number']}" for r in items)
        (tot,) = [r for r in group if r["score_type"] == "total"]
        assert (tot["value"], tot["band"], tot["valid"], tot["prorated"]) == (total, band, "1", "0")
        scored = [r for r in items if not (key[1] == "phq9" and r["item_number"] == "10")
                  and not (key[1] == "gad7" and r["item_number"] == "8")]  # fmt: skip
        assert int(tot["raw_sum"]) == sum(int(r["value"]) for r in scored)
        assert tot["completed_at"].endswith("Z")
    p1_base = by_adm[("AAA-0001", "phq9", "baseline")]
    assert p1_base[0]["loinc_code"] == "44250-9" and p1_base[0]["answer_code"] == "LA6570-1"
    assert p1_base[8]["item_number"] == "9" and p1_base[8]["loinc_code"] == "44260-8"
    assert [r["loinc_code"] for r in p1_base if r["score_type"] == "total"] == ["44261-6"]
    wai = by_adm[("AAA-0001", "wai_sf_c", "end_of_treatment")]
    assert {r["subscale"]: r["value"] for r in wai if r["score_type"] == "subscale"} == {
        "task": "16",
        "bond": "16",
        "goal": "16",
    }
    assert {r["wording_version"] for r in wai} == {"placeholder"}


def test_codebook_explains_every_column_of_every_file(trial):
    book = _dicts("codebook")
    assert [c.name for c in CODEBOOK_COLUMNS] == list(book[0])
    for dataset in ("participants", "events", "scores", "analysis"):
        header = _csv(dataset)[0]
        documented = [r["column"] for r in book if r["dataset"] == dataset]
        assert documented == header
    for r in book:
        assert r["type"] and r["label"] and r["description"], r


@pytest.mark.parametrize("dataset", DATASETS)
def test_xlsx_reads_back_equal_to_csv(trial, dataset, tmp_path):
    path = tmp_path / f"{dataset}.xlsx"
    n = exporters.write_xlsx(exporters.build_export(dataset, Scope()), path)
    sheet = openpyxl.load_workbook(path, read_only=True).active
    from_csv = _csv(dataset)
    width = len(from_csv[0])
    # Read-only mode drops trailing empty cells: pad back to the header's width.
    from_xlsx = [
        ["" if v is None else str(v) for v in row] + [""] * (width - len(row))
        for row in sheet.iter_rows(values_only=True)
    ]
    assert len(from_csv) == n + 1
    assert from_xlsx == from_csv


@pytest.mark.parametrize("dataset", DATASETS)
def test_no_names_emails_or_free_text_in_any_column(trial, dataset, tmp_path):
    rows = _csv(dataset)
    path = tmp_path / "x.xlsx"
    exporters.write_xlsx(exporters.build_export(dataset, Scope()), path)
    xlsx = openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True)
    for row in [*rows, *xlsx]:
        for cell in row:
            for secret in SECRETS:
                assert secret.lower() not in str(cell or "").lower(), (dataset, secret, cell)


def test_free_text_only_when_asked_for(trial):
    plain = _csv("events")
    assert "free_text" not in plain[0]
    rows = _dicts("events", Scope(include_free_text=True))
    texts = {r["event_type"]: r["free_text"] for r in rows if r["free_text"]}
    assert "SECRET-MOOD-NOTE" in texts["mood_rated"]
    assert "SECRET-MESSAGE" in texts["message_from_client"]
    assert "SECRET-EXERCISE" in texts["exercise_submitted"]


def test_docs_codebook_is_generated_from_the_column_definitions():
    from pathlib import Path

    from django.conf import settings

    from apps.trials.columns import codebook_markdown

    doc = Path(settings.BASE_DIR, "docs", "codebook.md").read_text(encoding="utf-8")
    assert doc == codebook_markdown(), "run: manage.py trials_codebook --output docs/codebook.md"


def test_treatment_week_counts_in_the_services_time_zone():
    """23:30 UTC on Sunday 8 June 2025 is 00:30 on Monday in London (BST)."""
    import datetime
    import zoneinfo

    from apps.trials.exporters import event_row

    start = datetime.date(2025, 6, 2)  # a Monday
    at = datetime.datetime(2025, 6, 8, 23, 30, tzinfo=datetime.UTC)
    row = ("AAA-0001", "AAA", start, "login", at, *[None] * 8)
    london = {"AAA": zoneinfo.ZoneInfo("Europe/London")}
    utc = {"AAA": zoneinfo.ZoneInfo("UTC")}
    assert event_row(row, zones=london)[4] == 2
    assert event_row(row, zones=utc)[4] == 1

"""Pseudonymised exports: row generators and streaming writers.

Pattern (after pretix's exporters): each dataset is a pair (columns, rows)
where `columns` come from `apps.trials.columns` (the codebook's source) and
`rows` is a generator reading the database in chunks. Writers consume the
generator row by row, so memory stays flat whatever the number of rows:

- CSV (UTF-8, header row) through `csv_chunks` (for a StreamingHttpResponse)
  or `write_csv` (to a file, in a Celery job). On PostgreSQL the events file,
  the largest by far, is formatted by the database itself: `COPY (SELECT ...)
  TO STDOUT WITH CSV` over the exporter's own query (`events_copy_sql`),
  streamed into the file by psycopg2, with the same columns and text as the
  Python writer (tests/trials/test_copy_export.py compares the two);
- XLSX through openpyxl's write-only workbook (rows go to a temporary XML
  stream, never held as cell objects).

The analysis file (one row per participant: outcomes, alliance, sessions,
modules, time online, early-warning flags) comes from `apps.trials.analysis`.

No export contains a name, an email address or free text; the only exception
is the `free_text` events column, present only when an admin asked for it
with a recorded purpose (`Scope.include_free_text`).
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from apps.care.models import Service, Treatment
from apps.questionnaires.catalogue import scoring_definition
from apps.questionnaires.definitions import ScoringError
from apps.questionnaires.models import Administration, AdministrationStatus, Answer
from apps.trials import adherence, analysis
from apps.trials.adherence import Scope, treatments_in_scope
from apps.trials.columns import (
    ANALYSIS_COLUMNS,
    CODEBOOK_COLUMNS,
    SCORE_COLUMNS,
    Column,
    codebook_rows,
    event_columns,
    participant_columns,
)

CHUNK_SIZE = 2000
UTC = datetime.UTC


# --------------------------------------------------------------------------- cells


def to_cell(value):
    """A Python value as written to a file: ISO 8601 (UTC, seconds) for times,
    ISO dates, 1/0 for booleans, None for missing. Numbers stay numbers."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _as_utc(value) -> datetime.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # some backends return text from a UNION
        value = datetime.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _as_date(value) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


# --------------------------------------------------------------------------- datasets


@dataclass
class Export:
    """One dataset ready to write: its columns and a generator of its rows."""

    dataset: str
    columns: tuple[Column, ...]
    rows: Iterable[list]
    # The treatments of an events export without free text: `write_csv` lets
    # PostgreSQL format these rows (COPY) instead of iterating `rows`.
    copy_treatments: QuerySet[Treatment] | None = None

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]


def participant_rows(treatments: QuerySet[Treatment], modules, *, as_of=None) -> Iterator[list]:
    for p in adherence.participant_adherence(treatments, as_of=as_of):
        yield [
            p.participant_id,
            p.service_code,
            p.status,
            p.start_date,
            p.planned_end_date,
            p.enrolled_at,
            p.activated_at,
            p.ended_at,
            p.started_programme,
            p.course_completed,
            p.modules_started,
            p.modules_completed,
            p.mandatory_modules_completed,
            p.steps_opened,
            p.steps_completed,
            p.exercises_submitted,
            p.seconds_on_platform,
            p.logins,
            p.mood_ratings,
            p.sessions_attended,
            p.sessions_did_not_attend,
            p.sessions_cancelled_by_client,
            p.sessions_cancelled_by_service,
            p.sessions_scheduled,
            p.messages_from_client,
            p.messages_from_practitioner,
            p.questionnaires_due,
            p.questionnaires_completed,
            p.questionnaires_missed,
            p.weeks_active,
            p.phq9_first_total,
            p.phq9_last_total,
            p.phq9_change,
            p.phq9_change_category,
            p.gad7_first_total,
            p.gad7_last_total,
            p.wai_sf_c_total,
            *(p.module_status.get(m.slug) for m in modules),
        ]


def event_rows(
    treatments: QuerySet[Treatment],
    *,
    include_free_text: bool = False,
    since=None,
    until=None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[list]:
    """Rows of the events file, streamed from one UNION ALL query."""
    qs = adherence.events_queryset(
        treatments, include_free_text=include_free_text, since=since, until=until
    )
    zones = service_zones()
    for row in qs.iterator(chunk_size=chunk_size):
        yield event_row(row, zones=zones)


def service_zones() -> dict[str, zoneinfo.ZoneInfo]:
    """Each service's time zone by site code (one small query)."""
    return {
        code: adherence.service_zone(name)
        for code, name in Service.objects.values_list("code", "time_zone")
    }


def event_row(row: tuple, *, zones: Mapping[str, zoneinfo.ZoneInfo]) -> list:
    """A row of `adherence.events_queryset` in file order (treatment week added).

    The treatment week counts from the start date to the event's date in the
    service's own time zone, as weeks active does.
    """
    width = len(adherence.EVENT_FIELDS)
    (pid, svc, start, ev_type, at, module, step, instrument, tp, respondent, session, value,
     seconds) = row[:width]  # fmt: skip
    at = _as_utc(at)
    start = _as_date(start)
    zone = zones.get(svc) or adherence.service_zone("")
    week = (at.astimezone(zone).date() - start).days // 7 + 1 if at and start else None
    out = [pid, svc, ev_type, at, week, module, step, instrument, tp, respondent, session, value,
           seconds]  # fmt: skip
    if len(row) > width:
        out.append(row[width])
    return out


class _Definitions(dict):
    def __missing__(self, code):
        try:
            self[code] = scoring_definition(code)
        except ScoringError:
            self[code] = None
        return self[code]


def score_rows(treatments: QuerySet[Treatment], *, chunk_size: int = CHUNK_SIZE) -> Iterator[list]:
    """Rows of the scores file: per completed administration, its items, its
    total and its subscales. Two ordered streams (administrations, answers)
    merged by administration, so memory stays flat."""
    tids = treatments.order_by().values("pk")
    order = ("treatment__participant_id", "completed_at", "pk")
    adms = (
        Administration.objects.filter(treatment__in=tids, status=AdministrationStatus.COMPLETED)
        .order_by(*order)
        .values_list(
            "pk",
            "treatment__participant_id",
            "treatment__service__code",
            "instrument",
            "time_point",
            "completed_at",
            "definition_version",
            "wording_version",
            "valid",
            "total",
            "raw_sum",
            "n_answered",
            "prorated",
            "band",
            "subscales",
        )
    )
    answers = (
        Answer.objects.filter(
            administration__treatment__in=tids,
            administration__status=AdministrationStatus.COMPLETED,
        )
        .order_by(*(f"administration__{f}" for f in order), "item")
        .values_list("administration_id", "item", "value")
        .iterator(chunk_size=chunk_size)
    )
    definitions = _Definitions()
    pending = next(answers, None)
    for adm in adms.iterator(chunk_size=chunk_size):
        (pk, pid, svc, code, tp, completed, version, wording, valid, total, raw, n, prorated,
         band, subscales) = adm  # fmt: skip
        definition = definitions[code]
        respondent = (
            adherence.Respondent.PRACTITIONER
            if definition is not None and definition.for_practitioner
            else adherence.Respondent.CLIENT
        )
        head = [pid, svc, code, tp, respondent, completed, version, wording]
        while pending is not None and pending[0] == pk:
            _adm, item_n, value = pending
            item = loinc = answer_code = None
            if definition is not None:
                try:
                    item = definition.item(item_n)
                except KeyError:
                    item = None
            if item is not None:
                loinc = item.loinc
                option = next((o for o in item.options if o.value == value), None)
                answer_code = option.loinc_answer if option else None
            yield [
                *head,
                "item",
                item_n,
                item.link_id if item else None,
                None,
                value,
                loinc,
                answer_code,
                None,
                None,
                None,
                None,
                None,
            ]
            pending = next(answers, None)
        total_loinc = definition.total.loinc if definition is not None else None
        yield [
            *head,
            "total",
            None,
            None,
            None,
            total,
            total_loinc,
            None,
            band or None,
            valid,
            prorated,
            raw,
            n,
        ]
        for name, value in (subscales or {}).items():
            yield [*head, "subscale", None, None, name, value, *([None] * 7)]


def build_export(dataset: str, scope: Scope, *, as_of=None) -> Export:
    """The columns and row generator of `dataset` for `scope`."""
    treatments = treatments_in_scope(scope)
    modules = adherence.active_modules()
    if dataset == "participants":
        return Export(
            dataset,
            participant_columns(modules),
            participant_rows(treatments, modules, as_of=as_of),
        )
    if dataset == "events":
        return Export(
            dataset,
            event_columns(include_free_text=scope.include_free_text),
            event_rows(treatments, include_free_text=scope.include_free_text),
            # Free text (admins only, rare) keeps the Python writer: its
            # quoting of any character is then exactly csv's own.
            copy_treatments=None if scope.include_free_text else treatments,
        )
    if dataset == "scores":
        return Export(dataset, SCORE_COLUMNS, score_rows(treatments))
    if dataset == "analysis":
        return Export(dataset, ANALYSIS_COLUMNS, analysis.analysis_rows(treatments, as_of=as_of))
    if dataset == "codebook":
        return Export(
            dataset,
            CODEBOOK_COLUMNS,
            (list(r) for r in codebook_rows(modules, include_free_text=scope.include_free_text)),
        )
    raise ValueError(f"unknown dataset {dataset!r}")


def count_rows(dataset: str, scope: Scope) -> int:
    """How many data rows (header excluded) the export of `dataset` will have."""
    treatments = treatments_in_scope(scope)
    if dataset in ("participants", "analysis"):
        return treatments.count()
    if dataset == "events":
        return adherence.events_queryset(treatments).count()
    if dataset == "scores":
        tids = treatments.order_by().values("pk")
        completed = Administration.objects.filter(
            treatment__in=tids, status=AdministrationStatus.COMPLETED
        )
        answers = Answer.objects.filter(administration__in=completed.values("pk")).count()
        subscales = sum(
            len(s or {})
            for s in completed.exclude(subscales={}).values_list("subscales", flat=True).iterator()
        )
        return answers + completed.count() + subscales
    if dataset == "codebook":
        modules = adherence.active_modules()
        return sum(1 for _ in codebook_rows(modules, include_free_text=scope.include_free_text))
    raise ValueError(f"unknown dataset {dataset!r}")


# --------------------------------------------------------------------------- writers


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_value(value) -> object:
    value = to_cell(value)
    return "" if value is None else value


def csv_chunks(export: Export, *, rows_per_chunk: int = 500) -> Iterator[str]:
    """The CSV text in pieces of about `rows_per_chunk` rows (for streaming)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(export.header)
    n = 0
    for row in export.rows:
        writer.writerow([_csv_value(v) for v in row])
        n += 1
        if n % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_csv(export: Export, fileobj, *, use_copy: bool = True) -> int:
    """Write the export as CSV to a text file object; returns the number of data rows.

    An events export on PostgreSQL is written by COPY (see `events_copy_sql`)
    unless `use_copy` is False; anything else, or SQLite, row by row in Python.
    """
    writer = csv.writer(fileobj, lineterminator="\n")
    writer.writerow(export.header)
    if use_copy and export.copy_treatments is not None:
        connection = connections[router.db_for_read(Treatment)]
        if connection.vendor == "postgresql":
            return _copy_events(connection, export.copy_treatments, fileobj)
    n = 0
    for row in export.rows:
        writer.writerow([_csv_value(v) for v in row])
        n += 1
    return n


# --------------------------------------------------------------------------- COPY

_TEXT = "NULLIF({}, '')"  # csv writes None and "" alike (empty); COPY quotes "".


def events_copy_sql(treatments: QuerySet[Treatment], *, connection) -> str:
    """The events file as one SELECT that PostgreSQL formats itself, for
    ``COPY (...) TO STDOUT WITH CSV``: the exporter's own UNION ALL query
    (`adherence.events_queryset`), wrapped to give exactly what `event_row`
    and `to_cell` give in Python:

    - the time in UTC as ``YYYY-MM-DDTHH:MM:SSZ`` (seconds truncated);
    - the treatment week: whole weeks from the start date to the event's date
      in its service's time zone, plus one (floored, as Python's ``//``); the
      zone per service code comes from `service_zones` (unknown or blank zone
      names become Europe/London there, so COPY never meets a bad zone name);
    - an empty text as empty, not as ``""`` (COPY quotes empty strings, csv
      does not).

    Returns the SELECT with its parameters bound (COPY takes no parameters).
    """
    union = adherence.events_queryset(treatments).order_by()
    sql, params = union.query.sql_with_params()
    zones = service_zones()
    whens, zone_params = [], []
    for code, zone in sorted(zones.items()):
        whens.append("WHEN %s THEN %s")
        zone_params += [code, str(zone)]
    default = str(adherence.service_zone(""))
    zone_sql = f"CASE e.ev_service {' '.join(whens)} ELSE %s END" if whens else "%s"
    # Only fixed SQL and Django's compiled query are pasted in; every value
    # (service codes, zone names, the query's own) is a bound parameter.
    select = f"""
        SELECT {_TEXT.format("e.ev_participant")}, {_TEXT.format("e.ev_service")},
               {_TEXT.format("e.ev_type")},
               to_char(e.ev_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
               floor(((e.ev_at AT TIME ZONE ({zone_sql}))::date - e.ev_start) / 7.0)::int + 1,
               {_TEXT.format("e.ev_module")}, {_TEXT.format("e.ev_step")},
               {_TEXT.format("e.ev_instrument")}, {_TEXT.format("e.ev_time_point")},
               {_TEXT.format("e.ev_respondent")},
               e.ev_session, e.ev_value, e.ev_seconds
        FROM ({sql}) AS e
        ORDER BY e.ev_participant, e.ev_at, e.ev_type
    """  # noqa: S608
    with connection.cursor() as cur:
        return cur.mogrify(select, [*zone_params, default, *params]).decode()


def _copy_events(connection, treatments: QuerySet[Treatment], fileobj) -> int:
    """Stream the events rows through COPY into `fileobj`; returns the row count.

    psycopg2 hands the data to `fileobj.write` in pieces as the server sends
    them (text for a text file), so memory stays flat whatever the size.
    """
    sql = events_copy_sql(treatments, connection=connection)
    with connection.cursor() as cur:
        cur.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", fileobj)
        return cur.rowcount


def _xlsx_value(ws, value):
    value = to_cell(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith("="):
            # Text starting with "=" would become a formula: keep it as text.
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"
            return cell
    return value


def write_xlsx(export: Export, path) -> int:
    """Write the export as an XLSX workbook at `path` (write-only: flat memory)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=export.dataset[:31])
    ws.append(export.header)
    n = 0
    for row in export.rows:
        ws.append([_xlsx_value(ws, v) for v in row])
        n += 1
    wb.save(path)
    return n

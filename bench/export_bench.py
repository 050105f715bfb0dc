"""Benchmark: the events CSV export against a plain PostgreSQL COPY of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_bench \
        .venv/bin/python bench/export_bench.py --rows 1000000

1. Migrates the database and, unless it is already there, generates a
   synthetic trial in a service of its own (code ``B<rows>``): participants
   (one client and treatment each) and, per participant, 40 logins, 30 mood
   ratings, 10 messages and 10 steps opened and completed = 100 event rows.
   Users and treatments are bulk-created in batches; events are generated
   inside PostgreSQL with INSERT ... SELECT over generate_series.
2. Measures, each in a fresh subprocess (so peak RSS belongs to that run):
   - ``idle``: the interpreter with Django loaded, nothing exported (RSS baseline);
   - ``export``: `apps.trials.exporters` events CSV for that service written to a
     file: rows per second and peak RSS (resource.getrusage);
   - ``export-heap``: the same export under tracemalloc: peak Python heap
     (slower, so not timed);
   - ``copy``: ``COPY (<the exporter's own SELECT>) TO STDOUT WITH CSV`` through
     psycopg2, into a file: rows per second and peak RSS.
3. Prints a table and records the run in bench/results.json; bench/RESULTS.md is
   rebuilt from every recorded run (one line per size), so runs at 100k and 1M
   rows sit side by side and show whether memory stays flat.

Not part of `make test`. Needs PostgreSQL (COPY).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

EVENTS_PER_PARTICIPANT = 100
RESULTS_JSON = ROOT / "bench" / "results.json"
RESULTS_MD = ROOT / "bench" / "RESULTS.md"


def _setup():
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("DATABASE_URL must point to PostgreSQL (the baseline is COPY).")
    return connection


def _code(rows: int) -> str:
    code = f"B{rows}"
    if len(code) > 8:
        sys.exit("--rows must have at most 7 digits")
    return code


def _peak_rss_mb() -> float:
    """Peak resident set of this process, in MB.

    VmHWM (Linux) belongs to this process image. ru_maxrss is not used when
    VmHWM is available: Linux carries it over execve from the parent, so a
    subprocess of a large parent would report the parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- data


def generate(rows: int, *, fresh: bool) -> int:
    """Create the synthetic trial for `rows` event rows; returns the participant count."""
    connection = _setup()
    from django.core.management import call_command
    from django.db import transaction

    from apps.accounts.models import User
    from apps.care.models import Service, StaffMembership, StaffRole, Treatment
    from apps.programme.models import Module, Programme, Step, StepKind

    call_command("migrate", verbosity=0)
    code = _code(rows)
    participants = max(1, rows // EVENTS_PER_PARTICIPANT)
    service = Service.objects.filter(code=code).first()
    if service and not fresh and service.treatments.count() == participants:
        print(f"Reusing {participants:,} participants in service {code}.")
        return participants
    if service:
        sys.exit(f"Service {code} exists with other data: use a fresh database.")

    started = time.perf_counter()
    programme, _ = Programme.objects.get_or_create(slug="bench", defaults={"title": "Bench"})
    module, _ = Module.objects.get_or_create(
        programme=programme, slug="bench-module", defaults={"title": "Bench", "mandatory": True}
    )
    steps = [
        Step.objects.get_or_create(
            module=module,
            slug=f"step-{i}",
            defaults={"title": f"Step {i}", "kind": StepKind.READING},
        )[0]
        for i in range(10)
    ]
    with transaction.atomic():
        service = Service.objects.create(code=code, name=f"Benchmark {rows:,} rows")
        pwp = User.objects.create_user(email=f"pwp-{code.lower()}@bench.invalid", is_pwp=True)
        StaffMembership.objects.create(user=pwp, service=service, role=StaffRole.PWP)
        start = datetime.date(2025, 1, 6)
        created = datetime.datetime(2025, 1, 6, 9, tzinfo=datetime.UTC)
        batch = 5000
        for offset in range(0, participants, batch):
            n = min(batch, participants - offset)
            users = User.objects.bulk_create(
                [
                    User(
                        email=f"c{offset + i}-{code.lower()}@bench.invalid",
                        is_client=True,
                        password="!",
                    )  # fmt: skip
                    for i in range(n)
                ]
            )
            Treatment.objects.bulk_create(
                [
                    Treatment(
                        client=u,
                        pwp=pwp,
                        service=service,
                        participant_id=f"{code}-{offset + i + 1:07d}",
                        status="active",
                        start_date=start,
                        planned_end_date=start + datetime.timedelta(weeks=11),
                        activated_at=created,
                        created_at=created,
                    )
                    for i, u in enumerate(users)
                ]
            )
        step_ids = [s.pk for s in steps]
        with connection.cursor() as cur:
            cur.execute(
                """
                INSERT INTO accounts_loginevent (user_id, at)
                SELECT t.client_id, t.created_at + g * interval '7 hours'
                FROM care_treatment t CROSS JOIN generate_series(1, 40) g
                WHERE t.service_id = %s
                """,
                [service.pk],
            )
            cur.execute(
                """
                INSERT INTO tracking_moodrating
                    (client_id, treatment_id, value, note, tags, rated_on, created_at, updated_at)
                SELECT t.client_id, t.id, 1 + (g %% 10), '', '[]', t.start_date + g,
                       t.created_at + g * interval '1 day' + interval '11 hours',
                       t.created_at + g * interval '1 day' + interval '11 hours'
                FROM care_treatment t CROSS JOIN generate_series(1, 30) g
                WHERE t.service_id = %s
                """,
                [service.pk],
            )
            cur.execute(
                """
                INSERT INTO messaging_message
                    (treatment_id, sender_id, from_client, body, created_at, idempotency_key)
                SELECT t.id, CASE WHEN g %% 2 = 0 THEN t.client_id ELSE t.pwp_id END,
                       g %% 2 = 0, 'Synthetic message', t.created_at + g * interval '2 days',
                       gen_random_uuid()
                FROM care_treatment t CROSS JOIN generate_series(1, 10) g
                WHERE t.service_id = %s
                """,
                [service.pk],
            )
            cur.execute(
                """
                INSERT INTO programme_stepprogress
                    (treatment_id, step_id, opened_at, last_opened_at, last_seen_at,
                     completed_at, visits, seconds_spent, visit_seconds)
                SELECT t.id, s.step_id,
                       t.created_at + s.n * interval '3 days',
                       t.created_at + s.n * interval '3 days',
                       t.created_at + s.n * interval '3 days' + interval '4 minutes',
                       t.created_at + s.n * interval '3 days' + interval '4 minutes',
                       1, 240, 240
                FROM care_treatment t
                CROSS JOIN unnest(%s::bigint[]) WITH ORDINALITY AS s(step_id, n)
                WHERE t.service_id = %s
                """,
                [step_ids, service.pk],
            )
        connection.cursor().execute("ANALYZE")
    print(f"Generated {participants:,} participants and about {rows:,} events "
          f"in {time.perf_counter() - started:.1f} s.")  # fmt: skip
    return participants


# --------------------------------------------------------------------------- measures


class _CountingFile:
    """A binary or text sink that counts bytes (for COPY: counts data lines)."""

    def __init__(self, fh):
        self.fh = fh
        self.lines = 0

    def write(self, data):
        self.lines += data.count(b"\n" if isinstance(data, bytes) else "\n")
        return self.fh.write(data)


def measure(kind: str, rows: int, out: str) -> dict:
    connection = _setup()
    from apps.care.models import Service
    from apps.trials import adherence, exporters
    from apps.trials.adherence import Scope

    service = Service.objects.get(code=_code(rows))
    scope = Scope(service_ids=(service.pk,))
    if kind == "idle":
        return {"rss_mb": _peak_rss_mb()}
    if kind in ("export", "export-heap"):
        if kind == "export-heap":
            import tracemalloc

            tracemalloc.start()
        started = time.perf_counter()
        with open(out, "w", encoding="utf-8", newline="") as fh:
            n = exporters.write_csv(exporters.build_export("events", scope), fh)
        seconds = time.perf_counter() - started
        result = {"rows": n, "seconds": seconds, "rss_mb": _peak_rss_mb()}
        if kind == "export-heap":
            result["heap_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        return result
    if kind == "copy":
        qs = adherence.events_queryset(adherence.treatments_in_scope(scope))
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cur:
            statement = cur.mogrify(sql, params).decode()
            started = time.perf_counter()
            with open(out, "wb") as fh:
                sink = _CountingFile(fh)
                cur.copy_expert(f"COPY ({statement}) TO STDOUT WITH CSV HEADER", sink)
            seconds = time.perf_counter() - started
        return {"rows": sink.lines - 1, "seconds": seconds, "rss_mb": _peak_rss_mb()}
    raise ValueError(kind)


def _run(kind: str, rows: int) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as tmp:
        out = tmp.name
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--rows", str(rows), "--measure", kind, "--out", out],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ.copy(),
        )
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result["file_mb"] = os.path.getsize(out) / 1024 / 1024
        return result
    finally:
        os.unlink(out)


# --------------------------------------------------------------------------- report


def _table(records: list[dict]) -> str:
    lines = [
        "| Event rows | Method | Seconds | Rows/s | Peak RSS (MB) | RSS over idle (MB) "
        "| Peak Python heap (MB) | File (MB) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in records:
        idle = r["idle"]["rss_mb"]
        for label, key in (("Tandem exporter (CSV)", "export"), ("PostgreSQL COPY", "copy")):
            m = r[key]
            heap = f"{r['export-heap']['heap_peak_mb']:.1f}" if key == "export" else "–"
            lines.append(
                f"| {m['rows']:,} | {label} | {m['seconds']:.1f} | {m['rows'] / m['seconds']:,.0f} "
                f"| {m['rss_mb']:.1f} | {m['rss_mb'] - idle:+.1f} | {heap} | {m['file_mb']:.0f} |"
            )
    return "\n".join(lines)


def write_results(record: dict) -> None:
    records = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else []
    records = [r for r in records if r["rows"] != record["rows"]] + [record]
    records.sort(key=lambda r: r["rows"])
    RESULTS_JSON.write_text(json.dumps(records, indent=2) + "\n")
    machine = record["machine"]
    RESULTS_MD.write_text(
        "# Export benchmark\n\n"
        "Events CSV export (`apps/trials/exporters.py`) against a plain PostgreSQL "
        "`COPY (SELECT …) TO STDOUT WITH CSV` of the same rows (the exporter's own SQL), "
        "measured in the same run, each in a fresh subprocess. Made by "
        "`bench/export_bench.py`; see its docstring for the data and the method.\n\n"
        f"{_table(records)}\n\n"
        "- *Peak RSS* is the measuring process's high-water resident set (Linux VmHWM); "
        "*over idle* "
        "subtracts a process that only loaded Django. *Peak Python heap* is tracemalloc's "
        "peak in a separate, untimed run of the exporter.\n"
        "- Memory is flat when the peak does not grow with the number of rows.\n"
        "- Timings come from a shared machine and vary between runs (other processes "
        "compete for the CPUs): compare the exporter with COPY within one size, not "
        "across sizes. The exporter's extra time is Python work per row (UTC "
        "formatting, treatment week, csv); COPY also skips the network round trips of "
        "a server-side cursor.\n"
        f"- Machine: {machine}. Last run {record['date']}.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--fresh", action="store_true", help="refuse to reuse existing data")
    parser.add_argument("--measure", choices=["idle", "export", "export-heap", "copy"])
    parser.add_argument("--out", default=os.devnull)
    parser.add_argument(
        "--json", action="store_true", help="print the record as JSON (bench/run_all.py)"
    )
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.rows, args.out)))
        return
    generate(args.rows, fresh=args.fresh)
    record = {
        "rows": args.rows,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
    }
    for kind in ("idle", "copy", "export", "export-heap"):
        print(f"Measuring {kind} ...", flush=True, file=sys.stderr if args.json else sys.stdout)
        record[kind] = _run(kind, args.rows)
    if args.json:
        print(json.dumps(record))
        return
    print(_table([record]))
    write_results(record)
    print(f"Wrote {RESULTS_MD.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

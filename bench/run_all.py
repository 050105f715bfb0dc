"""Every performance ratio of issue 15, measured side by side in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_perf_bench \\
    REDIS_URL=redis://127.0.0.1:6379/10 \\
        .venv/bin/python bench/run_all.py            # the full run (several minutes)
    ... bench/run_all.py --quick                     # small sizes, few rounds (development)
    ... bench/run_all.py --only pages,audit          # some sections

Each section runs in a subprocess of its own against a database of its own
(DATABASE_URL's name plus a suffix: _pages, _hist, _export, _fanout), created
and migrated when missing and filled by `manage.py generate_trial` (or, for
the export, bench/export_bench.py's generator); `--drop` drops them at the end.

Sections and their ratios (each measured in the same process, interleaved
where it is a page, so machine noise hits both sides alike):

- ``pages``: the floor is the same signed-in user requesting ``/healthz/`` (one
  query through the full middleware stack), alternated with the page under
  test, ``--rounds`` times; the ratio is median(page) / median(floor). PWP
  caseload at each ``--caseloads`` size (one PWP holding all of them), the
  supervisor overview of a service of ``--overview`` clients, and the query
  count of each, which must not grow with the size.
- ``questionnaire``: a client saving one answer (POST of a question page) and
  submitting a PHQ-9 (POST of check answers, which scores it and runs the risk
  rules), each against the floor.
- ``audit``: the pre-session review (whose read of identifiable data the
  AccessAuditMiddleware records as an access event) with the read audit on
  and off, alternated.
- ``hist``: pre-session review and client home against the floor with about
  ``--history`` rows of history in the database (first size), then again after
  topping the database up to the second size; the ratio of ratios. Its
  database is dropped and built again on every run.
- ``export``: bench/export_bench.py at each ``--export-rows`` size: the events
  CSV export (COPY-formatted on PostgreSQL) against a plain COPY of the same
  rows, and the peak memory of each size (flat = the same at every size).
- ``fanout``: one Celery worker (prefork, 2 processes) on the same Redis: the
  time to run ``--fanout`` no-op tasks, then the time to send as many due
  reminders through the outbox (the dispatcher's sweep, which puts up to
  NOTIFICATIONS_SEND_BATCH reminders in one send task, each row still claimed
  and marked sent on its own; email to a dummy backend); throughput ratio =
  no-op time / fan-out time. Then the due scan of the dispatcher against
  ``count(*)`` on the same index, with the outbox holding the generated
  trial's sent history.

Prints one table at the end and writes bench/run_all.json; docs/performance.md
quotes the latest run. Needs PostgreSQL and Redis on loopback.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "run_all.json"
SECTIONS = ("pages", "questionnaire", "audit", "hist", "export", "fanout")
FULL = {
    "rounds": 15,
    "caseloads": "5,30,100,300",
    "overview": 1000,
    "history": "100000,2000000",
    "history_clients": 500,
    "export_rows": "10000,1000000",
    "fanout": 10000,
}
QUICK = {
    "rounds": 7,
    "caseloads": "5,30,100",
    "overview": 300,
    "history": "100000,300000",
    "history_clients": 500,
    "export_rows": "10000,100000",
    "fanout": 500,
}
TARGETS = {
    "caseload": {30: 5, 100: 8, 300: 10},
    "overview": 10,
    "review": 6,
    "home": 6,
    "history": 1.2,
    "answer_save": 6,
    "answer_submit": 6,
    "export": 0.5,
    "fanout": 0.3,
    "scan": 3,
    "audit": 1.2,
}


def _db_url(suffix: str) -> str:
    url = urlparse(os.environ["DATABASE_URL"])
    return urlunparse(url._replace(path=url.path + suffix))


def _ensure_db(url: str) -> None:
    """Create the database when missing (through the `postgres` database)."""
    import psycopg2

    parsed = urlparse(url)
    admin = urlunparse(parsed._replace(path="/postgres"))
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [parsed.path[1:]])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{parsed.path[1:]}"')
    conn.close()


def _drop_db(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    conn = psycopg2.connect(urlunparse(parsed._replace(path="/postgres")))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{parsed.path[1:]}" WITH (FORCE)')
    conn.close()


# --------------------------------------------------------------------------- in the subprocess


def _setup(settings_module: str = "config.settings.test"):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("DATABASE_URL must point to PostgreSQL.")
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    from apps.programme.models import Step

    if not Step.objects.exists():
        call_command("load_content", verbosity=0)
    return connection


def _quiet(_line):
    pass


def _generate(prefix, clients, history_rows, **kwargs):
    from apps.trials.generate import generate  # why: Django is set up in the subprocess only

    started = time.perf_counter()
    result = generate(
        clients=clients, history_rows=history_rows, prefix=prefix, log=_quiet, **kwargs
    )
    what = "built" if result.created else "reused"
    print(f"  {prefix}: {what} {clients:,} clients, {result.history_rows:,} rows of history "
          f"({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)  # fmt: skip
    return result


def _url(*names, args=()):
    """The first URL name that exists (pages moving between apps keep their path)."""
    from django.urls import NoReverseMatch, reverse

    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    raise NoReverseMatch(names)


def _timed(client, method, url, data=None, expect=(200,)) -> float:
    started = time.perf_counter()
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    took = (time.perf_counter() - started) * 1000
    if response.status_code not in expect:
        sys.exit(f"{method.upper()} {url} answered {response.status_code}")
    return took


def _versus_floor(user, url, *, rounds, warmup=3) -> dict:
    """Median of the page and of the floor (/healthz/), alternated, and the
    queries of one more page request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    for _ in range(warmup):
        _timed(client, "get", url)
        _timed(client, "get", "/healthz/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    queries = len(ctx.captured_queries)
    page, floor = [], []
    for _ in range(rounds):
        floor.append(_timed(client, "get", "/healthz/"))
        page.append(_timed(client, "get", url))
    return {
        "page_ms": statistics.median(page),
        "floor_ms": statistics.median(floor),
        "ratio": statistics.median(page) / statistics.median(floor),
        "queries": queries,
        "html_kb": round(len(response.content) / 1024, 1),
    }


def _caseload_pwp(prefix):
    from apps.care.models import StaffMembership, StaffRole

    return (
        StaffMembership.objects.filter(service__code=f"{prefix}01", role=StaffRole.PWP)
        .select_related("user")
        .order_by("pk")
        .first()
        .user
    )


def _active_treatment(prefix, week=5):
    from apps.care.models import Treatment  # why: Django is set up in the subprocess only
    from apps.trials.generate import generated_services

    mine = Treatment.objects.filter(service__in=generated_services(prefix), status="active")
    for t in mine.order_by("pk"):
        if t.week_number() == week:
            return t
    return mine.first()


def section_pages(args) -> dict:
    _setup()
    from apps.care.models import StaffMembership, StaffRole

    out = {"caseload": {}, "overview": {}}
    sizes = [int(n) for n in args.caseloads.split(",")]
    for n in sizes:
        _generate(f"C{n}", n, 0, caseload_low=n, caseload_high=n)
    _generate("OV", args.overview, 0, pwps_per_service=10_000)
    caseload_url = _url("workspace:caseload")
    for n in sizes:
        out["caseload"][n] = _versus_floor(_caseload_pwp(f"C{n}"), caseload_url, rounds=args.rounds)
        print(f"  caseload {n}: {out['caseload'][n]}", file=sys.stderr, flush=True)
    supervisor = (
        StaffMembership.objects.filter(service__code="OV01", role=StaffRole.SUPERVISOR)
        .select_related("user")
        .first()
        .user
    )
    out["overview"][args.overview] = _versus_floor(
        supervisor,
        _url("workspace:service_overview"),
        rounds=args.rounds,
    )
    print(f"  overview: {out['overview']}", file=sys.stderr, flush=True)
    return out


def section_questionnaire(args) -> dict:
    _setup()
    from django.test import Client
    from django.utils import timezone

    from apps.questionnaires.catalogue import scoring_definition
    from apps.questionnaires.models import Administration, AdministrationStatus
    from apps.questionnaires.services import administration_answer

    _generate("C30", 30, 0, caseload_low=30, caseload_high=30)
    treatment = _active_treatment("C30")
    version = scoring_definition("phq9").version
    client = Client()
    client.force_login(treatment.client)
    save, submit, floor = [], [], []
    Administration.objects.filter(treatment=treatment, time_point__startswith="ad_hoc").delete()
    for r in range(args.rounds + 3):
        now = timezone.now()
        adm = Administration.objects.create(
            treatment=treatment,
            instrument="phq9",
            definition_version=version,
            time_point="ad_hoc",
            due_from=now - datetime.timedelta(days=1),
            due_until=now + datetime.timedelta(days=7),
            status=AdministrationStatus.OPEN,
            opened_at=now,
        )
        f1 = _timed(client, "get", "/healthz/")
        s = _timed(client, "post", _url("questionnaires:item", args=[adm.pk, 1]), {"answer": "1"},
                   expect=(302,))  # fmt: skip
        for item in range(2, 11):
            administration_answer(administration=adm, item=item, value=1 if item != 9 else 0)
        f2 = _timed(client, "get", "/healthz/")
        c = _timed(client, "post", _url("questionnaires:check", args=[adm.pk]), {}, expect=(302,))
        adm.refresh_from_db()
        assert adm.status == AdministrationStatus.COMPLETED, adm.status
        if r >= 3:  # warm-up rounds
            save.append(s)
            submit.append(c)
            floor += [f1, f2]
    Administration.objects.filter(treatment=treatment, time_point="ad_hoc").delete()
    f = statistics.median(floor)
    out = {
        "answer_save": {"page_ms": statistics.median(save), "floor_ms": f,
                        "ratio": statistics.median(save) / f},
        "answer_submit": {"page_ms": statistics.median(submit), "floor_ms": f,
                          "ratio": statistics.median(submit) / f},
    }  # fmt: skip
    print(f"  questionnaire: {out}", file=sys.stderr, flush=True)
    return out


def section_audit(args) -> dict:
    _setup()
    import contextlib

    from django.test import Client

    import apps.core.audit as audit
    from apps.core.models import AccessEvent

    _generate("C30", 30, 0, caseload_low=30, caseload_high=30)
    treatment = _active_treatment("C30")
    url = _url("workspace:review", args=[treatment.pk])
    client = Client()
    client.force_login(treatment.pwp)
    recorded = audit.reads_recorded

    @contextlib.contextmanager
    def not_recorded():
        # Reads are noted only inside reads_recorded(): off, nothing is noted
        # and the middleware writes nothing.
        yield set()

    on, off = [], []
    for r in range(args.rounds + 3):
        audit.reads_recorded = recorded
        before = AccessEvent.objects.count()
        t_on = _timed(client, "get", url)
        logged = AccessEvent.objects.count() - before
        audit.reads_recorded = not_recorded
        t_off = _timed(client, "get", url)
        audit.reads_recorded = recorded
        if r >= 3:
            on.append(t_on)
            off.append(t_off)
    assert logged >= 1, "the review page did not write an access event"
    out = {"review": {"on_ms": statistics.median(on), "off_ms": statistics.median(off),
                      "ratio": statistics.median(on) / statistics.median(off)}}  # fmt: skip
    print(f"  audit: {out}", file=sys.stderr, flush=True)
    return out


def section_hist(args) -> dict:
    _setup()
    small, large = (int(n) for n in args.history.split(","))
    clients = args.history_clients
    _generate("H", clients, small)
    treatment = _active_treatment("H")
    pages = {
        "review": (
            treatment.pwp,
            _url("workspace:review", args=[treatment.pk]),
        ),
        "home": (treatment.client, _url("programme:home")),
    }
    out = {}
    for key, (user, url) in pages.items():
        out[key] = {"small": _versus_floor(user, url, rounds=args.rounds)}
    # Top up: another trial's history, so the tables hold `large` rows in all.
    from apps.trials.generate import history_count

    have = history_count("H")
    _generate("HX", clients, max(0, large - have))
    for key, (user, url) in pages.items():
        out[key]["large"] = _versus_floor(user, url, rounds=args.rounds)
        out[key]["growth"] = out[key]["large"]["ratio"] / out[key]["small"]["ratio"]
    out["rows"] = {"small": have, "large": have + history_count("HX")}
    print(f"  history: {out}", file=sys.stderr, flush=True)
    return out


def section_export(args) -> dict:
    out = {}
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    for rows in (int(n) for n in args.export_rows.split(",")):
        proc = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "export_bench.py"), "--rows", str(rows),
             "--json"],
            env=env, capture_output=True, text=True, check=True, timeout=3600,
        )  # fmt: skip
        record = json.loads(proc.stdout.strip().splitlines()[-1])
        e, c = record["export"], record["copy"]
        out[rows] = {
            "export_rows_s": e["rows"] / e["seconds"],
            "copy_rows_s": c["rows"] / c["seconds"],
            "ratio": (e["rows"] / e["seconds"]) / (c["rows"] / c["seconds"]),
            "export_rss_over_idle_mb": e["rss_mb"] - record["idle"]["rss_mb"],
            "export_heap_mb": record["export-heap"]["heap_peak_mb"],
        }
        print(f"  export {rows}: {out[rows]}", file=sys.stderr, flush=True)
    return out


def section_fanout(args) -> dict:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.worker_settings"
    connection = _setup("bench.worker_settings")
    import redis
    from django.conf import settings
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.notifications.kinds import Kind
    from apps.notifications.models import Notification, NotificationPreference, Status
    from apps.notifications.services import notifications_dispatch_due
    from bench.celery_tasks import COUNTER, noop

    _generate("F", 1000, 150_000)  # an outbox with history, as in a live trial
    n = args.fanout
    r = redis.Redis.from_url(settings.REDIS_URL)
    r.flushdb()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork",
         "--concurrency", "2", "--hostname", "bench-fanout@%h", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat",
         "--include", "bench.celery_tasks"],
        cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    out = {}
    try:
        # Warm the worker up, then the no-op baseline.
        noop.delay()
        _wait(lambda: int(r.get(COUNTER) or 0) >= 1, 60, "the worker to start")
        r.set(COUNTER, 0)
        started = time.perf_counter()
        for _ in range(n):
            noop.delay()
        _wait(lambda: int(r.get(COUNTER) or 0) >= n, 600, "the no-op tasks")
        noop_s = time.perf_counter() - started

        # N due reminders in the outbox (100 recipients, N/100 each).
        Notification.objects.filter(dedupe_key__startswith="bench-").delete()
        users = list(User.objects.filter(email__startswith="client-", is_active=True)
                     .order_by("pk")[:100])  # fmt: skip
        for u in users:
            NotificationPreference.objects.update_or_create(
                user=u,
                defaults={
                    "mood_reminder_enabled": True,
                    "email_enabled": True,
                    "quiet_hours_start": datetime.time(0, 0),
                    "quiet_hours_end": datetime.time(0, 0),
                },
            )
        now = timezone.now()
        Notification.objects.bulk_create(
            Notification(
                recipient=users[i % len(users)],
                kind=Kind.MOOD_REMINDER,
                channel="email",
                dedupe_key=f"bench-{i}",
                due_at=now,
                original_due_at=now,
                status=Status.PENDING,
            )
            for i in range(n)
        )
        with connection.cursor() as cur:
            cur.execute("ANALYZE notifications_notification")
        scan = _scan_versus_count(connection)
        started = time.perf_counter()
        queued = notifications_dispatch_due(limit=n)
        assert queued == n, queued
        sent = Notification.objects.filter(dedupe_key__startswith="bench-", status=Status.SENT)
        _wait(lambda: sent.count() >= n, 1800, "the reminders")
        fanout_s = time.perf_counter() - started
        out = {
            "n": n,
            "noop_s": noop_s,
            "fanout_s": fanout_s,
            "noop_per_s": n / noop_s,
            "fanout_per_s": n / fanout_s,
            "ratio": noop_s / fanout_s,
            "scan": scan,
        }
    finally:
        os.killpg(worker.pid, 15)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, 9)
        Notification.objects.filter(dedupe_key__startswith="bench-").delete()
        r.flushdb()
    print(f"  fanout: {out}", file=sys.stderr, flush=True)
    return out


def _scan_versus_count(connection, rounds=25) -> dict:
    """The dispatcher's due scan (its own SQL) against count(*) of the due rows
    on the same (status, due_at) index."""
    from django.conf import settings
    from django.db.models import Q
    from django.utils import timezone

    from apps.notifications.models import Notification, Status

    now = timezone.now()
    requeue = now - datetime.timedelta(seconds=settings.NOTIFICATIONS_REENQUEUE_AFTER_SECONDS)
    scan_qs = (
        Notification.objects.filter(status=Status.PENDING, due_at__lte=now)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=requeue))
        .order_by("due_at")
        .values_list("pk", flat=True)[:1000]
    )
    scan_sql, scan_params = scan_qs.query.sql_with_params()
    count_sql = "SELECT count(*) FROM notifications_notification WHERE status = %s AND due_at <= %s"
    scan_t, count_t = [], []
    with connection.cursor() as cur:
        for _ in range(3):
            cur.execute(scan_sql, scan_params)
            cur.fetchall()
            cur.execute(count_sql, [Status.PENDING, now])
        for _ in range(rounds):
            started = time.perf_counter()
            cur.execute(scan_sql, scan_params)
            cur.fetchall()
            scan_t.append(time.perf_counter() - started)
            started = time.perf_counter()
            cur.execute(count_sql, [Status.PENDING, now])
            cur.fetchall()
            count_t.append(time.perf_counter() - started)
        cur.execute("EXPLAIN " + scan_sql, scan_params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    return {
        "scan_ms": statistics.median(scan_t) * 1000,
        "count_ms": statistics.median(count_t) * 1000,
        "ratio": statistics.median(scan_t) / statistics.median(count_t),
        "plan": plan,
    }


def _wait(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"Timed out waiting for {what}")
        time.sleep(0.05)


SECTION_DB = {
    "pages": "_pages",
    "questionnaire": "_pages",
    "audit": "_pages",
    "hist": "_hist",
    "export": "_export",
    "fanout": "_fanout",
}
RUNNERS = {
    "pages": section_pages,
    "questionnaire": section_questionnaire,
    "audit": section_audit,
    "hist": section_hist,
    "export": section_export,
    "fanout": section_fanout,
}


# --------------------------------------------------------------------------- report


def _mark(ok: bool) -> str:
    return "met" if ok else "MISSED"


def table(results: dict) -> str:
    rows = ["| Measure | Figure | Target | |", "|---|---|---|---|"]

    def add(measure, figure, target, ok):
        rows.append(f"| {measure} | {figure} | {target} | {_mark(ok)} |")

    pages = results.get("pages", {})
    queries = {n: r["queries"] for n, r in pages.get("caseload", {}).items()}
    for n, r in pages.get("caseload", {}).items():
        limit = TARGETS["caseload"].get(int(n))
        if limit:
            add(f"PWP caseload, {n} clients ({r['page_ms']:.0f} ms, {r['html_kb']:.0f} KB)",
                f"{r['ratio']:.1f}× floor", f"≤ {limit}×", r["ratio"] <= limit)  # fmt: skip
    if queries:
        add("Caseload queries by size", ", ".join(f"{n}: {q}" for n, q in queries.items()),
            "constant", len(set(queries.values())) == 1)  # fmt: skip
    for n, r in pages.get("overview", {}).items():
        add(f"Supervisor overview, {n} clients ({r['page_ms']:.0f} ms, {r['html_kb']:.0f} KB, "
            f"{r['queries']} queries)", f"{r['ratio']:.1f}× floor", "≤ 10×",
            r["ratio"] <= TARGETS["overview"])  # fmt: skip
    hist = results.get("hist", {})
    for key, label in (("review", "Pre-session review"), ("home", "Client home")):
        if key in hist:
            h = hist[key]
            for size in ("small", "large"):
                add(f"{label}, {hist['rows'][size]:,} history rows ({h[size]['page_ms']:.0f} ms)",
                    f"{h[size]['ratio']:.1f}× floor", "≤ 6×", h[size]["ratio"] <= 6)  # fmt: skip
            add(f"{label}: large / small history", f"{h['growth']:.2f}×", "≤ 1.2×",
                h["growth"] <= TARGETS["history"])  # fmt: skip
    q = results.get("questionnaire", {})
    for key, label in (("answer_save", "Questionnaire answer save"),
                       ("answer_submit", "Questionnaire submit")):  # fmt: skip
        if key in q:
            add(f"{label} ({q[key]['page_ms']:.0f} ms)", f"{q[key]['ratio']:.1f}× floor", "≤ 6×",
                q[key]["ratio"] <= 6)  # fmt: skip
    export = results.get("export", {})
    for size, e in export.items():
        add(f"Events CSV export, {int(size):,} rows ({e['export_rows_s']:,.0f} rows/s)",
            f"{e['ratio']:.2f}× COPY", "≥ 0.5×", e["ratio"] >= TARGETS["export"])  # fmt: skip
    if len(export) > 1:
        rss = [e["export_rss_over_idle_mb"] for e in export.values()]
        add("Export memory over idle, by size", ", ".join(f"{m:+.1f} MB" for m in rss),
            "flat", max(rss) - min(rss) < 5)  # fmt: skip
    f = results.get("fanout", {})
    if f:
        add(f"Reminder fan-out, N = {f['n']:,} ({f['fanout_per_s']:.0f}/s vs no-op "
            f"{f['noop_per_s']:.0f}/s)", f"{f['ratio']:.2f}× no-op", "≥ 0.3×",
            f["ratio"] >= TARGETS["fanout"])  # fmt: skip
        s = f["scan"]
        add(f"Due-reminder scan ({s['scan_ms']:.2f} ms vs {s['count_ms']:.2f} ms)",
            f"{s['ratio']:.1f}× count(*)", "≤ 3×", s["ratio"] <= TARGETS["scan"])  # fmt: skip
    a = results.get("audit", {})
    if a:
        r = a["review"]
        add(f"Audit on read, review ({r['on_ms']:.0f} vs {r['off_ms']:.0f} ms)",
            f"{r['ratio']:.2f}×", "≤ 1.2×", r["ratio"] <= TARGETS["audit"])  # fmt: skip
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few rounds")
    parser.add_argument("--only", default=",".join(SECTIONS))
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--caseloads")
    parser.add_argument("--overview", type=int)
    parser.add_argument("--history", help="two sizes, e.g. 100000,2000000")
    parser.add_argument("--history-clients", type=int)
    parser.add_argument("--export-rows")
    parser.add_argument("--fanout", type=int)
    parser.add_argument("--drop", action="store_true", help="drop the bench databases after")
    parser.add_argument("--section", choices=SECTIONS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.section:
        print(json.dumps(RUNNERS[args.section](args), default=str))
        return

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (its name is the prefix).")
    results = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "args": {k: v for k, v in vars(args).items() if k not in ("section", "only")},
    }
    used = set()
    for section in [s for s in SECTIONS if s in args.only.split(",")]:
        url = _db_url(SECTION_DB[section])
        used.add(url)
        if section == "hist":
            # Measures the small size, then tops the same database up: only
            # from an empty database is the small size small.
            _drop_db(url)
        _ensure_db(url)
        print(f"{section} ...", file=sys.stderr, flush=True)
        cmd = [sys.executable, __file__, "--section", section]
        for key in ("rounds", "caseloads", "overview", "history", "history_clients",
                    "export_rows", "fanout"):  # fmt: skip
            cmd += [f"--{key.replace('_', '-')}", str(getattr(args, key))]
        started = time.perf_counter()
        proc = subprocess.run(cmd, env={**os.environ, "DATABASE_URL": url}, cwd=ROOT,
                              stdout=subprocess.PIPE, text=True, timeout=5400)  # fmt: skip
        if proc.returncode != 0:
            sys.exit(f"Section {section} failed.")
        results[section] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{section} done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print(table(results))
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"Wrote {RESULTS.relative_to(ROOT)}")
    if args.drop:
        for url in used:
            _drop_db(url)


if __name__ == "__main__":
    main()

"""EXPLAIN ANALYZE of the hot queries, on a database built by generate_trial.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_perf_big \\
        .venv/bin/python bench/explain.py --prefix GT > /tmp/explain.txt

Requests the caseload, pre-session review, client home and service overview
in-process (django.test.Client) as their users, captures every query, and
prints the slowest few of each with their plan; then the due-reminder scan.
docs/performance.md quotes the output.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--prefix", default="GT")
    parser.add_argument("--top", type=int, default=3)
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from apps.care.models import StaffMembership, StaffRole, Treatment
    from bench.run_all import _scan_versus_count, _url

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    treatment = (
        Treatment.objects.filter(service__code__startswith=args.prefix, status="active")
        .order_by("-pk")
        .first()
    )
    supervisor = (
        StaffMembership.objects.filter(service=treatment.service, role=StaffRole.SUPERVISOR)
        .first()
        .user
    )
    pages = {
        "caseload": (treatment.pwp, _url("workspace:caseload")),
        "review": (treatment.pwp, _url("workspace:review", args=[treatment.pk])),
        "home": (treatment.client, _url("programme:home")),
        "overview": (supervisor, _url("workspace:service_overview")),
    }
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM care_treatment")
        print(f"# {cur.fetchone()[0]:,} treatments in the database\n")
    for name, (user, url) in pages.items():
        client = Client()
        client.force_login(user)
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            client.get(url)
            took = (time.perf_counter() - started) * 1000
        print(f"## {name} ({url}): {len(ctx.captured_queries)} queries, {took:.0f} ms\n")
        queries = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))
        # Only reads can be explained (the read audit's INSERTs and COMMIT cannot).
        queries = [q for q in queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
        for q in queries[: args.top]:
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + q["sql"])
                plan = "\n".join(r[0] for r in cur.fetchall())
            print(f"-- {float(q['time']) * 1000:.1f} ms\n{q['sql'][:600]}\n{plan}\n")
    print("## due-reminder scan\n")
    scan = _scan_versus_count(connection)
    print(f"scan {scan['scan_ms']:.2f} ms, count(*) {scan['count_ms']:.2f} ms\n{scan['plan']}")


if __name__ == "__main__":
    main()

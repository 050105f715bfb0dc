"""Benchmark: how fast the busiest pages render as a PWP's caseload grows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_pagebench \
        .venv/bin/python bench/pages_bench.py --caseloads 10,50,200

1. Migrates the database, loads the shipped programme content and, per caseload
   size n, unless it is already there, generates a service of its own (code
   ``P<n>``) with one PWP, one supervisor and n clients in week 5 of treatment,
   built with the test factories (tests/factories.py, tests/*/factories.py).
   Each client has about five weeks of history: daily mood ratings (a few days
   skipped), sign-ins, the first module done and the second started, two sent
   exercise entries (one with feedback), a goal with ratings, sessions 1 and 2
   held and session 3 booked, session notes, a task, four messages, a baseline
   PHQ-9 and GAD-7 and a PHQ-9 before session 2. Questionnaires are scored by
   the real service, so the clients whose later PHQ-9 answers item 9 above 0
   (about one in fifteen) have an open risk alert; about one in eight has done
   nothing for ten days, one in five has an overdue task and one in three an
   unread message. Rows with no rules of their own are bulk-created.
2. Measures, in this process, with django.test.Client and force_login, after
   warm-up requests, for each size:
   - ``workspace:caseload``, the PWP's caseload (every client of the service);
   - ``workspace:review``, the pre-session review of one client (client 1);
   - ``programme:home``, the home page of that client (week 5);
   - ``workspace:service_overview``, the supervisor's view of the whole service.
   Each page: the median and 95th percentile of the server-side time of
   ``--requests`` GETs, and the SQL queries of one more request
   (CaptureQueriesContext; not timed, as capturing adds work).
3. Prints a table and appends the run to bench/pages_results.json;
   bench/PAGES.md is rebuilt from every recorded run (the latest figure per
   page and size), so runs at different sizes sit side by side.

Not part of `make test`. Needs PostgreSQL: production runs on it, and timings
or query plans from SQLite would say little about it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import random
import statistics
import sys
import time
import zoneinfo
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

RESULTS_JSON = ROOT / "bench" / "pages_results.json"
RESULTS_MD = ROOT / "bench" / "PAGES.md"
PAGES = [
    ("caseload", "PWP caseload", "workspace:caseload"),
    ("review", "Pre-session review (one client)", "workspace:review"),
    ("home", "Client home (week 5)", "programme:home"),
    ("overview", "Supervisor service overview", "workspace:service_overview"),
]
WEEK_5_DAYS = 28  # days since the start on the first day of week 5

CYCLE = {
    "trigger": "Sunday evening, thinking about work on Monday",
    "thoughts": "I can't cope with another week. Everyone will see I'm behind.",
    "feelings": "Dread, tight chest, tired",
    "actions": "Went to bed early, didn't answer my sister's text",
    "outcome": "Slept badly and felt worse on Monday",
}
MESSAGES = [
    (False, "Hello, welcome to the programme. Have a look at the first module before we meet."),
    (True, "Thanks. I did the first part but found the cycle exercise hard."),
    (False, "That's normal at first. We can go through it together on Thursday."),
    (True, "I had a bad few days this week but I kept up the mood check-ins."),
]
GAD7 = {1: 2, 2: 2, 3: 1, 4: 2, 5: 1, 6: 1, 7: 2}  # total 11
MOOD_TAGS = ["sleep", "work", "family", "friends", "health", "exercise", "money", "alone"]


def _setup():
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("DATABASE_URL must point to PostgreSQL.")
    # django.test.Client sends Host: testserver. The test runner allows it in
    # setup_test_environment(), which this script does not call: that also
    # instruments template rendering, which would add to the times.
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if settings.STAFF_2FA_REQUIRED:
        sys.exit("Run with config.settings.test (staff two-step sign-in must be off).")
    return connection


def _code(n: int) -> str:
    code = f"P{n}"
    if len(code) > 8:
        sys.exit("caseload sizes must have at most 7 digits")
    return code


def _email(code: str, who: str) -> str:
    return f"{who}-{code.lower()}@bench.invalid"


# --------------------------------------------------------------------------- data


class _History:
    """Builds one client's five weeks in treatment. Times are local to the service."""

    def __init__(self, *, service, pwp, steps, now, rng):
        self.service = service
        self.pwp = pwp
        self.steps = steps
        self.tz = zoneinfo.ZoneInfo(service.time_zone)
        self.now = now
        self.today = now.astimezone(self.tz).date()
        self.rng = rng

    def at(self, day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.tz)

    def past(self, day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
        """Like `at`, but never later than a minute ago (for what has happened today)."""
        return min(self.at(day, hour, minute), self.now - datetime.timedelta(minutes=1))

    def build(self, i: int):
        from tests.factories import ClientFactory, TreatmentFactory

        code = self.service.code
        days_in = WEEK_5_DAYS + i % 7
        start = self.today - datetime.timedelta(days=days_in)
        # About one in eight stopped doing anything ten days ago.
        last_day = self.today - datetime.timedelta(days=10) if i % 8 == 5 else self.today
        client = ClientFactory(email=_email(code, f"c{i + 1}"))
        treatment = TreatmentFactory(
            client=client,
            pwp=self.pwp,
            service=self.service,
            participant_id=f"{code}-{i + 1:04d}",
            start_date=start,
            planned_end_date=start + datetime.timedelta(weeks=11),
            invited_at=self.at(start - datetime.timedelta(days=1), 9),
            activated_at=self.at(start, 18),
            created_at=self.at(start - datetime.timedelta(days=1), 9),
        )
        self._mood_and_sign_ins(treatment, start, last_day, skip_today=i % 4 == 1)
        self._programme(treatment, start, last_day)
        self._sessions(treatment, start, i)
        self._messages(treatment, start, last_day, unread=i % 3 == 0)
        self._questionnaires(treatment, start, risk=i % 15 == 3)
        return treatment

    def _mood_and_sign_ins(self, treatment, start, last_day, *, skip_today):
        from apps.accounts.models import LoginEvent
        from apps.tracking.models import MoodRating

        ratings, logins = [], []
        day, n = start, 0
        while day <= last_day:
            if not (day == self.today and skip_today) and self.rng.random() > 0.1:
                trend = 3.5 + 3 * n / WEEK_5_DAYS
                value = max(1, min(10, round(self.rng.gauss(trend, 1.3))))
                when = self.past(day, 20, self.rng.randrange(60))
                ratings.append(
                    MoodRating(
                        client=treatment.client,
                        treatment=treatment,
                        value=value,
                        note="Bad night's sleep, stayed in." if value <= 3 else "",
                        tags=self.rng.sample(MOOD_TAGS, self.rng.randrange(3)),
                        rated_on=day,
                        created_at=when,
                    )
                )
                if n % 2 == 0:
                    logins.append(LoginEvent(user=treatment.client, at=when))
            day += datetime.timedelta(days=1)
            n += 1
        MoodRating.objects.bulk_create(ratings)
        LoginEvent.objects.bulk_create(logins)

    def _programme(self, treatment, start, last_day):
        """The first module done in week 1, the second started (three steps done)."""
        from apps.programme.models import ModulePlan, StepProgress
        from tests.programme.factories import EntryFeedbackFactory, ExerciseEntryFactory
        from tests.tracking.factories import GoalFactory, GoalRatingFactory

        first = self.steps["psychoeducation"]
        second = self.steps["behavioural-activation"]
        # (step, days after the start): module 1 over days 1-5; module 2 from day 9,
        # the activity diary sent after session 2 (day 14), the fourth step opened.
        timeline = [(s, 1 + k * 5 // len(first)) for k, s in enumerate(first)]
        timeline += list(zip(second[:4], (9, 19, 22, 25), strict=True))
        done = {}  # step: when it was completed
        progress = []
        for k, (step, offset) in enumerate(timeline):
            day = start + datetime.timedelta(days=offset)
            if day > last_day:
                break
            opened = self.at(day, 19, 5 * (k % 8))
            finished = opened + datetime.timedelta(minutes=step.minutes)
            is_last = k == len(timeline) - 1  # the fourth step of module 2: opened only
            progress.append(
                StepProgress(
                    treatment=treatment,
                    step=step,
                    opened_at=opened,
                    last_opened_at=opened,
                    last_seen_at=finished,
                    completed_at=None if is_last else finished,
                    seconds_spent=step.minutes * 60,
                    visit_seconds=step.minutes * 60,
                )
            )
            if not is_last:
                done[step] = finished
        StepProgress.objects.bulk_create(progress)
        plans = []
        for steps in (first, second):
            reached = [p for p in progress if p.step in steps]
            if reached:
                completed = all(s in done for s in steps)
                plans.append(
                    ModulePlan(
                        treatment=treatment,
                        module=steps[0].module,
                        started_at=reached[0].opened_at,
                        completed_at=max(done[s] for s in steps) if completed else None,
                    )
                )
        ModulePlan.objects.bulk_create(plans)

        cycle = next(s for s in first if s.slug == "my-cycle")
        goals = next(s for s in first if s.slug == "my-goals")
        diary = next(s for s in second if s.slug == "activity-diary")
        if cycle in done:
            entry = ExerciseEntryFactory(
                treatment=treatment,
                step=cycle,
                data=CYCLE,
                submitted_at=done[cycle],
                created_at=done[cycle],
            )
            EntryFeedbackFactory(
                entry=entry,
                author=self.pwp,
                created_at=done[cycle] + datetime.timedelta(days=1),
                read_at=done[cycle] + datetime.timedelta(days=2),
            )
        if diary in done:
            ExerciseEntryFactory(
                treatment=treatment,
                step=diary,
                data=_activity_diary(done[diary].date()),
                submitted_at=done[diary],
                created_at=done[diary],
            )
        if goals in done:
            goal = GoalFactory(client=treatment.client, treatment=treatment, created_at=done[goals])
            for week in range(4):
                rated = done[goals] + datetime.timedelta(weeks=week)
                if rated.date() <= last_day:
                    GoalRatingFactory(
                        goal=goal, value=1 + 2 * week, rated_by=treatment.client, rated_at=rated
                    )

    def _sessions(self, treatment, start, i):
        from apps.care.models import AppointmentStatus
        from tests.care.factories import AppointmentFactory, BespokeTaskFactory, SessionNoteFactory

        held = []
        for number, day in ((1, 7), (2, 14)):
            when = self.at(start + datetime.timedelta(days=day), 10)
            status = AppointmentStatus.ATTENDED
            if number == 2 and i % 6 == 4:
                status = AppointmentStatus.DID_NOT_ATTEND
            held.append(
                AppointmentFactory(
                    treatment=treatment,
                    number=number,
                    starts_at=when,
                    status=status,
                    created_by=self.pwp,
                    created_at=when - datetime.timedelta(days=7),
                )
            )
        AppointmentFactory(
            treatment=treatment,
            number=3,
            starts_at=self.at(self.today + datetime.timedelta(days=1 + i % 5), 9 + i % 8),
            created_by=self.pwp,
        )
        for appointment in held:
            if appointment.status == AppointmentStatus.ATTENDED:
                SessionNoteFactory(
                    treatment=treatment,
                    appointment=appointment,
                    author=self.pwp,
                    created_at=appointment.starts_at + datetime.timedelta(minutes=40),
                )
        overdue = i % 5 == 2
        due = self.today - datetime.timedelta(days=2 if overdue else -3)
        BespokeTaskFactory(
            treatment=treatment,
            due_date=due,
            created_by=self.pwp,
            created_at=held[-1].starts_at,
        )

    def _messages(self, treatment, start, last_day, *, unread):
        from tests.care.factories import MessageFactory

        days = (1, 9, 9, (last_day - start).days)
        for k, ((from_client, body), day) in enumerate(zip(MESSAGES, days, strict=True)):
            sent = self.past(start + datetime.timedelta(days=day), 12 + k)
            last = k == len(MESSAGES) - 1
            MessageFactory(
                treatment=treatment,
                from_client=from_client,
                body=body,
                created_at=sent,
                read_at=None if last and unread else sent + datetime.timedelta(hours=3),
            )

    def _questionnaires(self, treatment, start, *, risk):
        """Baseline PHQ-9 and GAD-7, and a PHQ-9 the day before session 2, scored by the service."""
        from tests.care.factories import PHQ9_ITEM9, PHQ9_MODERATE
        from tests.questionnaires.factories import PHQ9_NO_RISK

        self._completed(treatment, "phq9", "baseline", PHQ9_MODERATE, start)
        self._completed(treatment, "gad7", "baseline", GAD7, start)
        later = PHQ9_ITEM9 if risk else PHQ9_NO_RISK
        self._completed(
            treatment, "phq9", "pre_session_2", later, start + datetime.timedelta(days=13)
        )

    def _completed(self, treatment, instrument, time_point, answers, day):
        from apps.questionnaires.models import Administration, Answer
        from apps.questionnaires.services import administration_complete
        from apps.safety.models import RiskAlert
        from tests.questionnaires.factories import AdministrationFactory

        # Opened now so that the service accepts it, then moved back in time.
        administration = AdministrationFactory(
            treatment=treatment, instrument=instrument, time_point=time_point
        )
        when = self.at(day, 19, 30)
        Answer.objects.bulk_create(
            Answer(administration=administration, item=item, value=value, answered_at=when)
            for item, value in answers.items()
        )
        administration_complete(administration=administration)
        Administration.objects.filter(pk=administration.pk).update(
            due_from=self.at(day, 0),
            due_until=self.at(day + datetime.timedelta(days=7), 0),
            opened_at=when,
            started_at=when,
            completed_at=when + datetime.timedelta(minutes=4),
            created_at=self.at(day, 0),
        )
        RiskAlert.objects.filter(administration=administration).update(
            raised_at=when + datetime.timedelta(minutes=4)
        )


def _activity_diary(day: datetime.date) -> dict:
    def row(days_before, time_, activity, who, kind, mood, enjoyment, achievement):
        return {
            "day": (day - datetime.timedelta(days=days_before)).isoformat(),
            "time": time_,
            "activity": activity,
            "who_with": who,
            "type": kind,
            "mood": mood,
            "enjoyment": enjoyment,
            "achievement": achievement,
        }

    return {
        "patterns": "My mood was better when I got out of the flat, especially with my sister.",
        "rows": [
            row(2, "09:00", "Stayed in bed, on my phone", "", "", 2, 1, 0),
            row(2, "12:00", "Shower and made beans on toast", "", "routine", 3, 3, 5),
            row(1, "15:00", "Walked to the shop with my sister", "Sister", "pleasurable", 6, 5, 5),
            row(0, "10:00", "Rang the GP surgery about my prescription", "", "necessary", 4, 1, 7),
        ],
    }


def generate(n: int) -> None:
    """Create service P<n> with its staff and n clients, unless it is already complete."""
    from django.db import connection, transaction
    from django.db.models import F
    from django.utils import timezone

    from apps.care.models import Service
    from apps.programme.models import Step
    from apps.tracking.models import MoodRating
    from tests.factories import ServiceFactory, StaffFactory

    code = _code(n)
    service = Service.objects.filter(code=code).first()
    if service and service.treatments.count() == n:
        print(f"Reusing service {code} ({n} clients, generated {service.created_at:%Y-%m-%d}).")
        return
    if service:
        sys.exit(f"Service {code} is half-filled: drop and recreate the database.")

    started = time.perf_counter()
    steps: dict[str, list] = {}
    for step in Step.objects.filter(is_active=True).select_related("module"):
        steps.setdefault(step.module.slug, []).append(step)
    rng = random.Random(n)
    with transaction.atomic():
        service = ServiceFactory(code=code, name=f"Benchmark service, {n} clients")
        pwp = StaffFactory(email=_email(code, "pwp"), pwp_in=service)
        StaffFactory(email=_email(code, "supervisor"), supervisor_of=service)
        history = _History(service=service, pwp=pwp, steps=steps, now=timezone.now(), rng=rng)
        for i in range(n):
            history.build(i)
    # bulk_create stamps auto_now fields with the present: move them back to when
    # the rating was made, as the last-activity column reads updated_at.
    MoodRating.objects.filter(treatment__service=service).update(updated_at=F("created_at"))
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"Generated service {code}: {n} clients in {time.perf_counter() - started:.1f} s.")


# --------------------------------------------------------------------------- measures


def _percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(len(ordered) * q / 100)) - 1]


def _time_page(user, url: str, *, requests: int, warmup: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    for _ in range(warmup):
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"GET {url} as {user.email} answered {response.status_code}.")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    # Read now: the captured list is a view of the connection's log, which the
    # next request clears.
    queries = len(ctx.captured_queries)
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "median_ms": statistics.median(samples),
        "p95_ms": _percentile(samples, 95),
        "queries": queries,
        "html_kb": len(response.content) / 1024,
    }


def measure(n: int, *, requests: int, warmup: int) -> list[dict]:
    from django.urls import reverse

    from apps.accounts.models import User
    from apps.care.models import Treatment

    code = _code(n)
    treatment = Treatment.objects.select_related("client").get(participant_id=f"{code}-0001")
    pwp = User.objects.get(email=_email(code, "pwp"))
    supervisor = User.objects.get(email=_email(code, "supervisor"))
    targets = {
        "caseload": (pwp, reverse("workspace:caseload")),
        "review": (pwp, reverse("workspace:review", args=[treatment.pk])),
        "home": (treatment.client, reverse("programme:home")),
        "overview": (supervisor, reverse("workspace:service_overview")),
    }
    results = []
    for key, _label, _name in PAGES:
        user, url = targets[key]
        print(f"  {key} at {n} clients ...", flush=True)
        result = _time_page(user, url, requests=requests, warmup=warmup)
        results.append({"page": key, "caseload": n, **result})
    return results


# --------------------------------------------------------------------------- report


def _table(results: list[dict]) -> str:
    labels = {key: label for key, label, _name in PAGES}
    names = {key: name for key, _label, name in PAGES}
    order = {key: i for i, (key, _label, _name) in enumerate(PAGES)}
    lines = [
        "| Page | URL name | Clients | Median (ms) | p95 (ms) | Queries | HTML (KB) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(results, key=lambda r: (order[r["page"]], r["caseload"])):
        lines.append(
            f"| {labels[r['page']]} | `{names[r['page']]}` | {r['caseload']:,} "
            f"| {r['median_ms']:.0f} | {r['p95_ms']:.0f} | {r['queries']} "
            f"| {r['html_kb']:.0f} |"
        )
    return "\n".join(lines)


def write_results(record: dict) -> None:
    records = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else []
    records.append(record)
    RESULTS_JSON.write_text(json.dumps(records, indent=2) + "\n")
    # The latest figure for each page and size, whichever run measured it.
    latest: dict[tuple[str, int], dict] = {}
    for run in records:
        for r in run["results"]:
            latest[(r["page"], r["caseload"])] = r
    runs = "\n".join(
        f"  - {run['date']}: {', '.join(str(n) for n in run['caseloads'])} clients, "
        f"{run['requests']} timed requests per page; {run['machine']}."
        for run in records
    )
    RESULTS_MD.write_text(
        "# Page benchmark\n\n"
        "Server-side time of the busiest pages as a PWP's caseload grows, made by "
        "`bench/pages_bench.py` (see its docstring for the data). For each size the script "
        "generates a service whose clients are all in week 5 with about five weeks of "
        "history each (mood ratings, steps, exercise entries, sessions, questionnaires, "
        "messages, some risk alerts), then requests each page in-process through "
        "`django.test.Client` as the user who sees it (`force_login`, after warm-up). "
        "Times are the median and 95th percentile over the timed requests and include "
        "middleware, the database and template rendering, not the network or the "
        "browser. Queries are counted on one further request.\n\n"
        f"{_table(list(latest.values()))}\n\n"
        "How to read it:\n\n"
        "- *Clients* is the size of the service, all on one PWP's caseload. The review "
        "and home pages show one client whatever the size: they should stay flat.\n"
        "- The query count should be the same at every size. A count that grows with "
        "the caseload is a query per row (an N+1), and will get slower in production, "
        "where each query also crosses the network.\n"
        "- Time that grows with the caseload while queries stay constant is the work "
        "per row: the database's subqueries and Python building and rendering each row "
        "(the caseload draws a mood sparkline per client). *HTML* is the page's size.\n"
        "- Times are from a shared 2-CPU machine and vary between runs (other "
        "processes compete for the CPUs): read them for their order of magnitude and "
        "how they grow, not to the millisecond.\n"
        f"- Runs recorded (bench/pages_results.json):\n{runs}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--caseloads",
        default="10,50,200",
        help="comma-separated numbers of clients, one service per size (default 10,50,200)",
    )
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    args = parser.parse_args()
    try:
        sizes = sorted({int(n) for n in args.caseloads.split(",") if n.strip()})
    except ValueError:
        sys.exit("--caseloads takes numbers, e.g. 10,50,200")
    if not sizes or min(sizes) < 1 or args.requests < 1:
        sys.exit("--caseloads and --requests must be at least 1")

    connection = _setup()
    from django.conf import settings
    from django.core.management import call_command

    from apps.programme.content import content_load

    call_command("migrate", verbosity=0)
    content_load(directory=settings.CONTENT_DIR)
    for n in sizes:
        generate(n)
    results = []
    for n in sizes:
        print(f"Measuring {n} clients ...", flush=True)
        results += measure(n, requests=args.requests, warmup=args.warmup)
    major, minor = divmod(connection.pg_version, 10000)
    record = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, PostgreSQL {major}.{minor}",
        "caseloads": sizes,
        "requests": args.requests,
        "warmup": args.warmup,
        "results": results,
    }
    print(_table(results))
    write_results(record)
    print(f"Wrote {RESULTS_MD.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

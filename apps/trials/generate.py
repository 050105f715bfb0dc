"""A synthetic trial at scale, for benchmarks and load tests (`manage.py generate_trial`).

Services of up to eight PWPs and a supervisor each; every PWP holds a caseload
of 30 to 60 clients; clients at every stage (invited, weeks 1 to 11 of
treatment, completed, dropped out, withdrawn). Each client who started has
their own history up to today: daily mood ratings (some days skipped), the
programme's steps opened and completed, messages both ways, sessions 1 to 6
(held, missed, booked), PHQ-9 and GAD-7 at baseline and before each session
(with answers and bands), the client's and the practitioner's WAI after
session 2 and, for completed clients, PHQ-9 and both WAIs at the end of
treatment (each recording who answered: the client signed in, or for the
WAI-SF-T the client's PWP), a risk alert for about one client in fifteen, sign-ins, sent
reminders and audit entries. The history is then topped up with
sign-ins, sent reminders, audit entries and earlier mood ratings until the
database holds about `history_rows` rows of history.

Nothing looks like a real person: emails are ``client-000123@<prefix>.invalid``,
names are empty, text is "Synthetic ...". Everything except the handful of
staff rows is written by INSERT ... SELECT over generate_series inside
PostgreSQL, so 50,000 clients and 2M rows take minutes, not hours.

Idempotent: the generated services carry the parameters in their name; a
second run with the same parameters finds them and changes nothing, a run
with other parameters refuses (use a fresh database or `replace=True`).
"""

from __future__ import annotations

import datetime
import math
import time
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.care.models import Service, StaffMembership, StaffRole
from apps.notifications.models import Notification
from apps.programme.models import Step
from apps.questionnaires.catalogue import scoring_definition
from apps.tracking.models import MoodRating

PWPS_PER_SERVICE = 8
SESSION_DAYS = (1, 15, 29, 43, 57, 71)  # day of treatment of sessions 1-6
STAGES = 15  # 0 invited, 1-11 week of treatment, 12 completed, 13 dropped out, 14 withdrawn
HISTORY_TABLES = (
    "tracking_moodrating",
    "programme_stepprogress",
    "messaging_message",
    "care_appointment",
    "questionnaires_administration",
    "questionnaires_answer",
    "safety_riskalert",
    "accounts_loginevent",
    "notifications_notification",
    "auditlog_logentry",
)


class GenerateError(Exception):
    """The database holds another generated trial, or is not PostgreSQL."""


@dataclass
class Result:
    prefix: str
    clients: int
    services: int
    pwps: int
    history_rows: int
    seconds: float
    created: bool


def _name(prefix: str, clients: int, history_rows: int, n: int) -> str:
    return f"Generated trial {prefix} site {n} ({clients} clients, {history_rows} rows)"


def caseloads(clients: int, *, low: int = 30, high: int = 60) -> list[int]:
    """Caseload sizes between `low` and `high` (when there are that many
    clients) adding up to `clients`, spread evenly and deterministically."""
    if clients <= high:
        return [clients]
    n = max(1, math.ceil(clients / ((low + high) / 2)))
    sizes = [clients // n + (1 if i < clients % n else 0) for i in range(n)]
    # Uneven on purpose, within the bounds: move clients between neighbours.
    for i in range(0, n - 1, 2):
        shift = min(sizes[i] - low, high - sizes[i + 1], 5 + i % 7)
        if shift > 0:
            sizes[i] -= shift
            sizes[i + 1] += shift
    return sizes


def generated_services(prefix: str):
    """The services of the trial generated with `prefix` (by name: codes alone
    would mix prefixes, as C30's first site, C3001, starts with C300)."""
    return Service.objects.filter(name__startswith=f"Generated trial {prefix} site ")


def existing(prefix: str) -> Service | None:
    return generated_services(prefix).order_by("code").first()


def history_count(prefix: str) -> int:
    """Rows of history that belong to the generated trial's clients."""
    with connection.cursor() as cur:
        cur.execute(_COUNT_SQL, {"like": f"client-%@{prefix.lower()}.invalid"})
        return cur.fetchone()[0]


_COUNT_SQL = """
WITH t AS (
    SELECT t.id, t.client_id FROM care_treatment t JOIN accounts_user u ON u.id = t.client_id
    WHERE u.email LIKE %(like)s
)
SELECT (SELECT count(*) FROM tracking_moodrating m WHERE m.client_id IN (SELECT client_id FROM t))
     + (SELECT count(*) FROM programme_stepprogress s WHERE s.treatment_id IN (SELECT id FROM t))
     + (SELECT count(*) FROM messaging_message s WHERE s.treatment_id IN (SELECT id FROM t))
     + (SELECT count(*) FROM care_appointment s WHERE s.treatment_id IN (SELECT id FROM t))
     + (SELECT count(*) FROM questionnaires_administration s
        WHERE s.treatment_id IN (SELECT id FROM t))
     + (SELECT count(*) FROM questionnaires_answer a JOIN questionnaires_administration s
        ON s.id = a.administration_id WHERE s.treatment_id IN (SELECT id FROM t))
     + (SELECT count(*) FROM safety_riskalert s WHERE s.treatment_id IN (SELECT id FROM t))
     + (SELECT count(*) FROM accounts_loginevent s WHERE s.user_id IN (SELECT client_id FROM t))
     + (SELECT count(*) FROM notifications_notification s
        WHERE s.recipient_id IN (SELECT client_id FROM t))
     + (SELECT count(*) FROM auditlog_logentry s WHERE s.object_pk LIKE %(like)s)
"""


def generate(
    *,
    clients: int,
    history_rows: int,
    prefix: str = "GT",
    caseload_low: int = 30,
    caseload_high: int = 60,
    pwps_per_service: int = PWPS_PER_SERVICE,
    today: datetime.date | None = None,
    log=print,
) -> Result:
    """Build the trial (or find it already built). See the module docstring."""
    if connection.vendor != "postgresql":
        raise GenerateError("generate_trial needs PostgreSQL (it writes with generate_series).")
    if not (1 <= len(prefix) <= 4 and prefix.isalnum()):
        raise GenerateError("The prefix must be 1 to 4 letters or digits.")
    started = time.perf_counter()
    found = existing(prefix)
    if found is not None:
        if found.name.endswith(f"({clients} clients, {history_rows} rows)"):
            services = generated_services(prefix)
            return Result(
                prefix,
                clients,
                services.count(),
                StaffMembership.objects.filter(service__in=services, role=StaffRole.PWP).count(),
                history_count(prefix),
                time.perf_counter() - started,
                created=False,
            )
        raise GenerateError(
            f"The database already holds a generated trial {prefix} of another size "
            f"({found.name}). Use a fresh database or another --prefix."
        )
    steps = list(Step.objects.order_by("module__order", "module__pk", "order", "pk")
                 .values_list("pk", flat=True))  # fmt: skip
    if not steps:
        raise GenerateError("Load the programme first: manage.py load_content.")
    today = today or timezone.localdate()
    sizes = caseloads(clients, low=caseload_low, high=caseload_high)
    n_services = math.ceil(len(sizes) / pwps_per_service)
    with transaction.atomic():
        _staff_and_clients(
            prefix, clients, history_rows, sizes, n_services, pwps_per_service, today, log
        )
        _history(prefix, steps, today, log)
        base = history_count(prefix)
        if history_rows > base:
            _top_up(prefix, history_rows - base, today, log)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return Result(
        prefix,
        clients,
        n_services,
        len(sizes),
        history_count(prefix),
        time.perf_counter() - started,
        created=True,
    )


def _staff_and_clients(prefix, clients, history_rows, sizes, n_services, per_service, today, log):
    p = prefix.lower()
    services = [
        Service.objects.create(
            code=f"{prefix}{i + 1:02d}", name=_name(prefix, clients, history_rows, i + 1)
        )
        for i in range(n_services)
    ]
    supervisors = User.objects.bulk_create(
        User(email=f"supervisor-{i + 1:03d}@{p}.invalid", is_supervisor=True, password="!")
        for i in range(n_services)
    )
    pwps = User.objects.bulk_create(
        User(email=f"pwp-{i + 1:04d}@{p}.invalid", is_pwp=True, password="!")
        for i in range(len(sizes))
    )
    StaffMembership.objects.bulk_create(
        [
            *(
                StaffMembership(user=u, service=s, role=StaffRole.SUPERVISOR)
                for u, s in zip(supervisors, services, strict=True)
            ),
            *(
                StaffMembership(user=u, service=services[i // per_service], role=StaffRole.PWP)
                for i, u in enumerate(pwps)
            ),
        ]
    )
    pwp_of, service_of = [], []
    for i, (user, size) in enumerate(zip(pwps, sizes, strict=True)):
        pwp_of += [user.pk] * size
        service_of += [services[i // per_service].pk] * size
    log(f"{n_services} services, {len(pwps)} PWPs (caseloads {min(sizes)}-{max(sizes)}).")
    with connection.cursor() as cur:
        # One row per client: number, PWP, service, stage and days since the start.
        # Dropped at commit; in a test's transaction (no commit) the next run drops it.
        cur.execute("DROP TABLE IF EXISTS gt_client")
        cur.execute(
            """
            CREATE TEMP TABLE gt_client ON COMMIT DROP AS
            SELECT c.n::int AS n, c.pwp_id, c.service_id, (c.n %% %(stages)s)::int AS stage,
                   NULL::bigint AS user_id, NULL::bigint AS treatment_id, 0 AS days_in
            FROM unnest(%(pwps)s::bigint[], %(services)s::bigint[])
                 WITH ORDINALITY AS c(pwp_id, service_id, n)
            """,
            {"stages": STAGES, "pwps": pwp_of, "services": service_of},
        )
        # Invited: starts today. Weeks 1-11: somewhere in that week. Ended: 77 days
        # of treatment that finished up to a year ago.
        cur.execute(
            """
            UPDATE gt_client SET days_in = CASE
                WHEN stage = 0 THEN 0
                WHEN stage <= 11 THEN (stage - 1) * 7 + n %% 7
                ELSE 78 + n %% 300 END
            """,
            {},
        )
        cur.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, email, first_name, last_name,
                preferred_name, is_client, is_pwp, is_supervisor, is_trial_manager, is_staff,
                is_active, time_zone, language, two_step_generation, date_joined)
            SELECT '!', false, format('client-%%s@%%s.invalid', lpad(n::text, 6, '0'), %(p)s),
                   '', '', '', true, false, false, false, false, true, '', '', 0,
                   %(today)s::date - days_in - 1 + time '09:00'
            FROM gt_client
            """,
            {"p": p, "today": today},
        )
        cur.execute(
            """
            UPDATE gt_client g SET user_id = u.id FROM accounts_user u
            WHERE u.email = format('client-%%s@%%s.invalid', lpad(g.n::text, 6, '0'), %(p)s)
            """,
            {"p": p},
        )
        cur.execute(
            """
            INSERT INTO care_treatment (participant_id, status, start_date, planned_end_date,
                invited_at, activated_at, ended_at, created_at, updated_at, client_id, pwp_id,
                service_id, welcome_message)
            SELECT s.code || '-' || lpad(g.n::text, 6, '0'),
                   CASE g.stage WHEN 0 THEN 'invited' WHEN 12 THEN 'completed'
                        WHEN 13 THEN 'dropped_out' WHEN 14 THEN 'withdrawn' ELSE 'active' END,
                   %(today)s::date - g.days_in,
                   %(today)s::date - g.days_in + 77,
                   %(today)s::date - g.days_in - 1 + time '09:00',
                   CASE WHEN g.stage > 0 THEN %(today)s::date - g.days_in + time '18:00' END,
                   CASE WHEN g.stage >= 12
                        THEN %(today)s::date - g.days_in
                             + CASE g.stage WHEN 12 THEN 77 ELSE 30 END + time '12:00' END,
                   %(today)s::date - g.days_in - 1 + time '09:00',
                   %(today)s::date - g.days_in - 1 + time '09:00',
                   g.user_id, g.pwp_id, g.service_id, ''
            FROM gt_client g JOIN care_service s ON s.id = g.service_id
            """,
            {"today": today},
        )
        cur.execute(
            """
            UPDATE gt_client g SET treatment_id = t.id,
                days_in = LEAST(g.days_in, CASE g.stage WHEN 12 THEN 77 WHEN 13 THEN 30
                                                        WHEN 14 THEN 30 ELSE g.days_in END)
            FROM care_treatment t WHERE t.client_id = g.user_id
            """
        )
        cur.execute("UPDATE care_service SET next_participant_number = %s WHERE id = ANY(%s)",
                    [clients + 1, [s.pk for s in services]])  # fmt: skip
        cur.execute("CREATE INDEX ON gt_client (treatment_id)")
        cur.execute("ANALYZE gt_client")
    log(f"{clients:,} clients and treatments.")


def _history(prefix, steps, today, log):
    """Each started client's own history, days 0..days_in of treatment. Times
    are built from the start date (local 'today' based), so 'now' is about today."""
    phq9 = scoring_definition("phq9").version
    gad7 = scoring_definition("gad7").version
    wai_c = scoring_definition("wai_sf_c").version
    wai_t = scoring_definition("wai_sf_t").version
    mood_ct, notification_ct = _content_types()
    params = {
        "today": today,
        "steps": steps,
        "nsteps": len(steps),
        "sessions": list(SESSION_DAYS),
        "phq9": phq9,
        "gad7": gad7,
        "wai_c": wai_c,
        "wai_t": wai_t,
        "mood_ct": mood_ct,
        "notification_ct": notification_ct,
    }
    statements = {
        "mood ratings": """
            INSERT INTO tracking_moodrating (value, note, tags, rated_on, created_at, updated_at,
                                             client_id, treatment_id)
            SELECT 1 + ((g.n * 7 + d * 3 + d * d / 9) %% 10), '', '[]', t.start_date + d,
                   t.start_date + d + time '20:00' + (g.n %% 60) * interval '1 minute',
                   t.start_date + d + time '20:00', g.user_id, g.treatment_id
            FROM gt_client g JOIN care_treatment t ON t.id = g.treatment_id
            CROSS JOIN generate_series(0, g.days_in) d
            WHERE g.stage > 0 AND (g.n * 31 + d * 17) %% 10 <> 0
              AND NOT (g.n %% 8 = 5 AND d > g.days_in - 10)
              AND t.start_date + d < %(today)s
            """,
        "step progress": """
            INSERT INTO programme_stepprogress (opened_at, last_opened_at, last_seen_at,
                completed_at, visits, seconds_spent, visit_seconds, step_id, treatment_id)
            SELECT t.start_date + ((s.k - 1) * 70 / %(nsteps)s)::int + time '19:00',
                   t.start_date + ((s.k - 1) * 70 / %(nsteps)s)::int + time '19:00',
                   t.start_date + ((s.k - 1) * 70 / %(nsteps)s)::int + time '19:05',
                   CASE WHEN (g.n + s.k) %% 6 <> 0
                        THEN t.start_date + ((s.k - 1) * 70 / %(nsteps)s)::int + time '19:05' END,
                   1 + s.k %% 3, 300, 300, s.step_id, g.treatment_id
            FROM gt_client g JOIN care_treatment t ON t.id = g.treatment_id
            CROSS JOIN unnest(%(steps)s::bigint[]) WITH ORDINALITY AS s(step_id, k)
            WHERE g.stage > 0 AND ((s.k - 1) * 70 / %(nsteps)s)::int
                  < g.days_in - CASE WHEN g.n %% 8 = 5 THEN 10 ELSE 0 END
            """,
        "messages": """
            INSERT INTO messaging_message (from_client, body, created_at, read_at,
                                           idempotency_key, sender_id, treatment_id)
            SELECT m %% 2 = 1, 'Synthetic message ' || m,
                   t.start_date + m * 4 + time '13:00',
                   CASE WHEN NOT (g.n %% 3 = 0 AND m * 4 + 4 > g.days_in)
                        THEN t.start_date + m * 4 + time '17:00' END,
                   gen_random_uuid(),
                   CASE WHEN m %% 2 = 1 THEN t.client_id ELSE t.pwp_id END, g.treatment_id
            FROM gt_client g JOIN care_treatment t ON t.id = g.treatment_id
            CROSS JOIN generate_series(0, 20) m
            WHERE g.stage > 0 AND m * 4 < g.days_in
              AND NOT (g.n %% 8 = 5 AND m %% 2 = 1 AND m * 4 > g.days_in - 10)
            """,
        "sessions": """
            INSERT INTO care_appointment (number, starts_at, duration_minutes, location, status,
                                          created_at, updated_at, created_by_id, treatment_id)
            SELECT s.k, t.start_date + s.d + time '10:00', 30, '',
                   CASE WHEN s.d >= g.days_in OR t.start_date + s.d >= %(today)s
                        THEN 'scheduled'
                        WHEN (g.n + s.k) %% 9 = 4 THEN 'did_not_attend' ELSE 'attended' END,
                   t.start_date + time '09:00', t.start_date + time '09:00', t.pwp_id,
                   g.treatment_id
            FROM gt_client g JOIN care_treatment t ON t.id = g.treatment_id
            CROSS JOIN LATERAL (SELECT u.d, u.k0::int AS k FROM unnest(%(sessions)s::int[])
                 WITH ORDINALITY AS u(d, k0)) AS s
            WHERE g.stage > 0 AND (s.d < g.days_in OR (s.k = 1 OR s.d - 14 < g.days_in)
                  AND g.stage <= 11)
            """,
        "questionnaires": """
            INSERT INTO questionnaires_administration (instrument, definition_version,
                wording_version, time_point, due_from, due_until, status, opened_at, started_at,
                completed_at, reminders_sent, link_nonce, valid, total, raw_sum, n_answered,
                prorated, band, subscales, risk, severe, created_at, updated_at,
                appointment_id, treatment_id, answered_by_id)
            SELECT q.code, CASE q.code WHEN 'phq9' THEN %(phq9)s ELSE %(gad7)s END, '',
                   CASE WHEN a.number = 1 THEN 'baseline'
                        ELSE 'pre_session_' || a.number END,
                   a.starts_at - interval '3 days', a.starts_at, 'completed',
                   a.starts_at - interval '1 day', a.starts_at - interval '1 day',
                   a.starts_at - interval '1 day' + interval '5 minutes', 0, '', true,
                   q.items * greatest(0, 3 - a.number / 2)
                     + CASE WHEN q.code = 'phq9' AND g.n %% 15 = 3 AND a.number > 1 THEN 1
                            ELSE 0 END,
                   q.items * greatest(0, 3 - a.number / 2)
                     + CASE WHEN q.code = 'phq9' AND g.n %% 15 = 3 AND a.number > 1 THEN 1
                            ELSE 0 END,
                   CASE q.code WHEN 'phq9' THEN 9 ELSE 7 END, false, '', '{}', '{}', false,
                   a.starts_at - interval '3 days', a.starts_at - interval '1 day',
                   CASE WHEN a.number > 1 THEN a.id END, g.treatment_id, g.user_id
            FROM gt_client g JOIN care_appointment a ON a.treatment_id = g.treatment_id
            CROSS JOIN (VALUES ('phq9', 8), ('gad7', 7)) AS q(code, items)
            WHERE a.status <> 'scheduled' AND (q.code = 'phq9' OR a.number = 1)
            """,
        "answers": """
            INSERT INTO questionnaires_answer (item, value, answered_at, administration_id)
            SELECT i, CASE WHEN i <= q.items THEN greatest(0, 3 - coalesce(a.number, 1) / 2)
                           WHEN q.code = 'phq9' AND i = 9
                             THEN q_adm.total
                                  - q.items * greatest(0, 3 - coalesce(a.number, 1) / 2)
                           ELSE 1 END,
                   q_adm.completed_at, q_adm.id
            FROM gt_client g
            JOIN questionnaires_administration q_adm ON q_adm.treatment_id = g.treatment_id
            LEFT JOIN care_appointment a ON a.id = q_adm.appointment_id
            JOIN (VALUES ('phq9', 8), ('gad7', 7)) AS q(code, items) ON q.code = q_adm.instrument
            CROSS JOIN generate_series(1, 10) i
            WHERE i <= q.items + CASE q.code WHEN 'phq9' THEN 2 ELSE 1 END
            """,
        "risk alerts": """
            INSERT INTO safety_riskalert (source, raised_at, status, acknowledgement_note,
                                          administration_id, treatment_id, screen_matches,
                                          escalation_step)
            SELECT 'phq9_item9', q.completed_at, 'open', '', q.id, q.treatment_id, '[]', 0
            FROM gt_client g JOIN questionnaires_administration q
                 ON q.treatment_id = g.treatment_id
            WHERE g.n %% 15 = 3 AND q.instrument = 'phq9' AND q.time_point <> 'baseline'
            """,
        # The alliance (issue 14): the client's and the practitioner's WAI after
        # session 2, and for completed clients an end-of-treatment PHQ-9 and WAI.
        # Answers first, then totals, bands and subscales summed from them. Who
        # answered: the client (signed in), or for the WAI-SF-T the client's PWP.
        "working alliance": """
            INSERT INTO questionnaires_administration (instrument, definition_version,
                wording_version, time_point, due_from, due_until, status, opened_at, started_at,
                completed_at, reminders_sent, link_nonce, valid, total, raw_sum, n_answered,
                prorated, band, subscales, risk, severe, created_at, updated_at,
                appointment_id, treatment_id, answered_by_id)
            SELECT w.code, CASE w.code WHEN 'wai_sf_c' THEN %(wai_c)s ELSE %(wai_t)s END,
                   'placeholder', 'early_alliance',
                   a.starts_at + interval '1 hour', a.starts_at + interval '8 days', 'completed',
                   a.starts_at + w.after, a.starts_at + w.after,
                   a.starts_at + w.after + interval '4 minutes', 0, '', true, 0, 0, 12, false,
                   '', '{}'::jsonb, '{}'::jsonb, false, a.starts_at + interval '1 hour',
                   a.starts_at + w.after, a.id, g.treatment_id,
                   CASE w.code WHEN 'wai_sf_t' THEN g.pwp_id ELSE g.user_id END
            FROM gt_client g JOIN care_appointment a
                 ON a.treatment_id = g.treatment_id AND a.number = 2 AND a.status = 'attended'
            CROSS JOIN (VALUES ('wai_sf_c', interval '1 day'), ('wai_sf_t', interval '1 hour'))
                 AS w(code, after)
            UNION ALL
            SELECT e.code, CASE e.code WHEN 'phq9' THEN %(phq9)s WHEN 'wai_sf_c' THEN %(wai_c)s
                                ELSE %(wai_t)s END,
                   CASE e.code WHEN 'phq9' THEN '' ELSE 'placeholder' END, 'end_of_treatment',
                   t.ended_at - interval '3 days', t.ended_at + interval '11 days', 'completed',
                   t.ended_at - interval '1 day', t.ended_at - interval '1 day',
                   t.ended_at - interval '1 day' + e.after, 0, '', true, 0, 0,
                   CASE e.code WHEN 'phq9' THEN 9 ELSE 12 END, false, '', '{}'::jsonb,
                   '{}'::jsonb, false,
                   t.ended_at - interval '3 days', t.ended_at - interval '1 day', NULL,
                   g.treatment_id, CASE e.code WHEN 'wai_sf_t' THEN g.pwp_id ELSE g.user_id END
            FROM gt_client g JOIN care_treatment t ON t.id = g.treatment_id
            CROSS JOIN (VALUES ('phq9', interval '5 minutes'), ('wai_sf_c', interval '9 minutes'),
                               ('wai_sf_t', interval '2 hours')) AS e(code, after)
            WHERE g.stage = 12
            """,
        # A level of 0-4 per client (and per view; not tied to the stage, which
        # is n mod 15) spreads the alliance from low
        # to high; the end PHQ-9 is lower where the client's early alliance is
        # higher, with noise, so the overview's scatter shows something to read.
        "working alliance answers": """
            INSERT INTO questionnaires_answer (item, value, answered_at, administration_id)
            SELECT i,
                   CASE WHEN q.instrument = 'phq9' THEN
                            CASE WHEN i = 9 THEN 0 WHEN i = 10 THEN 1
                                 ELSE greatest(0, least(3,
                                      (5 - (g.n / 15 * 2 + g.n) %% 5 + (i + g.n) %% 3) / 2
                                      - 1)) END
                        ELSE greatest(1, least(5,
                             CASE q.instrument WHEN 'wai_sf_c' THEN (g.n / 15 * 2 + g.n) %% 5
                                  ELSE (g.n / 15 + 2 * g.n + 1) %% 5 END
                             + CASE q.time_point WHEN 'end_of_treatment' THEN g.n %% 2 ELSE 0 END
                             + 1 + ((i * 7 + g.n * 13 + i * g.n) %% 5 = 0)::int
                             - ((i * 3 + g.n * 11) %% 7 = 0)::int)) END,
                   q.completed_at, q.id
            FROM gt_client g JOIN questionnaires_administration q
                 ON q.treatment_id = g.treatment_id
            CROSS JOIN generate_series(1, 12) i
            WHERE (q.time_point = 'early_alliance'
                   OR (q.time_point = 'end_of_treatment' AND g.stage = 12))
              AND i <= CASE q.instrument WHEN 'phq9' THEN 10 ELSE 12 END
            """,
        "working alliance scores": """
            UPDATE questionnaires_administration q SET total = s.total, raw_sum = s.total,
                   subscales = CASE WHEN q.instrument = 'phq9' THEN '{}'::jsonb
                                    ELSE jsonb_build_object('task', s.task, 'bond', s.bond,
                                                            'goal', s.goal) END,
                   band = CASE WHEN q.instrument = 'phq9' THEN
                                   CASE WHEN s.total <= 4 THEN 'minimal'
                                        WHEN s.total <= 9 THEN 'mild'
                                        WHEN s.total <= 14 THEN 'moderate'
                                        WHEN s.total <= 19 THEN 'moderately_severe'
                                        ELSE 'severe' END
                               WHEN s.total <= 28 THEN 'low'
                               WHEN s.total <= 44 THEN 'medium' ELSE 'high' END
            FROM (
                SELECT a.administration_id AS id,
                       sum(a.value) FILTER (WHERE a.item <= 9 OR q2.instrument <> 'phq9') AS total,
                       sum(a.value) FILTER (WHERE a.item IN (1, 2, 10, 12)) AS task,
                       sum(a.value) FILTER (WHERE a.item IN (3, 5, 7, 9)) AS bond,
                       sum(a.value) FILTER (WHERE a.item IN (4, 6, 8, 11)) AS goal
                FROM questionnaires_answer a
                JOIN questionnaires_administration q2 ON q2.id = a.administration_id
                JOIN gt_client g ON g.treatment_id = q2.treatment_id
                WHERE q2.time_point = 'early_alliance'
                   OR (q2.time_point = 'end_of_treatment' AND g.stage = 12)
                GROUP BY a.administration_id
            ) s
            WHERE q.id = s.id
            """,
        "bands": """
            UPDATE questionnaires_administration q SET band = CASE
                       WHEN q.total <= 4 THEN 'minimal' WHEN q.total <= 9 THEN 'mild'
                       WHEN q.total <= 14 THEN 'moderate'
                       WHEN q.instrument = 'phq9' AND q.total <= 19 THEN 'moderately_severe'
                       ELSE 'severe' END
            FROM gt_client g
            WHERE q.treatment_id = g.treatment_id AND q.instrument IN ('phq9', 'gad7')
              AND q.band = '' AND q.total IS NOT NULL
            """,
        "sign-ins": """
            INSERT INTO accounts_loginevent (user_id, at)
            SELECT g.user_id, t.start_date + d + time '19:55'
            FROM gt_client g JOIN care_treatment t ON t.id = g.treatment_id
            CROSS JOIN generate_series(0, g.days_in, 2) d
            WHERE g.stage > 0 AND t.start_date + d < %(today)s
              AND NOT (g.n %% 8 = 5 AND d > g.days_in - 10)
            """,
        "sent reminders": """
            INSERT INTO notifications_notification (kind, channel, dedupe_key, due_at,
                original_due_at, status, suppressed_reason, attempts, last_error, enqueued_at,
                claimed_at, sent_at, object_type, object_id, context, created_at, updated_at,
                recipient_id, treatment_id)
            SELECT 'mood_reminder', 'email', 'gt-' || (t.start_date + d),
                   t.start_date + d + time '19:00', t.start_date + d + time '19:00', 'sent', '',
                   1, '', t.start_date + d + time '19:00', t.start_date + d + time '19:00',
                   t.start_date + d + time '19:00', '', '', '{}',
                   t.start_date + d + time '08:00', t.start_date + d + time '19:00',
                   g.user_id, g.treatment_id
            FROM gt_client g JOIN care_treatment t ON t.id = g.treatment_id
            CROSS JOIN generate_series(0, g.days_in, 3) d
            WHERE g.stage > 0 AND t.start_date + d < %(today)s
            """,
    }
    with connection.cursor() as cur:
        for what, sql in statements.items():
            started = time.perf_counter()
            cur.execute(sql, params)
            log(f"{cur.rowcount:>10,} {what} ({time.perf_counter() - started:.1f} s)")
        # Timestamps above are midnight-based local times read as the session's
        # time zone (UTC): fine for synthetic data, all in the past but today's.


def _content_types() -> tuple[int, int]:
    return (
        ContentType.objects.get_for_model(MoodRating).pk,
        ContentType.objects.get_for_model(Notification).pk,
    )


def _top_up(prefix, rows, today, log):
    """Add about `rows` more rows of history, spread over the clients who
    started: a quarter each of sign-ins, sent reminders, audit entries (a
    staff member opening the client's record) and mood ratings before the
    treatment (earlier self-monitoring, not linked to it)."""
    mood_ct, _ = _content_types()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM gt_client WHERE stage > 0")
        started_clients = cur.fetchone()[0] or 1
        per = max(1, math.ceil(rows / 4 / started_clients))
        params = {"per": per, "today": today, "ct": mood_ct, "like": prefix.lower()}
        statements = {
            "extra sign-ins": """
                INSERT INTO accounts_loginevent (user_id, at)
                SELECT g.user_id, t.start_date + time '07:00'
                       + (k * (g.days_in + 1) * 1440 / %(per)s) * interval '1 minute'
                FROM gt_client g JOIN care_treatment t ON t.id = g.treatment_id
                CROSS JOIN generate_series(1, %(per)s) k WHERE g.stage > 0
                """,
            "extra sent reminders": """
                INSERT INTO notifications_notification (kind, channel, dedupe_key, due_at,
                    original_due_at, status, suppressed_reason, attempts, last_error,
                    enqueued_at, claimed_at, sent_at, object_type, object_id, context,
                    created_at, updated_at, recipient_id, treatment_id)
                SELECT 'questionnaire_reminder', 'email', 'gt-extra-' || k,
                       t.start_date + (k %% (g.days_in + 1)) + time '09:00',
                       t.start_date + (k %% (g.days_in + 1)) + time '09:00', 'sent', '', 1, '',
                       t.start_date + (k %% (g.days_in + 1)) + time '09:00',
                       t.start_date + (k %% (g.days_in + 1)) + time '09:00',
                       t.start_date + (k %% (g.days_in + 1)) + time '09:00', '', '', '{}',
                       t.start_date + time '08:00', t.start_date + time '08:00',
                       g.user_id, g.treatment_id
                FROM gt_client g JOIN care_treatment t ON t.id = g.treatment_id
                CROSS JOIN generate_series(1, %(per)s) k WHERE g.stage > 0
                """,
            "audit entries": """
                INSERT INTO auditlog_logentry (object_pk, object_id, object_repr, action,
                    changes, timestamp, actor_id, content_type_id, changes_text, actor_email)
                SELECT 'client-' || lpad(g.n::text, 6, '0') || '@' || %(like)s || '.invalid',
                       NULL, 'Mood rating', 3, NULL,
                       t.start_date + time '10:00'
                       + (k * (g.days_in + 1) * 1440 / %(per)s) * interval '1 minute',
                       t.pwp_id, %(ct)s, '', NULL
                FROM gt_client g JOIN care_treatment t ON t.id = g.treatment_id
                CROSS JOIN generate_series(1, %(per)s) k WHERE g.stage > 0
                """,
            "earlier mood ratings": """
                INSERT INTO tracking_moodrating (value, note, tags, rated_on, created_at,
                                                 updated_at, client_id, treatment_id)
                SELECT 1 + (g.n + k) %% 10, '', '[]', t.start_date - k,
                       t.start_date - k + time '21:00', t.start_date - k + time '21:00',
                       g.user_id, NULL
                FROM gt_client g JOIN care_treatment t ON t.id = g.treatment_id
                CROSS JOIN generate_series(1, %(per)s) k WHERE g.stage > 0
                """,
        }
        for what, sql in statements.items():
            started = time.perf_counter()
            cur.execute(sql, params)
            log(f"{cur.rowcount:>10,} {what} ({time.perf_counter() - started:.1f} s)")

"""The early-warning rules in SQL, so a caseload can be ordered in the database.

`rules.evaluate` (plain Python) is the definition; this module mirrors it for
ordering a whole caseload by "needs attention" without loading every client's
facts into Python: the caseload then builds rows only for the page it shows.
`tests/earlywarning/test_rules_sql.py` checks that both give the same reasons,
the same "new since seen" and the same most urgent new reason for every client
of a varied caseload. Change a rule in `rules.py` and here together.

`warnings_sql` returns common table expressions that read a CTE named `t`
(one row per treatment, written by the caller) with these columns:

    id, service_id, status, ended_at, activated_at, invited_at, created_at,
    last_activity   -- the client's last activity or NULL (never)
    overdue_tasks   -- open bespoke tasks due before `today`

and define `ew (id, n_warnings, n_new, first_new)`: how many reasons fire,
how many are new since the latest "seen, plan made" (`rules.new_since`), and
the priority (index in `rules.PRIORITY`) of the most urgent new one. Rows
without any reason are absent from `ew`. Messages are read over the window
`facts_for` uses for a list of treatments: 28 days or the longest
`recent_days` of the services of all rows of `t` (`window_days_sql`).

Exactness notes, where SQL and Python could differ:
- Mood averages are compared and rounded as exact fractions (integer cross
  products, `round(numeric, 1)`): equal to Python's 28-digit Decimal for any
  1 to 10 ratings (checked over every possible window).
- Severities are compared with the stored "seen" values as float8, as Python
  compares floats; WAI subscales are read as float8.
- Keys with a moment (`phq9_band:…`, `client_message:…`) format it as
  Python's `datetime.isoformat()` of a UTC datetime.
- Durations in days are floored like `timedelta.days`; day windows are exact
  multiples of 86,400 seconds like `timedelta(days=n)`.
"""

from __future__ import annotations

import datetime
import json

from apps.care.models import OPEN_STATUSES, Appointment, AppointmentStatus
from apps.messaging.models import Message
from apps.questionnaires.catalogue import practitioner_instruments
from apps.questionnaires.models import Administration, AdministrationStatus, TimePoint
from apps.safety.models import RiskAlert
from apps.tracking.models import MoodRating

from .models import WarningReview, WarningThresholds
from .rules import PRIORITY
from .selectors import FIELDS, WINDOW_DAYS, _band_ranks, default_thresholds

# rules.evaluate's key for the moment in a key: datetime.isoformat() in UTC.
_ISO = (
    "(to_char(({x}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
    " || CASE WHEN mod(extract(microseconds FROM ({x}))::bigint, 1000000) = 0 THEN ''"
    " ELSE to_char(({x}) AT TIME ZONE 'UTC', '.US') END || '+00:00')"
)


def _iso(expression: str) -> str:
    return _ISO.format(x=expression)


def _days(expression: str) -> str:
    """Whole days of an interval, floored like timedelta.days."""
    return f"floor(extract(epoch FROM ({expression})) / 86400)"


def _p(rule: str) -> int:
    return PRIORITY.index(rule)


def window_days_sql() -> tuple[str, dict]:
    """(scalar SQL, parameters): the message window in days for all rows of
    `t`, as `facts_for` derives it from the thresholds of its list's services
    (pass the result to `facts_for(window_days=...)` for a page of them)."""
    wt = WarningThresholds._meta.db_table
    sql = (
        f"GREATEST(%(ew_window_floor)s, (SELECT max(w.recent_days) FROM {wt} w"  # noqa: S608
        " WHERE w.service_id IN (SELECT service_id FROM t)))"
    )
    return sql, {"ew_window_floor": max(WINDOW_DAYS, default_thresholds().recent_days)}


def warnings_sql(*, at: datetime.datetime, today: datetime.date) -> tuple[str, dict]:
    """(CTE text, named parameters) for `ew`; see the module docstring.

    Thresholds are the settings' defaults overridden per row by the service's
    own `WarningThresholds`, as `selectors.thresholds_for` does.
    """
    thresholds = default_thresholds()
    window, window_params = window_days_sql()
    params = {
        **window_params,
        "ew_at": at,
        "ew_today": today,
        "ew_open": list(OPEN_STATUSES),
        "ew_dna": AppointmentStatus.DID_NOT_ATTEND,
        "ew_missed": AdministrationStatus.MISSED,
        "ew_completed": AdministrationStatus.COMPLETED,
        # The practitioner's own questionnaires (WAI-SF-T) are not the client's to miss.
        "ew_practitioner": sorted(practitioner_instruments()),
        "ew_wai_early": TimePoint.EARLY_ALLIANCE,
        "ew_wai_end": TimePoint.END_OF_TREATMENT,
        "ew_phq9_ranks": json.dumps(_band_ranks("phq9")),
    }
    for name in FIELDS:
        params[f"ew_default_{name}"] = getattr(thresholds, name)
    th = ", ".join(f"COALESCE(w.{name}, %(ew_default_{name})s) AS {name}" for name in FIELDS)
    th_columns = ", ".join(f"th.{name}" for name in FIELDS)
    wt = WarningThresholds._meta.db_table
    p = {rule: _p(rule) for rule in PRIORITY}
    ranks = "%(ew_phq9_ranks)s::jsonb"
    last_phq9 = "f.phq9[cardinality(f.phq9)]"
    # The alliance rules (rules._alliance_reasons): the WAI-SF-C at the end of treatment
    # once it has a total, else the early one; the fall compares the two.
    judged = "COALESCE(f.wai_end, f.wai_early)"
    where = "CASE WHEN f.wai_end IS NOT NULL THEN 'end' ELSE 'early' END"
    judged_sub = "CASE WHEN f.wai_end IS NOT NULL THEN f.wai_end_sub ELSE f.wai_early_sub END"
    rise = f"{last_phq9} - f.phq9[1]"
    band = f"({ranks} ->> lower(f.phq9_bands[cardinality(f.phq9)]))"
    band_before = f"({ranks} ->> lower(f.phq9_bands[cardinality(f.phq9) - 1]))"
    mood_drop = "(f.s_earlier * f.n_recent - f.s_recent * f.n_earlier)"
    subscale = ("((" + judged_sub + ") ->> '{}')::float8").format
    bond_gap = f"LEAST({subscale('goal')}, {subscale('task')}) - {subscale('bond')}"
    # The rules of rules.evaluate with one key each: (rule, fires when, key,
    # severity). Missed sessions and questionnaires (a key each) are added
    # from their lists.
    single = [
        ("risk_alert", "f.alerts > 0", "'risk_alert'", "f.alerts"),
        ("phq9_worse", f"cardinality(f.phq9) >= 2 AND {rise} >= f.phq9_rise", "'phq9_rise'",
         rise),
        ("phq9_worse", f"cardinality(f.phq9) >= 2 AND {rise} < f.phq9_rise"
         f" AND {band}::int > {band_before}::int",
         f"'phq9_band:' || {_iso('f.phq9_last_at')}", band),
        ("mood_falling", "f.n_recent >= f.mood_min_ratings AND f.n_earlier >= f.mood_min_ratings"
         f" AND f.n_recent > 0 AND f.n_earlier > 0"
         f" AND {mood_drop} >= f.mood_margin * f.n_earlier * f.n_recent",
         "'mood_falling'", f"round({mood_drop}::numeric / (f.n_earlier * f.n_recent), 1)"),
        ("low_alliance", f"{judged} <= f.wai_low_max", f"'wai_low:' || {where}",
         f"f.wai_low_max - {judged} + 1"),
        ("low_alliance", "f.wai_early - f.wai_end >= f.wai_fall", "'wai_fall'",
         "f.wai_early - f.wai_end"),
        ("low_alliance", f"{judged} IS NOT NULL AND jsonb_typeof({judged_sub}) = 'object'"
         f" AND {bond_gap} >= f.bond_gap", f"'wai_bond:' || {where}", bond_gap),
        ("client_message_unanswered",
         "f.client_at IS NOT NULL AND (f.staff_at IS NULL OR f.staff_at < f.client_at)"
         f" AND {_days('%(ew_at)s - f.client_at')} >= f.pwp_reply_days",
         f"'client_message:' || {_iso('f.client_at')}", "1.0"),
        ("inactive", "f.open_then AND f.reference IS NOT NULL"
         f" AND {_days('%(ew_at)s - f.reference')} >= f.inactive_days",
         "'inactive'", f"floor({_days('%(ew_at)s - f.reference')} / 7)"),
        ("pwp_message_unanswered",
         "f.staff_at IS NOT NULL AND (f.client_at IS NULL OR f.client_at < f.staff_at)"
         f" AND {_days('%(ew_at)s - f.staff_at')} >= f.client_reply_days",
         f"'pwp_message:' || {_iso('f.staff_at')}", "1.0"),
        ("overdue_task", "f.open_then AND f.overdue_tasks > 0", "'overdue_task'",
         "f.overdue_tasks"),
    ]  # fmt: skip
    priorities = ", ".join(str(p[rule]) for rule, *_ in single)
    keys = ",\n            ".join(f"CASE WHEN {when} THEN {key} END" for _, when, key, _ in single)
    severities = ",\n            ".join(
        f"CASE WHEN {when} THEN ({severity})::float8 END" for _, when, _, severity in single
    )
    # One row of facts per treatment (rare events read once for all
    # treatments; per-client series through their (treatment, time) indexes),
    # then its reasons as (priority, key, severity) rows, then the counts.
    # Only fixed SQL, table names and rule numbers are pasted in; every value
    # is a named parameter.
    sql = f"""
ew_since AS (SELECT %(ew_at)s - interval '1 second' * 86400 * {window} AS since),
ew_th AS (
    SELECT t.id, {th}
    FROM t LEFT JOIN {wt} w ON w.service_id = t.service_id
),
ew_alerts AS (
    SELECT a.treatment_id AS id, count(*) AS n
    FROM {RiskAlert._meta.db_table} a
    WHERE a.treatment_id IN (SELECT id FROM t) AND a.raised_at <= %(ew_at)s
      AND (a.acknowledged_at IS NULL OR a.acknowledged_at > %(ew_at)s)
    GROUP BY a.treatment_id
),
ew_dna AS (
    SELECT a.treatment_id AS id,
        array_agg('missed_session:' || a.number ORDER BY a.number) AS keys
    FROM {Appointment._meta.db_table} a JOIN ew_th th ON th.id = a.treatment_id
    WHERE a.status = %(ew_dna)s AND a.starts_at <= %(ew_at)s
      AND a.starts_at >= %(ew_at)s - interval '1 second' * 86400 * th.recent_days
    GROUP BY a.treatment_id
),
ew_missed AS (
    SELECT a.treatment_id AS id,
        array_agg('questionnaire_missed:' || a.id ORDER BY a.id) AS keys
    FROM {Administration._meta.db_table} a JOIN ew_th th ON th.id = a.treatment_id
    WHERE a.status = %(ew_missed)s AND a.missed_at <= %(ew_at)s
      AND NOT (a.instrument = ANY(%(ew_practitioner)s))
      AND a.missed_at >= %(ew_at)s - interval '1 second' * 86400 * th.recent_days
    GROUP BY a.treatment_id
),
ew_facts AS MATERIALIZED (
    SELECT t.id, {th_columns},
        CASE WHEN t.ended_at IS NOT NULL
             THEN t.ended_at > %(ew_at)s AND COALESCE(t.activated_at, t.created_at) <= %(ew_at)s
             ELSE t.status = ANY(%(ew_open)s) END AS open_then,
        COALESCE(t.last_activity, t.activated_at, t.invited_at, t.created_at) AS reference,
        t.overdue_tasks, COALESCE(alerts.n, 0) AS alerts, dna.keys AS dna,
        missed.keys AS missed_questionnaires, q.*, w.*, mood.*, msg.*, seen.seen
    FROM t
    JOIN ew_th th ON th.id = t.id
    CROSS JOIN ew_since
    LEFT JOIN ew_alerts alerts ON alerts.id = t.id
    LEFT JOIN ew_dna dna ON dna.id = t.id
    LEFT JOIN ew_missed missed ON missed.id = t.id
    CROSS JOIN LATERAL (
        SELECT
            array_agg(a.total ORDER BY a.completed_at, a.id)
                FILTER (WHERE a.instrument = 'phq9') AS phq9,
            array_agg(a.band ORDER BY a.completed_at, a.id)
                FILTER (WHERE a.instrument = 'phq9') AS phq9_bands,
            max(a.completed_at) FILTER (WHERE a.instrument = 'phq9') AS phq9_last_at
        FROM {Administration._meta.db_table} a
        WHERE a.treatment_id = t.id AND a.status = %(ew_completed)s
          AND a.instrument = 'phq9' AND a.completed_at <= %(ew_at)s
          AND a.total IS NOT NULL
    ) q
    CROSS JOIN LATERAL (
        SELECT
            (array_agg(a.total ORDER BY a.completed_at DESC, a.id DESC)
                FILTER (WHERE a.time_point = %(ew_wai_early)s))[1] AS wai_early,
            (array_agg(a.subscales ORDER BY a.completed_at DESC, a.id DESC)
                FILTER (WHERE a.time_point = %(ew_wai_early)s))[1] AS wai_early_sub,
            (array_agg(a.total ORDER BY a.completed_at DESC, a.id DESC)
                FILTER (WHERE a.time_point = %(ew_wai_end)s))[1] AS wai_end,
            (array_agg(a.subscales ORDER BY a.completed_at DESC, a.id DESC)
                FILTER (WHERE a.time_point = %(ew_wai_end)s))[1] AS wai_end_sub
        FROM {Administration._meta.db_table} a
        WHERE a.treatment_id = t.id AND a.status = %(ew_completed)s
          AND a.instrument = 'wai_sf_c' AND a.completed_at <= %(ew_at)s
          AND a.time_point IN (%(ew_wai_early)s, %(ew_wai_end)s)
    ) w
    CROSS JOIN LATERAL (
        SELECT
            count(*) FILTER (WHERE m.rated_on >= %(ew_today)s - 6) AS n_recent,
            sum(m.value) FILTER (WHERE m.rated_on >= %(ew_today)s - 6) AS s_recent,
            count(*) FILTER (WHERE m.rated_on <= %(ew_today)s - 7
                AND m.rated_on >= %(ew_today)s - 20) AS n_earlier,
            sum(m.value) FILTER (WHERE m.rated_on <= %(ew_today)s - 7
                AND m.rated_on >= %(ew_today)s - 20) AS s_earlier
        FROM {MoodRating._meta.db_table} m
        WHERE m.treatment_id = t.id AND m.rated_on >= %(ew_today)s - 21
          AND m.rated_on <= %(ew_today)s AND m.created_at <= %(ew_at)s
    ) mood
    CROSS JOIN LATERAL (
        SELECT max(m.created_at) FILTER (WHERE m.from_client) AS client_at,
            max(m.created_at) FILTER (WHERE NOT m.from_client) AS staff_at
        FROM {Message._meta.db_table} m
        WHERE m.treatment_id = t.id AND m.created_at <= %(ew_at)s
          AND m.created_at >= ew_since.since
    ) msg
    LEFT JOIN LATERAL (
        SELECT r.seen FROM {WarningReview._meta.db_table} r
        WHERE r.treatment_id = t.id ORDER BY r.created_at DESC, r.id DESC LIMIT 1
    ) seen ON true
),
ew_reasons (id, priority, key, severity, seen) AS (
    SELECT f.id, r.priority, r.key, r.severity, f.seen
    FROM ew_facts f
    CROSS JOIN LATERAL unnest(
        ARRAY[{priorities}]::int[]
            || array_fill({p["missed_session"]}, ARRAY[COALESCE(cardinality(f.dna), 0)])
            || array_fill({p["questionnaire_missed"]},
                          ARRAY[COALESCE(cardinality(f.missed_questionnaires), 0)]),
        ARRAY[{keys}]::text[] || f.dna || f.missed_questionnaires,
        ARRAY[{severities}]::float8[]
            || array_fill(1.0::float8, ARRAY[COALESCE(cardinality(f.dna), 0)])
            || array_fill(1.0::float8, ARRAY[COALESCE(cardinality(f.missed_questionnaires), 0)])
    ) r (priority, key, severity)
    WHERE r.key IS NOT NULL
),
ew (id, n_warnings, n_new, first_new) AS MATERIALIZED (
    SELECT id, count(*), count(*) FILTER (WHERE new), min(priority) FILTER (WHERE new)
    FROM (
        SELECT id, priority,
            priority = {p["risk_alert"]} OR seen IS NULL OR NOT (seen ? key)
            OR severity > (seen ->> key)::float8 AS new
        FROM ew_reasons
    ) marked
    GROUP BY id
)"""  # noqa: S608
    return sql, params

"""The early-warning rules in SQL (apps/earlywarning/sql.py) give exactly what
the Python rules give: the same reasons (key and severity), the same "new
since seen" and the same most urgent new reason, client by client."""

import json

import pytest
from django.db import connection
from django.db.models import OuterRef
from django.utils import timezone

from apps.care.models import Treatment
from apps.earlywarning.rules import new_since
from apps.earlywarning.selectors import facts_for, latest_reviews, reasons_for
from apps.earlywarning.sql import warnings_sql
from apps.notifications.selectors import EPOCH, last_activity_expression
from tests.earlywarning.builders import varied_caseload
from tests.factories import ServiceFactory, StaffFactory

pytestmark = pytest.mark.postgres


def _sql(treatments, *, at, last_activity, overdue):
    ew_sql, params = warnings_sql(at=at, today=timezone.localdate(at))
    params.update(
        ids=[t.pk for t in treatments],
        la=json.dumps({t.pk: v.isoformat() for t, v in last_activity.items() if v}),
        ov=json.dumps({t.pk: v for t, v in overdue.items()}),
    )
    sql = f"""
WITH t AS (
    SELECT tr.id, tr.service_id, tr.status, tr.ended_at, tr.activated_at, tr.invited_at,
        tr.created_at, (%(la)s::jsonb ->> tr.id::text)::timestamptz AS last_activity,
        COALESCE((%(ov)s::jsonb ->> tr.id::text)::int, 0) AS overdue_tasks
    FROM care_treatment tr WHERE tr.id = ANY(%(ids)s)
),{ew_sql}
SELECT r.id, r.priority, r.key, r.severity, NULL, NULL, NULL FROM ew_reasons r
UNION ALL
SELECT ew.id, NULL, NULL, NULL, ew.n_warnings, ew.n_new, ew.first_new FROM ew"""
    reasons, summary = {}, {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for tid, priority, key, severity, n_warnings, n_new, first_new in cursor.fetchall():
            if key is not None:
                reasons.setdefault(tid, []).append((priority, key, severity))
            else:
                summary[tid] = (n_warnings, n_new, first_new)
    return reasons, summary


@pytest.mark.django_db
def test_sql_rules_match_python_rules_client_by_client(postgres):
    services = [ServiceFactory(), ServiceFactory()]
    pwp = StaffFactory(pwp_in=services[0])
    varied_caseload(pwp=pwp, services=services, n=70)
    at = timezone.now()
    treatments = list(
        Treatment.objects.filter(pwp=pwp).annotate(
            last_seen=last_activity_expression(OuterRef("client"))
        )
    )
    last_activity = {t: (t.last_seen if t.last_seen > EPOCH else None) for t in treatments}
    today = timezone.localdate(at)
    overdue = {
        t: t.tasks.filter(done_at__isnull=True, due_date__lt=today).count() for t in treatments
    }
    facts = facts_for(
        treatments,
        at=at,
        last_activity={t.pk: v for t, v in last_activity.items()},
        overdue_tasks={t.pk: v for t, v in overdue.items()},
    )
    python = reasons_for(treatments, facts)
    reviews = latest_reviews(t.pk for t in treatments)

    sql_reasons, sql_summary = _sql(treatments, at=at, last_activity=last_activity, overdue=overdue)

    fired = set()
    for t in treatments:
        expected = sorted((r.priority, r.key, r.severity) for r in python[t.pk])
        assert sorted(sql_reasons.get(t.pk, [])) == expected, t.participant_id
        review = reviews.get(t.pk)
        new = new_since(python[t.pk], review.seen if review else None)
        summary = (len(python[t.pk]), len(new), new[0].priority if new else None)
        assert sql_summary.get(t.pk, (0, 0, None)) == summary, t.participant_id
        fired |= {r.rule for r in python[t.pk]}
    # The caseload is varied enough to mean something: every rule fired for
    # someone, and "seen" hid some reasons but not others.
    assert len(fired) == 10
    seen = [s for s in sql_summary.values() if s[1] < s[0]]
    assert any(s[1] == 0 for s in seen) and any(s[1] > 0 for s in seen)

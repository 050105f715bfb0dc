"""The caseload and the service overview are sorted, filtered and paginated in
the database (issue 15), and give the same order and the same rows as
building every row in Python and sorting them there (the code before): every
sort, every filter, every page, on a varied caseload of 70."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.care.selectors import caseload_for, service_treatments
from apps.workspace.selectors import STATUS_FILTERS, _rows_for, caseload_page
from tests.earlywarning.builders import varied_caseload
from tests.factories import ServiceFactory, StaffFactory

pytestmark = pytest.mark.postgres

PER_PAGE = 25


def _python_sort(rows, sort):
    """The caseload's sort as it was, in Python (stable: ties keep the input order)."""
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    never = datetime.datetime.min.replace(tzinfo=datetime.UTC)

    def name(r):
        return r.treatment.client.get_full_name().lower()

    if sort == "name":
        return sorted(rows, key=name)
    if sort == "week":
        return sorted(rows, key=lambda r: (-(r.week or 0), name(r)))
    if sort == "activity":
        return sorted(rows, key=lambda r: (r.last_activity_at or never, name(r)))
    if sort == "next_session":
        return sorted(rows, key=lambda r: (r.next_session_at or far, name(r)))
    return sorted(
        rows,
        key=lambda r: (
            r.attention,
            -len(r.new_warnings),
            min((a.raised_at for a in r.alerts), default=far),
            r.last_activity_at or never,
            name(r),
        ),
    )


def _every_row_in_python(treatments, *, status, inactive_only, sort, now):
    statuses = STATUS_FILTERS[status][1]
    if statuses is not None:
        treatments = treatments.filter(status__in=statuses)
    ids = list(treatments.order_by(*treatments.query.order_by, "pk").values_list("pk", flat=True))
    rows = _rows_for(treatments, ids, now=now, window_days=None)
    if inactive_only:
        rows = [r for r in rows if r.inactive]
    return _python_sort(rows, sort)


def _shown(row) -> tuple:
    """What the table shows of a row."""
    return (
        row.treatment.participant_id,
        row.week,
        row.total_weeks,
        row.next_session_at,
        row.next_session_number,
        row.sessions_total,
        row.modules_completed,
        row.modules_in_progress,
        row.modules_total,
        row.last_activity_at,
        row.inactive,
        row.mood_values,
        row.phq9.total if row.phq9 else None,
        row.phq9_band,
        [a.pk for a in row.alerts],
        row.unread,
        row.overdue_tasks,
        row.attention,
        row.reasons,
        [r.key for r in row.new_warnings],
        row.review.pk if row.review else None,
        row.seen,
    )


def _all_pages(treatments, *, now, **filters):
    first = caseload_page(treatments, **filters, page=1, per_page=PER_PAGE, now=now)
    rows = list(first.object_list)
    for number in range(2, first.paginator.num_pages + 1):
        page = caseload_page(treatments, **filters, page=number, per_page=PER_PAGE, now=now)
        assert page.number == number
        rows += page.object_list
    assert first.paginator.count == len(rows)
    return rows


@pytest.fixture
def caseload(db, postgres):
    services = [ServiceFactory(), ServiceFactory()]
    pwp = StaffFactory(pwp_in=services[0], first_name="Pat", last_name="Park")
    supervisor = StaffFactory(supervisor_of=services[0])
    supervisor.memberships.create(service=services[1], role="supervisor")
    made = varied_caseload(pwp=pwp, services=services, n=70)
    # A second PWP in the first service, for the overview's groups.
    other = StaffFactory(pwp_in=services[0], first_name="Ola", last_name="Adeyemi")
    varied_caseload(pwp=other, services=services[:1], n=12, seed=16)
    return pwp, supervisor, made


@pytest.mark.django_db
def test_every_sort_and_filter_matches_sorting_every_row_in_python(caseload):
    pwp, supervisor, _made = caseload
    now = timezone.now()
    for treatments in (caseload_for(pwp=pwp), service_treatments(user=supervisor)):
        for sort in ("attention", "name", "week", "activity", "next_session"):
            for status in ("open", "all", "ended"):
                for inactive_only in (False, True):
                    filters = {"status": status, "inactive_only": inactive_only, "sort": sort}
                    expected = _every_row_in_python(treatments, now=now, **filters)
                    paged = _all_pages(treatments, now=now, **filters)
                    assert [_shown(r) for r in paged] == [_shown(r) for r in expected], filters

    # The caseload is varied enough to prove the order: a risk alert, several
    # other reasons, "seen" with nothing new, nobody to worry about, ended
    # treatments, and equal names (ties broken the same way).
    rows = _every_row_in_python(
        caseload_for(pwp=pwp), status="all", inactive_only=False, sort="attention", now=now
    )
    assert len(rows) >= 60
    attention = {r.attention for r in rows}
    assert {0, 20, 30, 40} <= attention and len(attention - {0, 20, 30, 40}) >= 4
    names = [r.treatment.client.get_full_name().lower() for r in rows]
    assert len(set(names)) < len(names)


@pytest.mark.django_db
def test_pages_show_the_same_clients_and_page_numbers_behave_as_before(client, caseload):
    pwp, supervisor, _made = caseload
    now = timezone.now()
    _page_numbers_behave_as_paginator_get_page(caseload_for(pwp=pwp), now)
    for user, name, treatments in (
        (pwp, "workspace:caseload", caseload_for(pwp=pwp)),
        (supervisor, "workspace:service_overview", service_treatments(user=supervisor)),
    ):
        client.force_login(user)
        expected = _every_row_in_python(
            treatments, status="open", inactive_only=False, sort="attention", now=now
        )
        shown = []
        for number in (1, 2):
            content = client.get(reverse(name), {"page": number}).content.decode()
            shown += content.split('data-participant="')[1:]
        shown_ids = [p.split('"')[0] for p in shown]
        want = [r.treatment.participant_id for r in expected[: 2 * PER_PAGE]]
        # The overview groups each page by PWP: the same clients per page.
        if name == "workspace:caseload":
            assert shown_ids == want
        else:
            assert set(shown_ids[:PER_PAGE]) == set(want[:PER_PAGE])
            assert set(shown_ids[PER_PAGE:]) == set(want[PER_PAGE:])


def _page_numbers_behave_as_paginator_get_page(treatments, now):
    """Past the end: the last page; not a number: the first; below 1: the last."""
    filters = {"status": "all", "inactive_only": False, "sort": "name"}
    last = caseload_page(treatments, **filters, page=99, per_page=PER_PAGE, now=now)
    assert last.number == last.paginator.num_pages == 3
    assert last.start_index() == 51 and len(last.object_list) == 20
    for raw in ("x", None, "", "1.5"):
        assert (
            caseload_page(treatments, **filters, page=raw, per_page=PER_PAGE, now=now).number == 1
        )
    assert caseload_page(treatments, **filters, page="0", per_page=PER_PAGE, now=now).number == 3


@pytest.mark.django_db
def test_without_postgresql_the_caseload_is_sorted_in_python_the_same_way(caseload, monkeypatch):
    """`make run` (SQLite) takes the Python path: same rows, same order, same pages."""
    pwp, _supervisor, _made = caseload
    now = timezone.now()
    treatments = caseload_for(pwp=pwp)
    for sort in ("attention", "name", "week", "activity", "next_session"):
        in_sql = _all_pages(treatments, now=now, sort=sort, status="open", inactive_only=False)
        with monkeypatch.context() as m:
            m.setattr("apps.workspace.selectors._orders_in_database", lambda: False)
            in_python = _all_pages(
                treatments, now=now, sort=sort, status="open", inactive_only=False
            )
        assert [_shown(r) for r in in_python] == [_shown(r) for r in in_sql], sort

"""The working alliance on the client's record: the client's WAI-SF-C and the PWP's
WAI-SF-T early in treatment and at the end, with bond, goal and task and their change,
side by side (the alliance page, the review page, the caseload's "Due from you")."""

from html import unescape
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from apps.questionnaires.models import TimePoint
from apps.questionnaires.services import administration_complete
from tests.questionnaires.factories import AdministrationFactory, answer_all

pytestmark = pytest.mark.django_db

EARLY, END = TimePoint.EARLY_ALLIANCE, TimePoint.END_OF_TREATMENT
#                item:  1  2  3  4  5  6  7  8  9 10 11 12
CLIENT_EARLY = [3, 3, 2, 4, 2, 4, 2, 4, 2, 3, 4, 3]  # task 12, bond 8, goal 16; total 36
CLIENT_END = [4] * 12  # task 16, bond 16, goal 16; total 48
PWP_EARLY = [5, 4, 3, 4, 3, 4, 3, 4, 3, 4, 4, 5]  # task 18, bond 12, goal 16; total 46
PWP_END = [4, 4, 5, 4, 5, 4, 5, 4, 5, 4, 4, 4]  # task 16, bond 20, goal 16; total 52


def _completed(treatment, instrument, time_point, values, answered_by=None):
    administration = AdministrationFactory(
        treatment=treatment, instrument=instrument, time_point=time_point
    )
    answer_all(administration, dict(enumerate(values, start=1)))
    if answered_by is not None:
        administration.answered_by = answered_by
        administration.save(update_fields=["answered_by"])
    return administration_complete(administration=administration)


@pytest.fixture
def both_views(treatment, pwp):
    _completed(treatment, "wai_sf_c", EARLY, CLIENT_EARLY)
    _completed(treatment, "wai_sf_t", EARLY, PWP_EARLY, answered_by=pwp)
    _completed(treatment, "wai_sf_c", END, CLIENT_END)
    _completed(treatment, "wai_sf_t", END, PWP_END, answered_by=pwp)
    return treatment


class _Table(HTMLParser):
    """{data-score: [cell text, ...]} of the table with the given id."""

    def __init__(self, table_id):
        super().__init__()
        self.table_id, self.inside, self.rows = table_id, False, {}
        self.row, self.cell = None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr" and "data-score" in attrs:
            self.row = self.rows.setdefault(attrs["data-score"], [])
        elif self.row is not None and tag in ("th", "td"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif tag == "tr":
            self.row = None
        elif tag in ("th", "td") and self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def _rows(html, table_id):
    parser = _Table(table_id)
    parser.feed(html)
    return parser.rows


def test_both_views_side_by_side_with_subscales_and_change(client, pwp, both_views):
    client.force_login(pwp)
    response = client.get(reverse("questionnaires:alliance", args=[both_views.pk]))
    html = unescape(response.content.decode())
    rows = _rows(html, "alliance-table")
    # [label, client early, end, change, practitioner early, end, change]
    assert rows["total"][1:] == ["36", "48", "↑ +12up 12", "46", "52", "↑ +6up 6"]
    assert rows["bond"][1:] == ["8", "16", "↑ +8up 8", "12", "20", "↑ +8up 8"]
    assert rows["goal"][1:] == ["16", "16", "→ 0no change", "16", "16", "→ 0no change"]
    assert rows["task"][1:] == ["12", "16", "↑ +4up 4", "18", "16", "↓ −2down 2"]
    assert list(rows) == ["total", "bond", "goal", "task"]
    assert rows["bond"][0] == "Bond4–20" and rows["total"][0] == "Total12–60"
    assert "Client's view (WAI-SF-C)" in html and "Practitioner's view (WAI-SF-T)" in html
    assert (
        "Client's view: from 36 early in treatment to 48 at the end (up 12). "
        "Practitioner's view: from 46 early in treatment to 52 at the end (up 6)."
    ) in html
    # The chart: every subscale of both views, values written beside the labels.
    assert 'role="img"' in html
    assert "Bond, practitioner: 12 to 20" in html
    assert "Task, client: 12 to 16" in html
    # Every questionnaire, with who answered.
    assert html.count(pwp.get_full_name()) >= 2


def test_partial_data_shows_what_there_is(client, pwp, treatment):
    _completed(treatment, "wai_sf_c", EARLY, CLIENT_EARLY)
    client.force_login(pwp)
    html = unescape(
        client.get(reverse("questionnaires:alliance", args=[treatment.pk])).content.decode()
    )
    rows = _rows(html, "alliance-table")
    assert rows["bond"][1:4] == ["8", "– no score", "– no change to show"]
    assert rows["bond"][4] == "– no score"
    assert "Client's view: 36 early in treatment; no end score yet." in html
    assert "Practitioner's view: no score yet." in html


def test_empty_alliance_page(client, supervisor, treatment):
    client.force_login(supervisor)
    html = client.get(reverse("questionnaires:alliance", args=[treatment.pk])).content.decode()
    assert "No alliance questionnaire has been completed yet." in html


def test_another_services_pwp_gets_404(client, other_pwp, both_views):
    client.force_login(other_pwp)
    response = client.get(reverse("questionnaires:alliance", args=[both_views.pk]))
    assert response.status_code == 404


def test_alliance_page_query_count_is_pinned(
    client, pwp, both_views, django_assert_max_num_queries
):
    client.force_login(pwp)
    url = reverse("questionnaires:alliance", args=[both_views.pk])
    client.get(url)  # warm caches
    # Session and user, the treatment, the alliance (one query), the read audit.
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_review_page_shows_the_same_table(client, supervisor, both_views):
    client.force_login(supervisor)
    html = client.get(reverse("workspace:review", args=[both_views.pk])).content.decode()
    rows = _rows(html, "review-alliance")
    assert rows["bond"][1:] == ["8", "16", "↑ +8up 8", "12", "20", "↑ +8up 8"]
    assert reverse("questionnaires:alliance", args=[both_views.pk]) in html


def test_due_item_on_the_caseload_and_the_review_for_the_clients_pwp_only(
    client, pwp, supervisor, treatment
):
    due = AdministrationFactory(treatment=treatment, instrument="wai_sf_t", time_point=EARLY)
    start = reverse("questionnaires:practitioner_start", args=[due.pk])
    client.force_login(pwp)
    caseload = client.get(reverse("workspace:caseload")).content.decode()
    assert "Due from you" in caseload
    assert "Your view of the alliance with Ceridwen Quillfeather" in caseload
    assert start in caseload
    review = client.get(reverse("workspace:review", args=[treatment.pk])).content.decode()
    assert start in review
    alliance = client.get(reverse("questionnaires:alliance", args=[treatment.pk])).content
    assert start in alliance.decode()
    # A supervisor reads the record but does not answer for the PWP.
    client.force_login(supervisor)
    review = client.get(reverse("workspace:review", args=[treatment.pk])).content.decode()
    assert start not in review and "Due from you" not in review


def test_nothing_due_once_answered_or_closed(client, pwp, treatment):
    done = _completed(treatment, "wai_sf_t", EARLY, PWP_EARLY)
    client.force_login(pwp)
    caseload = client.get(reverse("workspace:caseload")).content.decode()
    assert "Due from you" not in caseload
    assert reverse("questionnaires:practitioner_start", args=[done.pk]) not in caseload

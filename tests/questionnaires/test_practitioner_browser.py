"""A PWP on a phone answers the WAI-SF-T about a client from the caseload's "Due from you",
then sees their view beside the client's on the working alliance page."""

import pytest
from playwright.sync_api import expect

from apps.questionnaires.models import AdministrationStatus, TimePoint
from apps.questionnaires.services import administration_complete
from tests.questionnaires.factories import AdministrationFactory, answer_all
from tests.workspace.test_browser import serious_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pwp_answers_their_view_of_the_alliance_on_a_phone(phone, live_server, pwp, treatment):
    client_side = AdministrationFactory(
        treatment=treatment, instrument="wai_sf_c", time_point=TimePoint.EARLY_ALLIANCE
    )
    answer_all(client_side, dict.fromkeys(range(1, 13), 3))  # total 36; 12 each
    administration_complete(administration=client_side)
    theirs = AdministrationFactory(
        treatment=treatment, instrument="wai_sf_t", time_point=TimePoint.EARLY_ALLIANCE
    )

    page = phone
    sign_in(page, live_server, pwp, "workspace:caseload")
    due = page.get_by_test_id("due-from-you")
    expect(due).to_contain_text("Your view of the alliance with Ceridwen Quillfeather")
    due.get_by_role("link", name="Your view of the alliance with Ceridwen Quillfeather").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your view of the alliance with Ceridwen Quillfeather"
    )
    page.get_by_role("link", name="Start, one question at a time").click()
    # Continue without an answer: the error summary says how to fix it.
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select an answer to question 1.")
    for n in range(1, 13):
        expect(page.locator(".govuk-caption-l")).to_contain_text(f"Question {n} of 12")
        page.get_by_label("Very often").check()
        page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_role("heading", name="Your answers are saved")).to_be_visible()
    expect(page.locator("main")).to_contain_text("48 (from 12 to 60)")
    theirs.refresh_from_db()
    assert theirs.status == AdministrationStatus.COMPLETED

    page.get_by_role("link", name="Compare with the client's view").click()
    table = page.locator("#alliance-table")
    expect(table.locator('tr[data-score="bond"]')).to_contain_text("12")
    expect(table.locator('tr[data-score="bond"]')).to_contain_text("16")
    expect(table.locator('tr[data-score="total"]')).to_contain_text("48")
    # At 360 px the page itself never scrolls sideways; the table has its own region.
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    assert serious_violations(page) == []

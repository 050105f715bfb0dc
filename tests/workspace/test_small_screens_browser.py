"""Staff pages on a phone and a tablet (issue 11): the caseload as cards at
360 px, and a pre-session review whose "At a glance" fits the first screen
at 1280 x 800 with the longer sections below opening and closing."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.care.models import Treatment
from tests.workspace.test_browser import caseload, sign_in  # noqa: F401  the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"
OPEN_EVERY_SECTION = "() => document.querySelectorAll('main details').forEach(d => d.open = true)"


def test_caseload_shows_one_card_per_client_on_a_phone(phone, live_server, pwp, caseload):  # noqa: F811
    page = phone
    sign_in(page, live_server, pwp, "workspace:caseload")

    cards = page.locator("#caseload tbody tr")
    expect(cards).to_have_count(3)
    # The same order as the table: the client who needs attention first.
    first = cards.first
    expect(first).to_have_attribute("data-participant", caseload.participant_id)
    # A card, not a table row: the column headers give way to labels in each
    # card, and nothing scrolls sideways, neither the page nor the table.
    expect(first).to_have_css("display", "block")
    expect(page.locator("#caseload thead")).to_be_hidden()
    page.wait_for_function(NO_SIDEWAYS_SCROLL)
    page.wait_for_function(
        "() => { const r = document.querySelector('#caseload').closest('.app-table-scroll');"
        " return r.scrollWidth <= r.clientWidth; }"
    )

    # Name (the link to the review), participant ID, status, next session and
    # the early-warning reasons in words.
    expect(first.get_by_role("link", name=caseload.client.get_full_name())).to_be_visible()
    expect(first.get_by_text(caseload.participant_id)).to_be_visible()
    expect(first.get_by_text("In treatment")).to_be_visible()
    next_session = first.locator("td[data-label='Next session']")
    expect(next_session).to_be_visible()
    expect(next_session).to_have_css("display", "grid")
    expect(next_session).to_contain_text("None booked")
    expect(first.locator(".app-warning-reasons")).to_be_visible()
    expect(first.locator(".app-warning-reasons")).to_contain_text("Open risk alert")

    # Sorting from the form swaps the cards in place (htmx) and keeps them cards.
    page.get_by_label("Sort by").select_option("name")
    page.wait_for_url("**sort=name**")
    expect(cards.first).to_contain_text("Aaron")
    expect(cards.first).to_have_css("display", "block")
    page.wait_for_function(NO_SIDEWAYS_SCROLL)


@pytest.fixture
def week5_review(browser, live_server):
    """The demo's week-5 client (open risk alert, two exercises, scores, goals),
    and a function opening their review in a fresh window of a given size."""
    call_command("demo")
    pwp = User.objects.get(email="pwp@example.org")
    treatment = Treatment.objects.get(client__email="client5@example.org")
    client = Client()
    client.force_login(pwp)
    contexts = []

    def open_at(width: int, height: int):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(live_server.url + reverse("workspace:review", args=[treatment.pk]))
        return page

    yield open_at
    for context in contexts:
        context.close()


def _section(page, heading_id: str):
    return page.locator("details.app-section", has=page.locator(f"#{heading_id}"))


def test_review_glance_fits_the_first_screen_and_sections_open_with_the_keyboard(week5_review):
    page = week5_review(1280, 800)

    # "At a glance" is whole on the first screen, without scrolling.
    glance = page.locator("#glance")
    expect(glance).to_contain_text("1 open alert")
    expect(glance).to_be_in_viewport(ratio=1)
    assert page.evaluate("window.scrollY") == 0

    # Risk is never in a closed section.
    expect(page.get_by_role("heading", name="Risk flags")).to_be_visible()
    expect(page.locator("details #risk-heading")).to_have_count(0)
    # What needs a reply is open (the exercises sent); what the glance sums
    # up is closed.
    expect(_section(page, "since-heading").locator(".app-section__content")).to_be_visible()
    mood = _section(page, "mood-heading")
    content = mood.locator(".app-section__content")
    expect(content).to_be_hidden()

    # Enter opens a section, Space closes it again.
    summary = mood.locator(":scope > summary")
    summary.focus()
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")
    expect(content).to_be_visible()
    expect(content.locator("figure")).to_be_visible()
    page.keyboard.press("Space")
    expect(content).to_be_hidden()
    # Tab moves on to the next section's heading.
    summary.focus()
    page.keyboard.press("Tab")
    expect(_section(page, "scores-heading").locator(":scope > summary")).to_be_focused()

    # A line of the glance opens the section it links to.
    scores = _section(page, "scores-heading").locator(".app-section__content")
    expect(scores).to_be_hidden()
    glance.get_by_role("link", name="GAD-7").click()
    expect(scores).to_be_visible()

    # So does an address ending in a section's anchor (saving a note goes to #notes).
    page.goto(page.url.split("#")[0] + "#notes")
    expect(_section(page, "notes-heading").locator(".app-section__content")).to_be_visible()


@pytest.mark.parametrize("width", [768, 360])
def test_review_has_no_sideways_scroll_on_a_tablet_or_phone(week5_review, width):
    page = week5_review(width, 1024)
    expect(page.locator("#glance")).to_be_visible()
    page.wait_for_function(NO_SIDEWAYS_SCROLL)
    # Every section open, so what is inside them is measured too.
    page.evaluate(OPEN_EVERY_SECTION)
    expect(page.locator("details.app-section:not([open])")).to_have_count(0)
    page.wait_for_function(NO_SIDEWAYS_SCROLL)

"""A client rates their mood on a phone and sees it on the chart; axe checks the pages."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.tracking.models import MoodRating
from tests.factories import PASSWORD
from tests.tracking.factories import GoalFactory, GoalRatingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + reverse("programme:home"))


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def test_client_rates_mood_from_home_in_two_taps_and_sees_it_on_the_chart(
    phone, live_server, client_user
):
    sign_in(phone, live_server, client_user)
    panel = phone.locator("#tracking-home-panel")
    # Tap 1: the number. Tap 2: Save. (htmx swaps the panel in place.)
    panel.get_by_role("radio", name="7", exact=True).click()
    panel.get_by_role("button", name="Save").click()
    phone.get_by_text("You rated your mood 7 out of 10 today.").wait_for()
    expect(phone.locator("#app-live")).to_have_text("Saved")
    assert MoodRating.objects.get(client=client_user).value == 7
    # No horizontal scroll on a 360 px phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    phone.goto(live_server.url + reverse("tracking:mood"))
    chart = phone.locator("#mood-chart")
    chart.get_by_text("Show the data as a table").click()
    last_row = chart.locator("tbody tr").last
    expect(last_row.locator("td")).to_have_text("7")
    expect(chart.locator("figcaption")).to_contain_text("Your mood was 7 over the last 4 weeks.")


def test_mood_and_goals_pages_have_no_serious_accessibility_problems(
    phone, live_server, client_user
):
    goal = GoalFactory(client=client_user, title="Walk to the park on Saturday")
    GoalRatingFactory(goal=goal, value=4)
    sign_in(phone, live_server, client_user)
    for url in [
        reverse("tracking:mood"),
        reverse("tracking:goals"),
        reverse("tracking:goal_create"),
        reverse("tracking:goal_detail", args=[goal.pk]),
    ]:
        phone.goto(live_server.url + url)
        assert serious_violations(phone) == [], url


def test_changing_todays_mood_on_the_mood_page_updates_the_chart_in_place(
    phone, live_server, client_user
):
    sign_in(phone, live_server, client_user)
    phone.goto(live_server.url + reverse("tracking:mood"))
    phone.get_by_role("radio", name="3", exact=True).click()
    phone.get_by_text("Add a note").click()
    phone.get_by_label("Note (optional)").fill("Long day")
    phone.get_by_role("button", name="Save").click()
    phone.get_by_text("You rated your mood 3 out of 10 today.").wait_for()
    # Swapped by htmx: the URL did not change and the chart shows the new value.
    assert phone.url == live_server.url + reverse("tracking:mood")
    chart = phone.locator("#mood-chart")
    expect(chart.locator("figcaption")).to_contain_text("Your mood was 3 over the last 4 weeks.")
    expect(phone.locator("#app-live")).to_have_text("Saved")
    assert MoodRating.objects.get(client=client_user).note == "Long day"

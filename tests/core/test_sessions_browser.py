"""In a real browser with short settings: the exercise page's heartbeat does
not keep an idle session alive, and the absolute limit ends a busy one."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from apps.programme import services
from apps.programme.content import content_load
from apps.programme.models import Module
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + reverse("programme:home"))


@pytest.fixture
def step_page(treatment, live_server):
    content_load(directory=settings.CONTENT_DIR)
    for slug in ("psychoeducation", "behavioural-activation"):
        for step in Module.objects.get(slug=slug).steps.all():
            services.step_complete(treatment=treatment, step=step)
    return live_server.url + reverse(
        "programme:step", args=["cognitive-restructuring", "thought-record"]
    )


def test_idle_sign_out_fires_while_the_exercise_heartbeat_runs(
    phone, live_server, settings, client_user, step_page
):
    settings.SESSION_COOKIE_AGE = 6
    settings.PROGRAMME_HEARTBEAT_SECONDS = 1
    page = phone
    pings = []
    page.on("requestfinished", lambda r: "/ping/" in r.url and pings.append(r.url))
    sign_in(page, live_server, client_user)
    page.goto(step_page)
    # Nobody touches the page; the heartbeat keeps beating.
    expect(page.get_by_role("heading", name="You have been signed out")).to_be_visible(
        timeout=15_000
    )
    assert len(pings) >= 3, pings
    page.reload()
    login = re.escape(live_server.url + reverse("accounts:login"))
    expect(page).to_have_url(re.compile(login + r"\?next=.*thought-record"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_typing_keeps_the_session_alive_without_any_navigation(
    phone, live_server, settings, client_user
):
    settings.SESSION_COOKIE_AGE = 6
    page = phone
    sign_in(page, live_server, client_user)
    extends = []
    page.on("requestfinished", lambda r: "/session/extend/" in r.url and extends.append(r.url))
    # Twelve seconds of typing on one page: twice the idle limit.
    for _ in range(12):
        page.keyboard.press("Shift")
        page.wait_for_timeout(1000)
    assert len(extends) >= 3, extends
    page.reload()
    expect(page).to_have_url(live_server.url + reverse("programme:home"))


def test_the_absolute_limit_ends_a_busy_session(phone, live_server, settings, client_user):
    settings.SESSION_ABSOLUTE_CLIENT = datetime.timedelta(seconds=6)
    page = phone
    sign_in(page, live_server, client_user)
    home = live_server.url + reverse("programme:home")
    # Busy: a navigation every second, each one is activity.
    for _ in range(12):
        page.goto(home)
        if page.url.startswith(live_server.url + reverse("accounts:login")):
            break
        page.wait_for_timeout(1000)
    expect(page).to_have_url(re.compile(re.escape(live_server.url + reverse("accounts:login"))))
    expect(page.get_by_text("For your security you were signed out")).to_be_visible()

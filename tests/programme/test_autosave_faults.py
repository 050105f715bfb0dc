"""Nothing typed is lost: autosave under a lost session, a lost signal, two tabs, sign-out.

Real chromium against the live server. Each test reproduces a fault in which text
used to be lost or silently overwritten.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.programme.models import EntryStatus, ExerciseEntry
from tests.factories import PASSWORD
from tests.programme.test_browser import sign_in, step_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THOUGHT_RECORD = ("cognitive-restructuring", "thought-record")


def start_thought_record(page, live_server):
    page.goto(step_url(live_server, *THOUGHT_RECORD))
    page.get_by_role("link", name="Start").click()
    return page.get_by_label("Situation", exact=True)


def type_and_blur(page, locator, text):
    locator.fill(text)
    page.evaluate("document.activeElement && document.activeElement.blur()")


def saved_situations():
    return [e.data.get("situation") for e in ExerciseEntry.objects.filter(status=EntryStatus.DRAFT)]


def device_copies(page) -> int:
    return page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('tandem-draft:')).length"
    )


def test_text_typed_after_signing_out_in_another_tab_is_saved_after_signing_in_again(
    phone, live_server, client_user, cr_ready
):
    sign_in(phone, live_server, client_user)
    situation = start_thought_record(phone, live_server)
    other_tab = phone.context.new_page()
    other_tab.goto(live_server.url + reverse("safety:help"))
    other_tab.get_by_role("button", name="Sign out").first.click()
    other_tab.wait_for_url("**/sign-in/**")
    other_tab.close()

    with phone.expect_response(lambda r: "/autosave/" in r.url) as answer:
        type_and_blur(phone, situation, "Stuck in traffic, late for work.")
    assert answer.value.status == 401
    status = phone.locator("#autosave-status")
    expect(status).to_contain_text("you have been signed out")
    assert saved_situations() == []
    assert device_copies(phone) == 1

    status.get_by_role("link", name="Sign in again to save it").click()
    phone.get_by_label("Email address").fill(client_user.email)
    phone.get_by_label("Password", exact=True).fill(PASSWORD)
    with phone.expect_response(lambda r: "/autosave/" in r.url and r.ok):
        phone.get_by_role("button", name="Sign in").click()
    expect(phone.get_by_label("Situation", exact=True)).to_have_value(
        "Stuck in traffic, late for work."
    )
    expect(status).to_contain_text("Saved")
    assert saved_situations() == ["Stuck in traffic, late for work."]
    assert device_copies(phone) == 0


def test_text_typed_offline_is_sent_when_the_signal_comes_back(
    phone, live_server, client_user, cr_ready
):
    sign_in(phone, live_server, client_user)
    situation = start_thought_record(phone, live_server)
    phone.context.set_offline(True)
    type_and_blur(phone, situation, "Waiting for the bus in the rain.")
    expect(phone.locator("#autosave-status")).to_contain_text("Not saved yet")
    with phone.expect_response(lambda r: "/autosave/" in r.url and r.ok, timeout=5_000):
        phone.context.set_offline(False)
    expect(phone.locator("#autosave-status")).to_contain_text("Saved")
    assert saved_situations() == ["Waiting for the bus in the rain."]
    assert device_copies(phone) == 0


def test_two_tabs_on_one_exercise_never_silently_undo_each_other(
    browser, live_server, client_user, cr_ready
):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    first, second = context.new_page(), context.new_page()
    for page in (first, second):
        page.set_default_timeout(10_000)
    try:
        sign_in(first, live_server, client_user)
        # Both tabs open a new record before either saves.
        first_box = start_thought_record(first, live_server)
        second_box = start_thought_record(second, live_server)
        with first.expect_response(lambda r: "/autosave/" in r.url and r.ok):
            type_and_blur(first, first_box, "Text from the first tab.")
        with second.expect_response(lambda r: "/autosave/" in r.url) as answer:
            type_and_blur(second, second_box, "Text from the second tab.")
        assert answer.value.status == 409
        # The second tab keeps its own text and shows the first tab's beside it.
        expect(second_box).to_have_value("Text from the second tab.")
        expect(second.locator("#autosave-conflict")).to_contain_text("Text from the first tab.")
        expect(second.locator("#autosave-status")).to_contain_text("changed somewhere else")
        assert saved_situations() == ["Text from the first tab."]

        # The person merges; the merged text lands on the one draft.
        with second.expect_response(lambda r: "/autosave/" in r.url and r.ok):
            type_and_blur(second, second_box, "Text from the first tab. And the second.")
        assert saved_situations() == ["Text from the first tab. And the second."]

        # The first tab is now behind: its next save is refused, not a silent undo.
        with first.expect_response(lambda r: "/autosave/" in r.url) as stale:
            type_and_blur(first, first_box, "Text from the first tab, edited.")
        assert stale.value.status == 409
        expect(first.locator("#autosave-conflict")).to_contain_text("And the second.")
        assert saved_situations() == ["Text from the first tab. And the second."]
    finally:
        context.close()


def test_signing_out_sends_pending_text_first(phone, live_server, client_user, cr_ready):
    sign_in(phone, live_server, client_user)
    situation = start_thought_record(phone, live_server)
    # The server is briefly unreachable for saves while the person types.
    phone.route("**/autosave/", lambda route: route.fulfill(status=503, body="busy"))
    type_and_blur(phone, situation, "Sat in the car park for ten minutes.")
    expect(phone.locator("#autosave-status")).to_contain_text("Not saved yet")
    phone.unroute("**/autosave/")
    phone.get_by_role("button", name="Sign out").first.click()
    phone.wait_for_url("**/sign-in/**")
    assert saved_situations() == ["Sat in the car park for ten minutes."]
    assert device_copies(phone) == 0


@pytest.mark.parametrize("choice", ["keep", "delete"])
def test_signing_out_with_text_that_cannot_be_sent_warns_and_lets_the_person_choose(
    phone, live_server, client_user, cr_ready, choice
):
    sign_in(phone, live_server, client_user)
    situation = start_thought_record(phone, live_server)
    phone.route("**/autosave/", lambda route: route.abort())
    type_and_blur(phone, situation, "Could not face the phone call.")
    expect(phone.locator("#autosave-status")).to_contain_text("Not saved yet")
    phone.get_by_role("button", name="Sign out").first.click()
    warning = phone.get_by_role("alertdialog", name="You have text not yet saved on this device")
    expect(warning).to_be_visible()
    if choice == "keep":
        warning.get_by_role("button", name="Keep it on this device and sign out").click()
    else:
        warning.get_by_role("button", name="Delete it and sign out").click()
    phone.wait_for_url("**/sign-in/**")
    assert saved_situations() == []
    assert device_copies(phone) == (1 if choice == "keep" else 0)
    phone.unroute("**/autosave/")

    sign_in(phone, live_server, client_user)
    start_thought_record(phone, live_server)
    if choice == "keep":
        expect(phone.get_by_label("Situation", exact=True)).to_have_value(
            "Could not face the phone call."
        )
        expect(phone.locator("#autosave-status")).to_contain_text("Saved")
        assert saved_situations() == ["Could not face the phone call."]
    else:
        expect(phone.get_by_label("Situation", exact=True)).to_have_value("")

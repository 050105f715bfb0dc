"""A client works through the programme on a 360 px phone; axe checks the pages."""

import pytest
from django.conf import settings
from django.urls import reverse

from apps.programme import services
from apps.programme.content import content_load
from apps.programme.models import EntryStatus, ExerciseEntry, Module, Step
from tests.factories import PASSWORD

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


@pytest.fixture
def cr_ready(treatment):
    """Content loaded and the first two required modules done: thinking module open."""
    content_load(directory=settings.CONTENT_DIR)
    for slug in ("psychoeducation", "behavioural-activation"):
        for step in Module.objects.get(slug=slug).steps.all():
            services.step_complete(treatment=treatment, step=step)
    return treatment


def step_url(live_server, module, step):
    return live_server.url + reverse("programme:step", args=[module, step])


def test_client_reads_a_step_sends_a_thought_record_and_finds_a_half_typed_draft(
    browser, phone, live_server, client_user, cr_ready
):
    sign_in(phone, live_server, client_user)
    phone.goto(live_server.url + reverse("programme:module", args=["cognitive-restructuring"]))
    phone.get_by_role("link", name="How thoughts affect feelings").click()
    phone.get_by_role("button", name="Mark as done and continue").click()
    phone.get_by_role("heading", name="Catch the thought", level=1).wait_for()

    # A thought record, sent.
    phone.goto(step_url(live_server, "cognitive-restructuring", "thought-record"))
    phone.get_by_label("Date", exact=True).fill("2026-03-07")
    phone.get_by_label("Situation", exact=True).fill(
        "Saturday night, saw photos of a party online."
    )
    phone.get_by_label("Feeling", exact=True).fill("Sad")
    phone.get_by_label("How strong was the feeling? (0 to 100)").fill("80")
    phone.get_by_label("Automatic thought", exact=True).fill("Nobody wants me around.")
    phone.get_by_label("How much did you believe it? (0 to 100%)").fill("85")
    phone.get_by_label("Mind reading").check()
    phone.get_by_label("Balanced thought", exact=True).fill(
        "I've said no a lot lately. Zara asked me to lunch, so some people do want to see me."
    )
    phone.get_by_label("How strong is the feeling now? (0 to 100)").fill("45")
    phone.get_by_role("button", name="Send to my practitioner").click()
    phone.get_by_text("will see this before your next session").wait_for()
    assert "Your feeling (Sad) went from 80 to 45." in phone.content()
    assert ExerciseEntry.objects.filter(status=EntryStatus.SUBMITTED).count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # A second record: type, wait for the autosave, then close the phone.
    phone.get_by_role("link", name="Fill in another one").click()
    phone.get_by_label("Situation", exact=True).fill("Monday morning, my manager frowned at me.")
    status = phone.locator("#autosave-status")
    status.get_by_text("Saved").wait_for()
    phone.context.close()

    context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, client_user)
        page.goto(step_url(live_server, "cognitive-restructuring", "thought-record"))
        assert page.get_by_label("Situation", exact=True).input_value() == (
            "Monday morning, my manager frowned at me."
        )
        draft = ExerciseEntry.objects.get(status=EntryStatus.DRAFT)
        assert draft.data["situation"] == "Monday morning, my manager frowned at me."
    finally:
        context.close()


def test_programme_pages_have_no_serious_accessibility_problems(
    phone, live_server, client_user, cr_ready
):
    sign_in(phone, live_server, client_user)
    assert serious_violations(phone) == [], "home"
    diary = Step.objects.get(slug="activity-diary")
    for url in [
        reverse("programme:modules"),
        reverse("programme:module", args=["cognitive-restructuring"]),
        reverse("programme:step", args=["cognitive-restructuring", "thoughts-and-feelings"]),
        reverse("programme:step", args=["cognitive-restructuring", "thought-record"]),
        reverse("programme:step", args=["cognitive-restructuring", "spot-the-trap"]),
        reverse("programme:step", args=[diary.module.slug, diary.slug]),
        reverse("programme:step", args=["psychoeducation", "my-goals"]),
    ]:
        phone.goto(live_server.url + url)
        assert serious_violations(phone) == [], url

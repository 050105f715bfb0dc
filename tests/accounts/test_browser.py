"""End to end with two-step verification on: a PWP signs in, sets up an
authenticator app from the key on the page, saves the recovery codes and lands
on the caseload; next time they are asked for a code. Axe checks the setup,
recovery codes and code pages."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.accounts.otp_helpers import device_code, key_from_page, setup_link, totp_code
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE_LABEL = "Enter the 6-digit code from your authenticator app"


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def sign_in_with_password(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_pwp_sets_up_two_step_and_signs_in_with_a_code(desktop, live_server, settings, pwp):
    settings.STAFF_2FA_REQUIRED = True
    page = desktop

    sign_in_with_password(page, live_server, pwp)
    page.wait_for_url(live_server.url + reverse("accounts:otp_setup") + "**")
    # The password alone shows no key: the person opens the emailed link.
    page.get_by_role("heading", name="Check your email to set up two-step verification").wait_for()
    assert serious_violations(page) == []
    page.goto(live_server.url + setup_link(pwp))
    page.get_by_role("heading", name="Set up two-step verification").wait_for()
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    assert serious_violations(page) == []

    key = key_from_page(page.locator("#otp-secret-key").inner_text())
    page.get_by_label(CODE_LABEL).fill(totp_code(key))
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="Save your recovery codes").wait_for()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert serious_violations(page) == []
    page.get_by_label("I have saved these recovery codes").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(live_server.url + reverse("workspace:caseload") + "**")
    page.get_by_text("Two-step verification is set up.").wait_for()

    # Next time: password, then a code.
    page.get_by_role("button", name="Sign out").first.click()
    page.wait_for_url(live_server.url + reverse("accounts:login") + "**")
    sign_in_with_password(page, live_server, pwp)
    page.wait_for_url(live_server.url + reverse("accounts:otp_verify") + "**")
    page.get_by_role("heading", name=CODE_LABEL).wait_for()
    assert serious_violations(page) == []
    # The code from setup cannot be used again; the app's next code can.
    page.get_by_label(CODE_LABEL).fill(device_code(TOTPDevice.objects.get(user=pwp), ahead=1))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(live_server.url + reverse("workspace:caseload") + "**")

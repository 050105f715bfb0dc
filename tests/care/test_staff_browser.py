"""An administrator invites a PWP, who sets a password, sets up two-step
verification and lands on an empty caseload (two-step on, as in production)."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.accounts.factories import TOTPDeviceFactory
from tests.accounts.otp_helpers import device_code, key_from_page, totp_code
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_invites_a_pwp_who_sets_a_password_and_sees_an_empty_caseload(
    browser, live_server, settings, admin_user, service
):
    settings.STAFF_2FA_REQUIRED = True
    TOTPDeviceFactory(user=admin_user)
    admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    admin.set_default_timeout(10_000)

    admin.goto(live_server.url + reverse("accounts:login"))
    admin.get_by_label("Email address").fill(admin_user.email)
    admin.get_by_label("Password", exact=True).fill(PASSWORD)
    admin.get_by_role("button", name="Sign in").click()
    admin.get_by_label("Enter the 6-digit code from your authenticator app").fill(
        device_code(TOTPDevice.objects.get(user=admin_user))
    )
    admin.get_by_role("button", name="Continue").click()
    admin.get_by_role("link", name="Staff", exact=True).click()
    admin.get_by_role("heading", name="Staff", exact=True).wait_for()
    admin.get_by_role("link", name="Invite a member of staff").click()
    admin.get_by_label("Email address").fill("bryn.lewis@north.example")
    admin.get_by_label("First name").fill("Bryn")
    admin.get_by_label("Last name").fill("Lewis")
    admin.get_by_label("Practitioner (PWP)").check()
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.get_by_text("We have emailed Bryn Lewis an invitation")).to_be_visible()
    expect(admin.get_by_role("row", name=re.compile("Bryn Lewis"))).to_contain_text(
        "Invited, not yet signed in"
    )

    invitation = next(m for m in mail.outbox if "bryn.lewis@north.example" in m.to)
    link = re.search(r"https?://\S+/account/invitation/\S+/", invitation.body).group(0)
    path = "/" + link.split("/", 3)[3]

    pwp = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    pwp.set_default_timeout(10_000)
    pwp.goto(live_server.url + path)
    pwp.get_by_label("Create a password").fill("a long new password 2026")
    pwp.get_by_label("Type the password again").fill("a long new password 2026")
    pwp.get_by_role("button", name="Create password and continue").click()

    # The invitation link proved the email: the key is shown straight away.
    pwp.get_by_role("heading", name="Set up two-step verification").wait_for()
    key = key_from_page(pwp.locator("#otp-secret-key").inner_text())
    pwp.get_by_label("Enter the 6-digit code from your authenticator app").fill(totp_code(key))
    pwp.get_by_role("button", name="Continue").click()
    pwp.get_by_label("I have saved these recovery codes").check()
    pwp.get_by_role("button", name="Continue").click()

    pwp.wait_for_url(live_server.url + reverse("workspace:caseload") + "**")
    expect(pwp.get_by_role("heading", name="Your caseload")).to_be_visible()
    expect(pwp.locator("#caseload tbody tr")).to_have_count(1)
    expect(pwp.locator("#caseload tbody")).to_contain_text("No clients")

    # The admin sees them as active now.
    admin.reload()
    expect(admin.get_by_role("row", name=re.compile("Bryn Lewis"))).not_to_contain_text(
        "Invited, not yet signed in"
    )
    admin.context.close()
    pwp.context.close()

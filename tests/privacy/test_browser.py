"""A client asks for a copy of their data on a phone; a supervisor checks and releases it."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.privacy.builders import everything
from tests.workspace.test_browser import serious_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_client_asks_for_a_copy_and_a_supervisor_releases_it(
    phone, desktop, live_server, treatment, pwp, supervisor, settings, tmp_path
):
    settings.EXPORT_ROOT = tmp_path
    everything(treatment, "ALPHA", reader=pwp)

    sign_in(phone, live_server, treatment.client, "programme:home")
    phone.goto(live_server.url + reverse("core:privacy"))
    phone.get_by_role("link", name="Ask for a copy of your data").click()
    phone.get_by_role("button", name="Ask for a copy of your data").click()
    expect(phone.get_by_text("Being checked by a member of staff")).to_be_visible()
    assert serious_violations(phone) == []

    sign_in(desktop, live_server, supervisor, "workspace:service_overview")
    desktop.get_by_role("link", name="Data requests").first.click()
    desktop.get_by_role("link", name="Ceridwen Quillfeather").click()
    expect(desktop.get_by_role("link", name="Download")).to_be_visible()
    assert serious_violations(desktop) == []
    desktop.get_by_label("Yes, release it").check()
    desktop.get_by_role("button", name="Save decision").click()
    expect(desktop.get_by_text("Released. The client has been emailed.")).to_be_visible()

    phone.reload()
    link = phone.get_by_role("link", name="Download your data")
    expect(link).to_be_visible()
    with phone.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".zip")

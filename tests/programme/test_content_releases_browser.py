"""The content author's journey in a real browser: an admin edits a step, a newer
release is loaded (as docker-compose does on every start), the edit survives and
the conflict is reported; the author previews the step and reverts it to the
release text, which the next load then brings up to date."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from apps.programme.content import content_load
from apps.programme.models import RevisionSource, StepRevision
from tests.programme.test_content_releases import STEP, _body_file, _bump, _step
from tests.workspace.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EDIT = "Our service's own words about depression, written by our clinical lead."
NEW_IN_RELEASE = "A new paragraph in the release."


def _load(directory) -> str:
    out = io.StringIO()
    call_command("load_content", "--dir", str(directory), stdout=out)
    return out.getvalue()


def test_admin_edit_survives_a_new_release_and_can_be_reverted(
    desktop,
    live_server,
    admin_user,
    release,
):
    page = desktop
    content_load(directory=release)
    step = _step()
    change_url = live_server.url + reverse("admin:programme_step_change", args=[step.pk])
    preview_url = live_server.url + reverse("programme:preview_step", args=list(STEP))

    # The author edits the step in the admin: it becomes a local revision.
    sign_in(page, live_server, admin_user, "workspace:admin_home")
    page.goto(change_url)
    expect(page.get_by_text("Release 2026.1 (revision 1)").first).to_be_visible()
    page.locator("#id_body_en").fill(EDIT)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.get_by_text("Local revision 2 (edited after release 2026.1)").first).to_be_visible()

    # A newer release changes the same step, and load_content runs.
    _bump(release, "2026.2")
    body = _body_file(release)
    body.write_text(body.read_text() + f"\n\n{NEW_IN_RELEASE}\n")
    report = _load(release)
    assert "1 conflict(s)" in report
    assert f"conflict, edit kept: {STEP[0]}/{STEP[1]}" in report

    # The edit survived: in the admin, in the "edited here" list and in the preview.
    page.goto(change_url)
    expect(page.locator("#id_body_en")).to_have_value(EDIT)
    expect(page.get_by_text("Local revision 2 (edited after release 2026.1)").first).to_be_visible()
    page.goto(
        live_server.url + reverse("admin:programme_step_changelist") + "?locally_edited__exact=1"
    )
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text("Local revision 2")
    page.goto(preview_url)
    expect(page.get_by_text(EDIT)).to_be_visible()
    expect(page.get_by_text("Local revision 2 (edited after release 2026.1)")).to_be_visible()
    expect(page.get_by_text(NEW_IN_RELEASE)).to_have_count(0)

    # The author reverts the step to the release text it had before the edit.
    first = StepRevision.objects.get(step=step, number=1, source=RevisionSource.RELEASE)
    page.goto(
        live_server.url + reverse("admin:programme_steprevision_changelist") + f"?q={STEP[1]}"
    )
    page.locator(f'input[name="_selected_action"][value="{first.pk}"]').check()
    page.locator('select[name="action"]').select_option("revert")
    page.get_by_role("button", name="Go", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Reverted 1 step.")
    page.goto(change_url)
    expect(page.get_by_text("Release 2026.1 (revision 3)").first).to_be_visible()
    expect(page.locator("#id_body_en")).not_to_have_value(EDIT)

    # Release content again: the next load brings the new release's text, no conflict.
    report = _load(release)
    assert "conflict" not in report
    page.goto(preview_url)
    expect(page.get_by_text(NEW_IN_RELEASE)).to_be_visible()
    expect(page.get_by_text("Release 2026.2")).to_be_visible()

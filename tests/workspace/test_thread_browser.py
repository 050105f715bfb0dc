"""Sessions and the week between as one thread, in a real browser.

A PWP records an agreed task after a session and the client sees it on their
home page; a client replies to feedback and the PWP sees the reply.
"""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from apps.care.models import AppointmentStatus
from apps.programme.models import EntryFeedback
from tests.care.factories import AppointmentFactory, thought_record
from tests.workspace.test_browser import serious_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pwp_records_an_agreed_task_and_the_client_sees_it_at_home(
    desktop, phone, live_server, pwp, treatment, client_user, content
):
    pwp.first_name = "Priya"
    pwp.save()
    session = AppointmentFactory(
        treatment=treatment,
        number=1,
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        status=AppointmentStatus.SCHEDULED,
    )
    weekday = session.starts_at.astimezone(zoneinfo.ZoneInfo(client_user.time_zone)).strftime("%A")

    sign_in(desktop, live_server, pwp, "workspace:caseload")
    desktop.goto(live_server.url + reverse("workspace:review", args=[treatment.pk]))
    expect(desktop.get_by_role("heading", name="Agenda for the session")).to_be_visible()
    desktop.get_by_role("link", name="Record what you agreed").first.click()
    desktop.wait_for_url("**/sessions/record/")
    desktop.get_by_label("What you agreed").fill("One small activity each morning.")
    desktop.get_by_label("Tasks for the week (optional)").fill("Walk to the shop and back twice")
    desktop.get_by_role("button", name="Save and show to the client").click()
    expect(desktop.locator(".govuk-notification-banner")).to_contain_text(
        "The client sees what you agreed"
    )

    sign_in(phone, live_server, client_user, "programme:home")
    agreed = phone.locator("#agreed")
    expect(agreed).to_contain_text(f"Agreed with Priya on {weekday}")
    expect(agreed).to_contain_text("One small activity each morning.")
    expect(agreed.get_by_role("listitem")).to_have_count(1)
    expect(agreed).to_contain_text("Walk to the shop and back twice")
    assert serious_violations(phone) == []


def test_client_replies_to_feedback_and_the_pwp_sees_the_reply(
    desktop, phone, live_server, pwp, treatment, client_user, thought_step
):
    entry = thought_record(treatment, thought_step)
    EntryFeedback.objects.create(entry=entry, author=pwp, text="What did Sam say afterwards?")

    sign_in(phone, live_server, client_user, "programme:home")
    phone.get_by_role("link", name="Reply to this").click()
    box = phone.get_by_label("Reply to your practitioner")
    box.fill("")
    phone.get_by_role("button", name="Send reply").click()
    expect(phone.locator(".govuk-error-summary")).to_contain_text("Write your reply")
    phone.get_by_label("Reply to your practitioner").fill("Sam said it was good to see me.")
    phone.get_by_role("button", name="Send reply").click()
    expect(phone.locator(".govuk-notification-banner")).to_contain_text("Reply sent")
    expect(phone.locator(".app-feedback-reply")).to_contain_text("Sam said it was good to see me.")
    assert serious_violations(phone) == []

    sign_in(desktop, live_server, pwp, "workspace:caseload")
    desktop.goto(live_server.url + reverse("workspace:review", args=[treatment.pk]))
    reply = desktop.locator(f"#entry-{entry.pk} .app-feedback-reply")
    expect(reply).to_contain_text("The client replied")
    expect(reply).to_contain_text("Sam said it was good to see me.")

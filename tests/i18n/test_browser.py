"""End to end in Dutch: a client switches to Dutch, reads a module step, rates
their mood and answers the PHQ-9 with item 9 above 0, and sees the Dutch crisis
numbers; their Dutch-speaking PWP's caseload is in Dutch."""

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from apps.programme.content import content_load
from apps.tracking.models import MoodRating
from tests.factories import PASSWORD
from tests.questionnaires.factories import PHQ9_LOW_ITEM9, AdministrationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user, home):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + reverse(home) + "**")


def test_dutch_client_walks_a_step_a_mood_rating_and_a_phq9_with_item_9(
    phone, desktop, live_server, treatment, client_user, pwp
):
    content_load(directory=settings.CONTENT_DIR)
    administration = AdministrationFactory(treatment=treatment)
    html = phone.locator("html")

    sign_in(phone, live_server, client_user, "programme:home")
    expect(html).to_have_attribute("lang", "en")
    phone.get_by_role("button", name="Nederlands").click()
    expect(html).to_have_attribute("lang", "nl")
    expect(phone.get_by_role("banner").get_by_role("link", name="Direct hulp")).to_be_visible()
    client_user.refresh_from_db()
    assert client_user.language == "nl"

    # A module step, in Dutch.
    phone.goto(
        live_server.url
        + reverse("programme:step", args=["psychoeducation", "how-the-programme-works"])
    )
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hoe het programma werkt")
    expect(phone.locator(".app-prose")).to_contain_text("Welkom bij Tandem")
    expect(phone.locator(".app-untranslated")).to_have_count(0)
    phone.get_by_role("button", name="Klaar, ga verder").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Wat depressie is")

    # A mood rating.
    phone.goto(live_server.url + reverse("tracking:mood"))
    expect(html).to_have_attribute("lang", "nl")
    phone.get_by_role("radio", name="6", exact=True).click()
    phone.get_by_role("button", name="Opslaan").click()
    expect(phone.get_by_text("Je gaf je stemming vandaag een 6 van de 10.")).to_be_visible()
    assert MoodRating.objects.get(client=client_user).value == 6

    # The PHQ-9 (marked placeholder Dutch wording in tests), item 9 above 0.
    phone.goto(live_server.url + reverse("questionnaires:start", args=[administration.pk]))
    phone.get_by_role("link", name="Beginnen, één vraag per keer").click()
    for n in range(1, 11):
        expect(phone.get_by_text(f"Vraag {n} van 10")).to_be_visible()
        expect(phone.get_by_text("Voorbeeldtekst", exact=True)).to_be_visible()
        value = PHQ9_LOW_ITEM9[n]
        phone.get_by_label(f"[Voorbeeldantwoord {value}]", exact=True).check()
        phone.get_by_role("button", name="Verder").click()
    expect(phone.get_by_role("heading", name="Kijk je antwoorden na")).to_be_visible()
    phone.get_by_role("button", name="Mijn antwoorden versturen").click()
    card = phone.locator(".app-card--care")
    expect(card).to_contain_text("Kun je jezelf iets aandoen of ben je nu in gevaar? Bel 112")
    expect(card).to_contain_text("113 Zelfmoordpreventie")
    expect(card.locator('a[href="tel:08000113"]')).to_contain_text("0800-0113")
    expect(card.locator('a[href="tel:112"]')).to_have_count(1)
    expect(card).not_to_contain_text("Samaritans")
    expect(html).to_have_attribute("lang", "nl")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # Their practitioner reads Dutch too: the caseload is in Dutch.
    pwp.language = "nl"
    pwp.save(update_fields=["language"])
    sign_in(desktop, live_server, pwp, "workspace:caseload")
    expect(desktop.locator("html")).to_have_attribute("lang", "nl")
    expect(desktop.get_by_role("heading", level=1)).to_have_text("Je caseload")
    expect(desktop.get_by_role("link", name="1 open risicomelding")).to_be_visible()

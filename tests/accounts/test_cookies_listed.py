"""The privacy page names every cookie the service sets, with what it is for."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_on")]


def test_every_cookie_set_while_signing_in_and_choosing_a_language_is_on_the_privacy_page(
    client_user,
):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(reverse("accounts:login"))
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else ""
    response = browser.post(
        reverse("accounts:login"),
        {"username": client_user.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302, "signed in"
    browser.post(
        reverse("accounts:language"),
        {"language": "nl", "csrfmiddlewaretoken": browser.cookies["csrftoken"].value},
    )
    names = set(browser.cookies)
    # What this walk must have set: signed in, a form, a remembered browser, a language.
    assert len(names) >= 4, names

    text = Client().get(reverse("core:privacy")).content.decode()
    for name in names:
        assert f"<code>{name}</code>" in text, f"cookie {name} is not on the privacy page"

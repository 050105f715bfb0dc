"""Error pages keep "Get help now" in the header and the not-for-emergencies footer."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from apps.core.error_pages import server_error

pytestmark = pytest.mark.django_db

HELP_LINK = 'href="/help/"'
FOOTER = "This service is not for emergencies"


def assert_keeps_help(html: str) -> None:
    assert "Get help now" in html
    assert HELP_LINK in html
    assert FOOTER in html


def test_not_found_page_keeps_help_and_footer(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert_keeps_help(html)


def test_forbidden_page_keeps_help_and_footer(client, client_user):
    # A client on a staff page is refused.
    client.force_login(client_user)
    response = client.get(reverse("trials:overview"))
    assert response.status_code == 403
    assert_keeps_help(response.content.decode())


def test_csrf_failure_page_keeps_help_and_footer(client_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(client_user)
    response = browser.post(reverse("accounts:logout"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "This form has expired" in html
    assert_keeps_help(html)


def test_server_error_page_keeps_help_and_footer(settings):
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, something went wrong" in html
    assert settings.SITE_NAME in html
    assert_keeps_help(html)

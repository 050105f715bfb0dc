import json

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_help_page_lists_crisis_routes_for_anyone(client):
    content = client.get(reverse("safety:help")).content.decode()
    for text in ["999", "111", "116 123", "85258"]:
        assert text in content


@pytest.mark.django_db
def test_every_page_has_skip_link_landmarks_and_help_link(client, client_user):
    client.force_login(client_user)
    content = client.get(reverse("programme:home")).content.decode()
    assert 'href="#main-content"' in content
    assert 'id="main-content"' in content
    assert "<header" in content and "<footer" in content
    assert reverse("safety:help") in content
    assert "not for emergencies" in content


@pytest.mark.django_db
def test_manifest_lets_the_site_be_added_to_a_home_screen(client):
    data = json.loads(client.get(reverse("core:manifest")).content)
    assert data["display"] == "standalone"
    assert {icon["sizes"] for icon in data["icons"]} >= {"192x192", "512x512"}


@pytest.mark.django_db
def test_health_check(client):
    assert client.get(reverse("core:healthz")).json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
    }


@pytest.mark.django_db
def test_session_extend_needs_sign_in_and_post(client, client_user):
    assert client.post(reverse("core:session_extend")).status_code == 302
    client.force_login(client_user)
    assert client.get(reverse("core:session_extend")).status_code == 405
    assert client.post(reverse("core:session_extend")).status_code == 204


@pytest.mark.django_db
def test_pages_with_health_information_are_never_stored_by_the_browser(client, client_user):
    client.force_login(client_user)
    for url in (reverse("programme:home"), reverse("tracking:mood")):
        cache = client.get(url).headers["Cache-Control"]
        assert "no-store" in cache and "private" in cache
    # After signing out, the sign-in page is not stored either.
    signed_out = client.post(reverse("accounts:logout"), follow=True)
    assert "no-store" in signed_out.headers["Cache-Control"]


def test_the_web_app_manifest_may_be_cached(client):
    response = client.get(reverse("core:manifest"))
    assert response.headers["Cache-Control"] == "max-age=3600, public"

"""Each person chooses their language; pages say which language they are in."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_signed_in_choice_is_saved_and_used_on_every_page(client, client_user):
    client.force_login(client_user)
    response = client.post(
        reverse("accounts:language"), {"language": "nl", "return_to": reverse("safety:help")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("safety:help")
    client_user.refresh_from_db()
    assert client_user.language == "nl"
    # A new device (no cookie) still shows Dutch: the choice lives on the person.
    client.cookies.clear()
    client.force_login(client_user)
    page = client.get(reverse("safety:help"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="nl"' in page.content.decode()
    assert "Direct hulp" in page.content.decode()


def test_welsh_is_not_offered_and_a_welsh_browser_gets_english(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="cy")
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert 'value="cy"' not in html
    refused = client.post(reverse("accounts:language"), {"language": "cy"})
    assert refused.status_code == 200
    assert "Select one of the languages shown" in refused.content.decode()


def test_header_switcher_offers_the_other_language_named_in_itself(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="nl">Nederlands</button>' in html


def test_signed_out_choice_is_kept_in_a_cookie(client):
    client.post(reverse("accounts:language"), {"language": "nl", "return_to": "/account/sign-in/"})
    html = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="nl"' in html
    assert 'lang="en">English</button>' in html


def test_language_page_is_the_profile_setting(client, pwp):
    client.force_login(pwp)
    page = client.get(reverse("accounts:language"))
    assert page.status_code == 200
    saved = client.post(reverse("accounts:language"), {"language": "nl"}, follow=True)
    pwp.refresh_from_db()
    assert pwp.language == "nl"
    assert "Je taal is opgeslagen." in saved.content.decode()


def test_unsafe_next_is_ignored(client):
    response = client.post(
        reverse("accounts:language"), {"language": "nl", "return_to": "https://evil.example/"}
    )
    assert response["Location"] == reverse("accounts:language")

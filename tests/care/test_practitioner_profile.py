"""A short optional PWP profile that the PWP edits and that shows to their clients."""

import pytest
from django.urls import reverse

from apps.care.models import PractitionerProfile
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client, user):
    client.login(email=user.email, password=PASSWORD)
    return client


def test_pwp_writes_a_profile_and_their_client_sees_it(client, pwp, client_user, treatment):
    _sign_in(client, pwp)
    assert client.get(reverse("care:profile")).status_code == 200
    response = client.post(
        reverse("care:profile"),
        {"role_title": "Psychological Wellbeing Practitioner", "about": "I like walking."},
    )
    assert response.status_code == 302
    client.logout()
    _sign_in(client, client_user)
    home = client.get(reverse("programme:home")).content.decode()
    assert "Psychological Wellbeing Practitioner" in home and "I like walking." in home


def test_no_profile_shows_just_the_name(client, pwp, client_user, treatment):
    _sign_in(client, client_user)
    home = client.get(reverse("programme:home")).content.decode()
    assert "Your practitioner is" in home and 'id="practitioner"' not in home


def test_too_long_text_keeps_what_was_typed(client, pwp):
    _sign_in(client, pwp)
    text = "Walking " * 100
    response = client.post(reverse("care:profile"), {"role_title": "PWP", "about": text})
    assert response.status_code == 400
    assert "Walking Walking" in response.content.decode()
    assert not PractitionerProfile.objects.exists()


@pytest.mark.parametrize("persona", ["client_user", "trial_manager"])
def test_only_practitioners_have_a_profile_page(client, request, persona):
    _sign_in(client, request.getfixturevalue(persona))
    assert client.get(reverse("care:profile")).status_code == 403

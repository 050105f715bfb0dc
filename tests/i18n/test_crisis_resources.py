"""Crisis resources follow the service and the reader's language."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.safety.models import ServiceSafetyPolicy

pytestmark = pytest.mark.django_db


def help_page(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("safety:help")).content.decode()


def test_dutch_client_sees_113_and_112_on_the_help_page(client, client_user):
    client_user.language = "nl"
    client_user.save(update_fields=["language"])
    html = help_page(client, client_user)
    assert "113 Zelfmoordpreventie" in html
    assert 'href="tel:08000113"' in html and "0800-0113" in html
    assert "Kun je jezelf iets aandoen of ben je nu in gevaar? Bel 112" in html
    assert "Samaritans" not in html and "999" not in html


def test_english_client_of_a_uk_service_keeps_the_uk_numbers(client, client_user):
    html = help_page(client, client_user)
    assert "Samaritans" in html and "call 999 or go to A&amp;E" in html
    assert "113" not in html


def test_a_dutch_service_shows_dutch_numbers_in_english(client, client_user, service):
    ServiceSafetyPolicy.objects.create(service=service, region="nl")
    html = help_page(client, client_user)
    assert "113 Suicide Prevention" in html and "call 112" in html
    assert "Samaritans" not in html


def test_a_services_own_list_per_language_wins(client, client_user, service):
    ServiceSafetyPolicy.objects.create(
        service=service,
        crisis_resources=[{"name": "Crisis team North", "phone": "0100"}],
        crisis_resources_translated={"nl": [{"name": "Crisisdienst Noord", "phone": "0100"}]},
    )
    assert "Crisis team North" in help_page(client, client_user)
    client_user.language = "nl"
    client_user.save(update_fields=["language"])
    html = help_page(client, client_user)
    assert "Crisisdienst Noord" in html and "Crisis team North" not in html


def test_translated_lists_must_be_lists_by_language(service):
    policy = ServiceSafetyPolicy(service=service, crisis_resources_translated=["nl"])
    with pytest.raises(ValidationError, match="language code"):
        policy.full_clean()
    policy.crisis_resources_translated = {"nl": [{"phone": "112"}]}
    with pytest.raises(ValidationError, match="name"):
        policy.full_clean()

"""API tokens: hashed at rest and shown once, named, expiring, revocable,
scoped, never for admins or clients, made by their owner after a fresh code."""

import datetime
import hashlib
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken
from tests.accounts.factories import TOTPDeviceFactory
from tests.accounts.otp_helpers import device_code
from tests.accounts.token_helpers import make_token

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:api_tokens")


def _api(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


@pytest.fixture
def signed_in_manager(client, trial_manager):
    device = TOTPDeviceFactory(user=trial_manager)
    client.force_login(trial_manager)
    return device


def _create(client, device, **fields):
    data = {"name": "Analysis laptop", "days": "30", "scope": "research_read"}
    data.update(fields)
    data.setdefault("otp_token", device_code(device))
    return client.post(PAGE, data)


def test_trial_manager_creates_a_token_shown_once_and_stored_hashed(
    client, trial_manager, signed_in_manager
):
    page = _create(client, signed_in_manager).content.decode()
    key = re.search(r'id="new-token-key">([^<]+)<', page).group(1)
    token = ApiToken.objects.get(user=trial_manager)
    assert token.name == "Analysis laptop" and token.scope == "research_read"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.values_list().get())  # only the hash is kept
    assert token.expires_at - token.created_at == datetime.timedelta(days=30)

    assert _api(key).get("/api/v1/participants/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None

    again = client.get(PAGE).content.decode()
    assert key not in again  # never shown again
    assert "Analysis laptop" in again and token.prefix in again


def test_creating_a_token_needs_a_fresh_code(client, trial_manager, signed_in_manager):
    response = _create(client, signed_in_manager, otp_token="000000")
    assert "That code did not work" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_revoked_token_stops_working_at_once(client, trial_manager, signed_in_manager):
    key = make_token(trial_manager)
    token = ApiToken.objects.get()
    response = client.post(reverse("accounts:api_token_revoke", args=[token.pk]), follow=True)
    assert "is revoked" in response.content.decode()
    assert _api(key).get("/api/v1/participants/").status_code == 401


def test_an_expired_token_is_refused(trial_manager):
    key = make_token(trial_manager, days=1)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        assert _api(key).get("/api/v1/participants/").status_code == 401


def test_a_wrong_key_with_a_right_prefix_is_refused(trial_manager):
    key = make_token(trial_manager)
    forged = key[: key.rindex("_") + 1] + "x" * 43
    assert _api(forged).get("/api/v1/participants/").status_code == 401


@pytest.mark.parametrize("persona", ["admin_user", "pwp", "client_user", "supervisor"])
def test_only_trial_managers_have_the_page(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(PAGE).status_code == 403
    assert not ApiToken.objects.exists()


def test_a_token_made_before_someone_became_admin_stops_working(trial_manager):
    key = make_token(trial_manager)
    trial_manager.is_superuser = True
    trial_manager.save()
    assert _api(key).get("/api/v1/participants/").status_code == 401


def test_nobody_revokes_another_persons_token(client, trial_manager, signed_in_manager):
    from tests.factories import UserFactory

    other = UserFactory(is_trial_manager=True, email="tm2@example.org")
    key = make_token(other)
    token = ApiToken.objects.get(user=other)
    response = client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    assert _api(key).get("/api/v1/participants/").status_code == 200


def test_the_page_lists_tokens_with_their_dates(client, trial_manager, signed_in_manager):
    make_token(trial_manager, name="R scripts")
    page = client.get(PAGE).content.decode()
    for text in ("R scripts", "Read research data", "Never", "Revoke", "<caption"):
        assert text in page


def test_the_tokens_page_has_a_constant_number_of_queries(
    client, trial_manager, signed_in_manager, django_assert_max_num_queries
):
    for i in range(5):
        make_token(trial_manager, name=f"token {i}")
    with django_assert_max_num_queries(8):
        assert client.get(PAGE).status_code == 200

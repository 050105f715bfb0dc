"""Bad input gets a clear 400, never a 500: NUL bytes anywhere, dates out of
range, non-numeric filters."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.accounts.token_helpers import make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(trial_manager):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(trial_manager)}")
    return client


def test_a_nul_byte_in_a_query_string_is_a_400(client, client_user):
    client.force_login(client_user)
    response = client.get(reverse("tracking:mood") + "?weeks=4%00")
    assert response.status_code == 400
    assert "a character we cannot accept" in response.content.decode()


def test_a_nul_byte_in_a_form_post_is_a_400_and_nothing_is_saved(client, client_user):
    from apps.tracking.models import MoodRating

    client.force_login(client_user)
    before = MoodRating.objects.count()
    response = client.post(reverse("tracking:mood"), {"mood": "5", "note": "fine\x00day"})
    assert response.status_code == 400
    assert MoodRating.objects.count() == before


def test_a_nul_byte_in_a_json_body_is_a_400(api):
    response = api.post(
        "/api/v1/exports/", '{"dataset": "events\\u0000"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_a_nul_byte_in_an_api_filter_is_a_400(api):
    assert api.get("/api/v1/participants/?participant=AAA%00").status_code == 400


def test_sign_in_with_a_nul_byte_is_a_400(client):
    response = client.post(
        reverse("accounts:login"), {"username": "a\x00@example.org", "password": "x"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["occurred_to", "occurred_from", "enrolled_to", "enrolled_from"])
def test_out_of_range_dates_are_field_errors(api, name):
    response = api.get(f"/api/v1/events/?{name}=9999-12-31")
    assert response.status_code == 400
    assert name in response.json()


@pytest.mark.parametrize("params", ["limit=abc", "offset=-x", "cursor=%%%", "limit=99999999999"])
def test_non_numeric_paging_is_not_a_500(api, params):
    for url in ("/api/v1/participants/", "/api/v1/events/", "/api/v1/scores/"):
        assert api.get(f"{url}?{params}").status_code < 500, (url, params)


def test_out_of_range_export_dates_are_field_errors(trial_manager):
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {make_token(trial_manager, scope='research_export')}"
    )
    response = api.post(
        "/api/v1/exports/",
        {"dataset": "participants", "enrolled_to": "9999-12-31"},
        format="json",
    )
    assert response.status_code == 400 and "enrolled_to" in response.json()


def test_an_autosave_with_a_nul_byte_is_a_400_and_nothing_reaches_the_database(
    client, client_user, treatment
):
    from urllib.parse import urlencode

    from django.conf import settings

    from apps.programme import services
    from apps.programme.content import content_load
    from apps.programme.models import ExerciseEntry, Module, Step

    content_load(directory=settings.CONTENT_DIR)
    for slug in ("psychoeducation", "behavioural-activation"):
        for done in Module.objects.get(slug=slug).steps.all():
            services.step_complete(treatment=treatment, step=done)
    step = Step.objects.get(slug="thought-record")
    client.force_login(client_user)
    body = urlencode({"client_request_id": "7d0c1a8e-0000-4000-8000-000000000001",
                      "situation": "At work, my name is Ceridwen\x00 and"})  # fmt: skip
    response = client.post(
        reverse("programme:autosave", args=[step.pk]),
        body,
        content_type="application/x-www-form-urlencoded",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert not ExerciseEntry.objects.filter(treatment=treatment).exists()

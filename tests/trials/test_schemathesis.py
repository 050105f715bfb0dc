"""Schemathesis against the whole API, in process through WSGI: generated
requests (valid and invalid) never get a server error, and every response
matches the OpenAPI schema (status codes, content types, bodies, headers).

Run as a trial manager with an export token, and as an admin through the
browser-session way (admins hold no tokens). Bounded: a few examples per
operation, so the whole run stays well under two minutes.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
)

from tests.accounts.token_helpers import make_token
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db]

APP = get_wsgi_application()


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Like Django's test client: the WSGI handler would otherwise close the
    database connection (and the test's transaction) after each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tm_headers(db):
    manager = UserFactory(is_trial_manager=True, email="schemathesis-tm@example.org")
    return {"Authorization": f"Token {make_token(manager, scope='research_export')}"}


@pytest.fixture
def admin_cookies(db):
    admin = UserFactory(is_superuser=True, is_staff=True, email="schemathesis-admin@example.org")
    browser = Client()
    browser.force_login(admin)
    # Session-authenticated writes need a CSRF token: the admin run reads only
    # (an admin's writes are the web pages' business).
    return {"sessionid": browser.cookies["sessionid"].value}


def _schema():
    # Built by drf-spectacular, exactly as /api/v1/schema/ serves it (no
    # request needed), then called in process through WSGI.
    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = APP
    return loaded


schema = _schema()

# Every other check runs: no server error; status code, content type, body and
# headers as the schema says. These two are left out because the schema
# cannot say what the API rightly refuses or tolerates: an unknown service
# code or event type is a string the schema allows but a 400, and an empty
# optional string filter is accepted as "no filter".
EXCLUDED = [positive_data_acceptance, negative_data_rejection]

BOUNDED = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@BOUNDED
def test_api_as_trial_manager_never_errors_and_matches_its_schema(case, tm_headers):
    case.call_and_validate(headers=tm_headers, excluded_checks=EXCLUDED)


@schema.include(method="GET").parametrize()
@BOUNDED
def test_api_as_admin_never_errors_and_matches_its_schema(case, admin_cookies):
    # The schema's scheme is the token; this run signs in the session way, so
    # "a request without the token still works" is expected here.
    case.call_and_validate(cookies=admin_cookies, excluded_checks=[*EXCLUDED, ignored_auth])

"""Shared fixtures: personas, service checks and the browser.

Personas: `client_user` with `treatment` on `pwp`'s caseload in `service`;
`other_client`; `other_pwp` in another service (must be refused);
`supervisor` of `service`; `trial_manager`; `admin_user`.
"""

import datetime
import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
import time_machine
from django.conf import settings

from tests.factories import (
    ServiceFactory,
    StaffFactory,
    TreatmentFactory,
    UserFactory,
)

# Fault-test fixtures (a throwaway redis-server, a real broker): tests/faults.py.
pytest_plugins = ["tests.faults"]

# Playwright's sync API runs an event loop in the test thread; Django would
# otherwise refuse ORM calls made from that thread during browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def pytest_configure(config):
    """TANDEM_TEST_NOW=2026-07-15T23:30:00+00:00 runs the suite with the clock
    started at that moment (it keeps ticking), to find tests that only pass at
    some times of day or year."""
    now = os.environ.get("TANDEM_TEST_NOW")
    if now:
        time_machine.travel(datetime.datetime.fromisoformat(now), tick=True).start()


def _missing(reason: str):
    """Skip, naming what is absent; under REQUIRE_SERVICES (CI) fail instead."""
    if getattr(settings, "REQUIRE_SERVICES", False):
        pytest.fail(f"REQUIRE_SERVICES is set but {reason}")
    pytest.skip(reason)


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url() -> str:
    url = settings.REDIS_URL
    if not url:
        _missing("REDIS_URL is not set: this test needs a real Redis")
    if not _reachable(url, 6379):
        _missing(f"Redis at {url} is not reachable")
    return url


@pytest.fixture
def postgres() -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        _missing("DATABASE_URL is not PostgreSQL: this test needs PostgreSQL")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not shutil.which(CHROMIUM):
        _missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait for what they assert; on a loaded machine (tests run in parallel
    # processes) a page may take longer than the default 5 s to show it.
    expect.set_options(timeout=15_000)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A fresh phone-sized page (360 x 740)."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


# --- Personas -----------------------------------------------------------------


@pytest.fixture
def service(db):
    return ServiceFactory(code="NORTH", name="North Talking Therapies")


@pytest.fixture
def other_service(db):
    return ServiceFactory(code="SOUTH", name="South Talking Therapies")


@pytest.fixture
def pwp(service):
    return StaffFactory(pwp_in=service, email="pwp@north.example")


@pytest.fixture
def other_pwp(other_service):
    return StaffFactory(pwp_in=other_service, email="pwp@south.example")


@pytest.fixture
def colleague_pwp(service):
    """A PWP in the same service who does not hold the client."""
    return StaffFactory(pwp_in=service, email="colleague@north.example")


@pytest.fixture
def supervisor(service):
    return StaffFactory(supervisor_of=service, email="supervisor@north.example")


@pytest.fixture
def trial_manager(db):
    return UserFactory(is_trial_manager=True, email="trials@example.org")


@pytest.fixture
def admin_user(db):
    return UserFactory(is_staff=True, is_superuser=True, email="admin@example.org")


@pytest.fixture
def treatment(pwp, service):
    # Distinctive names, so "no names on this page" checks cannot pass or fail by chance.
    return TreatmentFactory(
        pwp=pwp,
        service=service,
        client__email="client@example.org",
        client__first_name="Ceridwen",
        client__last_name="Quillfeather",
    )


@pytest.fixture
def client_user(treatment):
    return treatment.client


@pytest.fixture
def other_treatment(other_pwp, other_service):
    return TreatmentFactory(
        pwp=other_pwp,
        service=other_service,
        client__email="other.client@example.org",
        client__first_name="Oswin",
        client__last_name="Marchbanks",
    )


@pytest.fixture
def other_client(other_treatment):
    return other_treatment.client

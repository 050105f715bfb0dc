"""Test settings: fast hashing, eager Celery (worker tests start a real worker)."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("LOG_JSON", "false")


def _redis_url_for_this_process(url: str) -> str:
    """Each pytest-xdist worker gets its own Redis database (the next numbers after the
    configured one), so that cache keys, queues and the worker tests' flushdb of one
    process never touch another's. pytest-django gives each its own test database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker.startswith("gw"):
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    base = int(parts.path.lstrip("/") or 0)
    number = (base + 1 + int(worker[2:])) % 16
    return urlunsplit(parts._replace(path=f"/{number}"))


# Marked with the worker's name once chosen: subprocesses it starts (real Celery workers)
# inherit the chosen URL as it is. The controlling process chooses nothing.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if os.environ.get("REDIS_URL") and _worker and os.environ.get("TANDEM_TEST_REDIS_FOR") != _worker:
    os.environ["REDIS_URL"] = _redis_url_for_this_process(os.environ["REDIS_URL"])
    os.environ["TANDEM_TEST_REDIS_FOR"] = _worker

from config.settings.base import *  # noqa: E402,F403
from config.settings.base import BASE_DIR, DATABASES, STORAGES, env  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No test needs a commit to survive a power cut: commits (every transactional and
    # browser test, every live-server request) do not wait for the disk. A connection left
    # idle inside a transaction (a thread that died mid-request) is closed by the server
    # after three minutes, so that the next test's flush is not blocked forever by its locks.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c synchronous_commit=off -c idle_in_transaction_session_timeout=180000"
    )

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAI_WORDING_FILE = str(
    BASE_DIR / "apps" / "questionnaires" / "instruments" / "wai_sf_c.placeholder-wording.json"
)
WAI_T_WORDING_FILE = str(
    BASE_DIR / "apps" / "questionnaires" / "instruments" / "wai_sf_t.placeholder-wording.json"
)
QUESTIONNAIRE_PLACEHOLDER_TRANSLATIONS = True
# In CI every service-backed test must run: a skip for a missing service fails.
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Two-step off so that tests elsewhere can use client.login()/force_login and
# reach staff pages in one step; the sign-in log (axes) off so that those
# sign-ins write no rows. tests/accounts turns them on where it tests them.
STAFF_2FA_REQUIRED = False
AXES_ENABLED = False
# Off so that repeated sign-ins in other tests never wait; tests/accounts
# (test_spraying.py, test_lockout.py) turns it on with a cache of its own.
SIGN_IN_THROTTLE_ENABLED = False

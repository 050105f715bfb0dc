import os
import subprocess
import sys

from django.conf import settings


def _check_production(
    secret: str, email_url: str = "smtp+tls://user:pw@smtp.example.org:587"
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SECRET_KEY": secret,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "EMAIL_URL": email_url,
    }
    env.pop("ANYMAIL_BACKEND", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_real_secret_key():
    result = _check_production("changeme")
    assert result.returncode != 0
    assert "SECRET_KEY must be a real secret" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = _check_production("k" * 20 + "-a-long-random-looking-production-secret-value")
    assert result.returncode == 0, result.stderr


def test_time_zones_are_on_and_london_is_the_default():
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "Europe/London"


def test_production_refuses_to_start_with_the_console_email_backend():
    secret = "k" * 20 + "-a-long-random-looking-production-secret-value"
    result = _check_production(secret, email_url="consolemail://")
    assert result.returncode != 0
    assert "must name a real mail service" in result.stderr

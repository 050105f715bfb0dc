import os
import subprocess
import sys

from django.conf import settings


def _check_production(secret: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SECRET_KEY": secret,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
    }
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

import uuid

import pytest
from django.core.cache.backends.redis import RedisCache

from apps.accounts import throttle


@pytest.fixture
def throttle_on(settings, monkeypatch, redis_url):
    """Sign-in as in production: growing delays on, counting in the real Redis
    under a key prefix of this test's own, default limits, no proxy in front,
    and the sign-in log (axes) on."""
    settings.AXES_ENABLED = True
    settings.SIGN_IN_THROTTLE_ENABLED = True
    settings.SIGN_IN_WINDOW_MINUTES = 15
    settings.SIGN_IN_IP_FREE_FAILURES = 10
    settings.SIGN_IN_EMAIL_FREE_FAILURES = 3
    settings.SIGN_IN_MAX_DELAY_SECONDS = 300
    settings.PASSWORD_RESET_IP_FREE_REQUESTS = 5
    settings.PASSWORD_RESET_EMAIL_FREE_REQUESTS = 3
    settings.TWO_STEP_IP_FREE_FAILURES = 10
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.AXES_IPWARE_PROXY_TRUSTED_IPS = []
    cache = RedisCache(redis_url, {"KEY_PREFIX": f"throttle-test-{uuid.uuid4()}"})
    monkeypatch.setattr(throttle, "cache", cache)
    return cache

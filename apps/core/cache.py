"""A Redis cache that degrades to "no cache" when Redis is down.

The cache is an optimisation (rendered page text, for example): a page must
not answer 500 because Redis stopped. Every read of a broken cache is a miss
(the caller then reads the database), every write is dropped, and the first
failure is logged once a minute (not once a request). Short socket timeouts
(CACHES OPTIONS in config/settings/base.py) keep a hung Redis from hanging pages.
"""

import time

import structlog
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = structlog.get_logger(__name__)

LOG_EVERY_SECONDS = 60


class SafeRedisCache(RedisCache):
    _last_logged = 0.0

    def _failed(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - SafeRedisCache._last_logged > LOG_EVERY_SECONDS:
            SafeRedisCache._last_logged = now
            logger.warning("cache_unavailable", operation=operation, error=type(exc).__name__)

    def _safe(self, operation, default, *args, **kwargs):
        try:
            return getattr(super(), operation)(*args, **kwargs)
        except Exception as exc:  # redis raises ConnectionError, TimeoutError, ...
            self._failed(operation, exc)
            return default

    def get(self, key, default=None, version=None):
        return self._safe("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._safe("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._safe("has_key", False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safe("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safe("add", False, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safe("touch", False, key, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safe("set_many", list(data), data, timeout, version)

    def delete(self, key, version=None):
        return self._safe("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._safe("delete_many", None, keys, version)

    def incr(self, key, delta=1, version=None):
        # A counter cannot be faked: callers of incr must handle the error.
        return super().incr(key, delta, version)

    def clear(self):
        return self._safe("clear", False)

"""Sign-in throttling across email addresses: growing delays, not lockouts.

django-axes pauses one (email, IP address) pair after AXES_FAILURE_LIMIT
failures. That alone lets one address try one password against many emails
(password spraying) and a botnet try many passwords against one email. Two
more counters, in the cache, close those gaps:

- per client IP address, across every email: after SIGN_IN_IP_FREE_FAILURES
  failures within SIGN_IN_WINDOW_MINUTES, each further attempt from that
  address must wait twice as long as the last (1, 2, 4 … seconds, at most
  SIGN_IN_MAX_DELAY_SECONDS);
- per email, across every address: the same after SIGN_IN_EMAIL_FREE_FAILURES.

A person is slowed down, never locked out: after the wait, the right password
works. The counters are keyed on the email as typed (known or not), so the
answer is the same for every address and reveals nobody. Behind a load
balancer the client address comes from X-Forwarded-For, as many entries from
the right as there are trusted proxies (AXES_IPWARE_PROXY_COUNT), so one
shared proxy address is not one shared counter; see docs/security.md.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind N trusted proxies the N-th
    X-Forwarded-For entry from the right (entries further left are whatever
    the client sent, so they are never trusted). Used by django-axes too
    (AXES_CLIENT_IP_CALLABLE)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.AXES_IPWARE_PROXY_COUNT or 0
    trusted = settings.AXES_IPWARE_PROXY_TRUSTED_IPS or ()
    if count <= 0 or (trusted and remote not in trusted):
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


@dataclass(frozen=True)
class Wait:
    seconds: int


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]  # no email or IP in the cache keys
    return f"signin:{kind}:{digest}"


def _keys(request: HttpRequest, email: str) -> list[tuple[str, int]]:
    return [
        (_key("ip", client_ip(request)), settings.SIGN_IN_IP_FREE_FAILURES),
        (_key("email", (email or "").strip().lower()), settings.SIGN_IN_EMAIL_FREE_FAILURES),
    ]


def _delay(failures: int, free: int) -> int:
    if failures < free:
        return 0
    return min(2 ** (failures - free), settings.SIGN_IN_MAX_DELAY_SECONDS)


def sign_in_wait(request: HttpRequest, email: str) -> Wait | None:
    """How long this attempt must still wait, or None to go ahead."""
    if not settings.SIGN_IN_THROTTLE_ENABLED:
        return None
    now = time.time()
    longest = 0.0
    for key, free in _keys(request, email):
        state = cache.get(key)
        if not state:
            continue
        failures, last = state
        remaining = last + _delay(failures, free) - now
        longest = max(longest, remaining)
    return Wait(seconds=math.ceil(longest)) if longest > 0 else None


def sign_in_failed(request: HttpRequest, email: str) -> None:
    """Count a failed attempt for the address and the email."""
    if not settings.SIGN_IN_THROTTLE_ENABLED:
        return
    now = time.time()
    window = settings.SIGN_IN_WINDOW_MINUTES * 60
    for key, _free in _keys(request, email):
        failures, _last = cache.get(key) or (0, now)
        cache.set(key, (failures + 1, now), timeout=window)


def sign_in_succeeded(request: HttpRequest, email: str) -> None:
    """The email's own count starts again; the address's does not (a sprayer
    who guesses one password right must not reset their budget)."""
    cache.delete(_keys(request, email)[1][0])

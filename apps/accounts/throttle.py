"""Growing delays, never lockouts: sign-in, password-reset requests, two-step codes.

Each door counts attempts in the cache on a few counters. A counter allows
`free` attempts within SIGN_IN_WINDOW_MINUTES (a sliding window); after that
each attempt must wait twice as long as the one before (1, 2, 4 … seconds,
at most SIGN_IN_MAX_DELAY_SECONDS). Nothing is ever locked: after the wait,
the right password (or code) works. Attempts made during a wait are refused
without being counted, so hammering does not make the wait longer.

- Sign-in: per client address across every email (stops password spraying)
  and per email across every address (slows a botnet guessing one account).
  A browser where the person signed in before carries a signed "known
  device" cookie for their email; there, only that (email, device) pair is
  counted. So a stranger's guesses, from anywhere or from the person's own
  network, never slow the owner down on their own device.
- Password reset: every request counts, per address and per email as typed,
  so the answer is the same whether or not an account exists.
- Two-step codes: per address across every account (django-otp already slows
  guesses per device).

Counters are keyed on the email as typed (known or not): the waits are the
same for every address and reveal nobody. Cache keys are hashes; no email or
address is stored. Behind a load balancer the client address comes from
X-Forwarded-For, as many entries from the right as there are trusted proxies
(AXES_IPWARE_PROXY_COUNT); see `client_ip` and docs/security.md.

Parallel attempts: once a counter is delaying, exactly one attempt may claim
each opening (an atomic cache.add on a key naming that opening); the others
wait. Redis down: nothing is throttled (logged), signing in keeps working.
"""

import datetime
import hashlib
import math
import secrets
import time
from dataclasses import dataclass, field

import structlog
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import formats, timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

logger = structlog.get_logger(__name__)

# Longest an attempt may hold its claim on an opening (a password check, a
# request that dies half-way): after this the opening is free again.
CLAIM_SECONDS = 10

KNOWN_DEVICE_COOKIE = settings.SIGN_IN_KNOWN_DEVICE_COOKIE_NAME
_DEVICE_SALT = "apps.accounts.throttle.known-device"
# Emails remembered per browser (a shared family computer).
_DEVICE_EMAILS = 5


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


def normalised_email(email: str | None) -> str:
    return (email or "").strip().lower()


@dataclass(frozen=True)
class Counter:
    key: str
    free: int
    # A right password forgets this counter (the email's, not the address's:
    # a sprayer who guesses one password right keeps their count).
    cleared_by_success: bool = False


@dataclass(frozen=True)
class Wait:
    seconds: int

    def message(self) -> str:
        """Say how long to wait: seconds, or from a minute on the minutes and
        the clock time after which the next try is allowed."""
        if self.seconds < 60:
            return ngettext(
                "Wait %(seconds)s second, then try again.",
                "Wait %(seconds)s seconds, then try again.",
                self.seconds,
            ) % {"seconds": self.seconds}
        minutes = math.ceil(self.seconds / 60)
        at = timezone.localtime() + datetime.timedelta(seconds=self.seconds)
        if at.second or at.microsecond:
            at = at.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
        # House style for times: "9:15am".
        time_text = formats.time_format(at, "g:i a").replace(" ", "").replace(".", "")
        return ngettext(
            "Wait %(minutes)s minute, then try again. You can try again after %(time)s.",
            "Wait %(minutes)s minutes, then try again. You can try again after %(time)s.",
            minutes,
        ) % {"minutes": minutes, "time": time_text}


@dataclass
class Attempt:
    """One attempt at a door: `wait` is set when it must not go ahead."""

    counters: list[Counter]
    wait: Wait | None = None
    claims: list[str] = field(default_factory=list)


def _key(scope: str, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]  # no email or IP in the cache keys
    return f"throttle:{scope}:{digest}"


def _delay(failures: int, free: int) -> int:
    if failures < free:
        return 0
    return min(2 ** (failures - free), settings.SIGN_IN_MAX_DELAY_SECONDS)


def _window() -> int:
    return settings.SIGN_IN_WINDOW_MINUTES * 60


def attempt_begin(counters: list[Counter], *, scope: str) -> Attempt:
    """Decide whether an attempt may go ahead now, and if so claim its turn.

    Returns an Attempt whose `wait` says how long to wait (nothing was
    counted), or None to go ahead; then call `attempt_count` (it counts) or
    `attempt_release` (it does not) once the outcome is known.
    """
    attempt = Attempt(counters=counters)
    if not settings.SIGN_IN_THROTTLE_ENABLED:
        return attempt
    now = time.time()
    longest = 0.0
    openings = []
    for counter in counters:
        state = cache.get_many([f"{counter.key}:n", f"{counter.key}:until"])
        if state.get(f"{counter.key}:n", 0) < counter.free:
            continue
        until = state.get(f"{counter.key}:until", 0.0)
        longest = max(longest, until - now)
        openings.append(f"{counter.key}:claim:{until}")
    if longest <= 0:
        for claim in openings:
            if not cache.add(claim, 1, timeout=CLAIM_SECONDS):
                # Another attempt took this opening a moment ago.
                longest = 1
                break
            attempt.claims.append(claim)
    if longest > 0:
        attempt_release(attempt)
        attempt.wait = Wait(seconds=math.ceil(longest))
        logger.info("throttled", scope=scope, seconds=attempt.wait.seconds)
    return attempt


def attempt_count(attempt: Attempt) -> None:
    """The attempt counts (a wrong password or code, a reset request): each
    counter goes up and, past its free attempts, sets the next wait."""
    if not settings.SIGN_IN_THROTTLE_ENABLED or attempt.wait is not None:
        return
    now = time.time()
    window = _window()
    for counter in attempt.counters:
        count_key = f"{counter.key}:n"
        try:
            cache.add(count_key, 0, timeout=window)
            failures = cache.incr(count_key)
        except ValueError:  # expired between add and incr
            cache.set(count_key, 1, timeout=window)
            failures = 1
        except Exception as exc:  # the cache is down: fail open, say so
            logger.warning("throttle_unavailable", error=type(exc).__name__)
            continue
        cache.touch(count_key, window)
        delay = _delay(failures, counter.free)
        if delay:
            cache.set(f"{counter.key}:until", now + delay, timeout=window)
    attempt_release(attempt)


def attempt_release(attempt: Attempt) -> None:
    """The attempt is over without counting (a right password): free its turn."""
    if attempt.claims:
        cache.delete_many(attempt.claims)
        attempt.claims = []


def attempt_succeeded(attempt: Attempt) -> None:
    """A right password: the email's (or device's) counter starts again."""
    attempt_release(attempt)
    counters_clear([c for c in attempt.counters if c.cleared_by_success])


def counters_clear(counters: list[Counter]) -> None:
    cache.delete_many([f"{c.key}:{part}" for c in counters for part in ("n", "until")])


def throttled_response(response: HttpResponse, wait: Wait) -> HttpResponse:
    """429 Too Many Requests, with Retry-After."""
    response.status_code = 429
    response["Retry-After"] = str(wait.seconds)
    return response


# --- Known devices ---------------------------------------------------------------


def _email_mark(email: str) -> str:
    return salted_hmac(_DEVICE_SALT, normalised_email(email)).hexdigest()[:20]


def _device_state(request: HttpRequest) -> dict | None:
    raw = request.COOKIES.get(KNOWN_DEVICE_COOKIE)
    if not raw:
        return None
    try:
        state = signing.loads(
            raw, salt=_DEVICE_SALT, max_age=settings.SIGN_IN_KNOWN_DEVICE_DAYS * 86400
        )
    except signing.BadSignature:
        return None
    if not isinstance(state, dict) or not isinstance(state.get("emails"), list):
        return None
    return state


def known_device(request: HttpRequest, email: str) -> str | None:
    """This browser's id if the person with `email` signed in on it before."""
    state = _device_state(request)
    if state is None or _email_mark(email) not in state["emails"]:
        return None
    return str(state.get("device", ""))


def known_device_remember(request: HttpRequest, response: HttpResponse, email: str) -> None:
    """Mark this browser as one where `email` proved the password (or the
    mailbox, after a reset). Signed, so it cannot be made up; it holds no
    email, only a keyed hash of it."""
    state = _device_state(request) or {"device": secrets.token_urlsafe(16), "emails": []}
    mark = _email_mark(email)
    state["emails"] = [mark, *[m for m in state["emails"] if m != mark]][:_DEVICE_EMAILS]
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        signing.dumps(state, salt=_DEVICE_SALT),
        max_age=settings.SIGN_IN_KNOWN_DEVICE_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- The doors -------------------------------------------------------------------


def sign_in_counters(request: HttpRequest, email: str) -> list[Counter]:
    email = normalised_email(email)
    device = known_device(request, email)
    if device:
        return [
            Counter(
                _key("sign-in-device", f"{device}:{email}"),
                settings.SIGN_IN_EMAIL_FREE_FAILURES,
                cleared_by_success=True,
            )
        ]
    return [
        Counter(_key("sign-in-ip", client_ip(request)), settings.SIGN_IN_IP_FREE_FAILURES),
        Counter(
            _key("sign-in-email", email),
            settings.SIGN_IN_EMAIL_FREE_FAILURES,
            cleared_by_success=True,
        ),
    ]


def sign_in_counters_clear(request: HttpRequest, email: str) -> None:
    """Forget failed sign-ins on this email, from unknown devices and from this
    browser (after a new password set from an emailed link: whoever reads
    that email may sign in). The address's count stays."""
    email = normalised_email(email)
    counters = [Counter(_key("sign-in-email", email), 0)]
    counters += [c for c in sign_in_counters(request, email) if c.cleared_by_success]
    counters_clear(counters)


def password_reset_counters(request: HttpRequest, email: str) -> list[Counter]:
    return [
        Counter(_key("reset-ip", client_ip(request)), settings.PASSWORD_RESET_IP_FREE_REQUESTS),
        Counter(
            _key("reset-email", normalised_email(email)),
            settings.PASSWORD_RESET_EMAIL_FREE_REQUESTS,
        ),
    ]


def two_step_counters(request: HttpRequest) -> list[Counter]:
    return [Counter(_key("two-step-ip", client_ip(request)), settings.TWO_STEP_IP_FREE_FAILURES)]


def sign_in_wait_message(wait: Wait) -> str:
    return " ".join(
        [
            _(
                "There were several attempts to sign in with details that did not match. "
                "To keep accounts safe, each new attempt has to wait a little longer."
            ),
            wait.message(),
        ]
    )


def password_reset_wait_message(wait: Wait) -> str:
    return " ".join(
        [
            _(
                "There were several requests for a new password. To keep accounts safe, "
                "each new request has to wait a little longer."
            ),
            wait.message(),
            _("If you asked for a link already, use the one in the newest email."),
        ]
    )


def two_step_wait_message(wait: Wait) -> str:
    return " ".join(
        [
            _(
                "There were several wrong codes from your network. To keep accounts safe, "
                "each new attempt has to wait a little longer."
            ),
            wait.message(),
        ]
    )

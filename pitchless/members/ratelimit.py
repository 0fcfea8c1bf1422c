"""A small fixed-window limiter on the cache, for log-in and sign-up attempts.

Counts live in Django's cache, so every web worker shares them once a shared cache
(``REDIS_URL`` or ``PITCHLESS_CACHE_URL``) is configured.

When the cache fails (Redis down or too slow), the limiter fails open: the attempt is let
through and a warning is logged. Log-in still checks the password, so an outage of the cache
costs the brute-force brake for its duration, never the members' access to the site.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``attempts`` per ``window`` seconds for one key."""

    attempts: int
    window: int


def _cache_key(scope: str, ident: str, window: int) -> str:
    bucket = int(time.time()) // window
    digest = hashlib.sha256(ident.encode("utf-8")).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}:{bucket}"


def _cache_failed(action: str, scope: str, exc: Exception) -> None:
    logger.warning(
        "rate limiter could not %s (%s): cache unavailable, letting the attempt through: %s",
        action,
        scope,
        exc,
    )


def is_limited(scope: str, ident: str, limit: Limit) -> bool:
    """True when ``ident`` has used up its attempts in the current window.

    False when the cache cannot be read (fail open, logged).
    """
    try:
        return int(cache.get(_cache_key(scope, ident, limit.window), 0)) >= limit.attempts
    except Exception as exc:  # the cache backend's own errors (redis.RedisError, OSError...)
        _cache_failed("read", scope, exc)
        return False


def hit(scope: str, ident: str, limit: Limit) -> int:
    """Count one attempt for ``ident``; return the attempts used in the current window.

    Returns 0 when the cache cannot be written (fail open, logged).
    """
    key = _cache_key(scope, ident, limit.window)
    try:
        # add() is a no-op when the key exists, so concurrent first hits don't reset each other.
        cache.add(key, 0, timeout=limit.window)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=limit.window)
            return 1
    except Exception as exc:
        _cache_failed("count", scope, exc)
        return 0


def reset(scope: str, ident: str, limit: Limit) -> None:
    """Forget ``ident``'s attempts in the current window (after a successful log-in)."""
    try:
        cache.delete(_cache_key(scope, ident, limit.window))
    except Exception as exc:
        _cache_failed("reset", scope, exc)


# --- the log-in limiter, shared by the log-in page and the API's token endpoint -----------------

LOGIN_SCOPE = "login"
SIGNUP_SCOPE = "signup"


@dataclass(frozen=True, slots=True)
class Refusal:
    """A limit was reached: a sentence for the visitor and when to retry, in seconds."""

    message: str
    retry_after: int


def login_limits() -> tuple[Limit, Limit]:
    """Failed log-ins allowed per e-mail address and per client address."""
    window = settings.PITCHLESS_LOGIN_WINDOW_SECONDS
    per_account = Limit(settings.PITCHLESS_LOGIN_ATTEMPTS, window)
    # One address may front many people (an office), so it gets a larger allowance.
    per_client = Limit(settings.PITCHLESS_LOGIN_ATTEMPTS * 10, window)
    return per_account, per_client


def _login_keys(email: str, client: str) -> tuple[str, str]:
    return "e:" + email.strip().lower()[:254], "c:" + client


def login_refusal(email: str, client: str) -> Refusal | None:
    """A refusal when ``email`` or ``client`` used up its failed log-ins, else ``None``.

    Once the limit is reached even the right password is refused until the window ends.
    """
    per_account, per_client = login_limits()
    account, client_key = _login_keys(email, client)
    if is_limited(LOGIN_SCOPE, account, per_account) or is_limited(
        LOGIN_SCOPE, client_key, per_client
    ):
        minutes = max(1, per_account.window // 60)
        return Refusal(
            f"Too many failed log-ins. Try again in up to {minutes} minutes, "
            "or reset your password.",
            per_account.window,
        )
    return None


def login_failed(email: str, client: str) -> None:
    """Count one failed log-in against the address and the client."""
    per_account, per_client = login_limits()
    account, client_key = _login_keys(email, client)
    hit(LOGIN_SCOPE, account, per_account)
    hit(LOGIN_SCOPE, client_key, per_client)


def login_succeeded(email: str) -> None:
    """Forget the address's failures (the client's stay counted: it may be guessing widely)."""
    per_account, _ = login_limits()
    reset(LOGIN_SCOPE, _login_keys(email, "")[0], per_account)


def signup_limit() -> Limit:
    """Sign-ups allowed per client address."""
    return Limit(settings.PITCHLESS_SIGNUP_ATTEMPTS, settings.PITCHLESS_SIGNUP_WINDOW_SECONDS)


def signup_refusal(client: str) -> Refusal | None:
    """Count one sign-up attempt from ``client``; a refusal once it made too many.

    Every attempt counts, successful or not, so that neither mass account creation nor
    probing which addresses have an account goes fast.
    """
    limit = signup_limit()
    if is_limited(SIGNUP_SCOPE, client, limit):
        minutes = max(1, limit.window // 60)
        return Refusal(
            f"Too many sign-ups from your network. Try again in up to {minutes} minutes.",
            limit.window,
        )
    hit(SIGNUP_SCOPE, client, limit)
    return None

"""A small fixed-window limiter on the cache, for log-in attempts.

Counts live in Django's cache, so every web worker shares them once a shared cache
(``PITCHLESS_CACHE_URL``) is configured.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``attempts`` per ``window`` seconds for one key."""

    attempts: int
    window: int


def _cache_key(scope: str, ident: str, window: int) -> str:
    bucket = int(time.time()) // window
    digest = hashlib.sha256(ident.encode("utf-8")).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}:{bucket}"


def is_limited(scope: str, ident: str, limit: Limit) -> bool:
    """True when ``ident`` has used up its attempts in the current window."""
    return int(cache.get(_cache_key(scope, ident, limit.window), 0)) >= limit.attempts


def hit(scope: str, ident: str, limit: Limit) -> int:
    """Count one attempt for ``ident``; return the attempts used in the current window."""
    key = _cache_key(scope, ident, limit.window)
    # add() is a no-op when the key exists, so concurrent first hits don't reset each other.
    cache.add(key, 0, timeout=limit.window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=limit.window)
        return 1


def reset(scope: str, ident: str, limit: Limit) -> None:
    """Forget ``ident``'s attempts in the current window (after a successful log-in)."""
    cache.delete(_cache_key(scope, ident, limit.window))

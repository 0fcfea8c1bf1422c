"""What ``/healthz`` checks: the database, and each Redis the site is configured to use.

Each check is cheap (a ``SELECT 1``, a ``PING`` with a short timeout) and reports a reason when
it fails. The database is required: without it nothing works, so the site is "down". Redis is
not: without it messages are still sent (scored without bulk counts), log-ins still work (the
limiter fails open) and only background tasks wait, so the site is "degraded", which a load
balancer should keep sending traffic to, and a monitor should alert on.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection

#: seconds a Redis PING may take before the check fails
REDIS_TIMEOUT = 0.25

_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Check:
    """One check's outcome; ``error`` says why it failed."""

    ok: bool
    ms: float
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        """``{"ok": ..., "ms": ...}`` plus ``"error"`` when it failed."""
        data: dict[str, Any] = {"ok": self.ok, "ms": round(self.ms, 1)}
        if self.error:
            data["error"] = self.error
        return data


@dataclass(frozen=True, slots=True)
class Health:
    """All checks and the overall status: "ok", "degraded" (Redis) or "down" (database)."""

    status: str
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def http_status(self) -> int:
        """200 unless the site cannot serve (the database failed): then 503."""
        return 503 if self.status == "down" else 200

    def as_dict(self) -> dict[str, Any]:
        """The JSON body of ``/healthz``."""
        return {"status": self.status, "checks": {k: c.as_dict() for k, c in self.checks.items()}}


def _describe(exc: BaseException) -> str:
    # The exception's words, never a URL: a broker URL may carry a password.
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:200]


def check_database() -> Check:
    """``SELECT 1`` on the default database."""
    start = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return Check(False, (time.perf_counter() - start) * 1000, _describe(exc))
    return Check(True, (time.perf_counter() - start) * 1000)


def _client(url: str) -> Any:
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            import redis

            client = redis.Redis.from_url(
                url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
            )
            _clients[url] = client
        return client


def check_redis(url: str) -> Check:
    """``PING`` the Redis at ``url`` with a short timeout."""
    start = time.perf_counter()
    try:
        _client(url).ping()
    except Exception as exc:
        return Check(False, (time.perf_counter() - start) * 1000, _describe(exc))
    return Check(True, (time.perf_counter() - start) * 1000)


def redis_roles() -> dict[str, str]:
    """Each part of the site that uses Redis, with its URL (only those configured)."""
    redis_schemes = ("redis://", "rediss://", "unix://")
    roles: dict[str, str] = {}
    cache = settings.CACHES["default"]
    if cache["BACKEND"].endswith("RedisCache"):
        roles["cache"] = str(cache["LOCATION"])
    if settings.CELERY_BROKER_URL.startswith(redis_schemes):
        roles["broker"] = settings.CELERY_BROKER_URL
    if settings.PITCHLESS_BULK_STORE_URL.startswith(redis_schemes):
        roles["bulk_store"] = settings.PITCHLESS_BULK_STORE_URL
    return roles


def health() -> Health:
    """Run every check; each Redis is asked once however many roles share it."""
    checks = {"database": check_database()}
    by_url: dict[str, Check] = {}
    for role, url in redis_roles().items():
        if url not in by_url:
            by_url[url] = check_redis(url)
        checks[role] = by_url[url]
    if not checks["database"].ok:
        status = "down"
    elif all(c.ok for c in checks.values()):
        status = "ok"
    else:
        status = "degraded"
    return Health(status, checks)

"""The guard's near-duplicate index kept where every web worker shares it: Redis or the database.

:func:`default_store` picks one from ``PITCHLESS_BULK_STORE_URL`` (``REDIS_URL`` by default).
A Redis that fails or is slow raises :class:`BulkStoreUnavailable`; the guard adapter then
scores the message without bulk counts, so sending never depends on Redis.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from pitchless.guard import BulkEntry, BulkStore
from pitchless.network.models import BulkRecord

logger = logging.getLogger(__name__)


def _pack(signature: Sequence[int]) -> str:
    return ",".join(format(v, "x") for v in signature)


def _unpack(text: str) -> tuple[int, ...]:
    return tuple(int(v, 16) for v in text.split(",")) if text else ()


class DatabaseBulkStore:
    """A :class:`pitchless.guard.BulkStore` on the ``BulkRecord`` table.

    Thread safety comes from the database: each call is one statement on the caller's
    connection, inside the caller's transaction when there is one.
    """

    def add(self, keys: Sequence[str], entry: BulkEntry) -> None:
        """Remember ``entry`` under every one of ``keys``."""
        signature = _pack(entry.signature)
        BulkRecord.objects.bulk_create(
            [
                BulkRecord(
                    key=key,
                    sender=entry.sender,
                    recipient=entry.recipient,
                    at=entry.at,
                    signature=signature,
                )
                for key in keys
            ]
        )

    def candidates(self, keys: Sequence[str], since: datetime) -> list[BulkEntry]:
        """Entries stored under any of ``keys`` at or after ``since``."""
        rows = BulkRecord.objects.filter(key__in=list(keys), at__gte=since).values_list(
            "sender", "recipient", "at", "signature"
        )
        # One message is stored under each of its band keys, so a near-duplicate comes back
        # once per shared band: unpack each entry once.
        return [BulkEntry(s, r, at, _unpack(sig)) for s, r, at, sig in dict.fromkeys(rows)]

    def prune(self, before: datetime) -> int:
        """Forget entries older than ``before``; return how many rows were dropped."""
        dropped, _ = BulkRecord.objects.filter(at__lt=before).delete()
        return dropped


class BulkStoreUnavailable(Exception):
    """The store could not be read or written in time; the counts are unknown."""


class RedisBulkStore:
    """A :class:`pitchless.guard.BulkStore` in Redis: one sorted set per band key.

    Members are the entries (JSON), scored by their send time, so a window is one
    ``ZRANGEBYSCORE``. Every call is one round trip (a pipeline). Each set expires
    ``window_days`` after its last write and is trimmed to the window and to
    ``max_entries_per_key`` on every write, so Redis holds a week of fingerprints at most.

    Redis errors and timeouts (``timeout`` seconds) raise :class:`BulkStoreUnavailable`. After
    one, the store does not try Redis again for ``backoff`` seconds: a Redis that is down costs
    the senders of those seconds nothing.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "pitchless:bulk:",
        window_days: int = 7,
        timeout: float = 0.1,
        max_entries_per_key: int = 10_000,
        backoff: float = 5.0,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.window = timedelta(days=window_days)
        self.timeout = timeout
        self.max_entries_per_key = max_entries_per_key
        self.backoff = backoff
        self._client: Any = None
        self._lock = threading.Lock()
        self._down_until = float("-inf")

    def _redis(self) -> Any:
        if time.monotonic() < self._down_until:
            raise BulkStoreUnavailable("Redis failed moments ago; not asked again yet")
        with self._lock:
            if self._client is None:
                import redis

                self._client = redis.Redis.from_url(
                    self.url,
                    socket_timeout=self.timeout,
                    socket_connect_timeout=self.timeout,
                    health_check_interval=30,
                )
            return self._client

    def _run(self, fill: Any) -> list[Any]:
        """Run the commands ``fill(pipeline)`` queues, as one round trip."""
        import redis

        client = self._redis()
        try:
            pipe = client.pipeline(transaction=False)
            fill(pipe)
            result: list[Any] = pipe.execute()
        except redis.RedisError as exc:
            self._down_until = time.monotonic() + self.backoff
            raise BulkStoreUnavailable(f"{type(exc).__name__}: {exc}") from exc
        return result

    def _key(self, key: str) -> str:
        return self.prefix + key

    def add(self, keys: Sequence[str], entry: BulkEntry) -> None:
        """Remember ``entry`` under every one of ``keys``."""
        member = json.dumps(
            [entry.sender, entry.recipient, entry.at.isoformat(), _pack(entry.signature)],
            separators=(",", ":"),
        )
        score = entry.at.timestamp()
        oldest = (entry.at - self.window).timestamp()
        ttl = int(self.window.total_seconds()) + 3600

        def fill(pipe: Any) -> None:
            for key in keys:
                name = self._key(key)
                pipe.zadd(name, {member: score})
                pipe.zremrangebyscore(name, "-inf", f"({oldest}")
                # Keep the newest entries when a key is flooded.
                pipe.zremrangebyrank(name, 0, -self.max_entries_per_key - 1)
                pipe.expire(name, ttl)

        self._run(fill)

    def candidates(self, keys: Sequence[str], since: datetime) -> list[BulkEntry]:
        """Entries stored under any of ``keys`` at or after ``since``."""
        low = since.timestamp()

        def fill(pipe: Any) -> None:
            for key in keys:
                pipe.zrangebyscore(self._key(key), low, "+inf")

        members: dict[bytes, None] = {}
        for found in self._run(fill):
            members.update(dict.fromkeys(found))
        entries = []
        for raw in members:
            sender, recipient, at, signature = json.loads(raw)
            entries.append(
                BulkEntry(sender, recipient, datetime.fromisoformat(at), _unpack(signature))
            )
        return entries

    def prune(self, before: datetime) -> int:
        """Forget entries older than ``before``; return how many were dropped.

        Writes already trim their keys and idle keys expire, so this only catches keys
        written before a message aged out; it walks the prefix with ``SCAN``, not ``KEYS``.
        """
        client = self._redis()
        cutoff = f"({before.timestamp()}"
        dropped = 0
        import redis

        try:
            batch: list[str] = []
            for name in client.scan_iter(match=self.prefix + "*", count=500):
                batch.append(name)
                if len(batch) >= 500:
                    dropped += self._trim(batch, cutoff)
                    batch = []
            if batch:
                dropped += self._trim(batch, cutoff)
        except redis.RedisError as exc:
            raise BulkStoreUnavailable(f"{type(exc).__name__}: {exc}") from exc
        return dropped

    def _trim(self, names: list[str], cutoff: str) -> int:
        def fill(pipe: Any) -> None:
            for name in names:
                pipe.zremrangebyscore(name, "-inf", cutoff)

        return sum(int(n) for n in self._run(fill))


def default_store() -> BulkStore:
    """The store ``PITCHLESS_BULK_STORE_URL`` names: Redis, or the database."""
    url = settings.PITCHLESS_BULK_STORE_URL
    if url == "database":
        return DatabaseBulkStore()
    return RedisBulkStore(
        url,
        prefix=settings.PITCHLESS_BULK_STORE_PREFIX,
        timeout=settings.PITCHLESS_BULK_STORE_TIMEOUT_SECONDS,
    )

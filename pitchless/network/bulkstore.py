"""The guard's near-duplicate index kept where every web worker shares it: Redis or the database.

:func:`default_store` picks one from ``PITCHLESS_BULK_STORE_URL`` (``REDIS_URL`` by default).
A Redis that fails or is slow raises :class:`BulkStoreUnavailable`; the guard adapter then
scores the message without bulk counts, so sending never depends on Redis.
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from pitchless.guard import BulkEntry, BulkStore
from pitchless.network.models import BulkBand, BulkFingerprint

logger = logging.getLogger(__name__)


def _pack(signature: Sequence[int]) -> str:
    return ",".join(format(v, "x") for v in signature)


def _unpack(text: str) -> tuple[int, ...]:
    return tuple(int(v, 16) for v in text.split(",")) if text else ()


def _key_hash(key: str) -> int:
    """A band key as the signed 64-bit integer the database stores (first 8 bytes of its
    BLAKE2b): keys of any form fit one indexed ``bigint`` column; a collision only adds a
    candidate, which the signature comparison then drops."""
    value = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")
    return value - (1 << 64) if value >= 1 << 63 else value


def _packed(signature: Sequence[int]) -> bytes:
    return struct.pack(f"<{len(signature)}Q", *signature)


def _unpacked(blob: bytes | memoryview) -> tuple[int, ...]:
    return struct.unpack(f"<{len(blob) // 8}Q", blob)


class DatabaseBulkStore:
    """A :class:`pitchless.guard.BulkStore` on two tables: ``BulkFingerprint`` (one row per
    message, its signature packed) and ``BulkBand`` (one small row per band key).

    Every call is written as SQL once (the ORM would cost more than the statements): an entry
    is two inserts, a lookup one select. Thread safety comes from the database: each call runs
    on the caller's connection, inside the caller's transaction when there is one.
    """

    def __init__(self) -> None:
        q = connection.ops.quote_name
        fp, band = q(BulkFingerprint._meta.db_table), q(BulkBand._meta.db_table)
        self._fp, self._band = fp, band
        self._insert = (
            f"INSERT INTO {fp} (sender, recipient, at, signature) VALUES (%s, %s, %s, %s) "
            "RETURNING id"
        )

    def add(self, keys: Sequence[str], entry: BulkEntry) -> None:
        """Remember ``entry`` under every one of ``keys``."""
        hashes = list(dict.fromkeys(_key_hash(k) for k in keys))
        if not hashes:
            return
        at = connection.ops.adapt_datetimefield_value(entry.at)
        with connection.cursor() as cursor:
            cursor.execute(
                self._insert, [entry.sender, entry.recipient, at, _packed(entry.signature)]
            )
            fingerprint = cursor.fetchone()[0]
            rows = ", ".join(["(%s, %s, %s)"] * len(hashes))
            params: list[object] = []
            for h in hashes:
                params += [h, at, fingerprint]
            cursor.execute(
                f"INSERT INTO {self._band} (key, at, fingerprint_id) VALUES {rows}", params
            )

    def candidates(self, keys: Sequence[str], since: datetime) -> list[BulkEntry]:
        """Entries stored under any of ``keys`` at or after ``since`` (each once)."""
        hashes = list(dict.fromkeys(_key_hash(k) for k in keys))
        if not hashes:
            return []
        marks = ", ".join(["%s"] * len(hashes))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT sender, recipient, at, signature FROM {self._fp} WHERE id IN "
                f"(SELECT fingerprint_id FROM {self._band} WHERE key IN ({marks}) AND at >= %s)",
                [*hashes, connection.ops.adapt_datetimefield_value(since)],
            )
            rows = cursor.fetchall()
        return [BulkEntry(s, r, _aware(at), _unpacked(sig)) for s, r, at, sig in rows]

    def add_and_candidates(
        self, keys: Sequence[str], entry: BulkEntry, since: datetime
    ) -> list[BulkEntry]:
        """:meth:`add` then :meth:`candidates`; on PostgreSQL one statement (the inserts run
        in a ``WITH``, so the select does not see ``entry``, which the index counts anyway)."""
        if connection.vendor != "postgresql":
            self.add(keys, entry)
            return self.candidates(keys, since)
        hashes = list(dict.fromkeys(_key_hash(k) for k in keys))
        if not hashes:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH f AS ({self._insert}), b AS (INSERT INTO {self._band} "
                "(key, at, fingerprint_id) SELECT k, %s, f.id FROM f, unnest(%s::bigint[]) AS k) "
                f"SELECT sender, recipient, at, signature FROM {self._fp} WHERE id IN "
                f"(SELECT fingerprint_id FROM {self._band} WHERE key = ANY(%s::bigint[]) "
                "AND at >= %s)",
                [
                    entry.sender,
                    entry.recipient,
                    entry.at,
                    _packed(entry.signature),
                    entry.at,
                    hashes,
                    hashes,
                    since,
                ],
            )
            rows = cursor.fetchall()
        return [BulkEntry(s, r, _aware(at), _unpacked(sig)) for s, r, at, sig in rows]

    def prune(self, before: datetime) -> int:
        """Forget entries older than ``before``; return how many were dropped."""
        at = connection.ops.adapt_datetimefield_value(before)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {self._band} WHERE fingerprint_id IN "
                f"(SELECT id FROM {self._fp} WHERE at < %s)",
                [at],
            )
            cursor.execute(f"DELETE FROM {self._fp} WHERE at < %s", [at])
            return int(cursor.rowcount)


def _aware(at: datetime | str) -> datetime:
    # PostgreSQL answers aware datetimes; SQLite the stored UTC text (or a naive datetime).
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


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

"""The near-duplicate index: who sent something like this text, to how many people, lately.

Texts are fingerprinted with MinHash (datasketch) over word shingles of the normalised text,
so a template with the name swapped still matches. Locality-sensitive banding turns each
fingerprint into a few bucket keys; a storage backend only has to keep "key -> recent
entries", which an in-memory dict, Redis or PostgreSQL can all do. The storage sits behind
the :class:`BulkStore` protocol so every web worker can share one index.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from pitchless.guard._normalize import normalize
from pitchless.guard._types import BulkCounts

_NUM_PERM = 64
_BANDS = 16  # 16 bands x 4 rows: pairs above ~0.5 Jaccard become candidates


@dataclass(frozen=True, slots=True)
class BulkEntry:
    """One sent message as the index remembers it: no text, only its fingerprint."""

    sender: str
    recipient: str
    at: datetime
    signature: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A text's MinHash signature and the band keys derived from it."""

    signature: tuple[int, ...]
    keys: tuple[str, ...]


class BulkStore(Protocol):
    """Where the index keeps its entries; implementations must be safe across threads."""

    def add(self, keys: Sequence[str], entry: BulkEntry) -> None:
        """Remember ``entry`` under every one of ``keys``."""

    def candidates(self, keys: Sequence[str], since: datetime) -> Iterable[BulkEntry]:
        """Entries stored under any of ``keys`` at or after ``since`` (duplicates allowed)."""

    def prune(self, before: datetime) -> int:
        """Forget entries older than ``before``; return how many were dropped."""


# A store may also offer ``add_and_candidates(keys, entry, since)``: ``add`` and ``candidates``
# in one call (one round trip to a database), the candidates with or without ``entry``.
# ``BulkIndex.observe`` uses it when it is there.


class InMemoryBulkStore:
    """A process-local store: right for the library, tests and a single web process."""

    def __init__(self, max_entries_per_key: int = 10_000) -> None:
        self._buckets: dict[str, deque[BulkEntry]] = defaultdict(
            lambda: deque(maxlen=max_entries_per_key)
        )
        self._lock = threading.Lock()

    def add(self, keys: Sequence[str], entry: BulkEntry) -> None:
        """Remember ``entry`` under every one of ``keys``."""
        with self._lock:
            for key in keys:
                self._buckets[key].append(entry)

    def candidates(self, keys: Sequence[str], since: datetime) -> list[BulkEntry]:
        """Entries stored under any of ``keys`` at or after ``since``."""
        with self._lock:
            found: list[BulkEntry] = []
            for key in keys:
                bucket = self._buckets.get(key)
                if bucket:
                    found.extend(e for e in bucket if e.at >= since)
            return found

    def prune(self, before: datetime) -> int:
        """Forget entries older than ``before``."""
        dropped = 0
        with self._lock:
            for key in list(self._buckets):
                bucket = self._buckets[key]
                while bucket and bucket[0].at < before:
                    bucket.popleft()
                    dropped += 1
                if not bucket:
                    del self._buckets[key]
        return dropped

    def __len__(self) -> int:
        with self._lock:
            return sum(len(b) for b in self._buckets.values())


@lru_cache(maxsize=1)
def _template() -> Any:
    from datasketch import MinHash

    # Built once: datasketch draws its random permutations on every MinHash otherwise.
    return MinHash(num_perm=_NUM_PERM, seed=1)


def _shingles(text: str) -> list[bytes]:
    words = normalize(text).text.split()
    if len(words) >= 3:
        return [" ".join(words[i : i + 3]).encode("utf-8") for i in range(len(words) - 2)]
    # Very short texts: character 4-grams, so "hi" and "hello there" don't all collide.
    joined = " ".join(words)
    if len(joined) < 4:
        return [joined.encode("utf-8")] if joined else []
    return [joined[i : i + 4].encode("utf-8") for i in range(len(joined) - 3)]


def fingerprint(text: str) -> Fingerprint:
    """The MinHash fingerprint of a text; empty texts get an empty fingerprint."""
    from datasketch import MinHash

    shingles = _shingles(text)
    if not shingles:
        return Fingerprint((), ())
    template = _template()
    mh = MinHash(num_perm=_NUM_PERM, permutations=template.permutations, scheme=template.scheme)
    mh.update_batch(shingles)
    values: npt.NDArray[np.uint64] = mh.hashvalues
    rows = _NUM_PERM // _BANDS
    keys = tuple(
        f"{band}:"
        + hashlib.blake2b(
            values[band * rows : (band + 1) * rows].tobytes(), digest_size=8
        ).hexdigest()
        for band in range(_BANDS)
    )
    return Fingerprint(tuple(int(v) for v in values), keys)


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of two signatures (0.0 when either is empty)."""
    if not a or not b or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


class BulkIndex:
    """Counts how widely near-identical texts are sent, within a time window.

    ``threshold`` is the estimated Jaccard similarity of word 3-gram shingles above which two
    texts count as the same text.
    """

    def __init__(
        self,
        store: BulkStore | None = None,
        *,
        window_days: int = 7,
        threshold: float = 0.7,
    ) -> None:
        self.store: BulkStore = store if store is not None else InMemoryBulkStore()
        self.window_days = window_days
        self.threshold = threshold

    def count(self, *, sender: str, text: str, at: datetime) -> BulkCounts:
        """How many distinct recipients got this text from ``sender``, and how many senders sent it.

        Only the window ending at ``at`` counts. Nothing is recorded.
        """
        return self._count(fingerprint(text), sender=sender, recipient=None, at=at)

    def observe(self, *, sender: str, recipient: str, text: str, at: datetime) -> BulkCounts:
        """Record that ``sender`` sent ``text`` to ``recipient`` at ``at``; return the counts.

        The counts include this message, so the first message of a campaign counts 1 recipient
        and 1 sender.
        """
        fp = fingerprint(text)
        if not fp.keys:
            return self._count(fp, sender=sender, recipient=recipient, at=at)
        entry = BulkEntry(sender, recipient, at, fp.signature)
        since = at - timedelta(days=self.window_days)
        together = getattr(self.store, "add_and_candidates", None)
        if together is not None:
            # One round trip where the store can do both at once. The candidates may or may
            # not include this entry: the counts start from this message either way.
            found = together(fp.keys, entry, since)
        else:
            self.store.add(fp.keys, entry)
            found = self.store.candidates(fp.keys, since)
        return self._tally(found, fp, sender=sender, recipient=recipient, at=at)

    def prune(self, now: datetime) -> int:
        """Forget entries that have left the window; return how many were dropped."""
        return self.store.prune(now - timedelta(days=self.window_days))

    def _count(
        self, fp: Fingerprint, *, sender: str, recipient: str | None, at: datetime
    ) -> BulkCounts:
        found: Iterable[BulkEntry] = ()
        if fp.keys:
            found = self.store.candidates(fp.keys, at - timedelta(days=self.window_days))
        return self._tally(found, fp, sender=sender, recipient=recipient, at=at)

    def _tally(
        self,
        found: Iterable[BulkEntry],
        fp: Fingerprint,
        *,
        sender: str,
        recipient: str | None,
        at: datetime,
    ) -> BulkCounts:
        recipients: set[str] = set() if recipient is None else {recipient}
        senders: set[str] = {sender}
        seen: set[tuple[str, str, datetime]] = set()
        for entry in found:
            ident = (entry.sender, entry.recipient, entry.at)
            if ident in seen or entry.at > at:
                continue
            seen.add(ident)
            if similarity(entry.signature, fp.signature) < self.threshold:
                continue
            senders.add(entry.sender)
            if entry.sender == sender:
                recipients.add(entry.recipient)
        return BulkCounts(
            recipients=len(recipients), senders=len(senders), window_days=self.window_days
        )

"""The guard's near-duplicate index kept in the database, so every web worker shares it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pitchless.guard import BulkEntry
from pitchless.network.models import BulkRecord


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

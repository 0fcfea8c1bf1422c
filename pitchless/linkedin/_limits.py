"""Bounds that keep a hostile archive from exhausting memory, disk or time."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024
GiB = 1024 * MiB


@dataclass(frozen=True, slots=True, kw_only=True)
class ZipLimits:
    """Limits checked against a ZIP's headers before reading, and again while decompressing.

    Headers can lie, so every byte actually decompressed is counted too: reading stops as
    soon as a member yields more than it declared, more than ``max_total_bytes`` in all, or
    more than ``max_ratio`` times its compressed size once past ``ratio_floor_bytes``.

    The defaults are far above real exports (the largest sample is ~1.5 MB of CSV; a full
    archive with every category is tens of MB) and far below what hurts a laptop.
    """

    #: total declared (and decompressed) size of all members, in bytes
    max_total_bytes: int = 2 * GiB
    #: largest single member we agree to read, in bytes
    max_member_bytes: int = 1 * GiB
    #: uncompressed:compressed ratio allowed per member (CSV text compresses ~5-15:1)
    max_ratio: float = 200.0
    #: members smaller than this are exempt from the ratio check (tiny files compress oddly)
    ratio_floor_bytes: int = 1 * MiB
    #: entries in the central directory
    max_entries: int = 10_000

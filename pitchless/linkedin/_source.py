"""Where the CSV files come from: a ZIP read in place, or a folder unpacked from one.

Nothing from an archive is ever written to disk. Members are streamed through
:class:`_LimitedReader`, which counts decompressed bytes against :class:`ZipLimits` because the
sizes in ZIP headers are whatever the archive's author wanted them to be.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ._errors import (
    ArchiveLimitError,
    CorruptArchiveError,
    ExportNotFoundError,
    NotAnExportError,
)
from ._limits import ZipLimits

ProgressCallback = Callable[[int, int], None]

_ARCHIVE_SUFFIXES = (".zip", ".jar", ".7z", ".rar", ".gz", ".tgz", ".bz2", ".xz", ".tar")
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Member:
    """One file the reader may open: its path inside the source and its declared sizes."""

    path: str
    size: int
    compressed: int


class _Budget:
    """Decompressed bytes counted across every member, for limits and the progress bar."""

    def __init__(self, limits: ZipLimits, total: int, progress: ProgressCallback | None) -> None:
        self.limits = limits
        self.total = total
        self.done = 0
        self.progress = progress

    def add(self, n: int) -> None:
        self.done += n
        if self.done > self.limits.max_total_bytes:
            raise ArchiveLimitError(
                f"archive decompresses to more than {self.limits.max_total_bytes:,} bytes "
                "(ZIP bomb?); refusing to read further"
            )
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)


class _LimitedReader(io.RawIOBase):
    """A read-only stream that enforces the limits on the bytes it actually yields."""

    def __init__(
        self, raw: IO[bytes], member: Member, budget: _Budget, *, check_declared: bool
    ) -> None:
        self._raw = raw
        self._member = member
        self._budget = budget
        self._count = 0
        self._check_declared = check_declared
        #: the last byte yielded, to tell whether the file ends with a newline
        self.last_byte = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        try:
            data = self._raw.read(len(buffer))
        except (zipfile.BadZipFile, zlib.error, EOFError, struct.error, OSError) as exc:
            raise CorruptArchiveError(
                f"archive is damaged or truncated: {self._member.path}: {_one_line(exc)}"
            ) from None
        n = len(data)
        buffer[:n] = data
        if n:
            self.last_byte = data[-1:]
        self._count += n
        self._check()
        self._budget.add(n)
        return n

    def _check(self) -> None:
        limits = self._budget.limits
        count = self._count
        if self._check_declared and count > self._member.size:
            raise ArchiveLimitError(
                f"{self._member.path} decompresses beyond its declared size "
                f"({self._member.size:,} bytes); the archive headers lie (ZIP bomb?)"
            )
        if count > limits.max_member_bytes:
            raise ArchiveLimitError(
                f"{self._member.path} is larger than {limits.max_member_bytes:,} bytes; refusing it"
            )
        if (
            self._check_declared
            and count > limits.ratio_floor_bytes
            and count > limits.max_ratio * max(self._member.compressed, 1)
        ):
            raise ArchiveLimitError(
                f"{self._member.path} expands more than {limits.max_ratio:g}:1 (ZIP bomb?)"
            )

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def _safe_parts(name: str) -> list[str] | None:
    """The path's components, or ``None`` when it is absolute or climbs out with ``..``."""
    if not name or "\x00" in name:
        return None
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return None
    parts = [p for p in norm.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    return parts


class Source:
    """A set of named files (case-insensitive) at the root of an export or in its only folder."""

    def __init__(self, label: str, limits: ZipLimits) -> None:
        self.label = label
        self.limits = limits
        self.warnings: list[str] = []
        self._files: dict[str, Member] = {}
        #: every file in scope (the root, or the single top-level folder), in listing order
        self.members: list[Member] = []
        self._budget = _Budget(limits, 0, None)

    def _index(self, entries: list[tuple[list[str], Member]]) -> None:
        """Keep the files at the root, or inside the single top-level folder LinkedIn adds."""
        visible = [
            (parts, m)
            for parts, m in entries
            if parts[0] != "__MACOSX" and not parts[-1].startswith("._")
        ]
        root = [(parts, m) for parts, m in visible if len(parts) == 1]
        tops = {parts[0] for parts, _ in visible if len(parts) > 1}
        chosen = root
        if not any(_is_export_file(p[-1]) for p, _ in root) and len(tops) == 1:
            top = next(iter(tops))
            chosen = [(parts, m) for parts, m in visible if len(parts) == 2 and parts[0] == top]
        for parts, member in chosen:
            key = parts[-1].lower()
            self.members.append(member)
            if key in self._files:
                self.warnings.append(
                    f"{member.path}: a second file named {key} was ignored "
                    f"(kept {self._files[key].path})"
                )
                continue
            self._files[key] = member

    def find(self, name: str) -> Member | None:
        """The file called ``name`` (any case), or ``None``."""
        return self._files.get(name.lower())

    def first_of(self, member: Member) -> bool:
        """False for a second file with the same name (any case) as one already kept."""
        return self._files.get(basename(member.path).lower()) is member

    def names(self) -> list[str]:
        """Lower-case names of the files found."""
        return sorted(self._files)

    def start(self, members: list[Member], progress: ProgressCallback | None) -> None:
        """Reset the byte budget before reading ``members``."""
        self._budget = _Budget(self.limits, sum(m.size for m in members), progress)

    def open(self, member: Member) -> io.BufferedReader:
        """A buffered binary stream over the member, with the limits enforced."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the underlying file handle."""


class ZipSource(Source):
    """An export ZIP read in place with :mod:`zipfile`; members are streamed, never extracted."""

    def __init__(self, path: Path, limits: ZipLimits) -> None:
        super().__init__(path.name, limits)
        self._check_entry_count(path)
        try:
            self._zip = zipfile.ZipFile(path)
        except zipfile.BadZipFile as exc:
            raise CorruptArchiveError(
                f"{path.name}: archive is damaged or truncated ({_one_line(exc)})"
            ) from None
        except (OSError, EOFError, struct.error, ValueError) as exc:
            raise CorruptArchiveError(
                f"{path.name}: archive cannot be read ({_one_line(exc)})"
            ) from None
        try:
            self._scan()
        except BaseException:
            self._zip.close()
            raise

    def _check_entry_count(self, path: Path) -> None:
        # zipfile loads the whole central directory up front; read the entry count from the
        # end record first so a million-entry archive is refused before that happens.
        count = _declared_entry_count(path)
        if count is not None and count > self.limits.max_entries:
            raise ArchiveLimitError(
                f"{path.name}: {count:,} entries, more than the limit of "
                f"{self.limits.max_entries:,} (ZIP bomb?)"
            )

    def _scan(self) -> None:
        infos = self._zip.infolist()
        limits = self.limits
        if len(infos) > limits.max_entries:
            raise ArchiveLimitError(
                f"{self.label}: {len(infos):,} entries, more than the limit of "
                f"{limits.max_entries:,} (ZIP bomb?)"
            )
        total = sum(i.file_size for i in infos)
        if total > limits.max_total_bytes:
            raise ArchiveLimitError(
                f"{self.label}: declares {total:,} bytes uncompressed, more than the limit of "
                f"{limits.max_total_bytes:,} (ZIP bomb?)"
            )
        entries: list[tuple[list[str], Member]] = []
        unsafe = 0
        nested = 0
        for info in infos:
            if info.is_dir():
                continue
            if info.file_size > limits.max_member_bytes:
                raise ArchiveLimitError(
                    f"{self.label}: {info.filename[:80]} declares {info.file_size:,} bytes, "
                    f"more than the per-file limit of {limits.max_member_bytes:,} (ZIP bomb?)"
                )
            if (
                info.file_size > limits.ratio_floor_bytes
                and info.file_size > limits.max_ratio * max(info.compress_size, 1)
            ):
                raise ArchiveLimitError(
                    f"{self.label}: {info.filename[:80]} expands "
                    f"{info.file_size / max(info.compress_size, 1):,.0f}:1, more than "
                    f"{limits.max_ratio:g}:1 (ZIP bomb?)"
                )
            parts = _safe_parts(info.filename)
            if parts is None:
                unsafe += 1
                continue
            if parts[-1].lower().endswith(_ARCHIVE_SUFFIXES):
                nested += 1
                continue
            entries.append((parts, Member(info.filename, info.file_size, info.compress_size)))
        if unsafe:
            self.warnings.append(
                f"{self.label}: ignored {unsafe} member(s) with unsafe paths "
                "(absolute or containing '..')"
            )
        if nested:
            self.warnings.append(f"{self.label}: ignored {nested} nested archive(s); never opened")
        self._index(entries)

    def open(self, member: Member) -> io.BufferedReader:
        """Stream one member through the limit-checking reader."""
        try:
            raw = self._zip.open(member.path)
        except (zipfile.BadZipFile, zlib.error, EOFError, struct.error, OSError) as exc:
            raise CorruptArchiveError(
                f"archive is damaged or truncated: {member.path}: {_one_line(exc)}"
            ) from None
        except NotImplementedError as exc:
            raise CorruptArchiveError(
                f"{member.path}: unsupported compression ({_one_line(exc)})"
            ) from None
        except RuntimeError as exc:  # encrypted member
            raise CorruptArchiveError(f"{member.path}: {_one_line(exc)}") from None
        limited = _LimitedReader(raw, member, self._budget, check_declared=True)
        return io.BufferedReader(limited, buffer_size=_CHUNK)

    def close(self) -> None:
        """Close the ZIP."""
        self._zip.close()


class FolderSource(Source):
    """A folder unpacked from an export (by the user, not by us)."""

    def __init__(self, path: Path, limits: ZipLimits) -> None:
        super().__init__(path.name, limits)
        self._root = path
        entries: list[tuple[list[str], Member]] = []
        try:
            for entry in os.scandir(path):
                if entry.is_file():
                    entries.append(([entry.name], _file_member(Path(entry.path), entry.name)))
                elif entry.is_dir() and not entry.name.startswith("."):
                    for sub in os.scandir(entry.path):
                        if sub.is_file():
                            rel = f"{entry.name}/{sub.name}"
                            entries.append(
                                ([entry.name, sub.name], _file_member(Path(sub.path), rel))
                            )
        except OSError as exc:
            raise ExportNotFoundError(f"{path}: cannot list folder ({_one_line(exc)})") from None
        self._index(entries)

    def open(self, member: Member) -> io.BufferedReader:
        """Open the file, counting bytes against the same limits as a ZIP."""
        try:
            raw = open(self._root / member.path, "rb")  # noqa: SIM115 - closed by the wrapper
        except OSError as exc:
            raise ExportNotFoundError(f"{member.path}: cannot open ({_one_line(exc)})") from None
        limited = _LimitedReader(raw, member, self._budget, check_declared=False)
        return io.BufferedReader(limited, buffer_size=_CHUNK)


def _file_member(path: Path, rel: str) -> Member:
    size = path.stat().st_size
    return Member(rel, size, size)


_EXPORT_FILES = ("messages", "connections", "invitations")
# What people and browsers add to a file name: "Connections (1).csv", "messages_123456.csv",
# "messages1.csv", "Connections - Copy.csv", "LinkedIn_messages.csv".
_NAME_NOISE = re.compile(
    r"(?:[\s_\-]*(?:\(\d+\)|\d+|copy|kopie|copie|copia|kopia))+$", re.IGNORECASE
)
_NAME_PREFIX = re.compile(r"^linked\s?in[\s_\-]*", re.IGNORECASE)


def basename(path: str) -> str:
    """The last component of a member path."""
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def name_stem(name: str) -> str:
    """A CSV file name without what copies and downloads add: ``"Connections (1).csv"`` ->
    ``"connections"``; ``""`` for a file that is not ``.csv``."""
    lower = basename(name).lower()
    if not lower.endswith(".csv"):
        return ""
    stem = _NAME_PREFIX.sub("", lower[:-4].strip())
    return _NAME_NOISE.sub("", stem).strip(" _-")


def _is_export_file(name: str) -> bool:
    return name_stem(name) in _EXPORT_FILES


def _declared_entry_count(path: Path) -> int | None:
    """Entry count from the end-of-central-directory record (ZIP64 aware), if it can be found."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            tail_len = min(size, 65_535 + 22 + 20 + 56)
            fh.seek(size - tail_len)
            tail = fh.read(tail_len)
    except OSError:
        return None
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(tail):
        return None
    count: int = struct.unpack_from("<H", tail, pos + 10)[0]
    if count == 0xFFFF:
        z64 = tail.rfind(b"PK\x06\x06", 0, pos)
        if z64 >= 0 and z64 + 56 <= len(tail):
            count = struct.unpack_from("<Q", tail, z64 + 32)[0]
    return count


def open_source(path: str | os.PathLike[str], limits: ZipLimits) -> Source:
    """Open an export ZIP or folder, or raise a one-line :class:`ExportError`."""
    p = Path(path)
    if not p.exists():
        raise ExportNotFoundError(f"{p}: no such file or folder")
    if p.is_dir():
        return FolderSource(p, limits)
    try:
        with open(p, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise ExportNotFoundError(f"{p}: cannot open ({_one_line(exc)})") from None
    if not magic.startswith(b"PK"):
        raise NotAnExportError(
            f"{p.name}: not a ZIP archive or folder; expected LinkedIn's data export "
            "(Complete_LinkedInDataExport_*.zip)"
        )
    return ZipSource(p, limits)


__all__ = ["Member", "NotAnExportError", "ProgressCallback", "Source", "open_source"]

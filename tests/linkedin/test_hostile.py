"""Hostile archives fail with a one-line ExportError, fast, and never touch the disk."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from pitchless.linkedin import (
    ArchiveLimitError,
    CorruptArchiveError,
    ExportError,
    ExportNotFoundError,
    NotAnExportError,
    ZipLimits,
    read_export,
)
from pitchless.linkedin._source import Member, _Budget, _LimitedReader
from tests.fixtures.exports.builder import demo_files, write_folder, write_zip

MiB = 1024 * 1024


def _one_line(exc: ExportError) -> str:
    text = str(exc)
    assert "\n" not in text and text
    return text


def _zeros_member(zf: zipfile.ZipFile, name: str, size: int) -> None:
    """Write ``size`` zero bytes in 1 MiB pieces so building the bomb stays cheap."""
    with zf.open(name, "w", force_zip64=True) as fh:
        block = bytes(MiB)
        for _ in range(size // MiB):
            fh.write(block)


def test_bomb_refused_from_headers(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("messages.csv", demo_files()["messages.csv"])
        _zeros_member(zf, "Connections.csv", 64 * MiB)
    assert path.stat().st_size < 200_000  # a few KB of deflate per 64 MiB of zeros
    start = time.perf_counter()
    with pytest.raises(ArchiveLimitError) as err:
        read_export(path)
    assert time.perf_counter() - start < 1.0
    assert "ZIP bomb" in _one_line(err.value)


def test_total_size_limit(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "ok.zip", demo_files())
    with pytest.raises(ArchiveLimitError, match="declares"):
        read_export(path, limits=ZipLimits(max_total_bytes=1000))


def test_bytes_are_counted_while_reading(tmp_path: Path) -> None:
    # A folder has no headers to check: only the running count can stop it.
    folder = write_folder(tmp_path / "f", demo_files())
    with pytest.raises(ArchiveLimitError, match="more than 1,000 bytes"):
        read_export(folder, limits=ZipLimits(max_total_bytes=1000))


def test_member_that_outgrows_its_declared_size_is_stopped() -> None:
    member = Member("messages.csv", size=100, compressed=10)
    budget = _Budget(ZipLimits(), 100, None)
    reader = io.BufferedReader(
        _LimitedReader(io.BytesIO(b"x" * 10 * MiB), member, budget, check_declared=True)
    )
    with pytest.raises(ArchiveLimitError, match="declared size"):
        reader.read()
    assert budget.done <= 64 * 1024  # stopped at the first chunk, memory bounded


def test_lying_headers_fail_fast(tmp_path: Path) -> None:
    """Central directory says 1 KB; the deflate stream holds 32 MiB of zeros."""
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        _zeros_member(zf, "messages.csv", 32 * MiB)
    data = bytearray(path.read_bytes())
    # Patch the uncompressed size in both the local header and the central directory.
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, 1024)
    struct.pack_into("<I", data, central + 24, 1024)
    # Drop the ZIP64 extra fields so the patched 32-bit sizes are the ones used.
    path.write_bytes(bytes(data))
    start = time.perf_counter()
    with pytest.raises(ExportError) as err:
        read_export(path)
    assert time.perf_counter() - start < 2.0
    _one_line(err.value)


def test_nested_zip_is_never_opened(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(16):
            zf.writestr(f"{i}.zip", b"PK" + bytes(1000))
    files: dict[str, str | bytes] = {"0.zip": inner.getvalue()}
    with pytest.raises(NotAnExportError):
        read_export(write_zip(tmp_path / "42.zip", files))
    files.update(demo_files())
    export = read_export(write_zip(tmp_path / "with-nested.zip", files))
    assert export.messages
    assert any("nested archive" in w for w in export.warnings)


def test_too_many_entries(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(60):
            zf.writestr(f"f{i}.txt", b"")
    with pytest.raises(ArchiveLimitError, match="entries"):
        read_export(path, limits=ZipLimits(max_entries=50))


def test_path_traversal_names_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "evil.zip"
    files = demo_files()
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../messages.csv", files["messages.csv"])
        zf.writestr("/etc/Connections.csv", files["Connections.csv"])
        zf.writestr("..\\..\\Invitations.csv", files["Invitations.csv"])
    before = set(os.listdir(tmp_path.parent))
    with pytest.raises(NotAnExportError):
        read_export(path)
    zf2 = tmp_path / "evil2.zip"
    with zipfile.ZipFile(zf2, "w") as zf:
        zf.writestr("../../messages.csv", "CONVERSATION ID,FROM\nx,y\n")
        for name, data in files.items():
            zf.writestr(name, data)
    export = read_export(zf2)
    assert len(export.messages) > 2
    assert any("unsafe paths" in w for w in export.warnings)
    assert set(os.listdir(tmp_path.parent)) == before


def test_not_an_export(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "photos.zip", {"a.jpg": b"\xff\xd8", "notes.txt": "hello"})
    with pytest.raises(NotAnExportError, match="not a LinkedIn data export"):
        read_export(path)
    with pytest.raises(NotAnExportError):
        read_export(write_folder(tmp_path / "empty", {"readme.txt": "x"}))
    plain = tmp_path / "export.csv"
    plain.write_text("From,To\n")
    with pytest.raises(NotAnExportError, match="not a ZIP"):
        read_export(plain)


def test_missing_path() -> None:
    with pytest.raises(ExportNotFoundError, match="no such file"):
        read_export("/nonexistent/Complete_LinkedInDataExport.zip")


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_truncated_archive(tmp_path: Path, cut: float) -> None:
    files = demo_files()
    files["messages.csv"] = files["messages.csv"] * 20  # enough bytes to cut into
    data = write_zip(tmp_path / "full.zip", files).read_bytes()
    path = tmp_path / "cut.zip"
    path.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(CorruptArchiveError) as err:
        read_export(path)
    assert "damaged or truncated" in _one_line(err.value)


def test_crc_error(tmp_path: Path) -> None:
    path = tmp_path / "crc.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("messages.csv", demo_files()["messages.csv"])
    data = bytearray(path.read_bytes())
    pos = data.find(b"CONVERSATION ID")
    data[pos + 200] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptArchiveError, match="CRC"):
        read_export(path)


def test_wrong_encoding_is_a_warning_not_an_error(tmp_path: Path) -> None:
    data = (
        demo_files()["messages.csv"].replace("Robin!", "Robin\u00e9!").encode("latin-1", "replace")
    )
    export = read_export(write_zip(tmp_path / "l1.zip", {"messages.csv": data}))
    assert export.files["messages"].encoding == "cp1252"
    assert any("not UTF-8" in w for w in export.warnings)


def test_binary_garbage_named_like_an_export(tmp_path: Path) -> None:
    garbage = bytes(range(256)) * 40
    export = read_export(write_zip(tmp_path / "g.zip", {"messages.csv": garbage}))
    # Unreadable content is reported, never raised as a traceback.
    assert export.messages == []
    assert export.warnings


@pytest.mark.parametrize("module", ["pitchless.linkedin"])
def test_import_loads_no_django(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "print(sum(1 for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"

"""``pitchless audit``: outputs written, one-line errors and exit status 2 on bad input."""

from __future__ import annotations

import argparse
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from pitchless._cli_support import CommandError
from pitchless.audit import _cli

MiB = 1024 * 1024


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pitchless")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _cli.register(sub)
    return parser


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    status: int = args.handler(args)
    return status


@pytest.fixture(autouse=True)
def _keyword_guard(monkeypatch: pytest.MonkeyPatch, keyword_guard: Any) -> None:
    """The CLI builds the real guard; give it the model-free one."""
    monkeypatch.setattr(_cli, "_load_guard", lambda model_dir: keyword_guard)


def test_writes_every_output(
    demo_zip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = {ext: tmp_path / f"report.{ext}" for ext in ("html", "csv", "json")}
    status = _run(
        [
            "audit",
            str(demo_zip),
            "--html",
            str(out["html"]),
            "--csv",
            str(out["csv"]),
            "--json",
            str(out["json"]),
            "--days",
            "7",
        ]
    )
    assert status == 0
    data = json.loads(out["json"].read_text(encoding="utf-8"))
    assert data["people"][0]["name"] == "Casey Seller"
    assert out["html"].read_text(encoding="utf-8").startswith("<!doctype html>")
    assert out["csv"].read_text(encoding="utf-8").startswith("rank,name,profile_url")
    printed = capsys.readouterr().out
    assert "Casey Seller" in printed and "Connected and then pitched" in printed


def test_json_to_stdout_and_redact(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["audit", str(demo_dir), "--json", "-", "--redact"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["people"][0]["name"] == "C. S."
    assert data["people"][0]["profile_url"] is None
    assert "Casey" not in captured.out and "Casey" not in captured.err


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.zip", "no such file"),
        (lambda d: _zip(d / "photos.zip", {"a.txt": b"hello"}), "not a LinkedIn data export"),
        (lambda d: _bomb(d / "bomb.zip"), "ZIP bomb"),
        (lambda d: _truncated(d / "cut.zip"), "damaged or truncated"),
    ],
)
def test_bad_input_is_one_line(tmp_path: Path, make: Any, message: str) -> None:
    path = make(tmp_path)
    with pytest.raises(CommandError) as err:
        _run(["audit", str(path)])
    text = str(err.value)
    assert message in text and "\n" not in text


@pytest.mark.parametrize("argv", [["--since", "2024-13-01"], ["--days", "-3"], ["--days", "x"]])
def test_bad_options_exit_2(
    demo_dir: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(["audit", str(demo_dir), *argv])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) <= 2  # usage + one error line


def test_through_the_console_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = pytest.importorskip("pitchless.cli")
    status = cli.main(["audit", str(tmp_path / "nope.zip")])
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert "no such file" in err and len(err.splitlines()) == 1


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def _bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("messages.csv", b"FROM,TO,DATE,CONTENT\n")
        with zf.open("Connections.csv", "w", force_zip64=True) as fh:
            for _ in range(40):
                fh.write(bytes(MiB))
    return path


def _truncated(path: Path) -> Path:
    from tests.fixtures.exports.builder import demo_files, write_zip

    full = write_zip(path.with_suffix(".full.zip"), demo_files())
    data = full.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def test_missing_model_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.undo()
    with pytest.raises(CommandError, match="cannot load the guard's text model") as err:
        _cli._load_guard(str(tmp_path / "no-model"))
    assert "\n" not in str(err.value)

"""The "Read from your export" block: in the JSON (``read_report``), the terminal and HTML."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from pitchless.audit import _cli, print_report, redact, render_html, run_audit, to_json_dict
from pitchless.linkedin import read_export
from tests.fixtures.exports.builder import (
    OWNER,
    Msg,
    conv_id,
    demo_files,
    messages_csv,
    url,
    write_folder,
)

FILE_KEYS = {
    "kind": str,
    "path": str,
    "found_by": str,
    "layout": str,
    "rows_read": int,
    "rows_skipped": int,
    "skipped": dict,
    "columns_missing": list,
    "notes": list,
    "other_candidates": list,
}


def _damaged_demo(tmp_path: Path) -> Path:
    """The demo export with two broken message rows and a trimmed Connections.csv header."""
    files = demo_files()
    files["messages.csv"] += "only,three,fields\n"
    files["messages.csv"] += f"{conv_id(99)},,Pat Doe,,{OWNER},,not a date,,hello,INBOX,No,No\n"
    conns = files["Connections.csv"].replace("Email Address,", "", 1)
    lines = conns.split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.startswith("First Name"))
    for i in range(start + 1, len(lines)):
        cells = lines[i].split(",")
        del cells[3]  # the (empty) e-mail cell
        lines[i] = ",".join(cells)
    files["Connections.csv"] = "\n".join(lines)
    return write_folder(tmp_path / "damaged", files)


def test_json_read_report_schema_and_counts(tmp_path: Path, keyword_guard: Any) -> None:
    result = run_audit(read_export(_damaged_demo(tmp_path)), keyword_guard)
    data = json.loads(json.dumps(to_json_dict(result)))
    report = data["read_report"]
    assert set(report) == {"files", "not_found", "ignored", "owner"}
    for f in report["files"]:
        for key, kind in FILE_KEYS.items():
            assert isinstance(f[key], kind), key
        assert f["rows_skipped"] == sum(f["skipped"].values())
    files = {f["kind"]: f for f in report["files"]}
    assert files["messages"]["rows_read"] == 12
    assert files["messages"]["skipped"] == {"unreadable date": 1, "wrong number of fields": 1}
    assert files["connections"]["rows_read"] == 5
    assert files["connections"]["columns_missing"] == ["email address"]
    owner = report["owner"]
    assert owner["name"] == OWNER == data["owner"]
    assert owner["profile_url"] == "https://www.linkedin.com/in/robin-quill-1001"
    assert owner["method"] == "invitations" and owner["confidence"] == "high"
    assert owner["evidence"] and all(isinstance(e, str) for e in owner["evidence"])
    # The rest of the contract is unchanged.
    assert data["version"] == 1 and data["people"][0]["name"] == "Casey Seller"


def test_terminal_and_html_show_the_block(tmp_path: Path, keyword_guard: Any) -> None:
    result = run_audit(read_export(_damaged_demo(tmp_path)), keyword_guard)
    buf = io.StringIO()
    print_report(result, Console(file=buf, width=200), top=3)
    text = buf.getvalue()
    assert "Read from your export" in text
    assert "messages.csv: 12 messages read; 2 rows skipped" in text
    assert "unreadable date: 1" in text and "wrong number of fields: 1" in text
    assert "Connections.csv: 5 connections read; none skipped; no column email address" in text
    assert f"owner: {OWNER}, from Invitations.csv" in text and "confidence high" in text
    page = render_html(result)
    assert '<h2 id="read_report">Read from your export</h2>' in page
    assert "12 messages read; 2 rows skipped" in page
    assert f"owner: {OWNER}" in page


def test_redacted_read_report_has_no_owner_name(tmp_path: Path, keyword_guard: Any) -> None:
    result = redact(run_audit(read_export(_damaged_demo(tmp_path)), keyword_guard))
    report = to_json_dict(result)["read_report"]
    assert report["owner"]["name"] == "R. Q." and report["owner"]["profile_url"] is None
    blob = json.dumps(report) + render_html(result)
    assert "Robin" not in blob and "Quill" not in blob


def test_inbound_empty_folder_rows_reach_the_audit(tmp_path: Path, keyword_guard: Any) -> None:
    """Messages from others with an empty FOLDER (no draft column) are audited, not dropped."""
    files = demo_files("2023")
    t0 = datetime(2024, 3, 20, 9, 0, tzinfo=UTC)
    extra = [
        Msg(conv_id(50), "Lee Pusher", url("lee-pusher-3001"), [OWNER], [url("robin-quill-1001")],
            t0 + timedelta(hours=i), "Book a demo of our service at a discount", folder="")
        for i in range(3)
    ]  # fmt: skip
    base = messages_csv("2023", extra).split("\n", 1)[1]
    files["messages.csv"] += base
    export = read_export(write_folder(tmp_path / "e", files))
    data = to_json_dict(run_audit(export, keyword_guard))
    lee = [p for p in data["people"] if p["name"] == "Lee Pusher"]
    assert len(lee) == 1 and lee[0]["inbound_messages"] == 3
    assert data["counts"].get("drafts", 0) == 0


def _single_conversation(tmp_path: Path) -> Path:
    me, me_url = "Ola Nordmann", url("ola-nordmann-0001")
    kari, kari_url = "Kari Hansen", url("kari-hansen-0002")
    t0 = datetime(2024, 5, 6, 8, 30, tzinfo=UTC)
    msgs = [
        Msg(conv_id(1), kari, kari_url, [me], [me_url], t0, "Hi Ola, are you free?"),
        Msg(conv_id(1), kari, kari_url, [me], [me_url], t0 + timedelta(minutes=3), "Hello?"),
        Msg(conv_id(1), me, me_url, [kari], [kari_url], t0 + timedelta(hours=1), "Yes!"),
    ]
    return write_folder(tmp_path / "one", {"messages.csv": messages_csv("2023", msgs)})


@pytest.fixture
def _cli_guard(monkeypatch: pytest.MonkeyPatch, keyword_guard: Any) -> None:
    monkeypatch.setattr(_cli, "_load_guard", lambda model_dir: keyword_guard)


@pytest.mark.usefixtures("_cli_guard")
def test_cli_owner_option_overrides_a_weak_guess(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="pitchless")
    sub = parser.add_subparsers(dest="command", required=True)
    _cli.register(sub)
    export = _single_conversation(tmp_path)

    args = parser.parse_args(["audit", str(export), "--json", "-"])
    assert args.handler(args) == 0
    captured = capsys.readouterr()
    guessed = json.loads(captured.out)
    assert guessed["read_report"]["owner"]["confidence"] == "low"
    assert "--owner" in captured.err  # the terminal block says how to fix a wrong guess

    args = parser.parse_args(["audit", str(export), "--json", "-", "--owner", "Ola Nordmann"])
    assert args.handler(args) == 0
    given = json.loads(capsys.readouterr().out)
    assert given["owner"] == "Ola Nordmann"
    assert given["read_report"]["owner"]["method"] == "given"
    assert [p["name"] for p in given["people"]] == ["Kari Hansen"]
    assert given["people"][0]["inbound_messages"] == 2

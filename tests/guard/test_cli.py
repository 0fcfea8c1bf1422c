"""``pitchless guard``: verdicts, evaluation and one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pitchless.cli import main

PITCH = (
    "Hi Sam, thanks for connecting! We help SaaS teams cut churn by 30%. Our pricing starts "
    "at $99/month and I'd love to book a quick 15-minute demo call this week. Free trial here: "
    "https://calendly.com/acme-sales/demo"
)
FRIENDLY = "Happy birthday Sam! Hope you have a wonderful year ahead."


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the real console entry point in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "pitchless.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
    )


def test_score_json_for_a_fast_pitch(capsys):
    status = main(["guard", "score", PITCH, "--minutes-since-connect", "4", "--json"])
    assert status == 0
    data = json.loads(capsys.readouterr().out)
    assert data["action"] in {"pitches", "hold"}
    assert data["intent"] == "pitch"
    assert {"code": "timing.fast", "text": "sent 4 minutes after you connected"} in data["reasons"]
    assert data["phrases"], "a filed pitch names the phrases that made it one"


def test_score_plain_output_for_a_greeting(capsys):
    assert main(["guard", "score", FRIENDLY, "--minutes-since-connect", "600"]) == 0
    out = capsys.readouterr().out
    assert "deliver to the inbox" in out


def test_same_text_recipients_shows_in_the_reasons(capsys):
    main(["guard", "score", PITCH, "--same-text-recipients", "37", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert "the same text went to 37 members this week" in [r["text"] for r in data["reasons"]]


def test_score_reads_invalid_utf8_from_stdin():
    proc = run("guard", "score", "-", "--json", stdin=b"Buy now \xff\xfe cheap \xc3( offer")
    assert proc.returncode == 0, proc.stderr
    assert "action" in json.loads(proc.stdout)


@pytest.mark.parametrize(
    "args",
    [
        ["guard", "score", "hi", "--minutes-since-connect", "soon"],
        ["guard", "score", "hi", "--recipient-replied", "-3"],
        ["guard", "score"],
        ["guard", "frobnicate"],
        ["guard", "eval", "/nonexistent/file.csv"],
        ["guard", "train", "--data", "/nonexistent", "--out", "/tmp/x"],
        ["guard", "score", "hi", "--model", "/nonexistent/model"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(args):
    proc = run(*args)
    assert proc.returncode == 2
    err = proc.stderr.decode().strip()
    assert "Traceback" not in err
    assert err.splitlines()[-1].startswith(("pitchless", "usage"))
    assert "error" in err


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_eval_json_figures(tmp_path, capsys):
    rows = [
        {"text": PITCH, "label": "pitch", "days_since_connected": "0"},
        {"text": PITCH.replace("Sam", "Alex"), "label": "pitch", "days_since_connected": "1"},
        {"text": FRIENDLY, "label": "social", "days_since_connected": "0"},
        {
            "text": "Thanks for the intro, see you at the meetup on Friday.",
            "label": "not_pitch",
            "days_since_connected": "",
        },
        {
            "text": "Could you refer me for the analyst role at your company?",
            "label": "job_seeking",
            "days_since_connected": "40",
        },
    ]
    path = _write_csv(tmp_path / "eval.csv", rows)
    assert main(["guard", "eval", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"precision", "recall", "f1", "fpr", "roc_auc", "n"} <= set(data)
    assert data["n"] == 5
    c = data["confusion"]
    assert c["tp"] + c["fn"] == 2 and c["fp"] + c["tn"] == 3
    assert data["recall"] == c["tp"] / 2
    assert 0.0 <= data["fpr"] <= 1.0


def test_eval_table_output(tmp_path, capsys):
    path = _write_csv(
        tmp_path / "e.csv",
        [{"text": PITCH, "label": "pitch"}, {"text": FRIENDLY, "label": "not_pitch"}],
    )
    assert main(["guard", "eval", str(path)]) == 0
    out = capsys.readouterr().out
    assert "precision" in out and "Confusion" in out and "Recall per label" in out


def test_eval_missing_columns_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("message,class\nhello,ham\n", encoding="utf-8")
    proc = run("guard", "eval", str(path))
    assert proc.returncode == 2
    assert "missing column(s) text, label" in proc.stderr.decode()


def test_eval_reads_the_solicited_context_columns(tmp_path):
    from pitchless.guard._evaluate import context_for, load_rows

    rows = [
        {
            "text": PITCH,
            "label": "pitch",
            "days_since_connected": "0",
            "started_by_recipient": "",
            "is_reply_to_recipient": "yes",
            "recipient_invited_sender": "0",
            "refers_to_recipient_application": "",
        },
        {
            "text": FRIENDLY,
            "label": "social",
            "days_since_connected": "",
            "started_by_recipient": "1",
            "is_reply_to_recipient": "",
            "recipient_invited_sender": "",
            "refers_to_recipient_application": "true",
        },
        {"text": FRIENDLY, "label": "social", "started_by_recipient": "maybe"},
    ]
    loaded, skipped = load_rows(_write_csv(tmp_path / "ctx.csv", rows))
    assert skipped == 1 and len(loaded) == 2
    first, second = (context_for(r) for r in loaded)
    assert first.is_reply_to_recipient and first.recipient_messages_to_sender == 1
    assert first.recipient_invited_sender is False
    assert first.refers_to_recipient_application is None
    assert second.started_by_recipient and second.refers_to_recipient_application is True
    assert second.recipient_invited_sender is None

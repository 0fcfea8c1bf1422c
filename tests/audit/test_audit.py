"""The audit on the invented demo export: flags, ranking, outputs and their safety."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pitchless.audit import (
    CSV_COLUMNS,
    AuditSettings,
    Category,
    cluster_keys,
    redact,
    render_html,
    run_audit,
    safe_cell,
    template_key,
    to_csv,
    to_json_dict,
)
from pitchless.linkedin import read_export
from tests.fixtures.exports.builder import OWNER

PERSON_KEYS = {
    "name": str,
    "profile_url": (str, type(None)),
    "connected_on": (str, type(None)),
    "first_inbound_at": (str, type(None)),
    "days_to_first_message": (int, type(None)),
    "messages_before_reply": int,
    "intent": (str, type(None)),
    "pitch_probability": float,
    "connect_and_sell": bool,
    "score": float,
    "reasons": list,
}


def _audit(path: Path, guard: Any, **settings: Any) -> dict[str, Any]:
    result = run_audit(read_export(path), guard, settings=AuditSettings(**settings))
    # Through a real JSON round trip: the contract is the serialised document.
    data: dict[str, Any] = json.loads(json.dumps(to_json_dict(result)))
    return data


def _by_name(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in data["people"]}


def _check_contract(data: dict[str, Any]) -> None:
    assert isinstance(data["owner"], str)
    assert isinstance(data["counts"], dict)
    assert all(isinstance(v, int) for v in data["counts"].values())
    for person in data["people"]:
        for key, kind in PERSON_KEYS.items():
            assert isinstance(person[key], kind), (key, person[key])
        for reason in person["reasons"]:
            assert set(reason) == {"code", "text"}
        if person["connected_on"]:
            date.fromisoformat(person["connected_on"])
    scores = [p["score"] for p in data["people"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("guard_name", ["keyword_guard", "real_guard"])
def test_json_contract_flags_connect_and_sell_first(
    demo_zip: Path, guard_name: str, request: pytest.FixtureRequest
) -> None:
    guard = request.getfixturevalue(guard_name)
    data = _audit(demo_zip, guard)
    _check_contract(data)
    assert data["owner"] == OWNER
    people = _by_name(data)
    casey = people["Casey Seller"]
    assert data["people"][0]["name"] == "Casey Seller"
    assert casey["connect_and_sell"] is True
    assert casey["days_to_first_message"] == 0
    assert casey["messages_before_reply"] == 3
    assert casey["invited_by"] == "them"
    assert casey["connected_on"] == "2024-03-01"
    assert casey["profile_url"] == "https://www.linkedin.com/in/casey-seller-2002"
    assert any(r["code"] == "audit.connect_and_sell" for r in casey["reasons"])
    friend = people["Frankie Friend"]
    assert friend["connect_and_sell"] is False
    assert friend["messages_before_reply"] == 1
    assert friend["invited_by"] == "you"
    assert people["Morgan Hirer"]["connected_on"] is None
    assert people["Morgan Hirer"]["connect_and_sell"] is False
    # LinkedIn's own rows never become people.
    assert not any("LinkedIn" in name or not name for name in people)
    assert data["counts"]["system_messages"] == 2
    assert data["counts"]["people"] == len(data["people"]) == 6


def test_templates_and_window(demo_dir: Path, keyword_guard: Any) -> None:
    data = _audit(demo_dir, keyword_guard)
    people = _by_name(data)
    drew, jesse = people["Drew Template"], people["Jesse Template"]
    assert drew["template_senders"] == jesse["template_senders"] == 1
    assert drew["connect_and_sell"] and jesse["connect_and_sell"]
    assert any(t["senders"] == 2 and t["pitch_messages"] == 2 for t in data["templates"])
    assert people["Casey Seller"]["repeated_texts"] == 2  # the same follow-up twice
    # Drew pitched 3 days after connecting: outside a 2-day window, inside 3.
    assert not _by_name(_audit(demo_dir, keyword_guard, days=2))["Drew Template"][
        "connect_and_sell"
    ]
    assert _by_name(_audit(demo_dir, keyword_guard, days=3))["Drew Template"]["connect_and_sell"]


def test_since_filters_people(demo_dir: Path, keyword_guard: Any) -> None:
    data = _audit(demo_dir, keyword_guard, since=date(2024, 3, 4))
    assert set(_by_name(data)) == {"Frankie Friend", "Morgan Hirer"}


def test_timing_summary(demo_dir: Path, keyword_guard: Any) -> None:
    data = _audit(demo_dir, keyword_guard)
    pitch, other = data["timing"]["pitch"], data["timing"]["other"]
    # Casey, Drew, Jesse and the hostile "SEO package" sender open with a pitch.
    assert pitch["people"] == 4 and pitch["within_7_days"] == 1.0
    assert other["people"] >= 1 and other["median_days"] is not None
    assert sum(data["histogram"]["pitch"]) == 4
    assert data["pitches_per_month"] == {"2024-03": data["counts"]["pitch_messages"]}


def test_lists(demo_dir: Path, keyword_guard: Any) -> None:
    result = run_audit(read_export(demo_dir), keyword_guard)
    names = {c: [p.name for p in result.by_category(c)] for c in Category}
    assert names[Category.CONNECT_AND_SELL][0] == "Casey Seller"
    assert names[Category.RECRUITING] == ["Morgan Hirer"]
    assert "Frankie Friend" in names[Category.OTHER]


def test_html_is_offline_and_escaped(demo_dir: Path, keyword_guard: Any) -> None:
    page = render_html(run_audit(read_export(demo_dir), keyword_guard))
    assert page.startswith("<!doctype html>")
    assert "PRIVATE" in page
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;s&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" in page
    assert 'alert("x")' not in page  # the script body of the HTML message is dropped
    assert "<img" not in page.lower() and "<link" not in page.lower()
    assert not re.search(r"""\bsrc\s*=""", page, re.IGNORECASE)
    for href in re.findall(r"""href="([^"]*)\"""", page):
        assert href.startswith("https://www.linkedin.com/in/"), href
    assert "@import" not in page and "url(" not in page
    assert "<svg" in page


def test_html_never_links_hostile_profile_urls(tmp_path: Path, keyword_guard: Any) -> None:
    from tests.fixtures.exports.builder import demo_files, write_folder

    files = demo_files()
    files["messages.csv"] = files["messages.csv"].replace(
        "https://www.linkedin.com/in/casey-seller-2002", "javascript:alert(1)"
    )
    page = render_html(run_audit(read_export(write_folder(tmp_path / "h", files)), keyword_guard))
    assert 'href="javascript' not in page


def test_csv_ranked_and_formula_safe(demo_dir: Path, keyword_guard: Any, tmp_path: Path) -> None:
    from tests.fixtures.exports.builder import demo_files, write_folder

    files = demo_files()
    files["Connections.csv"] = files["Connections.csv"].replace(
        "Hacker,Person", "=HYPERLINK(1),Person"
    )
    files["messages.csv"] = files["messages.csv"].replace("Hacker Person", "=HYPERLINK(1) Person")
    text = to_csv(run_audit(read_export(write_folder(tmp_path / "f", files)), keyword_guard))
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[1][1] == "Casey Seller" and rows[1][7] == "yes"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert any(row[1] == "'=HYPERLINK(1) Person" for row in rows)
    assert safe_cell("-1") == "'-1" and safe_cell("@SUM") == "'@SUM" and safe_cell("ok") == "ok"


def test_redact_hides_names(demo_dir: Path, keyword_guard: Any) -> None:
    result = redact(run_audit(read_export(demo_dir), keyword_guard))
    blob = json.dumps(to_json_dict(result)) + render_html(result) + to_csv(result)
    for name in ("Casey", "Seller", "Frankie", "Robin", "Quill", "Drew", "Jesse"):
        assert name not in blob, name
    assert "linkedin.com/in/" not in blob
    assert result.people[0].name == "C. S."
    assert "redacted" in render_html(result)


def test_template_clustering() -> None:
    a = "Hi Robin, we help SaaS teams double their pipeline with done-for-you outbound. Call?"
    b = "Hi Robin, we help SaaS teams double their pipeline with done-for-you outbound! Call?!"
    c = "Happy work anniversary, hope the new year at the firm treats you well and brings joy."
    keys = [template_key(a, "Drew T"), template_key(b, "Jesse T"), template_key(c), "hi there"]
    ids = cluster_keys(keys)
    assert ids[0] == ids[1] is not None
    assert ids[2] != ids[0] and ids[3] is None
    near = template_key(a.replace("double", "triple"), "x")
    ids2 = cluster_keys([template_key(a), near], similarity=0.6)
    assert ids2[0] == ids2[1]


def test_import_loads_no_django() -> None:
    code = (
        "import sys, pitchless.audit, pitchless.audit._cli\n"
        "print(sum(1 for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


@pytest.mark.parametrize("indent", [None, 1])
def test_streamed_json_equals_the_dict(
    demo_dir: Path, keyword_guard: Any, indent: int | None
) -> None:
    from pitchless.audit import write_json

    result = run_audit(read_export(demo_dir), keyword_guard)
    buf = io.StringIO()
    write_json(result, buf, indent=indent)
    assert json.loads(buf.getvalue()) == json.loads(json.dumps(to_json_dict(result)))

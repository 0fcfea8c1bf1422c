"""The "Read from your export" block: what the reader used, read, skipped and assumed.

The block is built from :meth:`pitchless.linkedin.Export.read_report` (the ``read_report``
key of the JSON) and drawn the same way in the terminal and in the HTML report.
"""

from __future__ import annotations

from typing import Any

_NOUNS = {
    "messages": "message",
    "connections": "connection",
    "invitations": "invitation",
    "profile": "profile row",
}
_METHODS = {
    "given": "named with --owner",
    "profile": "from Profile.csv",
    "direction_column": "from the Direction column",
    "sent_folder": "from the SENT folder",
    "invitations": "from Invitations.csv",
    "conversations": "the person in every conversation",
    "most_frequent": "the most frequent participant",
}


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def file_lines(report: dict[str, Any]) -> list[str]:
    """One line per file: rows read and skipped (with reasons), columns missing, notes."""
    lines: list[str] = []
    for f in report.get("files", []):
        parts = [f"{_plural(f['rows_read'], _NOUNS.get(f['kind'], 'row'))} read"]
        if f["rows_skipped"]:
            reasons = ", ".join(f"{r}: {n:,}" for r, n in f["skipped"].items())
            parts.append(f"{_plural(f['rows_skipped'], 'row')} skipped ({reasons})")
        else:
            parts.append("none skipped")
        if f["columns_missing"] and f["kind"] != "profile":
            parts.append("no column " + ", ".join(f["columns_missing"]))
        line = f"{f['path']}: " + "; ".join(parts)
        others = [c["path"] for c in f.get("other_candidates", [])]
        if others:
            line += f" (also found, not read: {', '.join(others)})"
        lines.append(line)
        lines.extend(f"    {note}" for note in f.get("notes", []))
    for kind in report.get("not_found", []):
        lines.append(f"no {kind} file in the export")
    for item in report.get("ignored", []):
        lines.append(f"{item['path']}: not read ({item['reason']})")
    return lines


def owner_line(report: dict[str, Any]) -> str:
    """Who the owner is taken to be, how that was found, and how sure it is."""
    owner = report.get("owner")
    if not owner:
        return 'owner: not found (every message counts as received); use --owner "Your Name"'
    how = _METHODS.get(owner["method"], owner["method"])
    evidence = "; ".join(owner.get("evidence", [])[:3])
    name = owner["name"] or "(no name)"
    line = f"owner: {name}, {how} ({evidence}); confidence {owner['confidence']}"
    if owner["confidence"] == "low":
        line += ' — if this is wrong, run again with --owner "Your Name"'
    return line


def read_report_lines(report: dict[str, Any]) -> list[str]:
    """The whole block as plain lines: the files, then the owner."""
    if not report:
        return []
    return [line.strip() for line in file_lines(report)] + [owner_line(report)]

"""The machine-readable outputs: the JSON contract and the review CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import IO, Any

from ._models import AuditResult, PersonReport, TimingStats

#: Version of the JSON layout; bumped only on incompatible changes.
JSON_VERSION = 1

CSV_COLUMNS = (
    "rank",
    "name",
    "profile_url",
    "connected_on",
    "first_message_at",
    "days_to_first_message",
    "list",
    "connect_and_sell",
    "verdict",
    "intent",
    "pitch_probability",
    "score",
    "messages_before_reply",
    "invited_by",
    "reasons",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _timing(t: TimingStats) -> dict[str, Any]:
    return {
        "people": t.people,
        "median_days": t.median_days,
        "within_1_day": t.within_1_day,
        "within_7_days": t.within_7_days,
    }


def person_to_dict(p: PersonReport) -> dict[str, Any]:
    """One person of the JSON contract."""
    worst = p.worst
    return {
        "name": p.name,
        "profile_url": p.profile_url or None,
        "is_connection": p.is_connection,
        "connected_on": p.connected_on.isoformat() if p.connected_on else None,
        "invited_by": p.invited_by,
        "invitation_note": p.invitation_note or None,
        "first_inbound_at": p.first_inbound_at.isoformat(),
        "days_to_first_message": p.days_to_first_message,
        "inbound_messages": p.inbound_count,
        "messages_before_reply": p.messages_before_reply,
        "owner_replied": p.owner_replied,
        "owner_started": p.owner_started,
        "intent": str(worst.verdict.intent) if worst else None,
        "pitch_probability": round(worst.verdict.pitch_probability, 4) if worst else 0.0,
        "action": str(worst.verdict.action) if worst else None,
        "connect_and_sell": p.connect_and_sell,
        "list": str(p.category),
        "score": p.score,
        "template_senders": p.template_senders,
        "repeated_texts": p.repeated_texts,
        "reasons": [r.to_dict() for r in p.reasons],
        "messages": [
            {
                "sent_at": s.sent_at.isoformat(),
                "days_after_connection": s.days_after_connection,
                "subject": s.subject,
                "text": s.text,
                "is_html": s.is_html,
                "is_pitch": s.is_pitch,
                "template_id": s.template_id,
                "verdict": {
                    "intent": str(s.verdict.intent),
                    "pitch_probability": round(s.verdict.pitch_probability, 4),
                    "score": round(s.verdict.score, 4),
                    "action": str(s.verdict.action),
                },
            }
            for s in p.messages
        ],
    }


def to_json_dict(result: AuditResult, *, people: bool = True) -> dict[str, Any]:
    """The stable JSON document: ``owner``, ``counts``, ``people`` (highest score first), more.

    ``read_report`` says what was read from the export (files, rows read and skipped with the
    reasons, missing columns, the owner and how they were found); see ``docs/audit.md``.

    ``people=False`` leaves the (large) ``people`` list out.
    """
    s = result.settings
    return {
        "version": JSON_VERSION,
        "owner": result.owner,
        "generated_at": result.generated_at.isoformat(),
        "settings": {
            "days": s.days,
            "score_first": s.score_first,
            "since": s.since.isoformat() if s.since else None,
            "timing_precision": "day",
        },
        "counts": dict(result.counts),
        "timing": {k: _timing(v) for k, v in result.timing.items()},
        "histogram": {"bins": result.histogram_bins, **result.histogram},
        "pitches_per_month": result.pitches_per_month,
        "templates": [
            {
                "id": t.id,
                "senders": t.senders,
                "messages": t.messages,
                "pitch_messages": t.pitch_messages,
                "example": t.example,
            }
            for t in result.templates
        ],
        "warnings": result.warnings,
        "read_report": result.read_report,
        **({"people": [person_to_dict(p) for p in result.people]} if people else {}),
    }


def write_json(result: AuditResult, fh: IO[str], *, indent: int | None = None) -> None:
    """Write the same document as :func:`to_json_dict`, one person at a time.

    A large export has tens of thousands of people; serialising them one by one keeps the
    whole document out of memory.
    """
    head = to_json_dict(result, people=False)
    body = json.dumps(head, ensure_ascii=False, indent=indent)
    fh.write(body[:-1].rstrip())  # reopen the object to append "people"
    fh.write(',\n "people": [')
    for i, person in enumerate(result.people):
        fh.write(",\n  " if i else "\n  ")
        fh.write(json.dumps(person_to_dict(person), ensure_ascii=False))
    fh.write("\n ]\n}\n")


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def to_csv(result: AuditResult) -> str:
    """The review list as CSV (UTF-8, one row per person, ranked), ready for bulk removal."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for rank, p in enumerate(result.people, start=1):
        worst = p.worst
        row = [
            rank,
            p.name,
            p.profile_url,
            p.connected_on.isoformat() if p.connected_on else "",
            p.first_inbound_at.strftime("%Y-%m-%d %H:%M"),
            "" if p.days_to_first_message is None else p.days_to_first_message,
            str(p.category),
            "yes" if p.connect_and_sell else "no",
            str(worst.verdict.action) if worst else "",
            str(worst.verdict.intent) if worst else "",
            f"{worst.verdict.pitch_probability:.3f}" if worst else "",
            f"{p.score:.3f}",
            p.messages_before_reply,
            p.invited_by or "",
            "; ".join(r.text for r in p.reasons),
        ]
        writer.writerow([safe_cell(c) for c in row])
    return buf.getvalue()

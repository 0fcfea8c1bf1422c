"""``--redact``: names become initials, profile URLs go, names inside texts are masked."""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable
from typing import Any

from pitchless.guard import Reason

from ._models import AuditResult, PersonReport, ScoredMessage, Template


def initials(name: str) -> str:
    """``"Jane Doe, MBA"`` -> ``"J. D."``; empty names stay empty."""
    words = [w for w in re.split(r"[\s,]+", name) if w and w[0].isalpha()]
    if not words:
        return "?" if name.strip() else ""
    return " ".join(f"{w[0].upper()}." for w in words[:3])


class _Masker:
    """Replaces every known name part (3+ letters) with its initial, in any text."""

    def __init__(self, names: list[str]) -> None:
        parts = {
            w
            for n in names
            for w in re.split(r"[\s,]+", n)
            if len(w) >= 3 and w[0].isalpha() and w.upper() not in {"MBA", "PHD", "PMP", "CPA"}
        }
        self._pattern = (
            re.compile(
                r"\b("
                + "|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True))
                + r")\b",
                re.IGNORECASE,
            )
            if parts
            else None
        )

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(lambda m: m.group(0)[0].upper() + ".", text)


def redact(result: AuditResult) -> AuditResult:
    """A copy of ``result`` fit to share: no names, no profile URLs."""
    mask = _Masker([result.owner, *(p.name for p in result.people)])

    def message(s: ScoredMessage) -> ScoredMessage:
        return dataclasses.replace(s, text=mask(s.text), subject=mask(s.subject))

    def person(p: PersonReport) -> PersonReport:
        return dataclasses.replace(
            p,
            name=initials(p.name),
            profile_url="",
            invitation_note=mask(p.invitation_note),
            messages=[message(s) for s in p.messages],
            reasons=[Reason(r.code, mask(r.text)) for r in p.reasons],
        )

    def template(t: Template) -> Template:
        return dataclasses.replace(t, example=mask(t.example))

    return dataclasses.replace(
        result,
        read_report=_redact_report(result.read_report, mask),
        owner=initials(result.owner),
        owner_url="",
        people=[person(p) for p in result.people],
        templates=[template(t) for t in result.templates],
        warnings=[mask(w) for w in result.warnings],
        redacted=True,
    )


def _redact_report(report: dict[str, Any], mask: Callable[[str], str]) -> dict[str, Any]:
    """The read report without the owner's name and URL (file facts hold no names)."""
    out = copy.deepcopy(report)
    owner = out.get("owner")
    if owner:
        owner["name"] = initials(owner["name"])
        owner["profile_url"] = None
        owner["evidence"] = [mask(e) for e in owner.get("evidence", [])]
    for f in out.get("files", []):
        f["notes"] = [mask(n) for n in f.get("notes", [])]
    return out

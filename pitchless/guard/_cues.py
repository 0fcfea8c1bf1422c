"""Readable cues for the reasons a recipient sees.

The text model decides; these cues only put its decision into words ("mentions pricing and
asks for a call"). They are deliberately few and high-precision, in English and Spanish, since a
wrong reason is worse than a missing one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Each cue: a name used in the sentence, and a pattern over the raw (not normalised) text, so
# the cue still fires when normalisation turns a price into a placeholder.
_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "pricing",
        re.compile(
            r"[$€£]\s?\d|\b\d+(?:[.,]\d+)?\s?(?:usd|eur|gbp|dollars?|euros?)\b"
            r"|\b(?:pric(?:e|es|ing)|discount|% off|per month|/month|free trial|quote|"
            r"cost[- ]effective|affordable|precio|descuento|tarifa)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "a call",
        re.compile(
            r"\b(?:quick|short|brief|15[- ]min(?:ute)?s?|20[- ]min(?:ute)?s?|30[- ]min(?:ute)?s?)"
            r"\s+(?:call|chat|meeting|demo|zoom)\b|\b(?:book|schedule|set up|hop on|jump on)"
            r"\s+(?:a|an|some)?\s*(?:call|meeting|demo|time)\b|calendly\.com|\bdemo\b"
            r"|\bllamada\b|\breuni[oó]n\b",
            re.IGNORECASE,
        ),
    ),
    (
        "a product or service offer",
        re.compile(
            r"\b(?:our (?:services?|solutions?|platform|product|agency|team can)"
            r"|we (?:offer|provide|help (?:companies|businesses|brands))|i (?:offer|provide)|"
            r"(?:lead generation|outsourc\w+|white[- ]label|seo services"
            r"|web development services)"
            r"|nuestros servicios|ofrecemos)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "an unfilled mail-merge field",
        re.compile(r"%[A-Z_]{3,}%|\{\{\s*\w+\s*\}\}|\[(?:first ?name|name|company)\]", re.I),
    ),
)


@dataclass(frozen=True, slots=True)
class Cues:
    """The cues found in one message, in a fixed order."""

    names: tuple[str, ...]

    def sentence(self) -> str | None:
        """A short clause such as "mentions pricing and asks for a call", or ``None``."""
        parts: list[str] = []
        for name in self.names:
            if name == "pricing":
                parts.append("mentions pricing")
            elif name == "a call":
                parts.append("asks for a call or demo")
            elif name == "a product or service offer":
                parts.append("offers a product or service")
            elif name == "an unfilled mail-merge field":
                parts.append("contains an unfilled mail-merge field")
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return ", ".join(parts[:-1]) + " and " + parts[-1]


def find_cues(text: str, subject: str = "", *, max_chars: int = 20_000) -> Cues:
    """Find the readable cues in a message (reading at most ``max_chars`` characters)."""
    haystack = f"{subject}\n{text}"[:max_chars]
    return Cues(tuple(name for name, pattern in _CUES if pattern.search(haystack)))

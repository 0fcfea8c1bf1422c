"""A stand-in text model for the guard: reads a few sales words, nothing else.

Used when the bundled model is not installed, and by tests that need the guard to fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pitchless.guard import Guard, Intent, Phrase

SALES_WORDS = (
    "pricing",
    "demo",
    "agency",
    "our services",
    "discount",
    "offer",
    "book a",
    "15-minute",
    "quick call",
    "leads",
    "per month",
    "free trial",
    "roi",
)


@dataclass
class _Scores:
    pitch_probability: np.ndarray
    intent_probabilities: np.ndarray


class KeywordModel:
    """Pitch probability rises with each sales word found."""

    intents_ = tuple(i.value for i in Intent)

    def _p(self, text: str) -> float:
        hits = sum(1 for w in SALES_WORDS if w in text.lower())
        return min(0.97, 0.05 + 0.3 * hits)

    def predict_scores(self, normalized_texts: Sequence[str]) -> _Scores:
        p = np.array([self._p(t) for t in normalized_texts], dtype=np.float64)
        rows = []
        for value in p:
            rest = (1 - value) / (len(self.intents_) - 1)
            rows.append([value if i == "pitch" else rest for i in self.intents_])
        return _Scores(p, np.array(rows, dtype=np.float64))

    def explain(self, normalized_text: str, top_k: int = 5) -> list[Phrase]:
        found = [w for w in SALES_WORDS if w in normalized_text.lower()]
        return [Phrase(w, 1.0) for w in found[:top_k]]


class BrokenModel(KeywordModel):
    """A model that raises on every message."""

    def predict_scores(self, normalized_texts: Sequence[str]) -> _Scores:
        raise RuntimeError("model exploded")


class SlowModel(KeywordModel):
    """A model that takes longer than any sensible timeout."""

    def predict_scores(self, normalized_texts: Sequence[str]) -> _Scores:
        import time

        time.sleep(1.0)
        return super().predict_scores(normalized_texts)


def keyword_guard() -> Guard:
    """A guard on the keyword model with the default policy."""
    return Guard(model=KeywordModel())

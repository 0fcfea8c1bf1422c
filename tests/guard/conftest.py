"""Fixtures for the guard tests: a small deterministic text model for policy tests."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pytest

from pitchless.guard import Phrase

_PITCH_WORDS = ("pricing", "demo", "offer", "discount", "services")


class _Scores(NamedTuple):
    pitch_probability: np.ndarray
    intent_probabilities: np.ndarray


class FixedModel:
    """A text model whose pitch probability is set by the test, per message or by keyword.

    A text containing ``pscore83`` scores exactly 0.83; otherwise each pitch keyword adds 0.3
    to a base of 0.05. Keeps policy tests independent of the trained model's weights.
    """

    intents_ = ("pitch", "recruiting", "job_seeking", "social", "conversation")

    def _p(self, text: str) -> float:
        match = re.search(r"pscore(\d\d)", text)
        if match:
            return int(match.group(1)) / 100
        return min(0.99, 0.05 + 0.3 * sum(w in text for w in _PITCH_WORDS))

    def predict_scores(self, normalized_texts: Sequence[str]) -> _Scores:
        p = np.array([self._p(t) for t in normalized_texts], dtype=float)
        rest = (1 - p) / 4
        intents = np.column_stack([p, rest, rest, rest, rest])
        return _Scores(p, intents)

    def explain(self, normalized_text: str, top_k: int = 5) -> list[Phrase]:
        found = [Phrase(w, 0.3) for w in _PITCH_WORDS if w in normalized_text]
        return found[:top_k]


@pytest.fixture
def fixed_model() -> FixedModel:
    """The deterministic stand-in text model."""
    return FixedModel()

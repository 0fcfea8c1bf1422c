"""Guards for the audit tests: the real one (bundled model) and a tiny keyword stand-in."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from pitchless.guard import Action, Intent, MessageContext, Reason, Verdict
from tests.fixtures.exports.builder import demo_files, write_folder, write_zip

_PITCH_WORDS = ("book", "demo", "discount", "pricing", "service", "offer", "sign up", "roi")


class KeywordGuard:
    """Deterministic stand-in: a text with two or more sales words is a pitch (p = 0.9)."""

    def score_many(
        self, contexts: Sequence[MessageContext], *, explain: bool = True
    ) -> list[Verdict]:
        out = []
        for ctx in contexts:
            text = ctx.text.lower()
            hits = sum(w in text for w in _PITCH_WORDS)
            recruiting = "recruiter" in text or "hiring" in text
            p = 0.9 if hits >= 2 else 0.1 * hits
            intent = (
                Intent.PITCH if p >= 0.5 else (Intent.RECRUITING if recruiting else Intent.SOCIAL)
            )
            out.append(
                Verdict(
                    pitch_probability=p,
                    intent=intent,
                    intent_probabilities={str(intent): 1.0},
                    score=p,
                    action=Action.PITCHES if p >= 0.5 else Action.DELIVER,
                    reasons=(Reason("text.pitch", "reads like a sales pitch"),)
                    if p >= 0.5
                    else (Reason("text.not_pitch", "reads like a greeting"),),
                )
            )
        return out


@pytest.fixture
def keyword_guard() -> KeywordGuard:
    """A guard that needs no model file."""
    return KeywordGuard()


@pytest.fixture(scope="session")
def real_guard() -> object:
    """The guard with its bundled model; skips when the model is not installed."""
    from pitchless.guard import Guard

    model_dir = os.environ.get("PITCHLESS_GUARD_MODEL_DIR") or None  # as the web app reads it
    try:
        return Guard(model_dir=model_dir)
    except (FileNotFoundError, OSError, ValueError) as exc:
        pytest.skip(f"the guard's bundled model is not available: {exc}")


@pytest.fixture
def demo_dir(tmp_path: Path) -> Path:
    """The invented demo export, unpacked."""
    return write_folder(tmp_path / "demo", demo_files())


@pytest.fixture
def demo_zip(tmp_path: Path) -> Path:
    """The invented demo export, zipped inside a top-level folder as LinkedIn does."""
    return write_zip(
        tmp_path / "Complete_LinkedInDataExport_03-15-2024.zip",
        demo_files(),
        top="Complete_LinkedInDataExport_03-15-2024",
    )

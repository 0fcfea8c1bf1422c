"""The :class:`Guard`: one call from a :class:`MessageContext` to a :class:`Verdict`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from pitchless.guard._cues import CUE_CLASSES, Cues, cue_counts
from pitchless.guard._normalize import MAX_INPUT_CHARS, Normalized, normalize
from pitchless.guard._policy import PolicySettings, decide
from pitchless.guard._types import Intent, MessageContext, Phrase, Verdict


class TextScoresLike(Protocol):
    """What a text model returns for a batch (``pitchless.guard._textmodel.TextScores``)."""

    @property
    def pitch_probability(self) -> npt.NDArray[np.floating[Any]]: ...

    @property
    def intent_probabilities(self) -> npt.NDArray[np.floating[Any]]: ...


class TextModel(Protocol):
    """The text model the guard needs: batch scores, per-message phrases, intent names."""

    @property
    def intents_(self) -> tuple[str, ...]: ...

    def predict_scores(self, normalized_texts: Sequence[str]) -> TextScoresLike: ...

    def explain(self, normalized_text: str, top_k: int = 5) -> list[Phrase]: ...


class Guard:
    """Scores unsolicited messages and decides where each one goes.

    ``model`` defaults to the text model shipped inside the package (loaded once per process);
    ``policy`` defaults to :class:`PolicySettings` with its documented defaults.
    """

    def __init__(
        self,
        model: TextModel | None = None,
        policy: PolicySettings | None = None,
        *,
        model_dir: str | Path | None = None,
        max_chars: int = MAX_INPUT_CHARS,
    ) -> None:
        if model is None:
            from pitchless.guard._textmodel import PitchClassifier, load_default_model

            model = load_default_model() if model_dir is None else PitchClassifier.load(model_dir)
        self.model: TextModel = model
        self.policy = policy if policy is not None else PolicySettings()
        self.max_chars = max_chars
        #: the text probability treated as even odds (see ``PolicySettings.text_threshold``)
        self.text_threshold = _text_threshold(self.policy, self.model)

    def score(self, ctx: MessageContext) -> Verdict:
        """Score one message in its context."""
        return self.score_many([ctx])[0]

    def score_many(
        self, contexts: Sequence[MessageContext], *, explain: bool = True
    ) -> list[Verdict]:
        """Score a batch of messages; the text model runs once, vectorised, for the batch.

        ``explain=False`` skips naming phrases, for bulk work where only scores are needed.
        """
        if not contexts:
            return []
        normalized = [self._normalize(ctx) for ctx in contexts]
        scores = self.model.predict_scores([n.text for n in normalized])
        intents = self.model.intents_
        cues = self._cues(normalized, scores.pitch_probability, getattr(scores, "cue_counts", None))
        verdicts: list[Verdict] = []
        for i, (ctx, norm) in enumerate(zip(contexts, normalized, strict=True)):
            p = float(scores.pitch_probability[i])
            row = scores.intent_probabilities[i]
            intent_probs = {name: float(row[j]) for j, name in enumerate(intents)}
            intent = _reconcile_intent(p, intents, row)
            phrases: tuple[Phrase, ...] = ()
            if explain and p >= 0.2 and norm.text:
                phrases = tuple(self.model.explain(norm.text, top_k=self.policy.max_phrases))
            decision = decide(
                ctx,
                pitch_probability=p,
                intent=intent,
                cues=cues[i],
                phrases=phrases,
                truncated=norm.truncated,
                is_html=norm.is_html,
                settings=self.policy,
                text_threshold=self.text_threshold,
            )
            verdicts.append(
                Verdict(
                    pitch_probability=p,
                    intent=intent,
                    intent_probabilities=intent_probs,
                    score=decision.score,
                    action=decision.action,
                    reasons=decision.reasons,
                    phrases=phrases,
                    truncated=norm.truncated,
                )
            )
        return verdicts

    def _cues(
        self,
        normalized: Sequence[Normalized],
        pitch_probability: npt.NDArray[np.floating[Any]],
        counted: npt.NDArray[np.integer[Any]] | None = None,
    ) -> list[Cues]:
        """The cue classes of each message: the text model's own counts when it gives them,
        else one batched scan.

        The policy words its cues (and reads the "your application" cue) only for a message
        that is filed or reads as a pitch, and neither can happen below both floors; the
        rest are not scanned.
        """
        floor = min(self.policy.min_text_probability, self.text_threshold)
        out = [Cues(())] * len(normalized)
        todo = [i for i, p in enumerate(pitch_probability) if p >= floor]
        if todo and counted is not None and counted.shape == (len(normalized), len(CUE_CLASSES)):
            for i in todo:
                row = counted[i]
                out[i] = Cues(tuple(name for k, name in enumerate(CUE_CLASSES) if row[k]))
        elif todo:
            found = cue_counts([normalized[i].text for i in todo])
            for i, counts in zip(todo, found, strict=True):
                out[i] = Cues(tuple(name for name in CUE_CLASSES if name in counts))
        return out

    def _normalize(self, ctx: MessageContext) -> Normalized:
        return normalize(ctx.text, ctx.subject, max_chars=self.max_chars)


def _text_threshold(policy: PolicySettings, model: TextModel) -> float:
    if policy.text_threshold is not None:
        return policy.text_threshold
    chosen = getattr(model, "threshold_", None)
    if isinstance(chosen, float) and 0.0 < chosen < 1.0:
        return chosen
    return 0.5


def _reconcile_intent(
    pitch_probability: float,
    intents: tuple[str, ...],
    row: npt.NDArray[np.floating[Any]],
) -> Intent:
    """The intent shown beside the verdict, kept consistent with the pitch probability.

    The binary pitch probability is calibrated, so "pitch" is the likelier reading exactly when
    it is at least one half (the action uses a stricter operating threshold, as false alarms
    cost more than misses); otherwise the likeliest other intent is shown.
    """
    if pitch_probability >= 0.5 or len(intents) == 1:
        return Intent.PITCH
    best = max((j for j, name in enumerate(intents) if name != Intent.PITCH), key=lambda j: row[j])
    return Intent(intents[best])

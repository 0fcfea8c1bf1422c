"""Fold recipients' feedback ("Not a pitch" / "Mark as pitch") into the guard's text model.

``retrain()`` refuses until ``PITCHLESS_RETRAIN_MIN_LABELS`` distinct messages carry a label,
so no verdict changes on a handful of clicks. With enough labels it:

1. splits the labelled messages into a training part and a held-out part (about a quarter),
   grouped by sender so one sender's templated messages never sit on both sides;
2. trains a new :class:`~pitchless.guard._textmodel.PitchClassifier` on the training part
   (plus, with ``data_dir``, the labelled in-domain openers of the shared data);
3. scores the held-out part with the new model and with the model the site uses now;
4. refuses to activate the new model when it is worse there (lower F1, then lower ROC-AUC),
   and otherwise writes it to ``PITCHLESS_GUARD_MODELS_DIR/<UTC timestamp>/`` and points
   ``PITCHLESS_GUARD_MODELS_DIR/ACTIVE`` at it.

The model activated is the one evaluated (trained without the held-out part), so the figures
reported are the active model's own held-out figures. They measure the text model alone, at
its own threshold; the site's verdict also weighs timing, bulk and reputation.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from pitchless.network.guard_adapter import ACTIVE_POINTER, follow_active_model
from pitchless.network.models import MessageFeedback

#: share of the labelled messages held out to compare the new model with the current one
HELD_OUT_SHARE = 0.25
#: the intent a "not a pitch" label trains as: an ordinary exchange between members
NOT_PITCH_INTENT = "conversation"

Progress = Callable[[str], None]


class RetrainRefused(Exception):
    """Retraining did not run or its model was not activated; the message says why.

    ``result`` holds the held-out figures when a model was trained but not activated.
    """

    def __init__(self, message: str, result: RetrainResult | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True, slots=True)
class Label:
    """One labelled message."""

    message_id: int
    sender_id: int
    text: str
    is_pitch: bool


@dataclass(slots=True)
class RetrainResult:
    """What a retraining run did, with the held-out figures of both models."""

    activated: bool
    labels: int
    train_rows: int
    held_out: int
    candidate: dict[str, Any]
    current: dict[str, Any] | None
    model_dir: Path | None = None
    pinned: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "activated": self.activated,
            "model_dir": None if self.model_dir is None else str(self.model_dir),
            "labels": self.labels,
            "train_rows": self.train_rows,
            "held_out": self.held_out,
            "held_out_new_model": self.candidate,
            "held_out_current_model": self.current,
            "pinned_by_PITCHLESS_GUARD_MODEL_DIR": self.pinned,
            "notes": self.notes,
        }


def labelled_messages() -> list[Label]:
    """Every message with a recipient's label, the latest label winning, in id order."""
    latest: dict[int, Label] = {}
    rows = (
        MessageFeedback.objects.select_related("message")
        .order_by("message_id", "created_at", "id")
        .values_list("message_id", "message__sender_id", "message__text", "label")
    )
    for message_id, sender_id, text, label in rows:
        latest[message_id] = Label(
            message_id, sender_id, text, label == MessageFeedback.Label.PITCH
        )
    return list(latest.values())


def split(labels: list[Label], *, seed: int = 0) -> tuple[list[Label], list[Label]]:
    """(train, held out): whole senders go to the held-out side until it holds about
    ``HELD_OUT_SHARE`` of the rows. Falls back to a per-message stratified split when the
    grouped one leaves a side without pitches or without non-pitches."""
    rng = random.Random(seed)
    senders = sorted({x.sender_id for x in labels})
    rng.shuffle(senders)
    target = round(len(labels) * HELD_OUT_SHARE)
    by_sender: dict[int, list[Label]] = {}
    for x in labels:
        by_sender.setdefault(x.sender_id, []).append(x)
    test_senders: set[int] = set()
    size = 0
    for s in senders:
        if size >= target:
            break
        # Skip a sender that alone would overshoot by far: keeps the split near its share.
        if size + len(by_sender[s]) > target * 1.5 and size > 0:
            continue
        test_senders.add(s)
        size += len(by_sender[s])
    train = [x for x in labels if x.sender_id not in test_senders]
    test = [x for x in labels if x.sender_id in test_senders]
    if _both_classes(train) and _both_classes(test) and len(train) >= len(test):
        return train, test
    train, test = [], []
    for cls in (True, False):
        rows = [x for x in labels if x.is_pitch is cls]
        rng.shuffle(rows)
        k = max(1, round(len(rows) * HELD_OUT_SHARE))
        test += rows[:k]
        train += rows[k:]
    return train, test


def _both_classes(rows: list[Label]) -> bool:
    return any(x.is_pitch for x in rows) and not all(x.is_pitch for x in rows)


def _figures(model: Any, texts: list[str], truth: list[bool]) -> dict[str, Any]:
    from pitchless.guard._training import binary_metrics

    prob = model.predict_scores(texts).pitch_probability
    pred = np.asarray(prob >= model.threshold_)
    labels = ["pitch" if t else NOT_PITCH_INTENT for t in truth]
    out = binary_metrics(labels, prob, pred)
    out["threshold"] = float(model.threshold_)
    return out


def _rank(figures: dict[str, Any] | None) -> tuple[float, float]:
    if figures is None:
        return (-1.0, -1.0)
    return (figures.get("f1") or 0.0, figures.get("roc_auc") or 0.0)


def _current_model() -> Any | None:
    from pitchless.guard._textmodel import PitchClassifier

    try:
        return PitchClassifier.load(settings.PITCHLESS_GUARD_MODEL_DIR)
    except (OSError, ValueError, KeyError):
        return None


def _activate(folder: Path) -> None:
    base = folder.parent
    tmp = base / (ACTIVE_POINTER + ".tmp")
    tmp.write_text(folder.name + "\n", encoding="utf-8")
    # Atomic on POSIX: a reader sees the old name or the new one, never half a file.
    os.replace(tmp, base / ACTIVE_POINTER)
    # This process switches now; web workers within FOLLOW_EVERY seconds.
    follow_active_model(force=True)


def retrain(
    *, data_dir: str | Path | None = None, seed: int = 0, progress: Progress | None = None
) -> RetrainResult:
    """Train, compare on held-out feedback, and activate the new model if it is no worse.

    Raises :class:`RetrainRefused` when there are too few labels, when the feedback has only
    one class, or when the new model is worse than the current one on the held-out part.
    """
    from pitchless.guard._normalize import normalize
    from pitchless.guard._textmodel import PitchClassifier
    from pitchless.guard._training import load_openers, training_set

    say = progress or (lambda _m: None)
    labels = labelled_messages()
    need = settings.PITCHLESS_RETRAIN_MIN_LABELS
    if len(labels) < need:
        raise RetrainRefused(
            f"{len(labels)} messages are labelled; retraining needs at least {need} "
            "(PITCHLESS_RETRAIN_MIN_LABELS). Nothing changed."
        )
    if not _both_classes(labels):
        raise RetrainRefused(
            "The feedback holds only one kind of label (all pitches or all not pitches). "
            "Nothing changed."
        )
    train, test = split(labels, seed=seed)
    say(f"{len(labels)} labelled messages: {len(train)} to train on, {len(test)} held out")

    ts = training_set(load_openers(data_dir)) if data_dir is not None else training_set([])
    if data_dir is not None:
        say(f"with {len(ts.texts)} labelled openers from {data_dir}")
    for x in train:
        ts.texts.append(normalize(x.text).text)
        ts.intents.append("pitch" if x.is_pitch else NOT_PITCH_INTENT)
        ts.weights.append(1.0)
        ts.groups.append(f"sender:{x.sender_id}")
        ts.in_domain.append(True)
        ts.labels.append("pitch" if x.is_pitch else NOT_PITCH_INTENT)
        ts.intent_rows.append(True)
    candidate = ts.fit(PitchClassifier(random_state=seed))

    test_texts = [normalize(x.text).text for x in test]
    truth = [x.is_pitch for x in test]
    new_figures = _figures(candidate, test_texts, truth)
    current = _current_model()
    old_figures = None if current is None else _figures(current, test_texts, truth)
    result = RetrainResult(
        activated=False,
        labels=len(labels),
        train_rows=len(ts.texts),
        held_out=len(test),
        candidate=new_figures,
        current=old_figures,
        pinned=settings.PITCHLESS_GUARD_MODEL_PINNED,
    )
    if _rank(new_figures) < _rank(old_figures):
        raise RetrainRefused(
            "The new model is worse than the current one on the held-out feedback "
            f"(F1 {new_figures['f1'] or 0:.3f} against {old_figures['f1'] or 0:.3f}); "  # type: ignore[index]
            "it was not activated. Nothing changed.",
            result,
        )

    base = Path(settings.PITCHLESS_GUARD_MODELS_DIR)
    base.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = base / stamp
    n = 1
    while folder.exists():
        n += 1
        folder = base / f"{stamp}-{n}"
    candidate.metadata_["retrained_from_feedback"] = {
        "labels": len(labels),
        "held_out": len(test),
        "with_openers_from": None if data_dir is None else str(data_dir),
        "seed": seed,
    }
    result.model_dir = folder
    result.activated = True
    if result.pinned:
        result.notes.append(
            "PITCHLESS_GUARD_MODEL_DIR pins the site's model: the new model is marked active "
            "but the site keeps the pinned one until that variable is unset."
        )
    candidate.save(folder, metrics={"retrain": result.summary()})
    _activate(folder)
    say(f"saved and activated {folder}")
    return result

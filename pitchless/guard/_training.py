"""Training data loaders, leave-one-export-out evaluation and the ``train`` entry point.

The in-domain data are the labelled LinkedIn DM openers of ``shared/data`` (``label_v2``).
They are de-duplicated on ``opener_text`` *before* any split, and evaluation holds out one
whole export at a time, so templated campaigns of one account never sit on both sides.
Auxiliary spam corpora (SMS, YouTube comments, Ling-Spam, SpamAssassin) can be mixed into
the training side with a small weight; they are never evaluated on.

Nothing read here is written into the repository except the bundled model, which holds
hashed weights and numbers only.
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pitchless.guard._normalize import normalize
from pitchless.guard._textmodel import (
    NEGATIVE_CONTROL_INTENTS,
    PitchClassifier,
    choose_threshold,
)

__all__ = [
    "ABLATION_AUX_WEIGHT",
    "AUX_CORPORA",
    "BUNDLED_SMS",
    "DEFAULT_AUX_WEIGHT",
    "DEFAULT_CHALLENGE",
    "PLATFORM_MARKETING_TRAINS_AS",
    "AuxRow",
    "ChallengeRow",
    "FoldResult",
    "LoeoResult",
    "OpenerRow",
    "binary_metrics",
    "leave_one_export_out",
    "load_auxiliary",
    "load_challenge",
    "load_openers",
    "load_sms",
    "loeo_splits",
    "summarize",
    "train",
    "training_set",
]

OPENERS_CSV = Path("linkedin_dm_openers") / "openers.csv"
#: The SMS Spam Collection shipped with the package (CC BY 4.0, see its ATTRIBUTION.md).
BUNDLED_SMS = Path(__file__).resolve().parent / "data" / "sms_spam_collection" / "SMSSpamCollection"
#: Auxiliary corpora under ``data_dir`` and the intent their legitimate ("ham") rows train as.
AUX_CORPORA: dict[str, str] = {
    "sms_spam_collection": "social",
    "youtube_spam_collection": "social",
    "ling_spam": "conversation",
    "spamassassin_public_corpus": "conversation",
}
#: Total weight of all auxiliary rows relative to the total weight of the in-domain rows.
#: Off by default: in leave-one-export-out runs the auxiliary corpora left pooled pitch F1 and
#: AUC unchanged within noise (docs/guard.md), while they make training a hundred times
#: slower; the hand-written challenge corpus now covers plainly worded sales pitches.
DEFAULT_AUX_WEIGHT = 0.0
#: The weight the auxiliary-corpora ablation uses.
ABLATION_AUX_WEIGHT = 0.5
#: Company-page and brand marketing DMs train as "pitch": the recipient did not ask for them
#: and they belong in the Pitches folder just the same. (They are scored separately.)
PLATFORM_MARKETING_TRAINS_AS: str | None = "pitch"
#: The ``PLATFORM_MARKETING_TRAINS_AS`` value that leaves those rows out of the fit while
#: keeping them in the threshold's false-alarm count (an ablation).
PM_UNTRAINED = "untrained"
#: Characters of an auxiliary message read for training (long mails add cost, not signal).
AUX_MAX_CHARS = 1_500
#: The hand-written challenge corpus of the repository (only its ``train`` half is ever
#: trained on; the ``test`` half is kept for tests/guard/test_challenge.py).
DEFAULT_CHALLENGE = (
    Path(__file__).resolve().parents[2] / "tests" / "guard" / "challenge" / "challenge.csv"
)
#: Weight of one challenge row relative to one opener.
DEFAULT_CHALLENGE_WEIGHT = 1.0

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class OpenerRow:
    """One de-duplicated, labelled LinkedIn DM opener."""

    export_id: str
    label: str  # label_v2
    text: str  # normalised subject + opener (what the model reads)
    raw: str  # opener as exported (may be HTML)
    subject: str
    opener_is_html: bool
    has_template_token: bool
    days_connection_to_opener: float | None
    first_date_utc: str
    counterpart_connected_on: str
    #: ``INCOMING`` (they invited the owner), ``OUTGOING`` or empty (unknown)
    invitation_direction: str = ""


@dataclass(frozen=True, slots=True)
class AuxRow:
    """One de-duplicated message of an auxiliary spam corpus."""

    corpus: str
    is_spam: bool
    text: str  # normalised


def _require_dir(data_dir: str | Path) -> Path:
    path = Path(data_dir)
    if not path.is_dir():
        raise FileNotFoundError(f"data directory not found: {path}")
    return path


def _float_or_none(value: str) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def load_openers(data_dir: str | Path, *, include_unclear: bool = False) -> list[OpenerRow]:
    """Labelled openers (``label_v2``), de-duplicated on the normalised ``opener_text``.

    The first copy of a text is kept, whatever its export, so a text sent into two inboxes
    can never sit on both sides of a leave-one-export-out split. Rows without ``label_v2``
    (written by the owner or by LinkedIn) are skipped, and so are ``unclear`` rows unless
    ``include_unclear``.
    """
    path = _require_dir(data_dir) / OPENERS_CSV
    if not path.is_file():
        raise FileNotFoundError(f"openers file not found: {path}")
    try:
        return _read_openers(path, include_unclear)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: unreadable CSV ({exc})") from exc


def _read_openers(path: Path, include_unclear: bool) -> list[OpenerRow]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        needed = {"export_id", "label_v2", "opener_text", "opener_raw", "subject"}
        missing = needed - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path} lacks columns: {', '.join(sorted(missing))}")
        seen: set[str] = set()
        rows: list[OpenerRow] = []
        for rec in reader:
            label = (rec.get("label_v2") or "").strip()
            if not label or (label == "unclear" and not include_unclear):
                continue
            raw = rec["opener_raw"] or rec["opener_text"]
            key = normalize(rec["opener_text"] or raw).text
            if key in seen:
                continue
            seen.add(key)
            subject = rec.get("subject") or ""
            rows.append(
                OpenerRow(
                    export_id=rec["export_id"],
                    label=label,
                    text=normalize(raw, subject).text,
                    raw=raw,
                    subject=subject,
                    opener_is_html=rec.get("opener_is_html") == "1",
                    has_template_token=rec.get("opener_has_template_token") == "1",
                    days_connection_to_opener=_float_or_none(
                        rec.get("days_connection_to_opener", "")
                    ),
                    first_date_utc=rec.get("first_date_utc") or "",
                    counterpart_connected_on=rec.get("counterpart_connected_on") or "",
                    invitation_direction=rec.get("invitation_direction") or "",
                )
            )
    if not rows:
        raise ValueError(f"{path} has no labelled rows (column label_v2)")
    return rows


def _dedup(rows: Iterator[tuple[str, bool]], corpus: str) -> list[AuxRow]:
    seen: set[str] = set()
    out: list[AuxRow] = []
    for text, is_spam in rows:
        norm = normalize(text, max_chars=AUX_MAX_CHARS).text
        if not norm or norm in seen:
            continue
        seen.add(norm)
        out.append(AuxRow(corpus, is_spam, norm))
    return out


def load_sms(path: str | Path) -> list[AuxRow]:
    """The SMS Spam Collection file (``label<TAB>text`` lines), de-duplicated."""

    def rows() -> Iterator[tuple[str, bool]]:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                label, _, text = line.rstrip("\n").partition("\t")
                if label in ("ham", "spam"):
                    yield text, label == "spam"

    return _dedup(rows(), "sms_spam_collection")


def _load_youtube(folder: Path) -> list[AuxRow]:
    def rows() -> Iterator[tuple[str, bool]]:
        for path in sorted(folder.glob("Youtube*.csv")):
            with open(path, encoding="utf-8", newline="") as fh:
                for rec in csv.DictReader(fh):
                    yield rec["CONTENT"], rec["CLASS"].strip() == "1"

    return _dedup(rows(), "youtube_spam_collection")


def _load_lingspam(folder: Path) -> list[AuxRow]:
    def rows() -> Iterator[tuple[str, bool]]:
        csv.field_size_limit(10_000_000)
        with open(folder / "lingspam_bare.csv", encoding="utf-8", newline="") as fh:
            for rec in csv.DictReader(fh):
                yield f"{rec['subject']}\n{rec['body']}", rec["label"] == "spam"

    return _dedup(rows(), "ling_spam")


def _load_spamassassin(folder: Path) -> list[AuxRow]:
    def rows() -> Iterator[tuple[str, bool]]:
        with open(folder / "spamassassin.jsonl", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                yield f"{rec.get('subject') or ''}\n{rec.get('body') or ''}", rec["label"] == "spam"

    return _dedup(rows(), "spamassassin_public_corpus")


def load_auxiliary(
    data_dir: str | Path, corpora: Sequence[str] = tuple(AUX_CORPORA)
) -> list[AuxRow]:
    """Rows of the auxiliary corpora found under ``data_dir`` (missing corpora are skipped)."""
    base = _require_dir(data_dir)
    loaders: dict[str, Callable[[Path], list[AuxRow]]] = {
        "sms_spam_collection": lambda f: load_sms(f / "SMSSpamCollection"),
        "youtube_spam_collection": _load_youtube,
        "ling_spam": _load_lingspam,
        "spamassassin_public_corpus": _load_spamassassin,
    }
    out: list[AuxRow] = []
    for name in corpora:
        folder = base / name
        if name in loaders and folder.is_dir():
            try:
                out.extend(loaders[name](folder))
            except FileNotFoundError:
                continue
            except (csv.Error, KeyError, ValueError) as exc:
                raise ValueError(f"{folder}: unreadable {name} corpus ({exc!r})") from exc
    return out


@dataclass(frozen=True, slots=True)
class ChallengeRow:
    """One message of the hand-written challenge corpus."""

    id: str
    split: str  # "train" or "test"
    family: str
    category: str
    language: str
    label: str  # "pitch" or an intent (a "not_pitch" row takes its category, if an intent)
    hard_negative: bool
    solicited: bool
    raw: str
    text: str  # normalised


_INTENT_NAMES = {"pitch", "recruiting", "job_seeking", "social", "conversation"}
_TRUE = {"1", "true", "yes", "y"}


def _challenge_label(label: str, category: str) -> str | None:
    label = label.strip().lower().replace("-", "_").replace(" ", "_")
    category = category.strip().lower().replace("-", "_").replace(" ", "_")
    if label in _INTENT_NAMES:
        return label
    if label in {"not_pitch", "notpitch", "ham", "0", "no", "false", "negative"}:
        return category if category in _INTENT_NAMES - {"pitch"} else "conversation"
    if label in {"spam", "1", "yes", "true", "positive"}:
        return "pitch"
    return None


def load_challenge(path: str | Path, *, split: str | None = "train") -> list[ChallengeRow]:
    """Rows of the challenge corpus CSV, of one ``split`` (``None``: both halves).

    Columns: ``id, split, category, family, language, label, hard_negative, solicited,
    text``. Raises ``FileNotFoundError`` or ``ValueError`` on an unusable file.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"challenge corpus not found: {p}")
    out: list[ChallengeRow] = []
    with open(p, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        needed = {"split", "family", "label", "text"}
        missing = needed - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{p} lacks columns: {', '.join(sorted(missing))}")
        for rec in reader:
            row_split = (rec.get("split") or "").strip().lower()
            if split is not None and row_split != split:
                continue
            label = _challenge_label(rec.get("label") or "", rec.get("category") or "")
            if label is None:
                raise ValueError(f"{p}: row {rec.get('id')!r} has unknown label {rec['label']!r}")
            raw = rec.get("text") or ""
            out.append(
                ChallengeRow(
                    id=rec.get("id") or str(len(out)),
                    split=row_split,
                    family=rec.get("family") or "",
                    category=rec.get("category") or "",
                    language=rec.get("language") or "",
                    label=label,
                    hard_negative=(rec.get("hard_negative") or "").strip().lower() in _TRUE,
                    solicited=(rec.get("solicited") or "").strip().lower() in _TRUE,
                    raw=raw,
                    text=normalize(raw).text,
                )
            )
    return out


def opener_intent(label: str) -> str | None:
    """The intent an opener label trains as (``None``: not used for training)."""
    if label == "platform_marketing":
        return PLATFORM_MARKETING_TRAINS_AS
    if label == "unclear":
        return None
    return label


@dataclass(slots=True)
class TrainingSet:
    """Texts, intents, weights, groups and the in-domain mask, ready for ``fit``."""

    texts: list[str] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    in_domain: list[bool] = field(default_factory=list)
    #: the label each row's threshold is judged by (platform_marketing stays itself)
    labels: list[str] = field(default_factory=list)
    #: rows that train the intent head (openers and challenge rows, not spam corpora)
    intent_rows: list[bool] = field(default_factory=list)

    def fit(self, model: PitchClassifier) -> PitchClassifier:
        """Fit ``model`` on this set (calibrated on the in-domain rows only)."""
        return model.fit(
            self.texts,
            self.intents,
            np.asarray(self.weights),
            groups=self.groups,
            calibrate_on=np.asarray(self.in_domain),
            labels=self.labels,
            intent_on=np.asarray(self.intent_rows),
        )


def training_set(
    openers: Sequence[OpenerRow],
    aux: Sequence[AuxRow] = (),
    *,
    aux_weight: float = DEFAULT_AUX_WEIGHT,
    challenge: Sequence[ChallengeRow] = (),
    challenge_weight: float = DEFAULT_CHALLENGE_WEIGHT,
) -> TrainingSet:
    """Assemble a training set; auxiliary rows share ``aux_weight`` x the in-domain weight.

    Challenge rows (the *train* half only; a test-half row is refused) train both heads
    with ``challenge_weight`` each and, like auxiliary rows, always stay on the training side
    of the inner calibration folds.
    """
    ts = TrainingSet()
    for row in openers:
        intent = opener_intent(row.label)
        weight = 1.0
        if intent == PM_UNTRAINED:
            # Not learned from (weight 0), but still scored out of fold and counted as a
            # false alarm when the threshold is chosen, as the evaluation counts it.
            intent, weight = "conversation", 0.0
        if intent is None:
            continue
        ts.texts.append(row.text)
        ts.intents.append(intent)
        ts.weights.append(weight)
        ts.groups.append(row.export_id)
        ts.in_domain.append(True)
        ts.labels.append(row.label)
        ts.intent_rows.append(True)
    for c in challenge:
        if c.split != "train":
            raise ValueError(f"challenge row {c.id!r} is from the {c.split!r} half")
        if challenge_weight <= 0:
            break
        ts.texts.append(c.text)
        ts.intents.append(c.label)
        ts.weights.append(challenge_weight)
        ts.groups.append("challenge:" + c.family)
        ts.in_domain.append(False)
        ts.labels.append(c.label)
        ts.intent_rows.append(True)
    if aux and aux_weight > 0:
        per_corpus = Counter(a.corpus for a in aux)
        # Each corpus gets an equal share, so the 6k-mail SpamAssassin does not drown the
        # 1.7k YouTube comments that are closest to self-promotion.
        share = aux_weight * sum(ts.in_domain) / len(per_corpus)
        for a in aux:
            ts.texts.append(a.text)
            ts.intents.append("pitch" if a.is_spam else AUX_CORPORA.get(a.corpus, "social"))
            ts.weights.append(share / per_corpus[a.corpus])
            ts.groups.append("aux:" + a.corpus)
            ts.in_domain.append(False)
            ts.labels.append("pitch" if a.is_spam else "not_pitch")
            ts.intent_rows.append(False)
    return ts


# -- evaluation ------------------------------------------------------------------------------


def loeo_splits(
    openers: Sequence[OpenerRow],
) -> Iterator[tuple[str, npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
    """``(export_id, train_indices, test_indices)`` for each export, in first-seen order."""
    exports = list(dict.fromkeys(r.export_id for r in openers))
    ids = np.asarray([r.export_id for r in openers])
    for export in exports:
        test = np.flatnonzero(ids == export)
        train_idx = np.flatnonzero(ids != export)
        yield export, train_idx, test


@dataclass(slots=True)
class FoldResult:
    """Held-out scores of one export."""

    export_id: str
    indices: npt.NDArray[np.int64]  # rows of the evaluated opener list
    probability: npt.NDArray[np.float64]
    threshold: float
    intent_pred: list[str]
    fit_seconds: float


@dataclass(slots=True)
class LoeoResult:
    """All folds of a leave-one-export-out run over ``openers``."""

    openers: list[OpenerRow]
    folds: list[FoldResult]

    def pooled(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """Held-out probability and decision for every opener (rows in ``openers`` order)."""
        prob = np.full(len(self.openers), np.nan)
        pred = np.zeros(len(self.openers), dtype=bool)
        for f in self.folds:
            prob[f.indices] = f.probability
            pred[f.indices] = f.probability >= f.threshold
        return prob, pred


def leave_one_export_out(
    openers: Sequence[OpenerRow],
    aux: Sequence[AuxRow] = (),
    *,
    aux_weight: float = DEFAULT_AUX_WEIGHT,
    challenge: Sequence[ChallengeRow] = (),
    challenge_weight: float = DEFAULT_CHALLENGE_WEIGHT,
    params: dict[str, Any] | None = None,
    exports: Sequence[str] | None = None,
    progress: Progress | None = None,
    on_fold: Callable[[str, PitchClassifier, npt.NDArray[np.int64]], None] | None = None,
) -> LoeoResult:
    """Hold out each export in turn, train on the others (+ ``aux``), score the held-out one.

    The threshold of every fold comes from inner cross-validation on its training side
    (see :meth:`PitchClassifier.fit`), never from the held-out export. ``challenge`` rows
    (train half) are on the training side of every fold. ``exports`` limits
    which exports are held out (all by default); ``on_fold`` sees each fold's model.
    """
    openers = list(openers)
    folds: list[FoldResult] = []
    for export, train_idx, test_idx in loeo_splits(openers):
        if exports is not None and export not in exports:
            continue
        t0 = time.perf_counter()
        ts = training_set(
            [openers[i] for i in train_idx],
            aux,
            aux_weight=aux_weight,
            challenge=challenge,
            challenge_weight=challenge_weight,
        )
        model = ts.fit(PitchClassifier(**(params or {})))
        fit_s = time.perf_counter() - t0
        scores = model.predict_scores([openers[i].text for i in test_idx])
        intent_pred = [model.intents_[k] for k in scores.intent_probabilities.argmax(axis=1)]
        folds.append(
            FoldResult(
                export, test_idx, scores.pitch_probability, model.threshold_, intent_pred, fit_s
            )
        )
        if on_fold is not None:
            on_fold(export, model, test_idx)
        if progress is not None:
            progress(
                f"fold {export}: {len(test_idx)} held out, threshold {model.threshold_:.3f}, "
                f"fit {fit_s:.1f}s"
            )
    return LoeoResult(openers, folds)


def _auc(scores: npt.NDArray[np.float64], positive: npt.NDArray[np.bool_]) -> float | None:
    """ROC-AUC by the rank-sum formula (ties get average ranks); ``None`` if one class only."""
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def binary_metrics(
    labels: Sequence[str],
    prob: npt.NDArray[np.float64],
    pred: npt.NDArray[np.bool_],
    *,
    positive: Sequence[str] = ("pitch",),
    exclude: Sequence[str] = (),
) -> dict[str, Any]:
    """Precision, recall, F1, FPR (all non-pitch, and social+conversation), ROC-AUC."""
    lab = np.asarray(labels)
    keep = ~np.isin(lab, list(exclude)) if exclude else np.ones(len(lab), dtype=bool)
    lab, prob, pred = lab[keep], np.asarray(prob)[keep], np.asarray(pred)[keep]
    pos = np.isin(lab, list(positive))
    control = np.isin(lab, NEGATIVE_CONTROL_INTENTS)
    neg = ~pos
    tp = int((pred & pos).sum())
    fp = int((pred & ~pos).sum())
    fn = int((~pred & pos).sum())
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return {
        "n": len(lab),
        "positives": int(pos.sum()),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "fpr_all_non_pitch": float(pred[neg].mean()) if neg.any() else None,
        "n_non_pitch": int(neg.sum()),
        "fpr_social_conversation": float(pred[control].mean()) if control.any() else None,
        "n_social_conversation": int(control.sum()),
        "false_positives_social_conversation": int(pred[control].sum()),
        "roc_auc": _auc(prob, pos),
    }


def summarize(result: LoeoResult) -> dict[str, Any]:
    """Pooled and per-fold held-out metrics of a leave-one-export-out run."""
    labels = [r.label for r in result.openers]
    prob, pred = result.pooled()
    evaluated = np.zeros(len(labels), dtype=bool)
    for f in result.folds:
        evaluated[f.indices] = True
    idx = np.flatnonzero(evaluated)
    lab = [labels[i] for i in idx]
    pm = np.asarray(lab) == "platform_marketing"
    per_fold = {}
    for f in result.folds:
        flab = [labels[i] for i in f.indices]
        fpred = f.probability >= f.threshold
        per_fold[f.export_id] = {
            **binary_metrics(flab, f.probability, fpred),
            "threshold": f.threshold,
        }
    idx_all = idx
    idx = np.asarray([i for i in idx_all if opener_intent(labels[i]) is not None], dtype=np.int64)
    intent_true = [opener_intent(labels[i]) for i in idx]
    intent_pred: dict[int, str] = {}
    for f in result.folds:
        intent_pred.update(zip(f.indices.tolist(), f.intent_pred, strict=True))
    intent_ok = [intent_pred[i] == t for i, t in zip(idx.tolist(), intent_true, strict=True)]
    idx = idx_all
    return {
        "evaluation": (
            "leave-one-export-out over labelled openers (label_v2) de-duplicated on the "
            "normalised text before splitting; each export scored by a model that never saw "
            "it; the challenge corpus train half on the training side of every fold; "
            "thresholds from grouped inner cross-validation on the training side"
        ),
        "pitch_vs_rest": binary_metrics(lab, prob[idx], pred[idx]),
        "pitch_vs_rest_excluding_platform_marketing": binary_metrics(
            lab, prob[idx], pred[idx], exclude=("platform_marketing",)
        ),
        "pitch_or_platform_marketing_vs_rest": binary_metrics(
            lab, prob[idx], pred[idx], positive=("pitch", "platform_marketing")
        ),
        "platform_marketing_flagged": f"{int(pred[idx][pm].sum())}/{int(pm.sum())}",
        "intent_accuracy": float(np.mean(intent_ok)) if intent_ok else None,
        "label_counts": dict(Counter(lab)),
        "per_export": per_fold,
        "thresholds": {f.export_id: round(f.threshold, 4) for f in result.folds},
    }


# -- the entry point -------------------------------------------------------------------------


def train(
    data_dir: str | Path,
    out_dir: str | Path,
    *,
    progress: Progress | None = None,
    seed: int = 0,
    aux_weight: float = DEFAULT_AUX_WEIGHT,
    challenge_path: str | Path | None = DEFAULT_CHALLENGE,
    challenge_weight: float = DEFAULT_CHALLENGE_WEIGHT,
    evaluate: bool = True,
) -> dict[str, Any]:
    """Evaluate leave-one-export-out, train on everything, save the model and its metrics.

    ``challenge_path`` is the challenge corpus CSV whose *train* half joins the training
    side (the repository's own by default; skipped when the file is absent, ``None``: never).
    Returns the held-out metrics (also written to ``out_dir/metrics.json``). Raises
    ``FileNotFoundError`` or ``ValueError`` with a one-line message on unusable data.
    """
    say = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    # Unclear rows never train, but they are messages that are not pitches: they count in
    # the held-out false-positive rate.
    openers = load_openers(data_dir, include_unclear=True)
    aux = load_auxiliary(data_dir) if aux_weight > 0 else []
    challenge: list[ChallengeRow] = []
    if challenge_path is not None and (
        Path(challenge_path).is_file() or Path(challenge_path) != DEFAULT_CHALLENGE
    ):
        challenge = load_challenge(challenge_path, split="train")
    say(
        f"loaded {len(openers)} de-duplicated openers, {len(challenge)} challenge (train half) "
        f"and {len(aux)} auxiliary messages"
    )
    params: dict[str, Any] = {"random_state": seed}
    metrics: dict[str, Any] = {}
    if evaluate:
        result = leave_one_export_out(
            openers,
            aux,
            aux_weight=aux_weight,
            challenge=challenge,
            challenge_weight=challenge_weight,
            params=params,
            progress=say,
        )
        metrics = summarize(result)
    ts = training_set(
        openers, aux, aux_weight=aux_weight, challenge=challenge, challenge_weight=challenge_weight
    )
    model = ts.fit(PitchClassifier(**params))
    aux_counts = Counter(a.corpus for a in aux)
    metrics["model"] = {
        "threshold": model.threshold_,
        "threshold_chosen_by": model.metadata_["threshold"]["chosen_by"],
        "platform_marketing_trains_as": PLATFORM_MARKETING_TRAINS_AS,
        "aux_weight": aux_weight,
        "training_rows": {
            "openers": len(openers),
            "openers_by_label": dict(Counter(r.label for r in openers)),
            "openers_by_export": dict(Counter(r.export_id for r in openers)),
            "auxiliary": dict(aux_counts),
            "challenge_train_half": len(challenge),
            "challenge_weight": challenge_weight,
        },
        "params": {
            k: (list(v) if isinstance(v, tuple) else v) for k, v in model.get_params().items()
        },
        "train_seconds": round(time.perf_counter() - t0, 1),
    }
    model.metadata_["training_data"] = metrics["model"]["training_rows"]
    model.save(out_dir, metrics=metrics)
    say(f"saved model to {out_dir}")
    return metrics


def choose_fold_threshold(
    prob: npt.NDArray[np.float64], labels: Sequence[str], *, max_fpr: float = 0.02
) -> float:
    """Threshold choice for out-of-fold probabilities of labelled openers (for baselines)."""
    lab = np.asarray(labels)
    return choose_threshold(
        prob, lab == "pitch", np.isin(lab, NEGATIVE_CONTROL_INTENTS), max_fpr=max_fpr
    )[0]

"""The text model: hashed n-grams, two linear heads (pitch vs rest, intent), calibrated.

Inference is numpy only. scikit-learn and scipy are imported inside :meth:`PitchClassifier.fit`
so that ``import pitchless.guard`` and loading the bundled model stay fast. For the same
reason the class implements scikit-learn's estimator protocol (``get_params``/``set_params``,
``fit`` returns ``self``, fitted state ends in ``_``) instead of inheriting ``BaseEstimator``,
whose import alone costs most of a second; ``sklearn.base.clone`` works on it.

A saved model is an ``.npz`` of float16 weights (read with ``allow_pickle=False``) and a JSON
document; neither holds any text or vocabulary, only hashed bucket weights and numbers.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from pitchless.guard._features import (
    MAX_DOC_CHARS,
    FeatureSpec,
    hash_batch,
    iter_chunks,
    linear_scores,
    model_text,
    signed_table,
    word_spans,
)
from pitchless.guard._types import Intent, Phrase

__all__ = [
    "DEFAULT_MODEL_DIR",
    "MODEL_FORMAT",
    "NotFittedError",
    "PitchClassifier",
    "TextScores",
    "load_default_model",
]

#: Where the bundled model lives.
DEFAULT_MODEL_DIR: Path = Path(__file__).resolve().parent / "model"
#: File-format tag written into the JSON; bumped on incompatible changes.
MODEL_FORMAT = "pitchless-textmodel/2"
WEIGHTS_FILE = "pitch_model.npz"
META_FILE = "pitch_model.json"
METRICS_FILE = "metrics.json"

#: Intents in their canonical order.
INTENT_ORDER: tuple[str, ...] = tuple(i.value for i in Intent)
#: Intents whose messages a false "pitch" would hurt most (reported beside the FPR over all
#: non-pitch messages, which is the one the threshold bounds).
NEGATIVE_CONTROL_INTENTS = ("social", "conversation")

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]


class NotFittedError(ValueError, AttributeError):
    """The model was used before :meth:`PitchClassifier.fit` (same bases as scikit-learn's)."""


class TextScores(NamedTuple):
    """Scores for a batch of normalised texts."""

    #: shape ``(n,)``: calibrated probability that the text is an unsolicited pitch
    pitch_probability: npt.NDArray[np.float64]
    #: shape ``(n, len(model.intents_))``: intent probabilities, rows sum to 1
    intent_probabilities: npt.NDArray[np.float64]
    #: shape ``(n, len(CUE_CLASSES))``: cue-class counts found while hashing (``None`` for a
    #: model without cue features), so the guard need not scan the text again for reasons
    cue_counts: npt.NDArray[np.int64] | None = None


def _sigmoid(z: F64) -> F64:
    out: F64 = 0.5 * (1.0 + np.tanh(0.5 * z))  # tanh form cannot overflow
    return out


def _ovr_normalize(z: F64) -> F64:
    """One-vs-rest logits to probabilities summing to one (as scikit-learn's OvR does)."""
    p = _sigmoid(z)
    total = p.sum(axis=1, keepdims=True)
    out: F64 = np.divide(p, total, out=np.full_like(p, 1.0 / max(1, p.shape[1])), where=total > 0)
    return out


class PitchClassifier:
    """Pitch-vs-rest and intent classifier over hashed character and word n-grams.

    Parameters are stored untouched by ``__init__`` (scikit-learn contract).

    - ``n_buckets``: hashed feature space size, a power of two (at most 2**18 keeps the
      model file small).
    - ``char_ngram_range``: character n-gram lengths; ``word_ngrams``: 0, 1 or 2.
    - ``alternate_sign``: sign hash, which makes bucket collisions cancel on average.
    - ``C`` / ``intent_C``: inverse L2 strength of the n-gram pitch head and the intent
      head; ``cue_C``: of the cue pitch head (stacked with the n-gram head, see ``fit``).
    - ``ngram_extra_weight``: multiplies the weight of the rows outside the calibration set
      (challenge and auxiliary corpora) in the n-gram pitch head only (1 = as given).
    - ``calibration_folds``: inner folds (grouped when ``groups`` is given to :meth:`fit`)
      whose out-of-fold scores fit the Platt calibration and suggest a threshold.
    - ``cue_features`` / ``cue_weight``: add the multilingual cue classes and structure
      features of ``_cues.py`` (each a hashed feature of value ``cue_weight``);
      ``word_prefix``: hash the first k characters of longer words too (0 = off).
    - ``max_negative_fpr``: the threshold suggestion keeps the out-of-fold false-positive
      rate over *all* non-pitch messages at or under this value; ``threshold_ignores``
      names labels left out of that choice altogether (default none).
    """

    # Fitted state (set by fit() or load()).
    pitch_coef_: F32
    pitch_intercept_: float
    intent_coef_: F32
    intent_intercept_: F64
    intents_: tuple[str, ...]
    calibration_: tuple[float, float]
    threshold_: float
    n_features_in_: int
    metadata_: dict[str, Any]
    _table: F32 | None = None  # cache of the signed weight table, rebuilt on demand

    def __init__(
        self,
        *,
        n_buckets: int = 2**18,
        char_ngram_range: tuple[int, int] = (3, 5),
        word_ngrams: int = 1,
        alternate_sign: bool = True,
        length_bins: bool = True,
        cue_features: bool = True,
        cue_weight: float = 1.0,
        word_prefix: int = 0,
        C: float = 8.0,
        cue_C: float = 0.3,
        intent_C: float = 8.0,
        ngram_extra_weight: float = 1.0,
        calibration_folds: int = 5,
        max_negative_fpr: float = 0.02,
        threshold_ignores: tuple[str, ...] = (),
        random_state: int = 0,
    ) -> None:
        self.n_buckets = n_buckets
        self.char_ngram_range = char_ngram_range
        self.word_ngrams = word_ngrams
        self.alternate_sign = alternate_sign
        self.length_bins = length_bins
        self.cue_features = cue_features
        self.cue_weight = cue_weight
        self.word_prefix = word_prefix
        self.C = C
        self.cue_C = cue_C
        self.intent_C = intent_C
        self.ngram_extra_weight = ngram_extra_weight
        self.calibration_folds = calibration_folds
        self.max_negative_fpr = max_negative_fpr
        self.threshold_ignores = threshold_ignores
        self.random_state = random_state

    # -- scikit-learn estimator protocol -------------------------------------------------

    @classmethod
    def _get_param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values() if p.name != "self")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters (scikit-learn protocol)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params: Any) -> PitchClassifier:
        """Set constructor parameters (scikit-learn protocol); returns ``self``."""
        valid = set(self._get_param_names())
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        defaults = type(self)().get_params()
        changed = {k: v for k, v in self.get_params().items() if defaults.get(k) != v}
        args = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        return f"{type(self).__name__}({args})"

    def __sklearn_is_fitted__(self) -> bool:
        """True once :meth:`fit` or :meth:`load` has run."""
        return hasattr(self, "pitch_coef_")

    def _check_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet; call fit() or load()."
            )

    # -- features --------------------------------------------------------------------------

    def _spec(self) -> FeatureSpec:
        lo, hi = self.char_ngram_range
        return FeatureSpec(
            n_buckets=int(self.n_buckets),
            char_min=int(lo),
            char_max=int(hi),
            word_ngrams=int(self.word_ngrams),
            alternate_sign=bool(self.alternate_sign),
            length_bins=bool(self.length_bins),
            cue_features=bool(self.cue_features),
            cue_weight=float(self.cue_weight),
            word_prefix=int(self.word_prefix),
        )

    @property
    def feature_spec_(self) -> FeatureSpec:
        """The feature layout of the fitted model."""
        self._check_fitted()
        return self._spec()

    # -- training ---------------------------------------------------------------------------

    def fit(
        self,
        texts: Sequence[str],
        intents: Sequence[str],
        sample_weight: Sequence[float] | npt.NDArray[np.floating[Any]] | None = None,
        *,
        groups: Sequence[str] | None = None,
        calibrate_on: Sequence[bool] | npt.NDArray[np.bool_] | None = None,
        labels: Sequence[str] | None = None,
        intent_on: Sequence[bool] | npt.NDArray[np.bool_] | None = None,
    ) -> PitchClassifier:
        """Fit both heads and the calibration on normalised ``texts``; returns ``self``.

        ``intents`` are :class:`~pitchless.guard._types.Intent` values; "pitch" is the
        positive class of the pitch head. ``groups`` (e.g. the export or corpus a row came
        from) makes the inner calibration folds grouped, so templated near-duplicates never
        sit on both sides. ``calibrate_on`` marks the in-domain rows: only they train the
        intent head and give the out-of-fold scores that fit the calibration and the threshold. The
        other rows (auxiliary corpora) only train the pitch head and always stay on the
        training side of the inner folds. ``labels`` are the labels the threshold is judged
        by (default: ``intents``): "pitch" is positive and every other label counts in the
        false-positive rate, so a label that trains as pitch (company-page marketing) can
        still count as a false alarm. ``intent_on`` marks the rows that train the intent head
        (default: ``calibrate_on``).
        """
        texts = [model_text(str(t)) for t in texts]
        y_int = [str(i) for i in intents]
        n = len(texts)
        if n == 0 or len(y_int) != n:
            raise ValueError("texts and intents must be non-empty and of equal length")
        unknown = sorted(set(y_int) - set(INTENT_ORDER))
        if unknown:
            raise ValueError(f"unknown intents {unknown}; expected a subset of {INTENT_ORDER}")
        weights = (
            np.ones(n, dtype=np.float64)
            if sample_weight is None
            else np.asarray(sample_weight, dtype=np.float64)
        )
        cal_mask = (
            np.ones(n, dtype=bool) if calibrate_on is None else np.asarray(calibrate_on, dtype=bool)
        )
        group_arr = None if groups is None else np.asarray([str(g) for g in groups])
        judged = np.asarray(y_int if labels is None else [str(x) for x in labels])
        if (
            len(judged) != n
            or len(weights) != n
            or len(cal_mask) != n
            or (group_arr is not None and len(group_arr) != n)
        ):
            raise ValueError(
                "sample_weight, calibrate_on, groups and labels must match texts in length"
            )
        y_pitch = np.asarray([i == "pitch" for i in y_int], dtype=np.int64)
        if y_pitch.min() == y_pitch.max():
            raise ValueError("training data needs both pitch and non-pitch rows")

        from pitchless.guard._features import to_csr

        spec = self._spec()
        # Two pitch heads, stacked: one over the character and word n-grams, one over the
        # few cue and structure features. Trained together in one regression, the n-grams
        # (thousands of them, each fitting the training exports a little) crowd out the
        # cues; kept apart, the cue head learns what carries over to inboxes and languages
        # the n-grams never saw, and the stacking weights say how much each one is worth.
        X_text = to_csr(texts, spec, only="text") if spec.cue_features else to_csr(texts, spec)
        heads: list[tuple[Any, Any]] = [(X_text, self._new_binary)]
        if spec.cue_features:
            X_cue = to_csr(texts, spec, only="cues")
            heads.append((X_cue, self._new_cue_head))
            X = X_text + X_cue
        else:
            X = X_text
        # The n-gram head may give the extra rows (challenge corpus, auxiliary corpora) less
        # weight than the cue head does: their wording is not that of a real inbox, while
        # their cue classes are the same in any inbox.
        extra = float(self.ngram_extra_weight)
        head_w = [np.where(cal_mask, weights, weights * extra), weights][: len(heads)]
        fitted = [
            self._fit_binary(Xh, y_pitch, wh, make)
            for (Xh, make), wh in zip(heads, head_w, strict=True)
        ]

        # The intent head learns from the in-domain rows only: auxiliary spam corpora say
        # "spam or not", not which of the five intents a legitimate message has.
        intent_mask = cal_mask if intent_on is None else np.asarray(intent_on, dtype=bool)
        if len(intent_mask) != n:
            raise ValueError("intent_on must match texts in length")
        in_dom = np.flatnonzero(intent_mask)
        y_in = [y_int[i] for i in in_dom]
        present = [i for i in INTENT_ORDER if i in set(y_in)]
        intent_coef, intent_bias = self._fit_intents(X[in_dom], y_in, present, weights[in_dom])

        # Out-of-fold pitch scores of every head: they fit the stacking weights and the
        # calibration in one logistic regression, and suggest the threshold.
        oof = np.column_stack(
            [
                self._oof_scores(Xh, y_pitch, wh, cal_mask, group_arr, make)
                for (Xh, make), wh in zip(heads, head_w, strict=True)
            ]
        )
        cal_idx = np.flatnonzero(cal_mask & ~np.isnan(oof).any(axis=1))
        coefs, c0 = _platt(oof[cal_idx], y_pitch[cal_idx])
        if len(heads) > 1 and min(coefs) < 0:
            # A head the held-out rows say is worth less than nothing is dropped, not inverted.
            keep = [k for k, a in enumerate(coefs) if a > 0] or [0]
            sub, c0 = _platt(oof[cal_idx][:, keep], y_pitch[cal_idx])
            coefs = [0.0] * len(heads)
            for k, a in zip(keep, sub, strict=True):
                coefs[k] = a
        z = oof[cal_idx] @ np.asarray(coefs) + c0
        oof_prob = _sigmoid(z)
        if len(heads) == 1:
            pitch_coef, pitch_bias = fitted[0]
            a, b = coefs[0], c0
        else:
            pitch_coef = sum(
                (ak * wk for ak, (wk, _) in zip(coefs, fitted, strict=True)),
                start=np.zeros(X.shape[1], dtype=np.float32),
            )
            pitch_bias = sum(ak * bk for ak, (_, bk) in zip(coefs, fitted, strict=True)) + c0
            a, b = 1.0, 0.0
        y_cal = judged[cal_idx]
        counted = ~np.isin(y_cal, list(self.threshold_ignores))
        threshold, at = choose_threshold(
            oof_prob[counted],
            y_cal[counted] == "pitch",
            y_cal[counted] != "pitch",
            max_fpr=float(self.max_negative_fpr),
        )
        if at:
            control = np.isin(y_cal, NEGATIVE_CONTROL_INTENTS)
            at["social_conversation_fpr"] = (
                float((oof_prob[control] >= threshold).mean()) if control.any() else 0.0
            )
        stacking = {"heads": ["ngrams", "cues"][: len(heads)], "weights": list(map(float, coefs))}

        # Weights are kept at float16 precision so a saved and reloaded model scores
        # exactly like the one in memory.
        self.pitch_coef_ = pitch_coef.astype(np.float16).astype(np.float32)
        self.pitch_intercept_ = float(pitch_bias)
        self.intent_coef_ = intent_coef.astype(np.float16).astype(np.float32)
        self.intent_intercept_ = intent_bias.astype(np.float64)
        self.intents_ = tuple(present)
        self.calibration_ = (float(a), float(b))
        self.threshold_ = float(threshold)
        self.n_features_in_ = int(spec.n_buckets)
        self.metadata_ = {
            "format": MODEL_FORMAT,
            "trained_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "n_train": n,
            "n_calibration": len(cal_idx),
            "train_intent_counts": {i: int(y_int.count(i)) for i in present},
            "stacking": stacking,
            "threshold": {
                "pitch": float(threshold),
                "chosen_by": (
                    "out-of-fold (inner cross-validation, grouped) F1-maximising probability "
                    f"with FPR over all non-pitch messages <= {self.max_negative_fpr:.0%}"
                ),
                "inner_oof": at,
            },
        }
        self._table = None
        return self

    def _new_binary(self) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(
            C=float(self.C),
            solver="liblinear",
            dual=True,
            max_iter=500,
            random_state=self.random_state,
        )

    def _new_cue_head(self) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(
            C=float(self.cue_C), solver="liblinear", max_iter=500, random_state=self.random_state
        )

    def _fit_binary(
        self, X: Any, y: npt.NDArray[np.int64], w: F64, make: Any = None
    ) -> tuple[F32, float]:
        clf = (make or self._new_binary)().fit(X, y, sample_weight=w)
        return clf.coef_[0].astype(np.float32), float(clf.intercept_[0])

    def _fit_intents(self, X: Any, y: list[str], present: list[str], w: F64) -> tuple[F32, F64]:
        # One-vs-rest liblinear: a few tenths of a second per intent, where a multinomial
        # lbfgs fit over 2**18 hashed columns takes ten seconds or more.
        from sklearn.linear_model import LogisticRegression

        y_arr = np.asarray(y)
        coef = np.zeros((X.shape[1], len(present)), dtype=np.float32)
        intercept = np.zeros(len(present), dtype=np.float64)
        for k, intent in enumerate(present):
            target = (y_arr == intent).astype(np.int64)
            if target.min() == target.max():
                intercept[k] = 10.0 if target[0] else -10.0
                continue
            clf = LogisticRegression(
                C=float(self.intent_C),
                solver="liblinear",
                dual=True,
                max_iter=500,
                random_state=self.random_state,
            )
            clf.fit(X, target, sample_weight=w)
            coef[:, k] = clf.coef_[0]
            intercept[k] = float(clf.intercept_[0])
        return coef, intercept

    def _oof_scores(
        self,
        X: Any,
        y: npt.NDArray[np.int64],
        w: F64,
        cal_mask: npt.NDArray[np.bool_],
        groups: npt.NDArray[np.str_] | None,
        make: Any = None,
    ) -> F64:
        """Out-of-fold decision values of a pitch head on the calibration rows."""
        make = make or self._new_binary
        from sklearn.model_selection import GroupKFold, StratifiedKFold

        oof = np.full(len(y), np.nan)
        cal_idx = np.flatnonzero(cal_mask)
        k = max(2, int(self.calibration_folds))
        if groups is not None and len(set(groups[cal_idx])) >= 3:
            n_groups = len(set(groups[cal_idx]))
            splitter: Any = GroupKFold(n_splits=min(k, n_groups))
            splits = splitter.split(cal_idx, y[cal_idx], groups[cal_idx])
        else:
            k = min(k, int(np.bincount(y[cal_idx], minlength=2).min()))
            if k < 2:
                raise ValueError("too few pitch or non-pitch rows to calibrate")
            splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=self.random_state)
            splits = splitter.split(cal_idx, y[cal_idx])
        always = np.flatnonzero(~cal_mask)
        for tr, te in splits:
            train_rows = np.concatenate((cal_idx[tr], always))
            if y[train_rows].min() == y[train_rows].max():
                continue
            clf = make().fit(X[train_rows], y[train_rows], sample_weight=w[train_rows])
            oof[cal_idx[te]] = clf.decision_function(X[cal_idx[te]])
        return oof

    # -- inference --------------------------------------------------------------------------

    def _weights_table(self) -> F32:
        table = self._table
        if table is None:
            stacked = np.concatenate((self.pitch_coef_[:, None], self.intent_coef_), axis=1)
            table = signed_table(stacked)
            self._table = table
        return table

    def decision_function(self, normalized_texts: Sequence[str]) -> F64:
        """Uncalibrated pitch logits, shape ``(n,)``."""
        return self._raw(normalized_texts)[0][:, 0]

    def _raw(self, normalized_texts: Sequence[str]) -> tuple[F64, npt.NDArray[np.int64] | None]:
        self._check_fitted()
        texts = [model_text(t if isinstance(t, str) else str(t)) for t in normalized_texts]
        table = self._weights_table()
        spec = self._spec()
        out = np.empty((len(texts), table.shape[1]), dtype=np.float64)
        cues: list[npt.NDArray[np.int64]] = []
        for lo, hi in iter_chunks(texts):
            hb = hash_batch(texts[lo:hi], spec)
            out[lo:hi] = linear_scores(hb, table)
            if hb.cues is not None:
                cues.append(hb.cues)
        out[:, 0] += self.pitch_intercept_
        out[:, 1:] += self.intent_intercept_
        found = np.concatenate(cues) if cues and spec.cue_features else None
        return out, found

    def predict_scores(self, normalized_texts: Sequence[str]) -> TextScores:
        """Calibrated P(pitch) and intent probabilities for already normalised texts."""
        raw, cues = self._raw(normalized_texts)
        a, b = self.calibration_
        return TextScores(_sigmoid(a * raw[:, 0] + b), _ovr_normalize(raw[:, 1:]), cues)

    def predict_proba(self, normalized_texts: Sequence[str]) -> F64:
        """``[P(not pitch), P(pitch)]`` per text, scikit-learn style."""
        p = self.predict_scores(normalized_texts).pitch_probability
        return np.column_stack((1.0 - p, p))

    def predict(self, normalized_texts: Sequence[str]) -> npt.NDArray[np.bool_]:
        """True where P(pitch) reaches the suggested threshold ``threshold_``."""
        p = self.predict_scores(normalized_texts).pitch_probability
        return np.asarray(p >= self.threshold_)

    def explain(self, normalized_text: str, top_k: int = 5) -> list[Phrase]:
        """Phrases of this text that pushed it towards "pitch", strongest first.

        Each feature occurrence's contribution (weight x value) is spread evenly over the
        characters it covers; a word's score is the sum over its characters. Runs of up to
        four consecutive positively scored words form a phrase, whose ``weight`` is its
        contribution to the pitch logit. Only positive contributions are returned, and every
        phrase is a substring of the text the model reads (``model_text(normalized_text)``:
        the normalised text without emoji).
        """
        self._check_fitted()
        text = model_text(
            normalized_text if isinstance(normalized_text, str) else str(normalized_text)
        )
        # Phrases come from the n-grams only; the cue features name no span of text.
        spec = dataclasses.replace(self._spec(), cue_features=False)
        hb = hash_batch([text], spec)
        if not hb.parts or top_k <= 0:
            return []
        padded = " " + text[:MAX_DOC_CHARS] + " "
        cp = np.frombuffer(padded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        length = len(cp)
        table = self._weights_table()[:, 0]
        scale = float(hb.scale[0])
        density = np.zeros(length + 1, dtype=np.float64)
        part_iter = iter(hb.parts)
        for n in range(spec.char_min, spec.char_max + 1):
            keys, _ = next(part_iter)
            if len(keys) == 0:
                continue
            c = table[keys].astype(np.float64) * scale / n
            starts = np.arange(len(keys))
            density += np.bincount(starts, weights=c, minlength=length + 1)
            density -= np.bincount(starts + n, weights=c, minlength=length + 1)
        wstart, wend = word_spans(cp)
        if spec.word_ngrams and len(wstart):
            keys, _ = next(part_iter)
            c = table[keys].astype(np.float64) * scale / (wend - wstart)
            density += np.bincount(wstart, weights=c, minlength=length + 1)
            density -= np.bincount(wend, weights=c, minlength=length + 1)
            if spec.word_ngrams >= 2 and len(wstart) > 1:
                keys, _ = next(part_iter)
                span = wend[1:] - wstart[:-1]
                c = table[keys].astype(np.float64) * scale / span
                density += np.bincount(wstart[:-1], weights=c, minlength=length + 1)
                density -= np.bincount(wend[1:], weights=c, minlength=length + 1)
        per_char = np.cumsum(density)[:length]
        if not len(wstart):
            return []
        prefix = np.concatenate(([0.0], np.cumsum(per_char)))
        word_score = prefix[wend] - prefix[wstart]
        return _phrases(padded, wstart, wend, word_score, top_k)

    # -- persistence ------------------------------------------------------------------------

    def save(self, directory: str | Path, metrics: dict[str, Any] | None = None) -> None:
        """Write the weights (npz), the model document (JSON) and optional metrics.json."""
        self._check_fitted()
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        with open(out / WEIGHTS_FILE, "wb") as fh:
            np.savez_compressed(
                fh,
                pitch_coef=self.pitch_coef_.astype(np.float16),
                intent_coef=self.intent_coef_.astype(np.float16),
            )
        meta = dict(self.metadata_)
        if metrics is not None:
            meta["metrics"] = metrics
        doc = {
            "format": MODEL_FORMAT,
            "params": {k: _jsonable(v) for k, v in self.get_params().items()},
            "features": self._spec().to_dict(),
            "intents": list(self.intents_),
            "pitch_intercept": self.pitch_intercept_,
            "intent_intercept": [float(x) for x in self.intent_intercept_],
            "calibration": {
                "method": "platt",
                "a": self.calibration_[0],
                "b": self.calibration_[1],
            },
            "threshold": self.threshold_,
            "metadata": meta,
        }
        (out / META_FILE).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
        if metrics is not None:
            (out / METRICS_FILE).write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, directory: str | Path | None = None) -> PitchClassifier:
        """Load a model written by :meth:`save` (``None``: the bundled model)."""
        path = DEFAULT_MODEL_DIR if directory is None else Path(directory)
        meta_path, weights_path = path / META_FILE, path / WEIGHTS_FILE
        if not meta_path.is_file() or not weights_path.is_file():
            raise FileNotFoundError(
                f"no text model in {path} (need {META_FILE} and {WEIGHTS_FILE})"
            )
        doc = json.loads(meta_path.read_text())
        if doc.get("format") != MODEL_FORMAT:
            raise ValueError(f"{meta_path} is not a {MODEL_FORMAT} model")
        params = dict(doc["params"])
        params["char_ngram_range"] = tuple(params["char_ngram_range"])
        params["threshold_ignores"] = tuple(params.get("threshold_ignores", ()))
        model = cls(**params)
        spec = FeatureSpec.from_dict(doc["features"])
        if spec != model._spec():
            raise ValueError(f"{meta_path}: feature parameters disagree with model parameters")
        with np.load(weights_path, allow_pickle=False) as data:
            pitch = np.asarray(data["pitch_coef"], dtype=np.float32)
            intent = np.asarray(data["intent_coef"], dtype=np.float32)
        intents = tuple(str(i) for i in doc["intents"])
        if pitch.shape != (spec.n_buckets,) or intent.shape != (spec.n_buckets, len(intents)):
            raise ValueError(f"{weights_path}: weight shapes do not match {meta_path}")
        model.pitch_coef_ = pitch
        model.intent_coef_ = intent
        model.pitch_intercept_ = float(doc["pitch_intercept"])
        model.intent_intercept_ = np.asarray(doc["intent_intercept"], dtype=np.float64)
        model.intents_ = intents
        model.calibration_ = (float(doc["calibration"]["a"]), float(doc["calibration"]["b"]))
        model.threshold_ = float(doc["threshold"])
        model.n_features_in_ = spec.n_buckets
        model.metadata_ = dict(doc.get("metadata", {}))
        model._table = None
        return model


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _platt(scores: F64, y: npt.NDArray[np.int64]) -> tuple[list[float], float]:
    """Platt scaling ``P = sigmoid(scores @ a + b)`` with the usual smoothed targets.

    ``scores`` is ``(n,)`` or ``(n, k)``: with several columns this is the stacking
    regression of several heads' out-of-fold scores. Newton's method on the log loss, with a
    tiny ridge: deterministic, and no scikit-learn needed.
    """
    S = np.asarray(scores, dtype=np.float64)
    if S.ndim == 1:
        S = S[:, None]
    k = S.shape[1]
    n_pos = float(y.sum())
    n_neg = float(len(y) - n_pos)
    if n_pos == 0 or n_neg == 0:
        return [1.0] + [0.0] * (k - 1), 0.0
    target = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    A = np.column_stack((S, np.ones(len(S))))
    theta = np.zeros(k + 1)
    theta[:k] = 1.0 / k
    theta[k] = math.log((n_pos + 1) / (n_neg + 1))

    def loss(th: F64) -> float:
        z = A @ th
        # log(1 + e^z) - target * z, written so that large |z| cannot overflow
        return float((np.logaddexp(0.0, z) - target * z).sum())

    current = loss(theta)
    for _ in range(100):
        p = _sigmoid(A @ theta)
        grad = A.T @ (p - target)
        wgt = p * (1 - p) + 1e-12
        hess = (A * wgt[:, None]).T @ A + np.eye(k + 1) * 1e-9
        step = np.linalg.solve(hess, grad)
        # Step halving: a full Newton step from the starting point can overshoot and diverge
        # when the scores span a wide range; the log loss is convex, so a shorter step in
        # the same direction always lowers it.
        for _halving in range(40):
            trial = theta - step
            trial_loss = loss(trial)
            if trial_loss <= current + 1e-12:
                break
            step = step / 2.0
        theta, current = trial, min(current, trial_loss)
        if float(np.abs(step).max()) < 1e-10:
            break
    return [float(x) for x in theta[:k]], float(theta[k])


def choose_threshold(
    prob: F64,
    is_pitch: npt.NDArray[np.bool_],
    is_negative_control: npt.NDArray[np.bool_],
    *,
    max_fpr: float = 0.02,
) -> tuple[float, dict[str, float]]:
    """The F1-maximising threshold whose FPR on the control rows stays <= ``max_fpr``.

    Meant for out-of-fold probabilities only. Returns the threshold and the F1, precision,
    recall and control FPR it achieves on those rows. Falls back to 0.5 without positives.
    """
    prob = np.asarray(prob, dtype=np.float64)
    is_pitch = np.asarray(is_pitch, dtype=bool)
    control = np.asarray(is_negative_control, dtype=bool)
    if not is_pitch.any():
        return 0.5, {}
    best: tuple[float, float, dict[str, float]] | None = None
    for t in np.unique(np.round(prob, 4)):
        pred = prob >= t
        tp = float((pred & is_pitch).sum())
        fp = float((pred & ~is_pitch).sum())
        fn = float((~pred & is_pitch).sum())
        fpr = float(pred[control].mean()) if control.any() else 0.0
        if fpr > max_fpr or tp == 0:
            continue
        f1 = 2 * tp / (2 * tp + fp + fn)
        stats = {
            "f1": f1,
            "precision": tp / (tp + fp),
            "recall": tp / (tp + fn),
            "control_fpr": fpr,
        }
        # Ties go to the higher threshold (fewer false alarms).
        if best is None or f1 >= best[1]:
            best = (float(t), f1, stats)
    if best is None:
        return 0.5, {}
    return best[0], best[2]


def _phrases(
    padded: str,
    wstart: npt.NDArray[np.int64],
    wend: npt.NDArray[np.int64],
    word_score: F64,
    top_k: int,
    max_words: int = 4,
) -> list[Phrase]:
    top = float(word_score.max(initial=0.0))
    if top <= 0.0:
        return []
    keep = word_score > 0.1 * top  # ignore words that only ride along
    spans: list[tuple[float, int, int]] = []
    i = 0
    n = len(word_score)
    while i < n:
        if not keep[i]:
            i += 1
            continue
        j = i + 1
        # A phrase never crosses a clause boundary, so it reads as one piece of the message.
        while (
            j < n
            and keep[j]
            and j - i < max_words
            and not _CLAUSE_BREAK.intersection(padded[int(wend[j - 1]) : int(wstart[j])])
        ):
            j += 1
        spans.append((float(word_score[i:j].sum()), i, j))
        i = j
    spans.sort(key=lambda s: -s[0])
    out: list[Phrase] = []
    seen: set[str] = set()
    for weight, i, j in spans:
        if weight < _MIN_PHRASE_WEIGHT:
            break
        phrase = padded[int(wstart[i]) : int(wend[j - 1])]
        # Lone short function words ("the", "you") explain nothing to a reader.
        if phrase in seen or all(int(wend[k] - wstart[k]) < 4 for k in range(i, j)):
            continue
        seen.add(phrase)
        out.append(Phrase(text=phrase, weight=weight))
        if len(out) >= top_k:
            break
    return out


_CLAUSE_BREAK = frozenset('.!?;:,()"|•·—–\n')
#: Contributions to the pitch logit below this are noise, not a reason.
_MIN_PHRASE_WEIGHT = 0.05


@functools.lru_cache(maxsize=1)
def load_default_model() -> PitchClassifier:
    """The bundled model, loaded once per process."""
    return PitchClassifier.load(None)

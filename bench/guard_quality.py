"""Held-out quality of the guard: leave-one-export-out on the real openers, and the challenge
corpus test half.

Leave-one-export-out over the labelled LinkedIn openers (``label_v2``), de-duplicated on the
normalised opener text *before* splitting (a text found in two exports is kept once, in the
first), ``unclear`` rows included as non-pitch messages (they never train). Every export is
scored by a model trained on the other exports plus the challenge corpus *train* half; the
threshold of every fold comes from grouped inner cross-validation on that training side only.
Reported, pooled over all held-out rows and per export:

- the text model alone (``p >= fold threshold``);
- the full guard (text + policy) with the context an export has and the platform had at send
  time: when the message was sent, when the two connected, who sent the invitation (where the
  export knows), no reply from the owner yet. Nothing from after the message (whether the
  owner replied, folders, message counts) is read.

Metrics: P, R, F1, FPR over all non-pitch messages (recruiting, job_seeking, social,
conversation, platform_marketing, unclear), FPR over social + conversation, ROC-AUC. Then the
same metrics for the shipped model on the challenge *test* half in a neutral context
(``--challenge-test``). Optional baselines (``--baselines``): TF-IDF + LR and bogofilter on the
same folds. ``--stacking-study`` compares ways of stacking the heads (the shipped n-gram and
cue heads, the intent head's pitch column, length-scaled scores) on the same outer folds, each
stack and threshold fitted on the inner out-of-fold scores of the training side only. Run::

    .venv/bin/python bench/guard_quality.py --data ../shared/data [--aux-weight 0.5]
        [--no-challenge] [--params '{"cue_features": false}'] [--challenge-test] [--baselines]
        [--stacking-study]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pitchless.guard._features import model_text, to_csr  # noqa: E402
from pitchless.guard._normalize import normalize  # noqa: E402
from pitchless.guard._textmodel import (  # noqa: E402
    INTENT_ORDER,
    PitchClassifier,
    _platt,
    _sigmoid,
    choose_threshold,
)
from pitchless.guard._training import (  # noqa: E402
    DEFAULT_AUX_WEIGHT,
    DEFAULT_CHALLENGE,
    DEFAULT_CHALLENGE_WEIGHT,
    ChallengeRow,
    OpenerRow,
    binary_metrics,
    choose_fold_threshold,
    load_auxiliary,
    load_challenge,
    load_openers,
    loeo_splits,
    opener_intent,
    training_set,
)

COLUMNS = ("n", "pos", "P", "R", "F1", "FPR all", "FPR s+c", "AUC")


def _fmt(x: Any) -> str:
    if x is None:
        return "  -  "
    if isinstance(x, float):
        return f"{x:.3f}"
    return str(x)


def _row(name: str, m: dict[str, Any]) -> str:
    vals = (
        m["n"],
        m["positives"],
        m["precision"],
        m["recall"],
        m["f1"],
        m["fpr_all_non_pitch"],
        m["fpr_social_conversation"],
        m["roc_auc"],
    )
    return f"  {name:<28}" + "".join(f"{_fmt(v):>9}" for v in vals)


class System:
    """One contender: held-out probability and decision per opener, plus scoring time."""

    def __init__(self, name: str, n: int) -> None:
        self.name = name
        self.prob = np.full(n, np.nan)
        self.pred = np.zeros(n, dtype=bool)
        self.score_seconds = 0.0
        self.scored = 0
        self.folds: dict[str, np.ndarray] = {}


def _labels(openers: Sequence[OpenerRow]) -> list[str]:
    return [o.label for o in openers]


def _train_rows(openers: Sequence[OpenerRow], idx: np.ndarray) -> tuple[list[str], np.ndarray]:
    keep = [i for i in idx if opener_intent(openers[i].label) is not None]
    texts = [openers[i].text for i in keep]
    y = np.asarray([opener_intent(openers[i].label) == "pitch" for i in keep], dtype=int)
    return texts, y


def run_ours(
    openers: Sequence[OpenerRow],
    aux: Sequence[Any],
    aux_weight: float,
    name: str,
    on_fold: Callable[[str, PitchClassifier, np.ndarray], None] | None = None,
    *,
    challenge: Sequence[ChallengeRow] = (),
    challenge_weight: float = DEFAULT_CHALLENGE_WEIGHT,
    params: dict[str, Any] | None = None,
) -> System:
    """Our model, one fit per held-out export (threshold from inner CV inside ``fit``)."""
    sys_ = System(name, len(openers))
    for export, train_idx, test_idx in loeo_splits(openers):
        ts = training_set(
            [openers[i] for i in train_idx],
            aux,
            aux_weight=aux_weight,
            challenge=challenge,
            challenge_weight=challenge_weight,
        )
        model = ts.fit(PitchClassifier(**(params or {})))
        t0 = time.perf_counter()
        # Timed end to end from the raw opener, as the guard would see it.
        texts = [normalize(openers[i].raw, openers[i].subject).text for i in test_idx]
        p = model.predict_scores(texts).pitch_probability
        sys_.score_seconds += time.perf_counter() - t0
        sys_.scored += len(test_idx)
        sys_.prob[test_idx] = p
        sys_.pred[test_idx] = p >= model.threshold_
        sys_.folds[export] = test_idx
        if on_fold is not None:
            on_fold(export, model, test_idx)
        print(f"    {name}: {export} done (threshold {model.threshold_:.3f})", flush=True)
    return sys_


def _tfidf_fit(texts: list[str], y: np.ndarray) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, y)


def run_tfidf(openers: Sequence[OpenerRow]) -> tuple[System, System]:
    """Plain TF-IDF + LR at 0.5, and the same with an inner-CV threshold."""
    from sklearn.model_selection import GroupKFold

    plain = System("TF-IDF + LR (0.5)", len(openers))
    tuned = System("TF-IDF + LR (inner-CV thr)", len(openers))
    for export, train_idx, test_idx in loeo_splits(openers):
        texts, y = _train_rows(openers, train_idx)
        pipe = _tfidf_fit(texts, y)
        t0 = time.perf_counter()
        test_texts = [normalize(openers[i].raw, openers[i].subject).text for i in test_idx]
        p = pipe.predict_proba(test_texts)[:, 1]
        plain.score_seconds += time.perf_counter() - t0
        plain.scored += len(test_idx)
        for s in (plain, tuned):
            s.prob[test_idx] = p
            s.folds[export] = test_idx
        plain.pred[test_idx] = p >= 0.5
        # Inner threshold: out-of-fold probabilities over the training exports only.
        keep = [i for i in train_idx if opener_intent(openers[i].label) is not None]
        groups = np.asarray([openers[i].export_id for i in keep])
        oof = np.full(len(keep), np.nan)
        for tr, te in GroupKFold(n_splits=min(5, len(set(groups)))).split(keep, y, groups):
            if y[tr].min() == y[tr].max():
                continue
            inner = _tfidf_fit([texts[j] for j in tr], y[tr])
            oof[te] = inner.predict_proba([texts[j] for j in te])[:, 1]
        ok = ~np.isnan(oof)
        thr = choose_fold_threshold(oof[ok], [openers[keep[j]].label for j in np.flatnonzero(ok)])
        tuned.pred[test_idx] = p >= thr
    return plain, tuned


def _write_mbox(path: Path, texts: Sequence[str]) -> None:
    with open(path, "w", encoding="utf-8", errors="replace") as fh:
        for t in texts:
            body = t.replace("\nFrom ", "\n>From ")
            fh.write(
                "From sender@example.invalid Mon Jan  1 00:00:00 2024\n"
                "Subject: linkedin message\nContent-Type: text/plain; charset=utf-8\n\n"
                f"{body}\n\n"
            )


def run_bogofilter(openers: Sequence[OpenerRow]) -> System | None:
    """bogofilter trained per fold (``-n`` ham, ``-s`` spam) and scored with ``-T``."""
    exe = shutil.which("bogofilter")
    if exe is None:
        print("  bogofilter is not installed (apt-get install -y bogofilter): baseline skipped")
        return None
    sys_ = System("bogofilter", len(openers))
    for export, train_idx, test_idx in loeo_splits(openers):
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            texts, y = _train_rows(openers, train_idx)
            _write_mbox(d / "ham.mbox", [t for t, v in zip(texts, y, strict=True) if not v])
            _write_mbox(d / "spam.mbox", [t for t, v in zip(texts, y, strict=True) if v])
            db = d / "db"
            db.mkdir()
            for flag, box in (("-n", "ham.mbox"), ("-s", "spam.mbox")):
                with open(d / box, "rb") as fh:
                    subprocess.run([exe, "-d", str(db), "-M", flag], stdin=fh, check=True)
            msgdir = d / "test"
            msgdir.mkdir()
            paths = []
            for k, i in enumerate(test_idx):
                p = msgdir / f"{k:06d}.eml"
                _write_mbox(p, [normalize(openers[i].raw, openers[i].subject).text])
                paths.append(str(p))
            t0 = time.perf_counter()
            out = subprocess.run(
                [exe, "-d", str(db), "-T", "-B", *paths], capture_output=True, text=True
            ).stdout
            sys_.score_seconds += time.perf_counter() - t0
            sys_.scored += len(test_idx)
        verdict: dict[str, tuple[str, float]] = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 3:
                verdict[parts[0]] = (parts[1], float(parts[2]))
        for p, i in zip(paths, test_idx, strict=True):
            cls, score = verdict.get(p, ("U", 0.5))
            sys_.prob[i] = score
            sys_.pred[i] = cls == "S"
        sys_.folds[export] = test_idx
    return sys_


def _parse_when(value: str) -> datetime | None:
    for fmt in ("%Y-%m-%d %H:%M:%S UTC", "%m/%d/%y, %I:%M %p", "%d %b %Y"):
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _owner_invited(row: OpenerRow) -> bool | None:
    """Who sent the connection invitation, where the export says (before the message)."""
    direction = row.invitation_direction.strip().upper()
    if direction == "OUTGOING":
        return True
    if direction == "INCOMING":
        return False
    return None


def guard_collector(openers: Sequence[OpenerRow]) -> tuple[System, Callable[..., None]] | None:
    """A fold hook scoring each held-out export with the full guard, if it exists."""
    try:
        from pitchless.guard import Action, Guard, MessageContext
    except ImportError:
        print("  pitchless.guard.Guard is not available: full-guard figures skipped")
        return None
    sys_ = System("full guard (text + policy)", len(openers))

    def hook(export: str, model: PitchClassifier, test_idx: np.ndarray) -> None:
        guard = Guard(model=model)
        ctxs = [
            MessageContext(
                text=openers[i].raw,
                subject=openers[i].subject,
                sent_at=_parse_when(openers[i].first_date_utc),
                connected_at=_parse_when(openers[i].counterpart_connected_on),
                recipient_invited_sender=_owner_invited(openers[i]),
            )
            for i in test_idx
        ]
        verdicts = guard.score_many(ctxs, explain=False)
        sys_.prob[test_idx] = [v.score for v in verdicts]
        sys_.pred[test_idx] = [v.action != Action.DELIVER for v in verdicts]
        sys_.folds[export] = test_idx

    return sys_, hook


#: Stacking inputs compared by ``--stacking-study`` (name -> the score columns stacked).
#: ``ngrams`` and ``cues`` are the two pitch heads' decision values; ``intent_logit`` is the
#: intent head's one-vs-rest pitch logit, ``intent_share`` the logit of its normalised pitch
#: probability (what ``Verdict.intent_probabilities`` shows), ``intent_margin`` the pitch
#: logit minus the largest other intent logit; ``*_per_length`` divide a score by
#: sqrt(characters / 100), so short messages are not squeezed towards even odds;
#: ``not_recruiting`` is minus the intent head's recruiting logit; ``*_rank`` is the logit
#: of the share of the training side's non-pitch out-of-fold scores below a score;
#: ``ngrams_openers`` is an n-gram head fitted on the openers alone, ``ngrams_extra`` one
#: fitted on the extra rows (the challenge train half) alone, whose scores on the openers are
#: out of sample by construction.
STACK_VARIANTS: dict[str, tuple[str, ...]] = {
    "ngrams + cues (shipped)": ("ngrams", "cues"),
    "+ intent logit": ("ngrams", "cues", "intent_logit"),
    "+ intent share": ("ngrams", "cues", "intent_share"),
    "+ intent margin": ("ngrams", "cues", "intent_margin"),
    "intent logit alone": ("intent_logit",),
    "intent share alone": ("intent_share",),
    "intent margin alone": ("intent_margin",),
    "+ ngrams x cues": ("ngrams", "cues", "ngrams_x_cues"),
    "+ min(ngrams, cues)": ("ngrams", "cues", "min_ngrams_cues"),
    "+ log length": ("ngrams", "cues", "log_length"),
    "+ ngrams per length": ("ngrams", "ngrams_per_length", "cues"),
    "ngrams per length + cues": ("ngrams_per_length", "cues"),
    "+ minus recruiting logit": ("ngrams", "cues", "not_recruiting"),
    "ranks among training non-pitch": ("ngrams_rank", "cues_rank"),
    "n-grams (openers only) + cues": ("ngrams_openers", "cues"),
    "n-grams (openers only) + cues + n-grams (extra rows only)": (
        "ngrams_openers",
        "cues",
        "ngrams_extra",
    ),
    "n-grams + cues + n-grams (extra rows only)": ("ngrams", "cues", "ngrams_extra"),
}


def _stack_inputs(
    ngrams: np.ndarray,
    cues: np.ndarray,
    intents: np.ndarray,
    lengths: np.ndarray,
    k: int,
    *,
    present: Sequence[str],
    reference: tuple[np.ndarray, np.ndarray],
    more: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Every candidate stacking column from the heads' scores (``k``: the pitch intent).

    ``reference`` holds the sorted non-pitch out-of-fold scores of the two pitch heads on the
    training side, which the rank columns are measured against.
    """

    def rank(scores: np.ndarray, ref: np.ndarray) -> np.ndarray:
        below = (np.searchsorted(ref, scores, side="right") + 0.5) / (len(ref) + 1.0)
        return np.log(below / (1 - below))

    rec = present.index("recruiting") if "recruiting" in present else None
    share = _sigmoid(intents)
    share = np.clip(share[:, k] / share.sum(axis=1), 1e-9, 1 - 1e-9)
    scale = np.sqrt(np.maximum(lengths, 20) / 100.0)
    return {
        "ngrams": ngrams,
        "cues": cues,
        "intent_logit": intents[:, k],
        "intent_share": np.log(share / (1 - share)),
        "intent_margin": intents[:, k] - np.delete(intents, k, axis=1).max(axis=1),
        "ngrams_x_cues": ngrams * cues,
        "min_ngrams_cues": np.minimum(ngrams, cues),
        "log_length": np.log1p(lengths),
        "ngrams_per_length": ngrams / scale,
        "not_recruiting": -intents[:, rec] if rec is not None else np.zeros(len(ngrams)),
        "ngrams_rank": rank(ngrams, reference[0]),
        "cues_rank": rank(cues, reference[1]),
        **(more or {}),
    }


def _head_scores(
    model: PitchClassifier, fits: dict[str, Any], texts: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    spec = model._spec()
    mt = [model_text(t) for t in texts]
    xt, xc = to_csr(mt, spec, only="text"), to_csr(mt, spec, only="cues")
    ng = xt @ fits["ngrams"][0] + fits["ngrams"][1]
    cue = xc @ fits["cues"][0] + fits["cues"][1]
    intents = (xt + xc) @ fits["intents"][0] + fits["intents"][1]
    return ng, cue, intents, np.asarray([len(t) for t in mt], dtype=np.float64)


def _more_scores(
    model: PitchClassifier,
    texts: Sequence[str],
    fit_open: tuple[Any, float],
    fit_extra: tuple[Any, float] | None,
) -> dict[str, np.ndarray]:
    """Scores of the openers-only and extra-rows-only n-gram heads."""
    xm = to_csr([model_text(t) for t in texts], model._spec(), only="text")
    return {
        "ngrams_openers": xm @ fit_open[0] + fit_open[1],
        "ngrams_extra": xm @ fit_extra[0] + fit_extra[1] if fit_extra else np.zeros(xm.shape[0]),
    }


def stacking_study(
    openers: Sequence[OpenerRow],
    challenge: Sequence[ChallengeRow],
    challenge_weight: float,
    params: dict[str, Any],
    test_half: Sequence[ChallengeRow],
) -> dict[str, Any]:
    """Each ``STACK_VARIANTS`` entry on the leave-one-export-out folds (text model only).

    Per outer fold the three heads are fitted as ``PitchClassifier.fit`` fits them, their
    out-of-fold scores come from the same grouped inner folds, and each variant's stack
    (Platt, a head with a negative weight dropped) and threshold (FPR over all non-pitch
    <= 2 %) are fitted on those inner scores only. Scores use unrounded weights, so the
    shipped design's row can differ from the headline table by a few messages near the
    threshold. The challenge test half is scored by each fold's model; its figures are the
    mean over the folds.
    """
    from sklearn.linear_model import LogisticRegression

    labels = np.asarray(_labels(openers))
    n = len(openers)
    prob = {name: np.full(n, np.nan) for name in STACK_VARIANTS}
    pred = {name: np.zeros(n, dtype=bool) for name in STACK_VARIANTS}
    test_labels = np.asarray([r.label for r in test_half])
    hard = np.asarray([r.hard_negative and r.label != "pitch" for r in test_half], dtype=bool)
    ch_recall: dict[str, list[float]] = {name: [] for name in STACK_VARIANTS}
    ch_hard: dict[str, list[int]] = {name: [] for name in STACK_VARIANTS}
    weights_seen: dict[str, list[list[float]]] = {name: [] for name in STACK_VARIANTS}
    for export, train_idx, test_idx in loeo_splits(openers):
        ts = training_set(
            [openers[i] for i in train_idx], challenge=challenge, challenge_weight=challenge_weight
        )
        model = PitchClassifier(**params)
        spec = model._spec()
        texts = [model_text(t) for t in ts.texts]
        xt, xc = to_csr(texts, spec, only="text"), to_csr(texts, spec, only="cues")
        x_all = xt + xc
        y_int = np.asarray(ts.intents)
        y = (y_int == "pitch").astype(np.int64)
        w = np.asarray(ts.weights, dtype=np.float64)
        cal = np.asarray(ts.in_domain, dtype=bool)
        groups = np.asarray(ts.groups)
        w_int = w * np.asarray(ts.intent_rows, dtype=np.float64)
        present = [i for i in INTENT_ORDER if i in set(y_int)]

        def make_intent(m: PitchClassifier = model) -> Any:
            return LogisticRegression(
                C=float(m.intent_C),
                solver="liblinear",
                dual=True,
                max_iter=500,
                random_state=m.random_state,
            )

        oof_ng = model._oof_scores(xt, y, w, cal, groups, model._new_binary)
        oof_cue = model._oof_scores(xc, y, w, cal, groups, model._new_cue_head)
        oof_int = np.column_stack(
            [
                model._oof_scores(
                    x_all, (y_int == k).astype(np.int64), w_int, cal, groups, make_intent
                )
                for k in present
            ]
        )
        in_dom = np.flatnonzero(w_int > 0)
        fits = {
            "ngrams": model._fit_binary(xt, y, w, model._new_binary),
            "cues": model._fit_binary(xc, y, w, model._new_cue_head),
            "intents": model._fit_intents(
                x_all[in_dom], [str(v) for v in y_int[in_dom]], present, w_int[in_dom]
            ),
        }
        # Two more n-gram heads: one on the openers alone, one on the extra rows alone.
        w_open = np.where(cal, w, 0.0)
        oof_open = model._oof_scores(xt, y, w_open, cal, groups, model._new_binary)
        fit_open = model._fit_binary(xt, y, w_open, model._new_binary)
        extra_rows = np.flatnonzero(~cal)
        fit_extra: tuple[Any, float] | None = None
        if len(extra_rows) and y[extra_rows].min() != y[extra_rows].max():
            fit_extra = model._fit_binary(
                xt[extra_rows], y[extra_rows], w[extra_rows], model._new_binary
            )

        k = present.index("pitch")
        lengths = np.asarray([len(t) for t in texts], dtype=np.float64)
        judged = np.asarray(ts.labels)
        neg = cal & (judged != "pitch") & ~np.isnan(oof_ng) & ~np.isnan(oof_cue)
        ctx = {"present": present, "reference": (np.sort(oof_ng[neg]), np.sort(oof_cue[neg]))}
        inner_more = {
            "ngrams_openers": oof_open,
            "ngrams_extra": (
                xt @ fit_extra[0] + fit_extra[1] if fit_extra else np.zeros(xt.shape[0])
            ),
        }
        inner = _stack_inputs(oof_ng, oof_cue, oof_int, lengths, k, **ctx, more=inner_more)
        held_texts = [openers[i].text for i in test_idx]
        held = _stack_inputs(
            *_head_scores(model, fits, held_texts),
            k,
            **ctx,
            more=_more_scores(model, held_texts, fit_open, fit_extra),
        )
        half_texts = [r.text for r in test_half]
        half = _stack_inputs(
            *_head_scores(model, fits, half_texts),
            k,
            **ctx,
            more=_more_scores(model, half_texts, fit_open, fit_extra),
        )
        for name, cols in STACK_VARIANTS.items():
            f_in = np.column_stack([inner[c] for c in cols])
            rows = np.flatnonzero(cal & ~np.isnan(f_in).any(axis=1))
            coefs, c0 = _platt(f_in[rows], y[rows])
            if len(cols) > 1 and min(coefs) < 0:
                keep = [j for j, a in enumerate(coefs) if a > 0] or [0]
                sub, c0 = _platt(f_in[rows][:, keep], y[rows])
                coefs = [0.0] * len(cols)
                for j, a in zip(keep, sub, strict=True):
                    coefs[j] = a
            a_vec = np.asarray(coefs)
            p_in = _sigmoid(f_in[rows] @ a_vec + c0)
            lab = judged[rows]
            thr, _ = choose_threshold(p_in, lab == "pitch", lab != "pitch", max_fpr=0.02)
            p_out = _sigmoid(np.column_stack([held[c] for c in cols]) @ a_vec + c0)
            prob[name][test_idx] = p_out
            pred[name][test_idx] = p_out >= thr
            p_half = _sigmoid(np.column_stack([half[c] for c in cols]) @ a_vec + c0) >= thr
            if (test_labels == "pitch").any():
                ch_recall[name].append(float(p_half[test_labels == "pitch"].mean()))
            ch_hard[name].append(int(p_half[hard].sum()))
            weights_seen[name].append([round(float(a), 3) for a in a_vec])
        print(f"    stacking study: {export} done", flush=True)
    out: dict[str, Any] = {}
    print("\n STACKING STUDY (text model, pooled over held-out rows; challenge = mean of folds)")
    print(f"  {'':<26}" + "".join(f"{c:>9}" for c in COLUMNS) + "   ch R  ch hard  B R")
    b_rows = np.asarray([o.export_id for o in openers]) == "2021-06_B"
    for name in STACK_VARIANTS:
        m = binary_metrics(list(labels), prob[name], pred[name])
        mb = binary_metrics(list(labels[b_rows]), prob[name][b_rows], pred[name][b_rows])
        rec = float(np.mean(ch_recall[name])) if ch_recall[name] else None
        hn = float(np.mean(ch_hard[name])) if ch_hard[name] else None
        print(_row(name, m) + f"  {_fmt(rec):>6} {_fmt(hn):>7} {_fmt(mb['recall']):>6}")
        out[name] = {
            "columns": list(STACK_VARIANTS[name]),
            "pooled": m,
            "export_2021-06_B": mb,
            "challenge_test_recall_mean_over_folds": rec,
            "challenge_hard_negatives_filed_mean_over_folds": hn,
            "stacking_weights_per_fold": weights_seen[name],
        }
    return out


def report(openers: Sequence[OpenerRow], systems: Sequence[System]) -> None:
    """Per-fold and pooled tables."""
    labels = _labels(openers)
    header = f"  {'':<28}" + "".join(f"{c:>9}" for c in COLUMNS)
    exports = list(dict.fromkeys(o.export_id for o in openers))
    for export in exports:
        print(f"\n export {export}")
        print(header)
        for s in systems:
            idx = s.folds.get(export)
            if idx is None:
                continue
            lab = [labels[i] for i in idx]
            print(_row(s.name, binary_metrics(lab, s.prob[idx], s.pred[idx])))
    print("\n POOLED over all held-out rows (headline): positive = pitch, rest = everything else")
    print(header)
    for s in systems:
        print(_row(s.name, binary_metrics(labels, s.prob, s.pred)))
    print("\n pooled, platform_marketing rows left out")
    print(header)
    for s in systems:
        m = binary_metrics(labels, s.prob, s.pred, exclude=("platform_marketing",))
        print(_row(s.name, m))
    print("\n pooled, positive = pitch + platform_marketing")
    print(header)
    for s in systems:
        m = binary_metrics(labels, s.prob, s.pred, positive=("pitch", "platform_marketing"))
        print(_row(s.name, m))
    pm = np.asarray(labels) == "platform_marketing"
    rec = np.asarray(labels) == "recruiting"
    print("\n flagged as pitch: platform_marketing / recruiting / job_seeking rows")
    js = np.asarray(labels) == "job_seeking"
    for s in systems:
        counts = [f"{int(s.pred[m].sum())}/{int(m.sum())}" for m in (pm, rec, js)]
        print(f"  {s.name:<28} " + "   ".join(counts))
    print("\n scoring speed in this run (held-out messages / wall seconds)")
    for s in systems:
        if s.scored and s.score_seconds > 0:
            print(f"  {s.name:<28} {s.scored / s.score_seconds:>12,.0f} messages/s")


def challenge_test(model_dir: Path | None, path: Path) -> dict[str, Any] | None:
    """The shipped (or given) model on the challenge test half, in a neutral context."""
    from pitchless.guard import Action, Guard, MessageContext

    if not path.is_file():
        print(f"  no challenge corpus at {path}: challenge figures skipped")
        return None
    rows = load_challenge(path, split="test")
    guard = Guard(model_dir=model_dir)
    verdicts = guard.score_many([MessageContext(text=r.raw) for r in rows], explain=False)
    labels = [r.label for r in rows]
    prob = np.asarray([v.pitch_probability for v in verdicts])
    pred = np.asarray([v.action is not Action.DELIVER for v in verdicts])
    out: dict[str, Any] = {"overall": binary_metrics(labels, prob, pred)}
    hard = np.asarray([r.hard_negative and r.label != "pitch" for r in rows])
    out["hard_negatives_filed"] = f"{int(pred[hard].sum())}/{int(hard.sum())}"
    by_lang: dict[str, str] = {}
    for lang in sorted({r.language for r in rows}):
        m = np.asarray([r.language == lang and r.label == "pitch" for r in rows])
        if m.any():
            by_lang[lang] = f"{int(pred[m].sum())}/{int(m.sum())}"
    out["pitch_recall_by_language"] = by_lang
    try:
        sys.path.insert(0, str(ROOT))
        from tests.guard.disguise import ALL_DISGUISES
    except ImportError:
        print("  tests/guard/disguise.py not found: disguised variants skipped")
        return out
    filed = [r for r, p in zip(rows, pred, strict=True) if p and r.label == "pitch"]
    disguise: dict[str, str] = {}
    for name, fn in ALL_DISGUISES.items():
        vs = guard.score_many([MessageContext(text=fn(r.raw)) for r in filed], explain=False)
        disguise[name] = f"{sum(v.action is not Action.DELIVER for v in vs)}/{len(filed)}"
    out["disguised_filed_of_filed_pitches"] = disguise
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation and print it."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--aux-weight", type=float, default=DEFAULT_AUX_WEIGHT)
    ap.add_argument("--challenge", type=Path, default=DEFAULT_CHALLENGE)
    ap.add_argument("--no-challenge", action="store_true", help="leave the corpus out")
    ap.add_argument("--challenge-weight", type=float, default=DEFAULT_CHALLENGE_WEIGHT)
    ap.add_argument("--params", default="{}", help="PitchClassifier parameters as JSON")
    ap.add_argument("--no-guard", action="store_true", help="skip the full-guard figures")
    ap.add_argument("--baselines", action="store_true", help="also TF-IDF + LR and bogofilter")
    ap.add_argument("--challenge-test", action="store_true", help="score the test half")
    ap.add_argument(
        "--stacking-study",
        action="store_true",
        help="only compare the stacking variants of STACK_VARIANTS on the outer folds",
    )
    ap.add_argument("--model", type=Path, default=None, help="model for --challenge-test")
    ap.add_argument("--write-metrics", type=Path, help="merge the figures into this JSON file")
    ap.add_argument(
        "--pm-trains-as",
        default=None,
        help=(
            "what platform_marketing rows train as: pitch, conversation, untrained (weight 0,"
            " still counted by the threshold) or none (dropped; ablation)"
        ),
    )
    args = ap.parse_args(argv)
    if args.pm_trains_as is not None:
        from pitchless.guard import _training

        _training.PLATFORM_MARKETING_TRAINS_AS = (
            None if args.pm_trains_as == "none" else args.pm_trains_as
        )

    t0 = time.perf_counter()
    openers = load_openers(args.data, include_unclear=True)
    challenge: list[ChallengeRow] = []
    if not args.no_challenge and args.challenge.is_file():
        challenge = load_challenge(args.challenge, split="train")
    aux = load_auxiliary(args.data) if args.aux_weight > 0 else []
    params = json.loads(args.params)
    print(
        f"{len(openers)} labelled openers after de-duplication on normalised text "
        f"(unclear included as non-pitch), {len({o.export_id for o in openers})} exports; "
        f"{len(challenge)} challenge train rows (weight {args.challenge_weight}); "
        f"{len(aux)} auxiliary rows (weight {args.aux_weight}); params {params}"
    )
    if args.stacking_study:
        if aux:
            print("  --stacking-study runs without auxiliary corpora (use --aux-weight 0)")
            return 2
        test_half = load_challenge(args.challenge, split="test") if args.challenge.is_file() else []
        study = stacking_study(openers, challenge, args.challenge_weight, params, test_half)
        if args.write_metrics is not None:
            doc = json.loads(args.write_metrics.read_text()) if args.write_metrics.is_file() else {}
            doc["stacking_study"] = {
                "command": "bench/guard_quality.py " + " ".join(argv or sys.argv[1:]),
                "run_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
                "variants": study,
            }
            args.write_metrics.write_text(
                json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n"
            )
        print(f"\n total bench time {time.perf_counter() - t0:.0f}s")
        return 0
    systems: list[System] = []
    guard = None if args.no_guard else guard_collector(openers)
    print("  training ours ...", flush=True)
    systems.append(
        run_ours(
            openers,
            aux,
            args.aux_weight,
            "text model",
            on_fold=guard[1] if guard else None,
            challenge=challenge,
            challenge_weight=args.challenge_weight,
            params=params,
        )
    )
    if args.baselines:
        print("  training TF-IDF + LR ...", flush=True)
        systems.extend(run_tfidf(openers))
        print("  training bogofilter ...", flush=True)
        bogo = run_bogofilter(openers)
        if bogo is not None:
            systems.append(bogo)
    if guard is not None:
        systems.append(guard[0])
    report(openers, systems)
    results: dict[str, Any] = {}
    labels = _labels(openers)
    for s in systems:
        results[s.name] = {
            "pooled": binary_metrics(labels, s.prob, s.pred),
            "per_export": {
                e: binary_metrics([labels[i] for i in idx], s.prob[idx], s.pred[idx])
                for e, idx in s.folds.items()
            },
        }
    if args.challenge_test:
        ct = challenge_test(args.model, args.challenge)
        if ct is not None:
            results["challenge_test_half"] = ct
            print("\n challenge corpus TEST half, shipped model, neutral context")
            print(json.dumps(ct, indent=1, default=str))
    if args.write_metrics is not None:
        doc = json.loads(args.write_metrics.read_text()) if args.write_metrics.is_file() else {}
        doc["bench_guard_quality"] = {
            "command": "bench/guard_quality.py " + " ".join(argv or sys.argv[1:]),
            "run_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            **results,
        }
        args.write_metrics.write_text(json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n")
    print(f"\n total bench time {time.perf_counter() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

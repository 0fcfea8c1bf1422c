"""Held-out quality of the guard's text model against two baselines, side by side.

Leave-one-export-out over the de-duplicated labelled LinkedIn openers (``label_v2``; unclear
rows excluded): every export is scored by models trained on the other exports only. Compared
on exactly the same folds and the same normalised text:

- ours: :class:`pitchless.guard._textmodel.PitchClassifier` (with and without the auxiliary
  spam corpora on the training side);
- TF-IDF + LR: a plain ``TfidfVectorizer()`` + ``LogisticRegression()``, decision at 0.5,
  and the same pipeline with a threshold picked by inner cross-validation like ours;
- bogofilter: trained per fold with ``-n`` / ``-s`` into a temporary database, scored with ``-T``
  (spam verdict = pitch); skipped with a message when the binary is not installed;
- optionally the full guard (text + behaviour policy) built around each fold's model.

Thresholds are never tuned on a held-out export. Run::

    .venv/bin/python bench/guard_quality.py --data ../shared/data [--guard] [--no-aux]
"""

from __future__ import annotations

import argparse
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

from pitchless.guard._normalize import normalize  # noqa: E402
from pitchless.guard._textmodel import PitchClassifier  # noqa: E402
from pitchless.guard._training import (  # noqa: E402
    ABLATION_AUX_WEIGHT,
    OpenerRow,
    binary_metrics,
    choose_fold_threshold,
    load_auxiliary,
    load_openers,
    loeo_splits,
    opener_intent,
)

COLUMNS = ("n", "pos", "P", "R", "F1", "FPR s+c", "AUC")


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
) -> System:
    """Our model, one fit per held-out export (threshold from inner CV inside ``fit``)."""
    from pitchless.guard._training import training_set

    sys_ = System(name, len(openers))
    for export, train_idx, test_idx in loeo_splits(openers):
        ts = training_set([openers[i] for i in train_idx], aux, aux_weight=aux_weight)
        model = ts.fit(PitchClassifier())
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
            )
            for i in test_idx
        ]
        verdicts = guard.score_many(ctxs, explain=False)
        sys_.prob[test_idx] = [v.score for v in verdicts]
        sys_.pred[test_idx] = [v.action != Action.DELIVER for v in verdicts]
        sys_.folds[export] = test_idx

    return sys_, hook


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison and print it."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--aux-weight", type=float, default=ABLATION_AUX_WEIGHT)
    ap.add_argument("--no-aux", action="store_true", help="skip the with-auxiliary run")
    ap.add_argument("--guard", action="store_true", help="also score with the full guard")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    openers = load_openers(args.data)
    print(
        f"{len(openers)} de-duplicated labelled openers (unclear excluded), "
        f"{len({o.export_id for o in openers})} exports"
    )
    systems: list[System] = []
    guard = guard_collector(openers) if args.guard else None
    print("  training ours (in-domain only) ...", flush=True)
    systems.append(
        run_ours(openers, [], 0.0, "ours, openers only", on_fold=guard[1] if guard else None)
    )
    if not args.no_aux:
        aux = load_auxiliary(args.data)
        print(f"  training ours (+{len(aux)} auxiliary rows, weight {args.aux_weight}) ...")
        systems.append(run_ours(openers, aux, args.aux_weight, "ours, + auxiliary corpora"))
    print("  training TF-IDF + LR ...", flush=True)
    systems.extend(run_tfidf(openers))
    print("  training bogofilter ...", flush=True)
    bogo = run_bogofilter(openers)
    if bogo is not None:
        systems.append(bogo)
    if guard is not None:
        systems.append(guard[0])
    report(openers, systems)
    print(f"\n total bench time {time.perf_counter() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

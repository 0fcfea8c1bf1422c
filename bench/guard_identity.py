"""Check that two source trees normalise, hash and score every text identically.

A speed change to the normaliser or the feature code must leave the shipped model valid
without retraining, so everything the model reads has to stay the same: the normalised text
(and the other fields of ``Normalized``), ``model_text``, the hashed feature keys of every
part for every document (under the shipped feature spec and under a spec that exercises the
other hashing paths), the cue-class counts, the text model's probabilities and the guard's
verdicts. Prints, per corpus, how many rows differ in each of those; asserts nothing.

The corpora: the challenge corpus, every disguise of it (``tests/guard/disguise.py``), the
speed bench's generated texts, the hostile inputs of ``tests/guard/test_bad_input.py`` and,
when the shared data is there, the real openers (read at run time into a temporary file that
is deleted afterwards; nothing of them is written into the repository). Run::

    git worktree add --detach /tmp/guard-before main
    .venv/bin/python bench/guard_identity.py --baseline /tmp/guard-before [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: besides the shipped model's spec, one that takes the other hashing paths (2-grams, word
#: bigrams, prefixes, no sign hashing)
OTHER_SPEC = {
    "n_buckets": 2**16,
    "char_min": 2,
    "char_max": 5,
    "word_ngrams": 2,
    "alternate_sign": False,
    "length_bins": True,
    "cue_features": True,
    "cue_weight": 0.5,
    "word_prefix": 5,
}


def _load_module(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def build_corpora(data: Path, n_generated: int) -> dict[str, list[tuple[str, str]]]:
    """``{corpus: [(text, subject), ...]}``, built once from this tree's test helpers."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    disguise = _load_module(ROOT / "tests" / "guard" / "disguise.py", "_identity_disguise")
    bad = _load_module(ROOT / "tests" / "guard" / "test_bad_input.py", "_identity_bad_input")
    from guard_speed import make_texts, opener_lengths

    with open(ROOT / "tests" / "guard" / "challenge" / "challenge.csv", encoding="utf-8") as fh:
        challenge = [row["text"] for row in csv.DictReader(fh)]
    corpora: dict[str, list[tuple[str, str]]] = {
        "challenge": [(t, "") for t in challenge],
        "challenge, disguised": [
            (fn(t, seed), "")
            for name, fn in sorted(disguise.ALL_DISGUISES.items())
            for seed in (0, 1)
            for t in challenge
        ],
        "generated (speed bench)": [(t, "") for t in make_texts(opener_lengths(data), n_generated)],
        "bad input": [(t, "") for t in bad.CASES.values()]
        + [(t, t[:100]) for t in bad.CASES.values()],
    }
    openers = data / "linkedin_dm_openers" / "openers.csv"
    if openers.is_file():
        with open(openers, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        corpora["real openers"] = [
            (r.get(col) or "", r.get("subject") or "")
            for r in rows
            for col in ("opener_text", "opener_raw", "invitation_message")
            if r.get(col)
        ]
    return corpora


def _digest(*parts: Any) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.tobytes() if hasattr(part, "tobytes") else repr(part).encode())
        h.update(b"\x1f")
    return h.hexdigest()


def _feature_digests(texts: Sequence[str], spec: Any) -> list[str]:
    """One digest per document of every feature key it gets, part by part, in order."""
    import numpy as np

    from pitchless.guard._features import hash_batch, iter_chunks

    out: list[str] = []
    for lo, hi in iter_chunks(texts):
        hb = hash_batch(texts[lo:hi], spec)
        offsets = [np.concatenate(([0], np.cumsum(counts))) for _, counts in hb.parts]
        extra_off = None
        if hb.extra is not None:
            extra_off = np.concatenate(([0], np.cumsum(hb.extra[1])))
        for d in range(hb.n_docs):
            pieces: list[Any] = [hb.scale[d]]
            for (keys, _), off in zip(hb.parts, offsets, strict=True):
                pieces.append(keys[off[d] : off[d + 1]])
            if hb.length_keys is not None:
                pieces.append(hb.length_keys[d])
            if hb.extra is not None and extra_off is not None:
                pieces.append(hb.extra[0][extra_off[d] : extra_off[d + 1]])
                pieces.append(hb.extra[2])
            if hb.cues is not None:
                pieces.append(hb.cues[d])
            out.append(_digest(*pieces))
    return out


def dump(root: Path, corpus_file: Path, out_file: Path) -> None:
    """Compute everything for every corpus with the code under ``root``; write it as JSON."""
    sys.path.insert(0, str(root))
    import numpy as np

    import pitchless.guard as guard_pkg
    from pitchless.guard._cues import cue_counts
    from pitchless.guard._features import FeatureSpec, model_text
    from pitchless.guard._normalize import normalize
    from pitchless.guard._textmodel import PitchClassifier

    if not Path(guard_pkg.__file__).resolve().is_relative_to(root.resolve()):
        raise SystemExit(f"imported {guard_pkg.__file__}, not from {root}")
    corpora = json.loads(corpus_file.read_text(encoding="utf-8"))
    model = PitchClassifier.load()
    guard = guard_pkg.Guard(model=model)
    other = FeatureSpec(**OTHER_SPEC)
    result: dict[str, Any] = {}
    for name, rows in corpora.items():
        t0 = time.perf_counter()
        norms = [normalize(text, subject) for text, subject in rows]
        texts = [n.text for n in norms]
        scores = model.predict_scores(texts)
        verdicts = guard.score_many(
            [guard_pkg.MessageContext(text=text, subject=subject) for text, subject in rows]
        )
        result[name] = {
            "normalized": [
                _digest(n.text, n.truncated, n.is_html, n.has_merge_token, n.domains) for n in norms
            ],
            "model_text": [_digest(model_text(t)) for t in texts],
            "features (shipped spec)": _feature_digests(
                [model_text(t) for t in texts], model.feature_spec_
            ),
            "features (other spec)": _feature_digests([model_text(t) for t in texts], other),
            "cue counts": [_digest(sorted(c.items())) for c in cue_counts(texts)],
            "pitch probability": np.asarray(scores.pitch_probability, dtype=float).tolist(),
            "intent probabilities": np.asarray(scores.intent_probabilities, dtype=float).tolist(),
            "verdict": [
                _digest(json.dumps(v.to_dict(), sort_keys=True), v.pitch_probability, v.score)
                for v in verdicts
            ],
            "seconds": time.perf_counter() - t0,
        }
    out_file.write_text(json.dumps(result), encoding="utf-8")


def _run_dump(root: Path, corpus_file: Path, out_file: Path) -> dict[str, Any]:
    subprocess.run(
        [sys.executable, __file__, "--dump", str(root), str(corpus_file), str(out_file)],
        check=True,
        cwd=root,
    )
    data: dict[str, Any] = json.loads(out_file.read_text(encoding="utf-8"))
    return data


def compare(old: dict[str, Any], new: dict[str, Any], corpora: dict[str, list[Any]]) -> int:
    """Print the differing-row counts; return the total number of differences."""
    import numpy as np

    total = 0
    for name in corpora:
        a, b = old[name], new[name]
        n = len(corpora[name])
        cells = []
        for key in a:
            if key == "seconds":
                continue
            if key in ("pitch probability", "intent probabilities"):
                x, y = np.asarray(a[key]), np.asarray(b[key])
                diff = np.abs(x - y).reshape(len(x), -1).max(axis=1) if len(x) else x
                bad = int((diff > 1e-9).sum())
                cells.append(f"{key} {bad} (max |diff| {float(diff.max()) if len(x) else 0:.1e})")
            else:
                bad = sum(p != q for p, q in zip(a[key], b[key], strict=True))
                cells.append(f"{key} {bad}")
            total += bad
        print(
            f"{name}: {n} rows ({a['seconds']:.1f} s before, {b['seconds']:.1f} s after); "
            "differing rows: " + ", ".join(cells)
        )
    return total


def main(argv: Sequence[str] | None = None) -> int:
    """Build the corpora, run both trees, print the comparison."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--dump"]:
        dump(Path(args[1]), Path(args[2]), Path(args[3]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=True, help="source tree to compare against")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--n", type=int, default=20_000, help="generated texts (speed bench)")
    opts = ap.parse_args(args)
    corpora = build_corpora(Path(opts.data), opts.n)
    with tempfile.TemporaryDirectory() as tmp:
        corpus_file = Path(tmp) / "corpora.json"
        corpus_file.write_text(json.dumps(corpora), encoding="utf-8")
        old = _run_dump(Path(opts.baseline), corpus_file, Path(tmp) / "old.json")
        new = _run_dump(ROOT, corpus_file, Path(tmp) / "new.json")
    differences = compare(old, new, corpora)
    print(f"total differing rows over all checks: {differences}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

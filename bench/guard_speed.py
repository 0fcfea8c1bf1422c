"""Speed and memory of the guard's text model; prints figures, asserts nothing.

Texts are generated at run time: their lengths follow the lengths of the real LinkedIn openers
in ``../shared/data`` (median ~70, mean ~300 characters; only the lengths are read), their
words come from the bundled SMS corpus. Without the shared data a log-normal length
distribution with the same median and mean is used. Run::

    .venv/bin/python bench/guard_speed.py [--data ../shared/data] [--n 20000]
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

# One core: keep any BLAS from spreading out (the scoring path does not use BLAS anyway).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pitchless.guard._normalize import normalize  # noqa: E402
from pitchless.guard._textmodel import DEFAULT_MODEL_DIR, PitchClassifier  # noqa: E402
from pitchless.guard._training import BUNDLED_SMS, load_sms  # noqa: E402


def opener_lengths(data: Path) -> list[int]:
    """Character lengths of the real labelled openers (the texts themselves are not kept)."""
    path = data / "linkedin_dm_openers" / "openers.csv"
    if not path.is_file():
        rng = np.random.default_rng(0)
        # log-normal with median 70 and mean ~300: sigma^2 / 2 = ln(300 / 70)
        sigma = float(np.sqrt(2 * np.log(300 / 70)))
        return [int(min(4000, max(2, x))) for x in rng.lognormal(np.log(70), sigma, 2000)]
    with open(path, encoding="utf-8", newline="") as fh:
        # The labelled openers: messages others sent (the owner's own replies are excluded).
        rows = csv.DictReader(fh)
        return [len(r["opener_text"]) for r in rows if r["opener_text"] and r.get("label_v2")]


def make_texts(lengths: Sequence[int], n: int, seed: int = 0) -> list[str]:
    """``n`` texts of the given length distribution built from SMS-corpus words."""
    rng = np.random.default_rng(seed)
    words = " ".join(r.text for r in load_sms(BUNDLED_SMS)).split()
    vocab = np.asarray(words)
    out = []
    for length in rng.choice(np.asarray(lengths), size=n):
        k = max(1, int(length) // 5 + 1)
        text = " ".join(vocab[rng.integers(0, len(vocab), size=k)])
        out.append(text[: int(length)].capitalize())
    return out


def _subprocess_seconds(code: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--model", default=str(DEFAULT_MODEL_DIR))
    args = ap.parse_args(argv)

    lengths = opener_lengths(Path(args.data))
    texts = make_texts(lengths, args.n)
    tl = [len(t) for t in texts]
    print(
        f"{len(texts)} generated texts: median {statistics.median(tl):.0f} chars, "
        f"mean {statistics.mean(tl):.0f}, max {max(tl)} (lengths from {len(lengths)} openers)"
    )

    model = PitchClassifier.load(args.model)
    model.predict_scores(["warm up"])

    # Wall time is what a user waits; CPU time (this process only) is what the code costs and
    # is less disturbed by other jobs on a shared machine, so both are printed.
    t0, c0 = time.perf_counter(), time.process_time()
    normed = [normalize(t).text for t in texts]
    t_norm, c_norm = time.perf_counter() - t0, time.process_time() - c0
    best = best_cpu = float("inf")
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        model.predict_scores(normed)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    n = len(texts)
    print(f"normalise            {n / t_norm:>10,.0f} messages/s  (CPU time: {n / c_norm:,.0f}/s)")
    print(
        f"score (normalised)   {n / best:>10,.0f} messages/s  (batch, one core; "
        f"CPU time: {n / best_cpu:,.0f}/s)"
    )
    print(
        f"normalise + score    {n / (t_norm + best):>10,.0f} messages/s  "
        f"(CPU time: {n / (c_norm + best_cpu):,.0f}/s)"
    )

    lat = []
    for t in texts[:3000]:
        t0 = time.perf_counter()
        model.predict_scores([normalize(t).text])
        lat.append(time.perf_counter() - t0)
    lat_ms = np.asarray(lat) * 1000
    print(
        f"single text (normalise + score): p50 {np.percentile(lat_ms, 50):.3f} ms, "
        f"p99 {np.percentile(lat_ms, 99):.3f} ms, max {lat_ms.max():.3f} ms"
    )
    lat = []
    for t in texts[:3000]:
        t0 = time.perf_counter()
        model.explain(normalize(t).text)
        lat.append(time.perf_counter() - t0)
    lat_ms = np.asarray(lat) * 1000
    print(
        f"explain(): p50 {np.percentile(lat_ms, 50):.3f} ms, p99 {np.percentile(lat_ms, 99):.3f} ms"
    )

    try:
        from pitchless.guard import Guard, MessageContext

        guard = Guard(model=model)
        lat = []
        for t in texts[:3000]:
            t0 = time.perf_counter()
            guard.score(MessageContext(text=t))
            lat.append(time.perf_counter() - t0)
        lat_ms = np.asarray(lat) * 1000
        print(
            f"Guard.score(): p50 {np.percentile(lat_ms, 50):.3f} ms, "
            f"p99 {np.percentile(lat_ms, 99):.3f} ms"
        )
    except ImportError:
        print("Guard.score(): pitchless.guard.Guard not available, skipped")

    import_s = _subprocess_seconds(
        "import time; t = time.perf_counter(); import pitchless.guard; "
        "print(time.perf_counter() - t)"
    )
    load_s = _subprocess_seconds(
        "import time; from pitchless.guard._textmodel import PitchClassifier; "
        f"t = time.perf_counter(); PitchClassifier.load({args.model!r}); "
        "print(time.perf_counter() - t)"
    )
    print(f"import pitchless.guard: {import_s:.3f} s (fresh process)")
    print(f"model load (npz + json): {load_s:.3f} s (fresh process)")

    rss_code = (
        "import resource, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / 'bench')!r})\n"
        "from guard_speed import make_texts, opener_lengths\n"
        "from pathlib import Path\n"
        "from pitchless.guard._normalize import normalize\n"
        "from pitchless.guard._textmodel import PitchClassifier\n"
        f"texts = make_texts(opener_lengths(Path({args.data!r})), {args.n})\n"
        f"m = PitchClassifier.load({args.model!r})\n"
        "m.predict_scores([normalize(t).text for t in texts])\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    print(f"peak RSS, load + score {args.n} texts: {_subprocess_seconds(rss_code):.0f} MB")
    size = sum(p.stat().st_size for p in Path(args.model).iterdir() if p.is_file())
    print(f"model files: {size / 1e6:.2f} MB in {args.model}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

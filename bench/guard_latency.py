"""Latency of one ``Guard.score`` call in-process, and bounded time on hostile input.

Prints p50/p95/p99 per call over a mix of realistic messages (generated here, no shared data
needed), the time for each kind of bad input, model load time and peak RSS. A benchmark that
prints figures, not a timed test: compare figures from one run on one machine.

    .venv/bin/python bench/guard_latency.py [--calls 5000]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

OPENERS = [
    "Hi {n}, thanks for connecting!",
    "Happy birthday {n}! Wishing you a great year.",
    "Congrats on the new role at {c}, well deserved.",
    "Hi {n}, I noticed {c} is hiring. Our agency places senior engineers in 2 weeks, "
    "fees from $4,000. Open to a quick 15-minute call this week?",
    "Hello {n}, we help companies like {c} cut cloud costs by 30%. Can I book a demo? "
    "https://calendly.com/sales/intro",
    "Hi {n}, I'm looking for a referral for the analyst role at {c}. Could you help?",
    "Hi {n}, a recruiter here: we have a remote Python role paying 120k. Interested?",
    '<p class="spinmail-quill-editor__spin-break">Hi {n},</p><p>Our platform gives '
    "%FIRSTNAME% teams a free trial &amp; 20% discount this month.</p>",
    "Thanks for the chat yesterday {n}, sending the slides as promised.",
    "Hola {n}, gracias por conectar. ¿Te interesa nuestra oferta de formación online?",
    "Hej {n}! Tack för kontakten, hoppas allt är bra med dig.",
]
NAMES = ["Ana", "Bo", "Chidi", "Dana", "Eero", "Fatima", "Goran", "Hiro"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli"]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    import pitchless.guard as g

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    guard = g.Guard()
    t_load = time.perf_counter() - t0

    rng = random.Random(0)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    contexts = []
    for _ in range(args.calls):
        text = rng.choice(OPENERS).format(n=rng.choice(NAMES), c=rng.choice(COMPANIES))
        minutes = rng.choice([None, 2, 30, 600, 60 * 24 * 40])
        contexts.append(
            g.MessageContext(
                text=text,
                sent_at=now,
                connected_at=None if minutes is None else now - timedelta(minutes=minutes),
                recipient_messages_to_sender=rng.choice([0, 0, 1, 5]),
                bulk=g.BulkCounts(recipients=rng.choice([1, 1, 8, 40]), senders=1),
            )
        )
    for ctx in contexts[:200]:  # warm-up
        guard.score(ctx)
    times = []
    for ctx in contexts:
        t = time.perf_counter()
        guard.score(ctx)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    q = statistics.quantiles(times, n=100)
    print(f"import pitchless.guard: {t_import * 1000:.0f} ms; model load: {t_load * 1000:.0f} ms")
    print(
        f"Guard.score, {len(times)} calls: p50 {q[49]:.3f} ms, p95 {q[94]:.3f} ms, "
        f"p99 {q[98]:.3f} ms, max {times[-1]:.3f} ms (target p99 <= 2 ms)"
    )

    bad = {
        "empty text": "",
        "5 MB of text": "buy now " * (5 * 1024 * 1024 // 8),
        "invalid UTF-8 (decoded with replacement)": (b"\xff\xfe\xc3(" * 10000).decode(
            "utf-8", errors="replace"
        ),
        "lone surrogates": "\udcff\ud800 offer" * 1000,
        "deeply nested HTML": "<div>" * 200_000 + "pricing" + "</div>" * 200_000,
        "only emoji": "🚀🔥💰" * 3000,
        "1 MB of spaced letters": "f r e e  t r i a l  " * (1024 * 1024 // 20),
        "1 MB of zero-width characters": "\u200b\u200c\u200d\u2060\ufeff" * (1024 * 1024 // 5),
        "1 MB of mixed scripts": "frее trіаl привет ελα ꜰʀᴇᴇ " * (1024 * 1024 // 25),
    }
    for name, text in bad.items():
        t = time.perf_counter()
        verdict = guard.score(g.MessageContext(text=text, sent_at=now))
        ms = (time.perf_counter() - t) * 1000
        flag = " (truncated, said in reasons)" if verdict.truncated else ""
        print(f"bad input, {name}: {ms:.1f} ms -> {verdict.action.value}{flag}")
    print(f"peak RSS: {_rss_mb():.0f} MB (target <= 250 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

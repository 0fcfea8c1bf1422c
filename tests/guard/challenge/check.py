"""Check the guard challenge corpus and print its counts.

Run from the repository root:

    python tests/guard/challenge/check.py             # check, then print plain counts
    python tests/guard/challenge/check.py --markdown  # check, then print the README tables

It exits with status 1 and lists every problem when the file breaks a rule below. Only the
standard library is used, so it runs without the project's virtual environment.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

CORPUS = Path(__file__).with_name("challenge.csv")
COLUMNS = [
    "id",
    "split",
    "category",
    "family",
    "language",
    "label",
    "hard_negative",
    "solicited",
    "text",
]
SPLITS = ("train", "test")
LABELS = ("pitch", "recruiting", "job_seeking", "social", "conversation")
LANGUAGES = ("en", "es", "pt", "fr", "de", "sv", "nl", "it", "hi-en")
PITCH_CATEGORIES = (
    "saas_demo",
    "agency_b2b",
    "recruitment_agency",
    "course_degree",
    "invest_mlm_loan",
    "events",
    "channel_subscribe",
    "link_cta",
    "friendly_wrapper",
    "followup_bump",
    "sponsored_inmail",
    "styled_disguise",
)
# The label each hard-negative category may carry (SOURCE.md meanings of the openers data).
HARD_NEGATIVE_LABELS = {
    "recruiter_job_offer": {"recruiting"},
    "job_seeker": {"job_seeking"},
    "application_reply": {"conversation"},
    "research_podcast": {"conversation"},
    "congratulations": {"social"},
    "small_talk": {"social"},
    "innocent_sales_words": {"conversation", "social"},
    "business_inquiry_solicited": {"conversation", "social"},
    "peer_collab": {"conversation", "social"},
}
CATEGORIES = PITCH_CATEGORIES + tuple(HARD_NEGATIVE_LABELS)


def read_rows(path: Path) -> list[dict[str, str]]:
    """Read the corpus; raise ValueError when the header or line endings are wrong."""
    raw = path.read_bytes()
    if b"\r" in raw:
        raise ValueError(f"{path}: carriage returns found; the file must use LF line endings")
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            raise ValueError(f"{path}: columns are {reader.fieldnames}, expected {COLUMNS}")
        return list(reader)


def problems(rows: list[dict[str, str]]) -> list[str]:
    """Return one sentence per broken rule; an empty list means the corpus is valid."""
    found: list[str] = []
    ids: Counter[str] = Counter(r["id"] for r in rows)
    texts: Counter[str] = Counter(r["text"] for r in rows)
    found += [f"id {i} appears {n} times" for i, n in ids.items() if n > 1]
    found += [f"text repeated {n} times: {t[:50]!r}" for t, n in texts.items() if n > 1]
    family_values: dict[str, set[tuple[str, str, str, str]]] = defaultdict(set)
    for r in rows:
        where = f"row {r['id']}"
        if r["split"] not in SPLITS:
            found.append(f"{where}: split {r['split']!r} is not train or test")
        if r["language"] not in LANGUAGES:
            found.append(f"{where}: unknown language {r['language']!r}")
        if r["label"] not in LABELS:
            found.append(f"{where}: unknown label {r['label']!r}")
        if r["category"] not in CATEGORIES:
            found.append(f"{where}: unknown category {r['category']!r}")
        if not r["family"].startswith(r["category"] + "-"):
            found.append(f"{where}: family {r['family']!r} is not named after its category")
        if r["hard_negative"] not in ("0", "1") or r["solicited"] not in ("0", "1"):
            found.append(f"{where}: hard_negative and solicited must be 0 or 1")
        if r["category"] in PITCH_CATEGORIES:
            if r["label"] != "pitch" or r["hard_negative"] != "0":
                found.append(f"{where}: a {r['category']} row must be pitch with hard_negative 0")
        elif r["category"] in HARD_NEGATIVE_LABELS:
            if r["label"] not in HARD_NEGATIVE_LABELS[r["category"]]:
                found.append(f"{where}: label {r['label']!r} does not fit {r['category']}")
            if r["hard_negative"] != "1":
                found.append(f"{where}: a {r['category']} row must have hard_negative 1")
        if r["category"] == "application_reply" and r["solicited"] != "1":
            found.append(f"{where}: an application reply is solicited")
        if not r["text"].strip():
            found.append(f"{where}: empty text")
        family_values[r["family"]].add((r["split"], r["category"], r["language"], r["label"]))
    for family, values in sorted(family_values.items()):
        splits = {v[0] for v in values}
        if len(splits) > 1:
            found.append(f"family {family} spans both splits")
        if len({v[1:3] for v in values}) > 1:
            found.append(f"family {family} mixes categories or languages")
    return found


def table(rows: list[dict[str, str]], key: str, markdown: bool) -> str:
    """Counts of `key` per split and language, one line per value, with a total line."""
    counts: Counter[tuple[str, str, str]] = Counter(
        (r[key], r["split"], r["language"]) for r in rows
    )
    order = {v: i for i, v in enumerate(CATEGORIES)}
    values = sorted({r[key] for r in rows}, key=lambda v: (order.get(v, len(order)), v))
    head = [key, "train", "test", "families"] + [f"{lang} tr/te" for lang in LANGUAGES]
    families: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        families[r[key]].add(r["family"])
    lines = []
    for value in [*values, "total"]:
        sel = values if value == "total" else [value]

        def n(split: str, lang: str | None = None, sel: list[str] = sel) -> int:
            langs = LANGUAGES if lang is None else (lang,)
            return sum(counts[(v, split, x)] for v in sel for x in langs)

        nfam = sum(len(families[v]) for v in sel)
        cells = [value, str(n("train")), str(n("test")), str(nfam)]
        cells += [f"{n('train', lang)}/{n('test', lang)}" for lang in LANGUAGES]
        lines.append(cells)
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(c) + " |" for c in lines]
        return "\n".join(out)
    widths = [max(len(c[i]) for c in [head, *lines]) for i in range(len(head))]
    return "\n".join(
        "  ".join(c[i].rjust(widths[i]) for i in range(len(c))) for c in [head, *lines]
    )


def main(argv: list[str] | None = None) -> int:
    """Check the corpus, print the problems or the counts, and return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--markdown", action="store_true", help="print tables for README.md")
    args = parser.parse_args(argv)
    try:
        rows = read_rows(args.path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        print(f"cannot read the corpus: {exc}", file=sys.stderr)
        return 1
    found = problems(rows)
    if found:
        print(f"{len(found)} problem(s) in {args.path}:", file=sys.stderr)
        for line in found:
            print(f"  {line}", file=sys.stderr)
        return 1
    pitches = sum(r["label"] == "pitch" for r in rows)
    print(
        f"{len(rows)} rows, {len({r['family'] for r in rows})} families, {pitches} pitch, "
        f"{len(rows) - pitches} not pitch; no family spans both splits\n"
    )
    print(table(rows, "category", args.markdown))
    print()
    print(table(rows, "label", args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())

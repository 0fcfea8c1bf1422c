"""Quality of the connect-and-sell flag per export, leave-one-export-out.

    .venv/bin/python bench/audit_quality.py [--days 7] [--aux-weight 0.5] [--bundled]

Ground truth comes from the labels of ``../shared/data/linkedin_dm_openers/openers.csv``
(``label_v2``). A person of an export is a **true connect-and-sell case** when they are a
connection of the owner (``counterpart_is_connection = 1``) and at least one conversation they
opened has ``label_v2 = pitch`` with ``0 <= days_connection_to_opener <= N`` (day-level dates).
Openers by the owner or by LinkedIn itself carry no label and never count.

For every export that has a Connections.csv the script trains a fold model on the openers of
the *other* exports (texts that also occur in the held-out export are dropped from training
too), runs the whole audit with ``Guard(model=fold_model)``, and compares the flagged people
with the truth: precision@10 over the flagged people ranked by score (precision over all of
them when fewer than 10 are flagged) and recall. ``--bundled`` uses the shipped model instead:
it was trained on every export, so those figures are NOT held out.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"


def _key(name: str, url: str) -> str:
    return url.strip().rstrip("/").lower() if url else "name:" + " ".join(name.split()).casefold()


def truth_for(export_id: str, export: Any, days: int) -> tuple[set[str], int]:
    """Keys of the true connect-and-sell people, and the number of labelled inbound openers."""
    from pitchless.linkedin import parse_datetime

    convs: dict[str, Any] = {}
    starts: dict[tuple[str, Any], Any] = {}
    for m in export.messages:
        if m.conversation_id not in convs:
            convs[m.conversation_id] = m
            starts[(m.sender_name, m.sent_at)] = m
    truth: set[str] = set()
    labelled = 0
    with (DATA / "linkedin_dm_openers" / "openers.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["export_id"] != export_id or not row["label_v2"]:
                continue
            labelled += 1
            if row["conversation_id"]:
                opener = convs.get(row["conversation_id"])
            else:
                at = parse_datetime(row["first_date_utc"])[0]
                opener = starts.get((row["opener_sender"].strip(), at))
            if opener is None:
                continue
            d = row["days_connection_to_opener"]
            if (
                row["label_v2"] == "pitch"
                and row["counterpart_is_connection"] == "1"
                and d not in ("", None)
                and 0 <= float(d) <= days
            ):
                truth.add(_key(opener.sender_name, opener.sender_url))
    return truth, labelled


def fold_model(export_id: str, aux_weight: float, aux: list[Any]) -> Any:
    """A text model trained without ``export_id`` (nor any opener text it contains)."""
    from pitchless.guard._normalize import normalize
    from pitchless.guard._textmodel import PitchClassifier
    from pitchless.guard._training import load_openers, training_set

    openers = load_openers(DATA)
    held_texts = set()
    with (DATA / "linkedin_dm_openers" / "openers.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["export_id"] == export_id:
                raw = row["opener_raw"] or row["opener_text"]
                held_texts.add(normalize(raw, row.get("subject") or "").text)
    train = [o for o in openers if o.export_id != export_id and o.text not in held_texts]
    ts = training_set(train, aux, aux_weight=aux_weight)
    return ts.fit(PitchClassifier())


def _has_inbound(export_dir: Path) -> bool:
    from pitchless.linkedin import read_export

    return any(m.is_incoming and not m.is_system for m in read_export(export_dir).messages)


def evaluate(export_dir: Path, guard: Any, days: int) -> dict[str, Any]:
    """Run the audit on one export and score its flag against the labels."""
    from pitchless.audit import AuditSettings, run_audit
    from pitchless.linkedin import read_export

    export = read_export(export_dir)
    truth, labelled = truth_for(export_dir.name, export, days)
    result = run_audit(export, guard, settings=AuditSettings(days=days))
    flagged = [p for p in result.people if p.connect_and_sell]
    keys = [_key(p.name, p.profile_url) for p in flagged]
    top = keys[:10]
    hits_top = sum(k in truth for k in top)
    hits = sum(k in truth for k in keys)
    return {
        "export": export_dir.name,
        "people": len(result.people),
        "labelled_openers": labelled,
        "true_cases": len(truth),
        "flagged": len(flagged),
        "precision_at_10": round(hits_top / len(top), 3) if top else None,
        "k": len(top),
        "recall": round(hits / len(truth), 3) if truth else None,
        "true_positives": hits,
    }


def main() -> int:
    """Print per-export precision@10 and recall of the connect-and-sell flag."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--aux-weight", type=float, default=0.5)
    parser.add_argument("--bundled", action="store_true", help="bundled model (not held out)")
    parser.add_argument("--model-dir", help="another trained model (not held out)")
    parser.add_argument("--json", action="store_true", help="print JSON lines only")
    parser.add_argument("--only", nargs="*", help="export ids to evaluate (default: all)")
    parser.add_argument(
        "--pitch-rule",
        choices=("text", "action"),
        default="text",
        help="what makes a message a pitch: the text model (default) or the guard's action",
    )
    args = parser.parse_args()
    samples = DATA / "linkedin_export_samples"
    if not samples.is_dir():
        print(f"{samples} is absent: nothing to measure", file=sys.stderr)
        return 1
    from pitchless.guard import Guard

    exports = sorted(p for p in samples.iterdir() if (p / "Connections.csv").is_file())
    if args.only:
        exports = [p for p in exports if p.name in args.only]
    if args.pitch_rule == "action":
        from pitchless.audit import _audit
        from pitchless.guard import Action

        # Sensitivity check only: the guard's action also weighs timing after connecting.
        _audit.is_pitch = lambda v: v.action is not Action.DELIVER  # type: ignore[assignment]
    aux: list[Any] = []
    if not (args.bundled or args.model_dir) and args.aux_weight > 0:
        from pitchless.guard._training import load_auxiliary

        aux = load_auxiliary(DATA)
    rows = []
    totals: dict[str, int] = defaultdict(int)
    for folder in exports:
        t0 = time.perf_counter()
        if args.bundled or args.model_dir:
            guard = Guard(model_dir=args.model_dir)
            model_name = args.model_dir or "bundled (trained on all exports: not held out)"
        elif not _has_inbound(folder):
            guard, model_name = None, "none needed: nobody but the owner wrote"
        else:
            guard = Guard(model=fold_model(folder.name, args.aux_weight, aux))
            model_name = f"fold model without {folder.name} (aux weight {args.aux_weight})"
        row = evaluate(folder, guard, args.days)
        row["model"] = model_name
        row["seconds"] = round(time.perf_counter() - t0, 1)
        rows.append(row)
        for k in ("true_cases", "flagged", "true_positives"):
            totals[k] += row[k]
        print(json.dumps(row) if args.json else _line(row), flush=True)
    if not args.json:
        tc, tp, fl = totals["true_cases"], totals["true_positives"], totals["flagged"]
        print(
            f"pooled: {tc} true cases, {fl} flagged, {tp} true positives; precision {tp / fl:.2f}"
            if fl
            else "pooled: nothing flagged",
            f"recall {tp / tc:.2f}" if tc else "",
        )
    return 0


def _line(r: dict[str, Any]) -> str:
    p10 = "n/a" if r["precision_at_10"] is None else f"{r['precision_at_10']:.2f}"
    rec = "n/a" if r["recall"] is None else f"{r['recall']:.2f}"
    return (
        f"{r['export']:<11} people {r['people']:>4}  true {r['true_cases']:>3}  "
        f"flagged {r['flagged']:>3}  P@10 {p10:>4} (k={r['k']})  recall {rec:>4}  "
        f"[{r['model']}; {r['seconds']} s]"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())

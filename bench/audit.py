"""Speed of the whole audit (read ZIP + score + HTML/CSV/JSON) on a 100,000-message export.

    .venv/bin/python bench/audit.py [--messages 100000] [--model-dir DIR] [--keep]

The export is built at run time in a temporary folder (never committed) by replicating the
largest shared sample (``../shared/data/linkedin_export_samples/2021-06_B``) with shifted
conversation ids, counterpart names and dates; without the shared data an invented export
is generated instead. The audit runs in a fresh child process so that its peak RSS
(``ru_maxrss``) is the audit's own, not the builder's. Targets: <= 10 s, <= 500 MB.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO.parent / "shared" / "data" / "linkedin_export_samples" / "2021-06_B"
UTC_FMT = "%Y-%m-%d %H:%M:%S UTC"


def _read_csv(path: Path) -> tuple[str, list[str], list[list[str]]]:
    """(preamble text, header, rows) of a sample file."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line and not line.startswith(("Notes:", '"')))
    preamble = "\n".join(lines[:start]) + ("\n" if start else "")
    rows = list(csv.reader(io.StringIO("\n".join(lines[start:]), newline="")))
    return preamble, rows[0], [r for r in rows[1:] if r]


def _write_csv(preamble: str, header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    buf.write(preamble)
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def build_from_sample(target: int) -> dict[str, bytes]:
    """Replicate the sample until ``target`` messages: new people, ids and dates per copy."""
    _, mh, mrows = _read_csv(SAMPLE / "messages.csv")
    cpre, ch, crows = _read_csv(SAMPLE / "Connections.csv")
    col = {name: i for i, name in enumerate(mh)}
    owner = max(
        {r[col["FROM"]] for r in mrows}, key=lambda n: sum(r[col["FROM"]] == n for r in mrows)
    )
    copies = -(-target // len(mrows))
    out_m: list[list[str]] = []
    out_c: list[list[str]] = []
    for k in range(copies):
        shift = timedelta(days=9 * k)

        def rename(name: str, k: int = k) -> str:
            if not name or name == owner or "LinkedIn" in name:
                return name
            return f"{name} R{k}" if k else name

        for r in mrows:
            row = list(r)
            row[col["CONVERSATION ID"]] = f"{r[col['CONVERSATION ID']]}-{k}"
            row[col["FROM"]] = rename(r[col["FROM"]])
            url = r[col["SENDER PROFILE URL"]]
            if url and r[col["FROM"]] != owner and k:
                row[col["SENDER PROFILE URL"]] = f"{url}-r{k}"
            row[col["TO"]] = ",".join(rename(n) for n in r[col["TO"]].split(","))
            at = datetime.strptime(r[col["DATE"]], UTC_FMT) - shift
            row[col["DATE"]] = at.strftime(UTC_FMT)
            out_m.append(row)
            if len(out_m) >= target:
                break
        ccol = {name: i for i, name in enumerate(ch)}
        for r in crows:
            row = list(r)
            if k:
                row[ccol["Last Name"]] = f"{r[ccol['Last Name']]} R{k}"
            if r[ccol["Connected On"]]:
                day = datetime.strptime(r[ccol["Connected On"]], "%d %b %Y") - shift
                row[ccol["Connected On"]] = day.strftime("%d %b %Y")
            out_c.append(row)
        if len(out_m) >= target:
            break
    return {
        "messages.csv": _write_csv("", mh, out_m),
        "Connections.csv": _write_csv(cpre, ch, out_c)[:-1],  # no final newline, as LinkedIn
    }


def build_generated(target: int, seed: int = 7) -> dict[str, bytes]:
    """An invented export of ``target`` messages: pitches, templates, friends, recruiters."""
    rng = random.Random(seed)
    owner, owner_url = "Sam Owner", "https://www.linkedin.com/in/sam-owner-1"
    texts = [
        "Hi Sam, thanks for connecting! We help teams like yours cut cloud costs by 30%. "
        "Open to a quick 15-minute call this week?",
        "Happy birthday Sam! Have a great year.",
        "Congrats on the new role, Sam!",
        "Hi Sam, I'm hiring a senior engineer for a remote role. Interested?",
        "Hi Sam, could you refer me for the analyst opening at your company?",
        "Thanks for the connection, Sam. Great to be in touch.",
    ]
    header = [
        "CONVERSATION ID",
        "CONVERSATION TITLE",
        "FROM",
        "SENDER PROFILE URL",
        "TO",
        "RECIPIENT PROFILE URLS",
        "DATE",
        "SUBJECT",
        "CONTENT",
        "FOLDER",
    ]
    rows: list[list[str]] = []
    conns: list[list[str]] = []
    t0 = datetime(2024, 6, 1, tzinfo=UTC)
    i = 0
    while len(rows) < target:
        name, url = f"Person {i}", f"https://www.linkedin.com/in/person-{i}"
        on = t0 - timedelta(days=rng.randint(0, 900))
        conns.append(["Person", str(i), url, "", "Co", "Role", on.strftime("%d %b %Y")])
        at = on + timedelta(days=rng.choice([0, 0, 1, 3, 20, 200]), minutes=rng.randint(0, 999))
        for j in range(rng.randint(1, 4)):
            sender_is_owner = j % 2 == 1
            rows.append(
                [
                    f"2-c{i}",
                    "",
                    owner if sender_is_owner else name,
                    owner_url if sender_is_owner else url,
                    name if sender_is_owner else owner,
                    url if sender_is_owner else owner_url,
                    (at + timedelta(hours=j)).strftime(UTC_FMT),
                    "",
                    "Sure, talk soon." if sender_is_owner else rng.choice(texts),
                    "INBOX",
                ]
            )
        i += 1
    cheader = [
        "First Name",
        "Last Name",
        "URL",
        "Email Address",
        "Company",
        "Position",
        "Connected On",
    ]
    return {
        "messages.csv": _write_csv("", header, rows[:target]),
        "Connections.csv": _write_csv("", cheader, conns),
    }


def run_child(zip_path: Path, model_dir: str | None) -> dict[str, float]:
    """Inside the child: the whole audit, timed, with its peak RSS."""
    from pitchless.audit import run_audit, to_csv, write_html, write_json
    from pitchless.guard import Guard
    from pitchless.linkedin import read_export

    guard = Guard(model_dir=model_dir)  # the model load is not the audit's cost
    start = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = start.ru_utime + start.ru_stime
    t0 = time.perf_counter()
    export = read_export(zip_path)
    t_read = time.perf_counter()
    result = run_audit(export, guard)
    n_messages = len(export.messages)
    del export  # as the CLI does: the reports need only the result
    t_score = time.perf_counter()
    html_path = zip_path.with_suffix(".html")
    write_html(result, html_path)
    csv_text = to_csv(result)
    json_path = zip_path.with_suffix(".json")
    with open(json_path, "w", encoding="utf-8") as fh:
        write_json(result, fh)
    t_end = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss_mb = usage.ru_maxrss / 1024
    cpu_s = usage.ru_utime + usage.ru_stime - cpu0
    return {
        "messages": n_messages,
        "people": len(result.people),
        "scored_messages": result.counts.get("scored_messages", 0),
        "connect_and_sell": result.counts.get("connect_and_sell", 0),
        "read_s": round(t_read - t0, 2),
        "audit_s": round(t_score - t_read, 2),
        "report_s": round(t_end - t_score, 2),
        "total_s": round(t_end - t0, 2),
        # CPU seconds of the audit process: steadier than wall time on a shared machine
        "cpu_s": round(cpu_s, 2),
        "load_avg_1min": round(os.getloadavg()[0], 2),
        "peak_rss_mb": round(rss_mb, 1),
        "html_mb": round(html_path.stat().st_size / 1e6, 1),
        "csv_mb": round(len(csv_text.encode()) / 1e6, 1),
        "json_mb": round(json_path.stat().st_size / 1e6, 1),
    }


def main() -> int:
    """Build the export, run the audit in a child process, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--model-dir", default=None, help="a trained model (default: bundled)")
    parser.add_argument("--keep", action="store_true", help="print the temp folder, keep it")
    parser.add_argument("--child", metavar="ZIP", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(Path(args.child), args.model_dir)))
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="pitchless-audit-bench-"))
    source = "2021-06_B replicated" if SAMPLE.is_dir() else "generated"
    files = build_from_sample(args.messages) if SAMPLE.is_dir() else build_generated(args.messages)
    zip_path = tmp / "Complete_LinkedInDataExport_bench.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    cmd = [sys.executable, __file__, "--child", str(zip_path)]
    if args.model_dir:
        cmd += ["--model-dir", args.model_dir]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if proc.returncode:
        print(proc.stderr, file=sys.stderr)
        return proc.returncode
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"export: {source}, {zip_path.stat().st_size / 1e6:.1f} MB zipped")
    for key, value in figures.items():
        print(f"{key:>16}: {value}")
    ok = figures["total_s"] <= 10 and figures["peak_rss_mb"] <= 500
    print("targets (<= 10 s, <= 500 MB):", "met" if ok else "MISSED")
    if args.keep:
        print("kept", tmp)
    else:
        for p in tmp.iterdir():
            p.unlink()
        tmp.rmdir()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())

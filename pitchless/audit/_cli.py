"""``pitchless audit EXPORT``: the connect-and-sell audit from the command line."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from pitchless._cli_support import CommandError
from pitchless.linkedin import ExportError, read_export

from ._audit import Scorer, run_audit
from ._export_formats import to_csv, write_json
from ._html import render_html, write_html
from ._models import AuditSettings
from ._redact import redact
from ._terminal import print_report

#: Files smaller than this are read without a progress bar (it would only flicker).
_PROGRESS_MIN_BYTES = 2 * 1024 * 1024


def _since(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _days(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of days: {value!r}") from None
    if not 0 <= n <= 3650:
        raise argparse.ArgumentTypeError(f"days must be between 0 and 3650, not {n}")
    return n


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``audit`` subcommand."""
    parser = subparsers.add_parser(
        "audit",
        help="audit a LinkedIn data export for people who connected and then pitched",
        description=(
            "Read LinkedIn's 'Get a copy of your data' export (the ZIP or its folder), score "
            "what each person sent you with the guard, and rank who connected and then pitched."
        ),
    )
    parser.add_argument("export", metavar="EXPORT", help="the export ZIP or unpacked folder")
    parser.add_argument("--html", metavar="FILE", help="write the self-contained HTML report")
    parser.add_argument("--csv", metavar="FILE", help="write the review list as CSV")
    parser.add_argument("--json", metavar="FILE", help="write the JSON report ('-' for stdout)")
    parser.add_argument(
        "--since",
        metavar="YYYY-MM-DD",
        type=_since,
        help="only people whose first message to you is on or after this date",
    )
    parser.add_argument(
        "--redact",
        action="store_true",
        help="replace names with initials and drop profile URLs in every output",
    )
    parser.add_argument(
        "--days",
        metavar="N",
        type=_days,
        default=7,
        help="a pitch within N days of connecting is connect-and-sell (default 7)",
    )
    parser.add_argument(
        "--owner",
        metavar="NAME",
        default=None,
        help="your name (or profile URL) as the export shows it, when the audit guesses wrong",
    )
    parser.add_argument(
        "--top", metavar="N", type=int, default=20, help="people shown in the terminal (20)"
    )
    parser.add_argument(
        "--model-dir",
        metavar="DIR",
        default=None,
        help="a trained guard model (default: $PITCHLESS_GUARD_MODEL_DIR, else the bundled one)",
    )
    parser.set_defaults(handler=_run)


def _write(path: str, text: str) -> None:
    if path == "-":
        sys.stdout.write(text)
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None


def _load_guard(model_dir: str | None) -> Scorer:
    """The guard with the chosen model; a missing or broken model is a one-line error."""
    from pitchless.guard import Guard

    chosen = model_dir or os.environ.get("PITCHLESS_GUARD_MODEL_DIR") or None
    try:
        return Guard(model_dir=chosen)
    except (OSError, ValueError, KeyError) as exc:
        raise CommandError(f"cannot load the guard's text model: {exc}") from None


def _run(args: argparse.Namespace) -> int:
    """Run the audit; returns the exit status (bad input raises :class:`CommandError`)."""
    err = Console(stderr=True)
    settings = AuditSettings(days=args.days, since=args.since)
    path = Path(args.export)
    show_progress = err.is_terminal and path.is_file() and path.stat().st_size > _PROGRESS_MIN_BYTES
    try:
        if show_progress:
            with Progress(
                TextColumn("reading export"),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            ) as bar:
                task = bar.add_task("read", total=None)
                export = read_export(
                    path,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                    owner=args.owner,
                )
        else:
            export = read_export(path, owner=args.owner)
    except ExportError as exc:
        raise CommandError(str(exc)) from None
    if not export.messages:
        raise CommandError(f"{path.name}: the export holds no messages to audit")
    guard = _load_guard(args.model_dir)
    if err.is_terminal:
        with err.status("scoring messages with the guard"):
            result = run_audit(export, guard, settings=settings)
    else:
        result = run_audit(export, guard, settings=settings)
    del export  # the result holds what the reports need; free the messages first
    if args.redact:
        result = redact(result)
    if args.json:
        if args.json == "-":
            write_json(result, sys.stdout, indent=1)
        else:
            try:
                with open(args.json, "w", encoding="utf-8") as fh:
                    write_json(result, fh, indent=1)
            except OSError as exc:
                raise CommandError(f"cannot write {args.json}: {exc.strerror or exc}") from None
    if args.csv:
        _write(args.csv, to_csv(result))
    if args.html:
        if args.html == "-":
            _write("-", render_html(result))
        else:
            try:
                write_html(result, args.html)
            except OSError as exc:
                raise CommandError(f"cannot write {args.html}: {exc.strerror or exc}") from None
    out = Console(stderr=args.json == "-")
    print_report(result, out, top=args.top)
    return 0

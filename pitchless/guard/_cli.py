"""``pitchless guard score | train | eval``: the guard from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pitchless._cli_support import CommandError
from pitchless.guard._normalize import MAX_INPUT_CHARS
from pitchless.guard._types import BulkCounts, MessageContext, Verdict

#: Bytes read from standard input for ``score -``: a little over the guard's own cap, so the
#: verdict can still say the message was truncated.
_STDIN_CAP = MAX_INPUT_CHARS * 4 + 1


def _non_negative(kind: type[int] | type[float]) -> Any:
    def parse(raw: str) -> int | float:
        try:
            value = kind(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {raw!r}") from None
        if value < 0 or value != value:  # NaN fails the second test
            raise argparse.ArgumentTypeError(f"must be zero or more, got {raw!r}")
        return value

    parse.__name__ = kind.__name__
    return parse


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Add ``guard`` and its subcommands; returns the group, so the site can add its own."""
    guard = subparsers.add_parser("guard", help="score, train and evaluate the pitch guard")
    commands = guard.add_subparsers(title="guard commands", dest="guard_command", required=True)

    score = commands.add_parser("score", help="score one message and print the verdict")
    score.add_argument("text", help="the message text, or - to read it from standard input")
    score.add_argument("--subject", default="", help="the message subject (may be HTML)")
    score.add_argument(
        "--minutes-since-connect",
        type=_non_negative(float),
        metavar="N",
        help="minutes between connecting and sending (omit when not connected)",
    )
    score.add_argument(
        "--recipient-replied",
        type=_non_negative(int),
        default=0,
        metavar="N",
        help="how many messages the recipient ever sent the sender (default 0)",
    )
    score.add_argument(
        "--same-text-recipients",
        type=_non_negative(int),
        metavar="N",
        help="distinct members who got a near-identical text from this sender this week",
    )
    score.add_argument(
        "--same-text-senders",
        type=_non_negative(int),
        metavar="N",
        help="distinct members who sent a near-identical text this week",
    )
    score.add_argument(
        "--started-by-recipient",
        action="store_true",
        help="the recipient started this conversation",
    )
    score.add_argument("--json", action="store_true", help="print the verdict as JSON")
    score.add_argument("--model", type=Path, metavar="DIR", help="use the model in DIR")
    score.set_defaults(handler=_score)

    train = commands.add_parser("train", help="train the text model on the shared data")
    train.add_argument("--data", type=Path, required=True, metavar="DIR", help="data folder")
    train.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    train.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    train.add_argument(
        "--challenge",
        type=Path,
        metavar="FILE.csv",
        help="challenge corpus whose train half joins the training data "
        "(default: tests/guard/challenge/challenge.csv of the repository, when present)",
    )
    train.add_argument(
        "--no-challenge", action="store_true", help="train without the challenge corpus"
    )
    train.add_argument(
        "--aux-weight",
        type=_non_negative(float),
        default=None,
        metavar="W",
        help="total weight of the auxiliary spam corpora relative to the openers (default 0)",
    )
    train.set_defaults(handler=_train)

    ev = commands.add_parser("eval", help="evaluate the guard on a labelled CSV file")
    ev.add_argument("file", type=Path, metavar="FILE.csv")
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument("--model", type=Path, metavar="DIR", help="use the model in DIR")
    ev.set_defaults(handler=_eval)
    return commands


def _guard(model_dir: Path | None) -> Any:
    from pitchless.guard._guard import Guard

    if model_dir is not None and not (model_dir.is_dir()):
        raise CommandError(f"{model_dir}: no such model folder")
    try:
        return Guard(model_dir=model_dir)
    except (OSError, ValueError, KeyError) as exc:
        raise CommandError(f"cannot load the model: {exc}") from exc


def _read_text(raw: str) -> str:
    if raw != "-":
        return raw
    data = sys.stdin.buffer.read(_STDIN_CAP)
    # Invalid UTF-8 is not an error: the guard reads what it can and the rest is replaced.
    return data.decode("utf-8", errors="replace")


def _score(args: argparse.Namespace) -> int:
    text = _read_text(args.text)
    now = datetime.now(UTC)
    connected_at = (
        None
        if args.minutes_since_connect is None
        else now - timedelta(minutes=args.minutes_since_connect)
    )
    bulk = None
    if args.same_text_recipients is not None or args.same_text_senders is not None:
        bulk = BulkCounts(
            recipients=max(1, args.same_text_recipients or 1),
            senders=max(1, args.same_text_senders or 1),
        )
    ctx = MessageContext(
        text=text,
        subject=args.subject,
        sent_at=now,
        connected_at=connected_at,
        started_by_recipient=args.started_by_recipient,
        recipient_messages_to_sender=args.recipient_replied,
        bulk=bulk,
    )
    verdict: Verdict = _guard(args.model).score(ctx)
    if args.json:
        print(json.dumps(verdict.to_dict(), ensure_ascii=False))
    else:
        _print_verdict(verdict)
    return 0


def _print_verdict(verdict: Verdict) -> None:
    from rich.console import Console

    console = Console()
    colour = {"deliver": "green", "pitches": "yellow", "hold": "red"}[verdict.action.value]
    where = {
        "deliver": "deliver to the inbox",
        "pitches": "file in Pitches",
        "hold": "hold for review",
    }[verdict.action.value]
    console.print(f"[bold {colour}]{where}[/]  score {verdict.score:.2f}", highlight=False)
    console.print(
        f"pitch probability {verdict.pitch_probability:.2f}, intent {verdict.intent.value}",
        highlight=False,
    )
    for reason in verdict.reasons:
        console.print(f"  - {reason.text}  [dim]({reason.code})[/]", highlight=False)


def _train(args: argparse.Namespace) -> int:
    from pitchless.guard._training import DEFAULT_AUX_WEIGHT, DEFAULT_CHALLENGE, train

    if not args.data.is_dir():
        raise CommandError(f"{args.data}: no such data folder")
    if args.challenge is not None and not args.challenge.is_file():
        raise CommandError(f"{args.challenge}: no such challenge corpus file")
    challenge = None if args.no_challenge else (args.challenge or DEFAULT_CHALLENGE)
    try:
        metrics = train(
            args.data,
            args.out,
            progress=lambda m: print(m, file=sys.stderr),
            seed=args.seed,
            challenge_path=challenge,
            aux_weight=DEFAULT_AUX_WEIGHT if args.aux_weight is None else args.aux_weight,
        )
    except (FileNotFoundError, ValueError) as exc:
        raise CommandError(str(exc)) from exc
    print(json.dumps(metrics, indent=2, ensure_ascii=False, default=str))
    return 0


def _eval(args: argparse.Namespace) -> int:
    from pitchless.guard._evaluate import EvalInputError, evaluate, load_rows

    try:
        rows, skipped = load_rows(args.file)
    except EvalInputError as exc:
        raise CommandError(str(exc)) from exc
    report = evaluate(_guard(args.model), rows, skipped=skipped)
    if args.json:
        print(json.dumps(report.to_dict()))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    summary = Table(title=f"Guard evaluation on {args.file.name} ({report.n} rows)")
    for name in ("precision", "recall", "F1", "FPR (non-pitches)", "ROC-AUC"):
        summary.add_column(name, justify="right")
    summary.add_row(
        f"{report.precision:.3f}",
        f"{report.recall:.3f}",
        f"{report.f1:.3f}",
        f"{report.fpr:.3f}",
        "n/a" if report.roc_auc is None else f"{report.roc_auc:.3f}",
    )
    console.print(summary)
    c = report.confusion
    confusion = Table(title="Confusion (rows: label, columns: guard)")
    confusion.add_column("")
    confusion.add_column("filed as pitch", justify="right")
    confusion.add_column("delivered", justify="right")
    confusion.add_row("pitch", str(c["tp"]), str(c["fn"]))
    confusion.add_row("not pitch", str(c["fp"]), str(c["tn"]))
    console.print(confusion)
    per = Table(title="Recall per label")
    per.add_column("label")
    per.add_column("n", justify="right")
    per.add_column("recall", justify="right")
    for label, value in report.per_intent_recall.items():
        per.add_row(label, str(report.per_intent_n[label]), f"{value:.3f}")
    console.print(per)
    if report.skipped:
        console.print(f"{report.skipped} rows skipped (unknown label or bad days value)")
    return 0

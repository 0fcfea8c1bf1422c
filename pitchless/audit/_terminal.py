"""The terminal view: a summary and the top of the ranked list, drawn with rich."""

from __future__ import annotations

import re

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ._models import LIST_TITLES, AuditResult, Category
from ._read_report import file_lines, owner_line

# The terminal table keeps reasons short; the HTML and CSV carry them in full.
_PARENTHESES = re.compile(r"\s*\([^()]*\)")


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def print_report(result: AuditResult, console: Console, *, top: int = 20) -> None:
    """Print the summary, the timing comparison and the ``top`` highest-ranked people."""
    c = result.counts
    s = result.settings
    console.print(
        Text.assemble(
            ("Connect-and-sell audit", "bold"),
            f" of {result.owner or 'an unknown account'} — ",
            (f"{c.get('people', 0):,} people wrote to you", "bold"),
            f" ({c.get('inbound_messages', 0):,} messages). ",
        )
    )
    for cat in Category:
        n = c.get(str(cat), 0)
        style = "bold red" if cat is Category.CONNECT_AND_SELL and n else ""
        console.print(Text(f"  {LIST_TITLES[cat]}: {n:,}", style=style))
    print_read_report(result, console)
    if not result.has_connections:
        console.print("[yellow]No Connections.csv in this export: nobody can be flagged.[/]")
    tp, to = result.timing["pitch"], result.timing["other"]
    timing = Table(
        title="Days from connecting to the first message (day-level)", title_justify="left"
    )
    for col in ("first message", "people", "median", "≤ 1 day", "≤ 7 days"):
        timing.add_column(col, justify="right" if col != "first message" else "left")
    timing.add_row(
        "a pitch",
        str(tp.people),
        str(tp.median_days if tp.median_days is not None else "–"),
        _pct(tp.within_1_day),
        _pct(tp.within_7_days),
    )
    timing.add_row(
        "anything else",
        str(to.people),
        str(to.median_days if to.median_days is not None else "–"),
        _pct(to.within_1_day),
        _pct(to.within_7_days),
    )
    console.print(timing)

    table = Table(
        title=f"Top {min(top, len(result.people))} (C&S: connected, then pitched within "
        f"{s.days} days)",
        title_justify="left",
        show_lines=False,
    )
    table.add_column("#", justify="right")
    table.add_column("name", no_wrap=True)
    table.add_column("connected")
    table.add_column("days", justify="right")
    table.add_column("verdict")
    table.add_column("C&S", no_wrap=True)
    table.add_column("score", justify="right")
    table.add_column("why", overflow="fold", min_width=28, max_width=60)
    for rank, p in enumerate(result.people[:top], start=1):
        worst = p.worst
        verdict = f"{worst.verdict.intent} {worst.verdict.pitch_probability:.2f}" if worst else ""
        table.add_row(
            str(rank),
            Text(p.name),
            p.connected_on.isoformat() if p.connected_on else "—",
            "" if p.days_to_first_message is None else str(p.days_to_first_message),
            verdict,
            Text("yes", style="bold red") if p.connect_and_sell else Text(""),
            f"{p.score:.2f}",
            Text("; ".join(_PARENTHESES.sub("", r.text) for r in p.reasons[:3])),
        )
    console.print(table)
    for w in result.warnings:
        console.print(Text(f"note: {w}", style="dim"))


def print_read_report(result: AuditResult, console: Console) -> None:
    """The "Read from your export" block: files used, rows read and skipped, the owner."""
    report = result.read_report
    if not report:
        return
    console.print(Text("Read from your export", style="bold"))
    for line in file_lines(report):
        console.print(Text(f"  {line}"))
    owner = report.get("owner")
    low = not owner or owner.get("confidence") == "low"
    console.print(Text(f"  {owner_line(report)}", style="yellow" if low else ""))

"""The HTML report: one offline file, inline CSS and SVG, no script, every text escaped.

Message texts come from strangers and are hostile by assumption: everything that reaches the
page goes through :func:`html.escape`, and the only links are LinkedIn profile URLs that match
a strict pattern (a ``javascript:`` URL in the export must not become a link).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from ._models import LIST_TITLES, AuditResult, Category, PersonReport
from ._read_report import file_lines, owner_line

_PROFILE = re.compile(
    r"^https://([a-z]{2,3}\.)?(www\.)?linkedin\.com/in/[A-Za-z0-9_%\-.]{1,200}/?$"
)
_PITCH_COLOUR = "#c0392b"
_OTHER_COLOUR = "#7f8c8d"

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2327;
background:#f6f7f7}
main{max-width:1180px;margin:0 auto;padding:16px 24px 48px}
.private{background:#7a1f1f;color:#fff;padding:10px 24px;font-weight:600}
h1{font-size:26px;margin:18px 0 4px}h2{font-size:20px;margin:32px 0 8px}
.muted{color:#646970}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{background:#fff;border:1px solid #dcdcde;border-radius:8px;padding:10px 14px;min-width:130px}
.card b{display:block;font-size:22px}.card.hot b{color:#c0392b}
table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}
th,td{border-bottom:1px solid #e4e4e7;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f1;position:sticky;top:0}
.flag{color:#fff;background:#c0392b;border-radius:4px;padding:1px 6px;font-size:12px}
.tag{background:#eef;border-radius:4px;padding:1px 6px;font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:16px}
figure{margin:0;background:#fff;border:1px solid #dcdcde;border-radius:8px;padding:10px}
figcaption{font-weight:600;margin-bottom:6px}
details{margin:2px 0}summary{cursor:pointer;color:#2271b1}
blockquote{margin:4px 0 8px;padding:6px 10px;background:#f6f7f7;border-left:3px solid #c3c4c7;
white-space:pre-wrap;word-break:break-word}
ul.reasons{margin:0;padding-left:18px}.legend span{display:inline-block;margin-right:12px}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[int]]],
    *,
    width: int = 520,
    height: int = 220,
) -> str:
    """A grouped bar chart as inline SVG: ``series`` is ``(name, colour, values)``."""
    n = max(len(labels), 1)
    top = max((v for _, _, vals in series for v in vals), default=0) or 1
    left, bottom, pad = 34, 34, 8
    plot_w, plot_h = width - left - pad, height - bottom - pad
    group_w = plot_w / n
    bar_w = min(max(group_w * 0.8 / max(len(series), 1), 1.0), 48.0)
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img">']
    for frac in (0.0, 0.5, 1.0):
        y = pad + plot_h * (1 - frac)
        parts.append(
            f'<line x1="{left}" x2="{width - pad}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e4e7"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
            f"{round(top * frac)}</text>"
        )
    step = max(1, n // 12)
    for i, label in enumerate(labels):
        x0 = left + i * group_w + group_w * 0.1
        for j, (name, colour, vals) in enumerate(series):
            v = vals[i] if i < len(vals) else 0
            h = plot_h * v / top
            x = x0 + j * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{pad + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{_e(name)} {_e(label)}: {v}'
                "</title></rect>"
            )
        if i % step == 0:
            parts.append(
                f'<text x="{left + (i + 0.5) * group_w:.1f}" y="{height - bottom + 14}" '
                f'font-size="10" text-anchor="middle">{_e(label)}</text>'
            )
    parts.append("</svg>")
    legend = "".join(
        f'<span><i class="sw" style="background:{c}"></i>{_e(name)}</span>' for name, c, _ in series
    )
    return "".join(parts) + (f'<div class="legend">{legend}</div>' if len(series) > 1 else "")


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def _profile_link(p: PersonReport) -> str:
    name = _e(p.name or "(no name)")
    if p.profile_url and _PROFILE.match(p.profile_url):
        return f'<a href="{_e(p.profile_url)}" rel="noreferrer noopener">{name}</a>'
    return name


def _person_rows(people: Sequence[PersonReport], start: int = 1) -> Iterator[str]:
    for rank, p in enumerate(people, start=start):
        worst = p.worst
        verdict = ""
        if worst is not None:
            v = worst.verdict
            verdict = (
                f'{_e(v.intent)} <span class="muted">p={v.pitch_probability:.2f}</span><br>'
                f'<span class="tag">{_e(v.action)}</span>'
            )
        flag = ' <span class="flag">connect &amp; sell</span>' if p.connect_and_sell else ""
        invited = {"them": "they invited you", "you": "you invited them"}.get(
            p.invited_by or "", ""
        )
        if p.invitation_note:
            invited += f"<br><i>{_e(p.invitation_note[:200])}</i>"
        reasons = "".join(f"<li>{_e(r.text)}</li>" for r in p.reasons[:8])
        msgs = "".join(
            f"<div class=muted>{_e(s.sent_at.strftime('%Y-%m-%d %H:%M'))} UTC · "
            f"{_e(s.verdict.intent)} p={s.verdict.pitch_probability:.2f}"
            f"{' · HTML' if s.is_html else ''}</div>"
            f"{'<b>' + _e(s.subject) + '</b>' if s.subject else ''}"
            f"<blockquote>{_e(s.text)}</blockquote>"
            for s in p.messages
        )
        days = "" if p.days_to_first_message is None else str(p.days_to_first_message)
        yield (
            "<tr>"
            f"<td>{rank}</td>"
            f"<td>{_profile_link(p)}{flag}</td>"
            f"<td>{_e(p.connected_on.isoformat() if p.connected_on else 'not connected')}"
            f"<br><span class=muted>{invited}</span></td>"
            f"<td>{_e(p.first_inbound_at.strftime('%Y-%m-%d'))}</td>"
            f"<td>{_e(days)}</td>"
            f"<td>{verdict}</td>"
            f"<td>{p.messages_before_reply}{'' if p.owner_replied else ' (no reply)'}</td>"
            f"<td>{p.score:.2f}</td>"
            f'<td><ul class="reasons">{reasons}</ul>'
            f"<details><summary>{len(p.messages)} scored message(s)</summary>{msgs}</details></td>"
            "</tr>"
        )


def _table(people: Sequence[PersonReport]) -> Iterator[str]:
    if not people:
        yield '<p class="muted">Nobody.</p>'
        return
    yield (
        "<table><thead><tr><th>#</th><th>Name</th><th>Connected</th><th>First message</th>"
        "<th>Days</th><th>Verdict</th><th>Before reply</th><th>Score</th><th>Evidence</th>"
        "</tr></thead><tbody>"
    )
    yield from _person_rows(people)
    yield "</tbody></table>"


def _read_block(result: AuditResult) -> str:
    """The "Read from your export" section: files, rows read and skipped, the owner."""
    report = result.read_report
    if not report:
        return ""
    items = []
    for line in file_lines(report):
        if line.startswith("    "):
            items.append(f'<li class="muted" style="list-style:none">{_e(line.strip())}</li>')
        else:
            items.append(f"<li>{_e(line)}</li>")
    owner = report.get("owner")
    low = not owner or owner.get("confidence") == "low"
    owner_html = f"<li>{'<b>' if low else ''}{_e(owner_line(report))}{'</b>' if low else ''}</li>"
    return f'<h2 id="read_report">Read from your export</h2><ul>{"".join(items)}{owner_html}</ul>'


def render_html(result: AuditResult) -> str:
    """The whole report as one HTML document (UTF-8), safe to open offline."""
    return "".join(iter_html(result))


def write_html(result: AuditResult, path: str | Path) -> None:
    """Write the report to ``path`` piece by piece (a large export's page is tens of MB)."""
    with open(path, "w", encoding="utf-8") as fh:
        for chunk in iter_html(result):
            fh.write(chunk)


def iter_html(result: AuditResult) -> Iterator[str]:
    """The report as a sequence of HTML fragments."""
    c = result.counts
    s = result.settings
    cards = [
        ("people who wrote to you", c.get("people", 0), False),
        ("connected, then pitched", c.get("connect_and_sell", 0), True),
        ("pitched without a connection", c.get("pitch_no_connection", 0), False),
        ("recruiters", c.get("recruiting", 0), False),
        ("pitch messages", c.get("pitch_messages", 0), False),
        ("templates", c.get("templates", 0), False),
    ]
    cards_html = "".join(
        f'<div class="card{" hot" if hot else ""}"><b>{v:,}</b>{_e(label)}</div>'
        for label, v, hot in cards
    )
    tp, to = result.timing["pitch"], result.timing["other"]
    timing = (
        "<table><thead><tr><th>First message was…</th><th>people</th><th>median days after "
        "connecting</th><th>within 1 day</th><th>within 7 days</th></tr></thead><tbody>"
        f"<tr><td>a pitch</td><td>{tp.people}</td><td>{_e(tp.median_days)}</td>"
        f"<td>{_pct(tp.within_1_day)}</td><td>{_pct(tp.within_7_days)}</td></tr>"
        f"<tr><td>anything else</td><td>{to.people}</td><td>{_e(to.median_days)}</td>"
        f"<td>{_pct(to.within_1_day)}</td><td>{_pct(to.within_7_days)}</td></tr>"
        "</tbody></table>"
    )
    hist = _bars(
        result.histogram_bins,
        [
            ("first message was a pitch", _PITCH_COLOUR, result.histogram["pitch"]),
            ("anything else", _OTHER_COLOUR, result.histogram["other"]),
        ],
    )
    months = list(result.pitches_per_month)
    per_month = _bars(
        months, [("pitches", _PITCH_COLOUR, [result.pitches_per_month[m] for m in months])]
    )
    top_templates = result.templates[:10]
    tmpl_rows = "".join(
        f"<tr><td>{t.senders}</td><td>{t.messages}</td><td>{t.pitch_messages}</td>"
        f"<td><blockquote>{_e(t.example)}</blockquote></td></tr>"
        for t in top_templates
    )
    templates = (
        "<table><thead><tr><th>senders</th><th>messages</th><th>pitches</th><th>text</th></tr>"
        f"</thead><tbody>{tmpl_rows}</tbody></table>"
        if top_templates
        else '<p class="muted">No repeated openers found.</p>'
    )
    warnings = "".join(f"<li>{_e(w)}</li>" for w in result.warnings)
    since = f" Only people who first wrote on or after {_e(s.since)}." if s.since else ""
    no_conn = (
        ""
        if result.has_connections
        else "<p><b>This export has no Connections.csv</b>: connection dates are unknown, so "
        "nobody can be flagged connect-and-sell.</p>"
    )
    yield (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        "<title>Connect-and-sell audit (private)</title>"
        f"<style>{_CSS}</style></head><body>"
        '<div class="private">PRIVATE: this report holds messages and names from a LinkedIn '
        "account. Do not publish or forward it"
        f"{' (names are redacted)' if result.redacted else ''}."
        "</div><main>"
        f"<h1>Connect-and-sell audit of {_e(result.owner or 'an unknown account')}</h1>"
        f'<p class="muted">Generated {_e(result.generated_at.strftime("%Y-%m-%d %H:%M"))} UTC. '
        f"A person is flagged when they are a connection and one of their first "
        f"{s.score_first} messages is a pitch sent 0–{s.days} days after connecting. Timing is "
        "day-level: LinkedIn's export gives only the date of a connection."
        f"{since}"
        "</p>"
        f"{no_conn}<div class=cards>{cards_html}</div>"
        f"{_read_block(result)}"
        "<h2>How soon after connecting</h2>"
        f"{timing}"
        '<div class="charts">'
        f"<figure><figcaption>Days from connecting to the first message</figcaption>{hist}"
        "</figure>"
        f"<figure><figcaption>Pitches per month</figcaption>{per_month}</figure>"
        "</div>"
        f"<h2>Top templates</h2>{templates}"
    )
    for cat in Category:
        people = result.by_category(cat)
        yield (
            f'<h2 id="{cat.value}">{_e(LIST_TITLES[cat])} '
            f'<span class="muted">({len(people)})</span></h2>'
        )
        yield from _table(people)
    yield (
        f"<h2>Notes on the export</h2><ul>{warnings or '<li>none</li>'}</ul></main></body></html>\n"
    )

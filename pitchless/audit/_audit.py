"""The connect-and-sell audit: who wrote to you, how soon after connecting, and was it a pitch."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol

from pitchless.guard import Action, BulkCounts, Intent, MessageContext, Reason, Verdict
from pitchless.linkedin import Direction, Export, Invitation, Message

from ._models import (
    AuditResult,
    AuditSettings,
    Category,
    PersonReport,
    ScoredMessage,
    Template,
    TimingStats,
)
from ._templates import cluster_keys, template_key

#: Bins of the "days from connecting to the first message" histogram.
HISTOGRAM_BINS: tuple[tuple[str, int, int], ...] = (
    ("before", -(10**6), -1),
    ("0", 0, 0),
    ("1", 1, 1),
    ("2-7", 2, 7),
    ("8-30", 8, 30),
    ("31-90", 31, 90),
    ("91-365", 91, 365),
    (">365", 366, 10**6),
)

#: Guard reason codes the audit restates at day level or from the whole export.
_RESTATED = ("timing.", "bulk.", "contact.never_replied", "contact.not_connected")

#: Messages per call to the guard.
SCORE_BATCH = 2048

#: How many top-ranked people get phrase-level explanations (a slower, per-message call).
EXPLAIN_TOP = 50


class Scorer(Protocol):
    """What the audit needs from :class:`pitchless.guard.Guard`."""

    def score_many(
        self, contexts: Sequence[MessageContext], *, explain: bool = True
    ) -> list[Verdict]: ...


class _NoScorer:
    """Stands in for the guard when no message needs scoring."""

    def score_many(
        self, contexts: Sequence[MessageContext], *, explain: bool = True
    ) -> list[Verdict]:
        assert not contexts
        return []


def is_pitch(verdict: Verdict) -> bool:
    """A message counts as a pitch when the guard's text model reads it as one.

    The text reading (pitch probability >= 0.5, shown as intent "pitch") is used rather than
    the guard's action, because the action already adds "soon after connecting" and the
    audit measures that timing itself; counting it twice would flag friendly first messages.
    """
    return verdict.intent is Intent.PITCH


def connected_at(day: date | None) -> datetime | None:
    """Midnight UTC of a connection date: Connections.csv has the date only."""
    if day is None:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _url_key(url: str) -> str:
    return url.strip().rstrip("/").lower()


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(slots=True)
class _Person:
    key: str
    name: str
    url: str
    inbound: list[Message] = field(default_factory=list)
    started_by_owner: list[bool] = field(default_factory=list)
    owner_msgs_before: list[int] = field(default_factory=list)
    first_reply_at: datetime | None = None


class _Keys:
    """Identify people by profile URL, falling back to display name when there is none."""

    def __init__(self) -> None:
        self.by_name: dict[str, str] = {}

    def key(self, name: str, url: str) -> str:
        if url:
            k = _url_key(url)
            self.by_name.setdefault(_name_key(name), k)
            return k
        nk = _name_key(name)
        return self.by_name.get(nk, "name:" + nk)


def _collect(export: Export) -> tuple[dict[str, _Person], Counter[str]]:
    owner = export.owner
    owner_url = _url_key(owner.url) if owner and owner.url else ""
    owner_name = _name_key(owner.name) if owner else ""
    counts: Counter[str] = Counter()
    conv_owner_started: dict[str, bool] = {}
    owner_sent_to: Counter[str] = Counter()
    keys = _Keys()
    people: dict[str, _Person] = {}

    def is_owner(name: str, url: str) -> bool:
        if url and owner_url:
            return _url_key(url) == owner_url
        return bool(owner_name) and _name_key(name) == owner_name

    for m in export.messages:
        counts["messages"] += 1
        if m.is_draft:
            counts["drafts"] += 1
            continue
        if m.is_system:
            counts["system_messages"] += 1
            continue
        outgoing = m.direction is Direction.OUTGOING
        conv_owner_started.setdefault(m.conversation_id, outgoing)
        if outgoing:
            counts["outgoing_messages"] += 1
            for i, rname in enumerate(m.recipient_names):
                rurl = m.recipient_urls[i] if i < len(m.recipient_urls) else ""
                if is_owner(rname, rurl) or not rname:
                    continue
                k = keys.key(rname, rurl)
                owner_sent_to[k] += 1
                p = people.get(k)
                if p is not None and p.inbound and p.first_reply_at is None:
                    p.first_reply_at = m.sent_at
            continue
        counts["inbound_messages"] += 1
        k = keys.key(m.sender_name, m.sender_url)
        p = people.get(k)
        if p is None:
            p = people[k] = _Person(k, m.sender_name, m.sender_url)
        elif not p.url and m.sender_url:
            p.url = m.sender_url
        p.inbound.append(m)
        p.started_by_owner.append(conv_owner_started[m.conversation_id])
        p.owner_msgs_before.append(owner_sent_to[k])
    counts["conversations"] = len(conv_owner_started)
    return people, counts


def _invitation_index(export: Export) -> dict[str, Invitation]:
    """The latest invitation per other party, by URL and by name."""
    index: dict[str, Invitation] = {}
    ordered = sorted(
        export.invitations, key=lambda i: i.sent_at or datetime.min.replace(tzinfo=UTC)
    )
    for inv in ordered:
        if inv.direction is Direction.INCOMING:
            name, url = inv.from_name, inv.inviter_url
        else:
            name, url = inv.to_name, inv.invitee_url
        if url:
            index[_url_key(url)] = inv
        if name:
            index["name:" + _name_key(name)] = inv
    return index


def _days(sent_at: datetime, day: date | None) -> int | None:
    return None if day is None else (sent_at.date() - day).days


def _excerpt(text: str, limit: int = 600) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"


def run_audit(
    export: Export,
    guard: Scorer | None = None,
    *,
    settings: AuditSettings | None = None,
    now: datetime | None = None,
) -> AuditResult:
    """Audit an export: score what each person sent and rank the connect-and-sell cases.

    ``guard`` defaults to :class:`pitchless.guard.Guard` with its bundled model; pass a
    ``Guard(model=...)`` to evaluate another model.
    """
    settings = settings or AuditSettings()
    people_raw, counts = _collect(export)
    invitations = _invitation_index(export)

    persons: list[PersonReport] = []
    chosen: list[tuple[PersonReport, Message, bool, int]] = []
    for p in people_raw.values():
        first = p.inbound[0]
        if settings.since is not None and first.sent_at.date() < settings.since:
            continue
        conn = export.connection_for(p.name, p.url)
        inv = invitations.get(_url_key(p.url)) if p.url else None
        if inv is None:
            inv = invitations.get("name:" + _name_key(p.name))
        invited_by = None
        if inv is not None:
            invited_by = "them" if inv.direction is Direction.INCOMING else "you"
        before_reply = sum(
            1 for m in p.inbound if p.first_reply_at is None or m.sent_at < p.first_reply_at
        )
        report = PersonReport(
            key=p.key,
            name=p.name,
            profile_url=p.url,
            is_connection=conn is not None,
            connected_on=conn.connected_on if conn else None,
            invited_by=invited_by,
            invitation_note=inv.message.strip() if inv else "",
            invitation_sent_at=inv.sent_at if inv else None,
            first_inbound_at=first.sent_at,
            days_to_first_message=_days(first.sent_at, conn.connected_on if conn else None),
            inbound_count=len(p.inbound),
            messages_before_reply=before_reply,
            owner_replied=p.first_reply_at is not None,
            owner_started=p.started_by_owner[0],
        )
        persons.append(report)
        for i, m in enumerate(p.inbound[: settings.score_first]):
            chosen.append((report, m, p.started_by_owner[i], p.owner_msgs_before[i]))

    # Templates: near-identical texts across senders, and repeats from one sender.
    keys = [template_key(m.text, m.sender_name) for _, m, _, _ in chosen]
    clusters = cluster_keys(
        keys, min_words=settings.min_template_words, similarity=settings.template_similarity
    )
    senders_of: dict[int, set[str]] = defaultdict(set)
    messages_of: Counter[int] = Counter()
    example_of: dict[int, str] = {}
    for (report, m, _, _), cid in zip(chosen, clusters, strict=True):
        if cid is not None:
            senders_of[cid].add(report.key)
            messages_of[cid] += 1
            example_of.setdefault(cid, m.text)

    contexts: list[MessageContext] = []
    for (report, m, owner_started, owner_msgs), cid in zip(chosen, clusters, strict=True):
        n_senders = len(senders_of[cid]) if cid is not None else 1
        contexts.append(
            MessageContext(
                text=m.content_raw,
                subject=m.subject,
                sent_at=m.sent_at,
                connected_at=connected_at(report.connected_on),
                started_by_recipient=owner_started,
                recipient_messages_to_sender=owner_msgs,
                # An export shows one inbox: recipients is 1 by construction, senders is real.
                bulk=BulkCounts(recipients=1, senders=n_senders),
            )
        )
    if guard is None:
        from pitchless.guard import Guard

        # Loaded only when there is something to score (an owner-only export needs no model).
        guard = Guard() if contexts else _NoScorer()
    verdicts = _score(guard, contexts)

    pitch_in_cluster: Counter[int] = Counter()
    for (report, m, owner_started, _), cid, v in zip(chosen, clusters, verdicts, strict=True):
        pitch = is_pitch(v) and not owner_started
        if pitch and cid is not None:
            pitch_in_cluster[cid] += 1
        report.messages.append(
            ScoredMessage(
                sent_at=m.sent_at,
                subject=m.subject,
                text=_excerpt(m.text),
                is_html=m.is_html,
                conversation_id=m.conversation_id,
                days_after_connection=_days(m.sent_at, report.connected_on),
                verdict=v,
                is_pitch=pitch,
                template_id=cid,
            )
        )

    for report in persons:
        ids = [s.template_id for s in report.messages if s.template_id is not None]
        report.template_senders = max((len(senders_of[c]) - 1 for c in ids), default=0)
        report.repeated_texts = max(Counter(ids).values(), default=0)
        _judge(report, settings, has_connections=export.has_connections_file)

    persons.sort(key=lambda r: (-r.score, r.first_inbound_at))
    _explain_top(persons, contexts, chosen, guard)

    templates = [
        Template(
            id=cid,
            example=_excerpt(example_of[cid], 300),
            senders=len(senders_of[cid]),
            messages=messages_of[cid],
            pitch_messages=pitch_in_cluster[cid],
        )
        for cid in senders_of
        if len(senders_of[cid]) > 1 or messages_of[cid] > 1
    ]
    templates.sort(key=lambda t: (-t.pitch_messages, -t.senders, -t.messages))

    return _summarise(export, settings, persons, templates, counts, now)


def _context_key(ctx: MessageContext) -> tuple[object, ...]:
    """What the guard's verdict depends on: the text, and timing only as minutes since connect."""
    return (
        ctx.text,
        ctx.subject,
        ctx.connected_at is None,
        None if ctx.minutes_since_connect is None else round(ctx.minutes_since_connect),
        ctx.started_by_recipient,
        ctx.recipient_messages_to_sender,
        ctx.bulk,
        ctx.sender,
    )


def _score(guard: Scorer, contexts: list[MessageContext]) -> list[Verdict]:
    """Verdicts for ``contexts``; each distinct context is scored once, in batches.

    Templated campaigns and stock greetings repeat the same text at the same delay after
    connecting; scoring them once keeps a large export fast. Batches bound the text
    model's feature matrices while keeping its vectorised path.
    """
    index: dict[tuple[object, ...], int] = {}
    unique: list[MessageContext] = []
    slots: list[int] = []
    for ctx in contexts:
        key = _context_key(ctx)
        slot = index.get(key)
        if slot is None:
            slot = index[key] = len(unique)
            unique.append(ctx)
        slots.append(slot)
    scored: list[Verdict] = []
    for start in range(0, len(unique), SCORE_BATCH):
        scored.extend(guard.score_many(unique[start : start + SCORE_BATCH], explain=False))
    return [scored[i] for i in slots]


def _judge(report: PersonReport, settings: AuditSettings, *, has_connections: bool) -> None:
    """Set the connect-and-sell flag, the category, the score and the reasons."""
    reasons: list[Reason] = []
    flagged_msg: ScoredMessage | None = None
    if report.connected_on is not None:
        for s in report.messages:
            d = s.days_after_connection
            if s.is_pitch and d is not None and 0 <= d <= settings.days:
                flagged_msg = s
                break
    report.connect_and_sell = flagged_msg is not None
    worst = report.worst
    pitched = any(s.is_pitch for s in report.messages)
    intents = Counter(str(s.verdict.intent) for s in report.messages)
    if report.connect_and_sell:
        report.category = Category.CONNECT_AND_SELL
    elif pitched and has_connections and not report.is_connection:
        report.category = Category.PITCH_NO_CONNECTION
    elif intents.get(str(Intent.RECRUITING), 0) and not pitched:
        report.category = Category.RECRUITING
    else:
        report.category = Category.OTHER

    if flagged_msg is not None and report.connected_on is not None:
        nth = report.messages.index(flagged_msg) + 1
        which = "first message" if nth == 1 else f"message no. {nth}"
        reasons.append(
            Reason(
                "audit.connect_and_sell",
                f"connected on {report.connected_on.isoformat()} and their {which} was a "
                f"pitch {_days_words(flagged_msg.days_after_connection or 0)} "
                "(day-level: the export records only the connection date)",
            )
        )
    elif pitched and report.connected_on is not None:
        d = next(s.days_after_connection for s in report.messages if s.is_pitch)
        if d is None or d < 0:
            when = "before you connected"
        else:
            when = "on the day you connected" if d == 0 else f"{_plural(d, 'day')} after connecting"
        reasons.append(Reason("audit.pitch_later", f"pitched {when}"))
    if pitched and has_connections and not report.is_connection:
        reasons.append(
            Reason("audit.not_connected", "not a connection: InMail, sponsored or message request")
        )
    if report.invited_by == "them":
        note = (
            f": \u201c{_excerpt(report.invitation_note, 160)}\u201d"
            if (report.invitation_note)
            else ""
        )
        reasons.append(Reason("audit.invited_by_them", f"they sent the invitation{note}"))
    elif report.invited_by == "you":
        reasons.append(Reason("audit.invited_by_you", "you sent the invitation"))
    if report.owner_started:
        reasons.append(Reason("audit.owner_started", "you started the conversation"))
    elif not report.owner_replied:
        reasons.append(
            Reason(
                "audit.one_way",
                f"sent {_plural(report.messages_before_reply, 'message')}; you never replied",
            )
        )
    elif report.messages_before_reply > 1:
        reasons.append(
            Reason(
                "audit.one_way",
                f"sent {_plural(report.messages_before_reply, 'message')} before you replied",
            )
        )
    if report.template_senders and pitched:
        reasons.append(
            Reason(
                "audit.template",
                f"the same text came from {_plural(report.template_senders, 'other sender')}",
            )
        )
    if report.repeated_texts > 1:
        reasons.append(
            Reason(
                "audit.repeated",
                f"sent you near-identical messages {report.repeated_texts} times",
            )
        )
    if worst is not None:
        seen = {r.code for r in reasons}
        for r in worst.verdict.reasons:
            # The guard's timing sentence assumes minute precision (ours is day-level), and
            # its reply and bulk sentences repeat what the audit said above in its own terms.
            if r.code.startswith(_RESTATED) or r.code in seen:
                continue
            reasons.append(r)
            seen.add(r.code)
    report.reasons = reasons
    base = worst.verdict.score if worst is not None else 0.0
    report.score = round(
        base
        + (1.0 if report.connect_and_sell else 0.0)
        + (0.1 if report.template_senders and pitched else 0.0)
        + (0.05 * min(report.messages_before_reply - 1, 4) if pitched else 0.0),
        4,
    )


def _explain_top(
    persons: list[PersonReport],
    contexts: list[MessageContext],
    chosen: list[tuple[PersonReport, Message, bool, int]],
    guard: Scorer,
) -> None:
    """Re-score the worst message of the top-ranked pitchers with phrase explanations."""
    index = {(id(r), m.sent_at, m.conversation_id): i for i, (r, m, _, _) in enumerate(chosen)}
    targets: list[tuple[PersonReport, int, int]] = []
    for report in persons[:EXPLAIN_TOP]:
        worst = report.worst
        if worst is None or not worst.is_pitch:
            continue
        i = index.get((id(report), worst.sent_at, worst.conversation_id))
        if i is not None:
            targets.append((report, report.messages.index(worst), i))
    if not targets:
        return
    explained = guard.score_many([contexts[i] for _, _, i in targets], explain=True)
    for (report, pos, _), v in zip(targets, explained, strict=True):
        old = report.messages[pos]
        report.messages[pos] = ScoredMessage(
            sent_at=old.sent_at,
            subject=old.subject,
            text=old.text,
            is_html=old.is_html,
            conversation_id=old.conversation_id,
            days_after_connection=old.days_after_connection,
            verdict=v,
            is_pitch=old.is_pitch,
            template_id=old.template_id,
        )
        extra = [r for r in v.reasons if r.code == "text.phrases"]
        if extra:
            report.reasons = [extra[0] if r.code == "text.pitch" else r for r in report.reasons]


def _days_words(d: int) -> str:
    return "the same day" if d == 0 else _plural(d, "day") + " later"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _timing(days: list[int]) -> TimingStats:
    if not days:
        return TimingStats(people=0, median_days=None, within_1_day=None, within_7_days=None)
    return TimingStats(
        people=len(days),
        median_days=float(statistics.median(days)),
        within_1_day=round(sum(d <= 1 for d in days) / len(days), 4),
        within_7_days=round(sum(d <= 7 for d in days) / len(days), 4),
    )


def _bin(d: int) -> int:
    for i, (_, lo, hi) in enumerate(HISTOGRAM_BINS):
        if lo <= d <= hi:
            return i
    return len(HISTOGRAM_BINS) - 1


def _summarise(
    export: Export,
    settings: AuditSettings,
    persons: list[PersonReport],
    templates: list[Template],
    counts: Counter[str],
    now: datetime | None,
) -> AuditResult:
    pitch_days: list[int] = []
    other_days: list[int] = []
    hist = {"pitch": [0] * len(HISTOGRAM_BINS), "other": [0] * len(HISTOGRAM_BINS)}
    per_month: Counter[str] = Counter()
    for r in persons:
        first_is_pitch = bool(r.messages) and r.messages[0].is_pitch
        d = r.days_to_first_message
        if d is not None:
            group = "pitch" if first_is_pitch else "other"
            hist[group][_bin(d)] += 1
            if d >= 0:
                (pitch_days if first_is_pitch else other_days).append(d)
        for s in r.messages:
            if s.is_pitch:
                per_month[s.sent_at.strftime("%Y-%m")] += 1
    by_cat = Counter(r.category for r in persons)
    counts = Counter(counts)
    counts.update(
        {
            "people": len(persons),
            "connections": len(export.connections),
            "connected_people": sum(r.is_connection for r in persons),
            "scored_messages": sum(len(r.messages) for r in persons),
            "pitch_messages": sum(s.is_pitch for r in persons for s in r.messages),
            "pitch_people": sum(r.pitched for r in persons),
            "connect_and_sell": by_cat[Category.CONNECT_AND_SELL],
            "pitch_no_connection": by_cat[Category.PITCH_NO_CONNECTION],
            "recruiting": by_cat[Category.RECRUITING],
            "other": by_cat[Category.OTHER],
            "templates": len(templates),
            "held": sum(s.verdict.action is Action.HOLD for r in persons for s in r.messages),
        }
    )
    owner = export.owner
    ordered_counts = {k: int(counts[k]) for k in sorted(counts)}
    return AuditResult(
        owner=owner.name if owner else "",
        owner_url=owner.url if owner else "",
        settings=settings,
        people=persons,
        templates=templates,
        counts=ordered_counts,
        timing={"pitch": _timing(pitch_days), "other": _timing(other_days)},
        histogram=hist,
        histogram_bins=[b[0] for b in HISTOGRAM_BINS],
        pitches_per_month=dict(sorted(per_month.items())),
        warnings=list(export.warnings),
        has_connections=export.has_connections_file,
        generated_at=now or datetime.now(UTC),
        read_report=export.read_report(),
    )

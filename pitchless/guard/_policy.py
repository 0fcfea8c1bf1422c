"""The guard's policy: how the text probability and behaviour combine into an action.

Everything that can be tuned lives in :class:`PolicySettings`, one object, documented field
by field in ``docs/guard.md``. The combination is additive in log-odds: the text model's
probability, measured against the model's own operating threshold, is the starting point and
each behaviour signal adds or removes evidence. Behaviour
alone never files a message: the text must read at least a little like a pitch
(``min_text_probability``), so a birthday wish sent a minute after connecting is delivered.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from pitchless.guard._cues import Cues
from pitchless.guard._types import Action, Intent, MessageContext, Phrase, Reason


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicySettings:
    """Every threshold and weight of the guard's policy, in one place."""

    #: combined score at or above which a message is filed in Pitches
    pitch_threshold: float = 0.5
    #: the text probability that counts as even odds; ``None`` takes the operating threshold
    #: the model chose on held-out folds when it was trained (``threshold_``), else 0.5
    text_threshold: float | None = None
    #: the text probability below which no behaviour can file a message as a pitch
    min_text_probability: float = 0.2
    #: minutes after connecting within which a message counts as "fast"
    fast_minutes: float = 60.0
    #: log-odds added for a message sent within ``fast_minutes`` of connecting
    fast_weight: float = 0.9
    #: minutes after connecting within which a message counts as "soon" (a day)
    soon_minutes: float = 24 * 60.0
    soon_weight: float = 0.4
    #: log-odds added when the two are not connected at all
    not_connected_weight: float = 0.3
    #: log-odds added when the recipient has never written to the sender
    never_replied_weight: float = 0.1
    #: recipient messages at which the exchange counts as a real conversation
    established_replies: int = 3
    #: log-odds removed for an established conversation
    established_weight: float = 1.5
    #: log-odds removed when the sender answers the recipient's latest message
    reply_weight: float = 1.0
    #: log-odds removed when the recipient sent the connection invitation
    invited_by_recipient_weight: float = 0.5
    #: log-odds removed when the text is about the recipient's own application or interview
    application_weight: float = 0.5
    #: distinct recipients of a near-identical text (from this sender, 7 days) that count as bulk
    bulk_recipients: int = 5
    bulk_recipients_weight: float = 1.2
    #: distinct recipients at which a pitch-like bulk message is held for moderators
    hold_recipients: int = 25
    #: distinct senders of the same text that mark it as a shared template
    bulk_senders: int = 3
    bulk_senders_weight: float = 0.8
    #: log-odds added per report or "I don't know this person", up to ``complaints_cap``
    complaint_weight: float = 0.25
    complaints_cap: int = 8
    #: reputation (0 worst .. 1 good) below which the sender's history counts against them
    poor_reputation: float = 0.5
    reputation_weight: float = 1.5
    #: accounts younger than this many days count as new
    new_account_days: float = 7.0
    new_account_weight: float = 0.3
    #: invitations sent in 7 days, and the acceptance rate below which they look like spraying
    spray_invitations: int = 30
    spray_acceptance: float = 0.2
    spray_weight: float = 0.4
    #: how many phrases the verdict names
    max_phrases: int = 5

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, prefix: str = "PITCHLESS_GUARD_"
    ) -> PolicySettings:
        """Settings with any field overridden by ``PITCHLESS_GUARD_<FIELD>`` variables.

        Raises ``ValueError`` naming the variable when a value does not parse.
        """
        env = os.environ if environ is None else environ
        overrides: dict[str, Any] = {}
        for f in fields(cls):
            key = prefix + f.name.upper()
            if key not in env or env[key].strip() == "":
                continue
            raw = env[key].strip()
            try:
                overrides[f.name] = int(raw) if f.type in ("int", int) else float(raw)
                if f.name == "text_threshold" and not 0 < overrides[f.name] < 1:
                    raise ValueError(raw)
            except ValueError as exc:
                raise ValueError(f"{key} must be a number, got {raw!r}") from exc
        return replace(cls(), **overrides)


@dataclass(frozen=True, slots=True)
class _Evidence:
    weight: float
    reason: Reason


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def describe_delay(minutes: float) -> str:
    """Say how long after connecting a message came, as a recipient would."""
    if minutes < 1:
        return "less than a minute"
    if minutes < 60:
        return _plural(round(minutes), "minute")
    hours = minutes / 60
    if hours < 24:
        return _plural(round(hours), "hour")
    return _plural(round(hours / 24), "day")


def _behaviour(ctx: MessageContext, s: PolicySettings, *, application: bool) -> list[_Evidence]:
    """The behaviour evidence for one message, each with its log-odds weight.

    ``application``: the message is about the recipient's own application (from the
    context when the platform knows, else from the text).
    """
    out: list[_Evidence] = []
    minutes = ctx.minutes_since_connect
    if ctx.connected_at is None:
        out.append(
            _Evidence(
                s.not_connected_weight,
                Reason("contact.not_connected", "you are not connected to this person"),
            )
        )
    elif minutes is not None and minutes <= s.fast_minutes:
        out.append(
            _Evidence(
                s.fast_weight,
                Reason("timing.fast", f"sent {describe_delay(minutes)} after you connected"),
            )
        )
    elif minutes is not None and minutes <= s.soon_minutes:
        out.append(
            _Evidence(
                s.soon_weight,
                Reason("timing.soon", f"sent {describe_delay(minutes)} after you connected"),
            )
        )

    if ctx.is_reply_to_recipient:
        out.append(
            _Evidence(
                -s.reply_weight,
                Reason("contact.reply", "it answers the last message you sent this person"),
            )
        )
    if ctx.recipient_invited_sender:
        out.append(
            _Evidence(
                -s.invited_by_recipient_weight,
                Reason("contact.invited_by_you", "you invited this person to connect"),
            )
        )
    if application:
        out.append(
            _Evidence(
                -s.application_weight,
                Reason("text.application", "it speaks of your own application or interview"),
            )
        )

    replies = ctx.recipient_messages_to_sender
    if replies <= 0:
        out.append(
            _Evidence(
                s.never_replied_weight,
                Reason("contact.never_replied", "you have never replied to this person"),
            )
        )
    elif replies >= s.established_replies:
        out.append(
            _Evidence(
                -s.established_weight,
                Reason(
                    "contact.established",
                    f"you have written to this person {_plural(replies, 'time')}",
                ),
            )
        )

    if ctx.bulk is None:
        out.append(
            _Evidence(
                0.0,
                Reason(
                    "bulk.unknown",
                    "how many others received this text could not be checked",
                ),
            )
        )
    else:
        if ctx.bulk.recipients >= s.bulk_recipients:
            out.append(
                _Evidence(
                    s.bulk_recipients_weight,
                    Reason(
                        "bulk.recipients",
                        f"the same text went to {_plural(ctx.bulk.recipients, 'member')} "
                        + (
                            "this week"
                            if ctx.bulk.window_days == 7
                            else f"in {ctx.bulk.window_days} days"
                        ),
                    ),
                )
            )
        if ctx.bulk.senders >= s.bulk_senders:
            out.append(
                _Evidence(
                    s.bulk_senders_weight,
                    Reason(
                        "bulk.senders",
                        f"{ctx.bulk.senders} different members sent this same text",
                    ),
                )
            )

    sender = ctx.sender
    complaints = min(sender.dont_know_count + sender.report_count, s.complaints_cap)
    if complaints > 0:
        parts = []
        if sender.report_count:
            parts.append(f"reported {_plural(sender.report_count, 'time')}")
        if sender.dont_know_count:
            parts.append(
                "marked \u201cI don't know this person\u201d "
                + _plural(sender.dont_know_count, "time")
            )
        out.append(
            _Evidence(
                s.complaint_weight * complaints,
                Reason("sender.complaints", "this sender was " + " and ".join(parts)),
            )
        )
    if sender.reputation is not None and sender.reputation < s.poor_reputation:
        shortfall = (s.poor_reputation - sender.reputation) / max(s.poor_reputation, 1e-9)
        out.append(
            _Evidence(
                s.reputation_weight * shortfall,
                Reason(
                    "sender.reputation",
                    "members have often marked this sender's messages as pitches",
                ),
            )
        )
    if sender.account_age_days is not None and sender.account_age_days < s.new_account_days:
        days = max(0, int(sender.account_age_days))
        age = "less than a day" if days == 0 else _plural(days, "day")
        out.append(
            _Evidence(
                s.new_account_weight,
                Reason("sender.new_account", f"the sender's account is {age} old"),
            )
        )
    sent, accepted = sender.invitations_sent_7d, sender.invitations_accepted_7d
    if (
        sent is not None
        and accepted is not None
        and sent >= s.spray_invitations
        and accepted / sent < s.spray_acceptance
    ):
        out.append(
            _Evidence(
                s.spray_weight,
                Reason(
                    "sender.invitation_spray",
                    f"only {accepted} of the {sent} invitations this sender sent "
                    "this week were accepted",
                ),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Decision:
    """The policy's outcome before it is wrapped in a :class:`Verdict`."""

    score: float
    action: Action
    reasons: tuple[Reason, ...]


def decide(
    ctx: MessageContext,
    *,
    pitch_probability: float,
    intent: Intent,
    cues: Cues,
    phrases: tuple[Phrase, ...],
    truncated: bool,
    is_html: bool,
    settings: PolicySettings,
    text_threshold: float = 0.5,
) -> Decision:
    """Combine the text model's reading with behaviour into a score, an action and reasons.

    Reasons come in order of importance: exemptions first, then the evidence that weighed most.
    ``text_threshold`` is the text probability that counts as even odds: with no behaviour
    evidence, a message is filed exactly when its probability reaches it.
    """
    notes: list[Reason] = []
    if truncated:
        notes.append(
            Reason("input.truncated", "the message was very long; only its beginning was checked")
        )

    if ctx.started_by_recipient or ctx.answers_recipient_listing:
        exemption = (
            Reason("exempt.started_by_recipient", "you started this conversation")
            if ctx.started_by_recipient
            else Reason("exempt.answers_listing", "it answers your own Exchange listing or request")
        )
        return Decision(pitch_probability, Action.DELIVER, (exemption, *notes))

    application = (
        cues.refers_to_application
        if ctx.refers_to_recipient_application is None
        else ctx.refers_to_recipient_application
    )
    evidence = _behaviour(ctx, settings, application=application)
    text_weight = _logit(pitch_probability) - _logit(text_threshold)
    score = _sigmoid(text_weight + sum(e.weight for e in evidence))
    looks_like_pitch = pitch_probability >= settings.min_text_probability
    filed = looks_like_pitch and score >= settings.pitch_threshold

    text_reasons: list[Reason] = []
    if filed or pitch_probability >= text_threshold:
        clause = cues.sentence()
        if clause:
            text_reasons.append(Reason("text.cues", clause))
        if phrases:
            quoted = ", ".join(f"\u201c{p.text}\u201d" for p in phrases[:3])
            text_reasons.append(Reason("text.phrases", f"reads like a sales pitch: {quoted}"))
        else:
            text_reasons.append(Reason("text.pitch", "reads like a sales pitch"))
        if is_html:
            text_reasons.append(
                Reason("text.html", "it was sent as formatted mail, as bulk-mailing tools do")
            )
    elif intent is not Intent.PITCH:
        text_reasons.append(Reason("text.not_pitch", f"reads like {_INTENT_WORDS[intent]}"))
    else:
        text_reasons.append(Reason("text.weak", "reads only a little like a sales pitch"))

    # Evidence that pushed towards "pitch" explains a filed message; evidence against it (or
    # nothing) explains a delivered one. Zero-weight notes (an unknown count) always show.
    ordered = sorted(evidence, key=lambda e: -abs(e.weight))
    if filed:
        behaviour = [e.reason for e in ordered if e.weight > 0]
        behaviour += [e.reason for e in ordered if e.weight == 0]
        held = ctx.bulk is not None and ctx.bulk.recipients >= settings.hold_recipients
        action = Action.HOLD if held else Action.PITCHES
        reasons = (*text_reasons, *behaviour, *notes)
    else:
        behaviour = [e.reason for e in ordered if e.weight < 0]
        behaviour += [e.reason for e in ordered if e.weight == 0]
        action = Action.DELIVER
        reasons = (*text_reasons, *behaviour, *notes)
    return Decision(score, action, reasons)


_INTENT_WORDS: dict[Intent, str] = {
    Intent.PITCH: "a sales pitch",
    Intent.RECRUITING: "a job offer from a recruiter",
    Intent.JOB_SEEKING: "a request for a job, referral or favour",
    Intent.SOCIAL: "a greeting or small talk",
    Intent.CONVERSATION: "an ordinary conversation",
}

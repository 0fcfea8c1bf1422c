"""The guard's inputs and outputs: plain, immutable values with no framework attached."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Intent(StrEnum):
    """What the sender wants from the recipient, as the text model reads it."""

    PITCH = "pitch"
    RECRUITING = "recruiting"
    JOB_SEEKING = "job_seeking"
    SOCIAL = "social"
    CONVERSATION = "conversation"


class Action(StrEnum):
    """Where a scored message goes."""

    DELIVER = "deliver"  # the recipient's inbox
    PITCHES = "pitches"  # the recipient's Pitches folder
    HOLD = "hold"  # kept for moderator review (bulk abuse)


@dataclass(frozen=True, slots=True, kw_only=True)
class SenderFacts:
    """What the platform knows about the sender; every field may be unknown (``None``)."""

    account_age_days: float | None = None
    invitations_sent_7d: int | None = None
    invitations_accepted_7d: int | None = None
    dont_know_count: int = 0
    report_count: int = 0
    #: 1.0 is good standing, 0.0 the worst; ``None`` when the platform keeps no reputation.
    reputation: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkCounts:
    """How widely a near-identical text was sent in the bulk window."""

    #: distinct recipients of a near-identical text from this sender
    recipients: int
    #: distinct senders of a near-identical text
    senders: int
    window_days: int = 7


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageContext:
    """Everything the guard looks at for one unsolicited message.

    ``connected_at`` is ``None`` when the two are not connected. ``bulk`` is ``None`` when
    the near-duplicate index could not be asked (the count is then reported as unknown).

    Every field has a safe default: a context with only ``text`` is scored on the text alone.
    The fields that separate solicited from unsolicited messages, all known *before* the
    message is sent:

    - ``started_by_recipient``: the recipient opened the conversation (always delivered);
    - ``answers_recipient_listing``: it answers the recipient's Exchange listing or request
      (always delivered);
    - ``is_reply_to_recipient``: the recipient's message is the latest before this one, so the
      sender is answering them;
    - ``recipient_invited_sender``: the recipient sent the connection invitation (``None``:
      unknown);
    - ``refers_to_recipient_application``: the message is about the recipient's own
      application (``None``: read from the text, see ``_cues.py``).
    """

    text: str
    subject: str = ""
    sent_at: datetime | None = None
    connected_at: datetime | None = None
    started_by_recipient: bool = False
    recipient_messages_to_sender: int = 0
    answers_recipient_listing: bool = False
    is_reply_to_recipient: bool = False
    recipient_invited_sender: bool | None = None
    refers_to_recipient_application: bool | None = None
    sender: SenderFacts = field(default_factory=SenderFacts)
    bulk: BulkCounts | None = None

    @property
    def minutes_since_connect(self) -> float | None:
        """Minutes between connecting and sending, or ``None`` when either is unknown."""
        if self.connected_at is None or self.sent_at is None:
            return None
        return max(0.0, (self.sent_at - self.connected_at).total_seconds() / 60.0)


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason for a verdict: a stable machine code and a sentence for the recipient."""

    code: str
    text: str

    def to_dict(self) -> dict[str, str]:
        """The reason as ``{"code": ..., "text": ...}``."""
        return {"code": self.code, "text": self.text}


@dataclass(frozen=True, slots=True)
class Phrase:
    """A phrase of the message and how far it pushed the text model towards "pitch"."""

    text: str
    weight: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """The guard's answer for one message."""

    pitch_probability: float
    intent: Intent
    intent_probabilities: dict[str, float]
    score: float
    action: Action
    reasons: tuple[Reason, ...]
    phrases: tuple[Phrase, ...] = ()
    truncated: bool = False

    @property
    def is_pitch(self) -> bool:
        """True when the message is kept out of the inbox."""
        return self.action is not Action.DELIVER

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary with stable keys."""
        data = asdict(self)
        data["intent"] = str(self.intent)
        data["action"] = str(self.action)
        data["reasons"] = [r.to_dict() for r in self.reasons]
        data["phrases"] = [{"text": p.text, "weight": round(p.weight, 4)} for p in self.phrases]
        data["pitch_probability"] = round(self.pitch_probability, 4)
        data["score"] = round(self.score, 4)
        data["intent_probabilities"] = {
            k: round(v, 4) for k, v in self.intent_probabilities.items()
        }
        return data

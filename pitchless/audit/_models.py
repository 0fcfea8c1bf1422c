"""What an audit produces: settings in, people and summary figures out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pitchless.guard import Reason, Verdict


class Category(StrEnum):
    """The ranked list a person lands in."""

    CONNECT_AND_SELL = "connect_and_sell"  # connected, then pitched within the window
    PITCH_NO_CONNECTION = "pitch_no_connection"  # InMail, sponsored, message requests
    RECRUITING = "recruiting"
    OTHER = "other"  # everything else, later pitches included


LIST_TITLES: dict[Category, str] = {
    Category.CONNECT_AND_SELL: "Connected and then pitched",
    Category.PITCH_NO_CONNECTION: "Pitched without a connection",
    Category.RECRUITING: "Recruiters",
    Category.OTHER: "Everything else",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditSettings:
    """Knobs of an audit.

    ``days``: a pitch counts as connect-and-sell when sent 0..``days`` days after the
    connection date (date-level: Connections.csv holds no time). ``score_first``: how many of
    each person's first inbound messages the guard reads. ``since``: only people whose first
    message to you is on or after this date. ``min_template_words``: shorter openers
    ("Hi", "Happy birthday!") are never called templates.
    """

    days: int = 7
    score_first: int = 3
    since: date | None = None
    min_template_words: int = 6
    template_similarity: float = 0.7


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoredMessage:
    """One inbound message the guard read, with its verdict."""

    sent_at: datetime
    subject: str
    text: str
    is_html: bool
    conversation_id: str
    days_after_connection: int | None
    verdict: Verdict
    is_pitch: bool
    template_id: int | None


@dataclass(slots=True, kw_only=True)
class Template:
    """Near-identical openers: one text sent by several people, or by one person repeatedly."""

    id: int
    example: str
    senders: int
    messages: int
    pitch_messages: int


@dataclass(slots=True, kw_only=True)
class PersonReport:
    """Everything the audit says about one person who wrote to the owner."""

    key: str
    name: str
    profile_url: str
    is_connection: bool
    connected_on: date | None
    invited_by: str | None  # "them", "you" or None when Invitations.csv does not cover it
    invitation_note: str
    invitation_sent_at: datetime | None
    first_inbound_at: datetime
    days_to_first_message: int | None
    inbound_count: int
    messages_before_reply: int
    owner_replied: bool
    owner_started: bool
    messages: list[ScoredMessage] = field(default_factory=list)
    template_senders: int = 0  # most other senders sharing one of this person's texts
    repeated_texts: int = 0  # this person's near-identical messages to the owner
    connect_and_sell: bool = False
    category: Category = Category.OTHER
    score: float = 0.0
    reasons: list[Reason] = field(default_factory=list)

    @property
    def worst(self) -> ScoredMessage | None:
        """The scored message that reads most like a pitch."""
        if not self.messages:
            return None
        return max(self.messages, key=lambda m: (m.is_pitch, m.verdict.score))

    @property
    def pitched(self) -> bool:
        """True when any scored message is a pitch."""
        return any(m.is_pitch for m in self.messages)


@dataclass(slots=True, kw_only=True)
class TimingStats:
    """How soon first messages came after connecting, for one group of people."""

    people: int
    median_days: float | None
    within_1_day: float | None
    within_7_days: float | None


@dataclass(slots=True, kw_only=True)
class AuditResult:
    """The audit of one export: ranked people, templates and summary figures."""

    owner: str
    owner_url: str
    settings: AuditSettings
    people: list[PersonReport]
    templates: list[Template]
    counts: dict[str, int]
    timing: dict[str, TimingStats]
    histogram: dict[str, list[int]]
    histogram_bins: list[str]
    pitches_per_month: dict[str, int]
    warnings: list[str]
    has_connections: bool
    generated_at: datetime
    redacted: bool = False
    #: what was read from the export and what was not: :meth:`Export.read_report`
    read_report: dict[str, Any] = field(default_factory=dict)

    def by_category(self, category: Category) -> list[PersonReport]:
        """People of one ranked list, highest score first."""
        return [p for p in self.people if p.category is category]

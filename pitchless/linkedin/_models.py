"""The values a LinkedIn export is read into: plain dataclasses, no behaviour beyond lookups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Direction(StrEnum):
    """Whether a message or invitation went to the account owner or came from them."""

    INCOMING = "INCOMING"
    OUTGOING = "OUTGOING"


@dataclass(frozen=True, slots=True)
class Person:
    """A participant as the export names them: a display name and, since 2021, a profile URL."""

    name: str
    url: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """One row of ``messages.csv`` (or the 2018 ``Messages.csv``).

    ``text`` is what a reader sees: HTML ("spinmail") markup stripped and entities unescaped;
    ``content_raw`` is the CONTENT cell exactly as exported. ``conversation_id`` is LinkedIn's
    id, or, for the 2018 layout that has none, ``"2018:"`` followed by the other participant's
    name (LinkedIn grouped those threads by person).
    """

    conversation_id: str
    conversation_title: str
    sender_name: str
    sender_url: str
    recipient_names: tuple[str, ...]
    recipient_urls: tuple[str, ...]
    sent_at: datetime
    subject: str
    content_raw: str
    text: str
    is_html: bool
    folder: str
    is_draft: bool
    direction: Direction
    is_system: bool
    attachments: str = ""

    @property
    def is_incoming(self) -> bool:
        """True when someone other than the owner wrote it."""
        return self.direction is Direction.INCOMING


@dataclass(frozen=True, slots=True, kw_only=True)
class Connection:
    """One row of ``Connections.csv``. ``connected_on`` is a date only: the file has no time."""

    first_name: str
    last_name: str
    name: str
    url: str
    email: str
    company: str
    position: str
    connected_on: date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Invitation:
    """One row of ``Invitations.csv``: a connection request and its optional note."""

    from_name: str
    to_name: str
    sent_at: datetime | None
    message: str
    direction: Direction
    inviter_url: str
    invitee_url: str
    #: ``urn:li:…`` ids of the ``inviterProfileUrn`` / ``inviteeProfileUrn`` layout, kept as is
    inviter_urn: str = ""
    invitee_urn: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A file that may be the export's file of some kind, and why it was or was not used."""

    path: str
    #: ``"name"`` (its file name) or ``"header"`` (its first row looks like that kind's header)
    found_by: str
    used: bool
    why: str = ""


@dataclass(slots=True, kw_only=True)
class FileInfo:
    """How one CSV of the export looked on disk: layout, size and the quirks found in it.

    ``skipped`` counts the rows not read, by reason; ``malformed`` is their total. ``notes``
    say what was read with a caveat (rows kept without a date, drafts not known, ...).
    """

    path: str
    kind: str
    layout: str
    columns: tuple[str, ...]
    rows: int = 0
    malformed: int = 0
    encoding: str = "utf-8"
    bom: bool = False
    crlf: bool = False
    final_newline: bool = True
    preamble: bool = False
    delimiter: str = ","
    found_by: str = "name"
    candidates: list[Candidate] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    missing_columns: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    def skip(self, reason: str, n: int = 1) -> None:
        """Count ``n`` rows not read, with the reason a user is shown."""
        if n:
            self.skipped[reason] = self.skipped.get(reason, 0) + n
            self.malformed += n


@dataclass(frozen=True, slots=True, kw_only=True)
class OwnerInfo:
    """Who the account owner is, how the reader found out, and how sure it is.

    ``method`` is one of ``given`` (the caller named them), ``profile`` (Profile.csv),
    ``direction_column`` (the 2018 ``Direction`` column), ``sent_folder`` (the sender of the
    ``SENT`` folder), ``invitations`` (Invitations.csv directions), ``conversations`` (the
    participant present in every conversation) or ``most_frequent`` (the participant of the
    most messages). ``confidence`` is ``high``, ``medium`` or ``low``; ``evidence`` holds
    one-line facts without names.
    """

    name: str
    url: str
    method: str
    confidence: str
    evidence: tuple[str, ...] = ()


@dataclass(slots=True, kw_only=True)
class Export:
    """Everything read from one export.

    ``messages`` are sorted by ``sent_at`` (oldest first) and exclude LinkedIn's AI-coach
    files. ``malformed`` counts the rows skipped per file (wrong field count, unreadable date).
    """

    owner: Person | None
    messages: list[Message] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    malformed: dict[str, int] = field(default_factory=dict)
    files: dict[str, FileInfo] = field(default_factory=dict)
    owner_info: OwnerInfo | None = None
    #: files looked at and left out, with the reason (AI-assistant chats, unknown headers)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    _by_url: dict[str, Connection] = field(default_factory=dict, repr=False)
    _by_name: dict[str, Connection] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.index_connections()

    def index_connections(self) -> None:
        """Rebuild the lookups used by :meth:`connection_for` after ``connections`` changed."""
        self._by_url = {}
        self._by_name = {}
        # A key should be unique; when it is not (two people sharing a display name) the
        # file's last row, i.e. the oldest connection, wins, as in the openers data set.
        for conn in self.connections:
            if conn.url:
                self._by_url[_url_key(conn.url)] = conn
            if conn.name:
                self._by_name[_name_key(conn.name)] = conn

    @property
    def has_connections_file(self) -> bool:
        """True when the export held a Connections.csv (possibly empty)."""
        return "connections" in self.files

    def read_report(self) -> dict[str, Any]:
        """What was read from the export and what was not, as plain JSON-ready data.

        The layout is documented in ``docs/audit.md`` ("read_report"): the files used (with
        the other candidates considered), rows read and skipped per file with the reasons,
        the columns a file lacks, the files ignored, and the owner with how they were found.
        """
        files = []
        for kind in ("messages", "connections", "invitations", "profile"):
            info = self.files.get(kind)
            if info is None:
                continue
            files.append(
                {
                    "kind": kind,
                    "path": info.path,
                    "found_by": info.found_by,
                    "layout": info.layout,
                    "rows_read": info.rows,
                    "rows_skipped": info.malformed,
                    "skipped": dict(sorted(info.skipped.items())),
                    "columns_missing": list(info.missing_columns),
                    "notes": list(info.notes),
                    "other_candidates": [
                        {"path": c.path, "found_by": c.found_by, "why": c.why}
                        for c in info.candidates
                        if not c.used
                    ],
                }
            )
        o = self.owner_info
        return {
            "files": files,
            "not_found": [
                k for k in ("messages", "connections", "invitations") if k not in self.files
            ],
            "ignored": [{"path": p, "reason": r} for p, r in self.ignored],
            "owner": None
            if o is None
            else {
                "name": o.name,
                "profile_url": o.url or None,
                "method": o.method,
                "confidence": o.confidence,
                "evidence": list(o.evidence),
            },
        }

    def connection_for(self, name: str, url: str = "") -> Connection | None:
        """The connection a participant is, by profile URL, else by display name.

        Exports before 2023 have no URL column in Connections.csv, so the name is the only key
        there; it is fragile (two people can share a name) and only used when no URL matched.
        """
        if url:
            hit = self._by_url.get(_url_key(url))
            if hit is not None:
                return hit
            if self._by_url:
                # The file has URLs and this one is not among them: not a connection.
                return None
        if name:
            return self._by_name.get(_name_key(name))
        return None

    def counterpart(self, message: Message) -> Person:
        """The participant other than the owner: the sender of incoming, first recipient else."""
        if message.direction is Direction.INCOMING:
            return Person(message.sender_name, message.sender_url)
        for i, rname in enumerate(message.recipient_names):
            rurl = message.recipient_urls[i] if i < len(message.recipient_urls) else ""
            if not self._is_owner(rname, rurl):
                return Person(rname, rurl)
        if message.recipient_names:
            url = message.recipient_urls[0] if message.recipient_urls else ""
            return Person(message.recipient_names[0], url)
        return Person("", "")

    def _is_owner(self, name: str, url: str) -> bool:
        if self.owner is None:
            return False
        if url and self.owner.url:
            return _url_key(url) == _url_key(self.owner.url)
        return name == self.owner.name


def _url_key(url: str) -> str:
    return url.strip().rstrip("/").lower()


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()

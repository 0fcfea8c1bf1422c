"""``read_export``: every CSV layout LinkedIn used from 2018 to 2026, read by header name."""

from __future__ import annotations

import csv
import io
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from ._dates import DateFormatError, parse_date, parse_datetime
from ._errors import ExportError, NotAnExportError
from ._limits import ZipLimits
from ._models import (
    Connection,
    Direction,
    Export,
    FileInfo,
    Invitation,
    Message,
    Person,
    _name_key,
    _url_key,
)
from ._source import Member, ProgressCallback, Source, open_source
from ._text import content_to_text

# LinkedIn's AI-assistant chats share the messages header; they are not DMs.
COACH_FILES = (
    "coach_messages.csv",
    "learning_coach_messages.csv",
    "learning_role_play_messages.csv",
    "guide_messages.csv",
)

_MESSAGES_REQUIRED = ("from", "to", "date", "content")
_CONNECTIONS_REQUIRED = ("first name", "last name", "connected on")
_INVITATIONS_REQUIRED = ("from", "to", "sent at", "direction")

# TO joins several names with "," and no space; names themselves may hold ", " ("Jo, MBA").
_TO_SPLIT = re.compile(r",(?! )")

# csv's default field limit (128 KiB) is below some InMail HTML; stay bounded all the same.
csv.field_size_limit(16 * 1024 * 1024)


class _DecodeRetry(Exception):
    """The file is not UTF-8: read it again as cp1252."""


@dataclass(slots=True)
class _Table:
    """A CSV file's header and a one-pass iterator over its well-formed rows."""

    info: FileInfo
    header: dict[str, int]
    #: the CSV reader after the header; rows of the wrong width are the parser's to count
    rows: Iterator[list[str]] = field(default_factory=lambda: iter(()))


T = TypeVar("T")


def _read_table(
    source: Source,
    member: Member,
    kind: str,
    header_start: str | None,
    parse: Callable[[_Table], T],
) -> tuple[FileInfo, dict[str, int], T]:
    """Stream one CSV member through ``parse``, as UTF-8 or, failing that, as cp1252.

    Rows are handed over while the member is being decompressed and never held as a
    whole, so memory follows what ``parse`` keeps, not the file size.
    """
    try:
        return _read_table_as(source, member, kind, header_start, "utf-8", parse)
    except _DecodeRetry:
        return _read_table_as(source, member, kind, header_start, "cp1252", parse)


def _malformed(row: list[str]) -> bool:
    """A row of the wrong width that is not just a blank line (re-saves end with one)."""
    return bool(row) and (len(row) > 1 or bool(row[0].strip()))


def _read_table_as(
    source: Source,
    member: Member,
    kind: str,
    header_start: str | None,
    encoding: str,
    parse: Callable[[_Table], T],
) -> tuple[FileInfo, dict[str, int], T]:
    info = FileInfo(path=member.path, kind=kind, layout="", columns=(), encoding=encoding)
    binary = source.open(member)
    try:
        head = binary.peek(64 * 1024)
        info.bom = head[:3] == b"\xef\xbb\xbf"
        first_nl = head.find(b"\n")
        info.crlf = first_nl > 0 and head[first_nl - 1 : first_nl] == b"\r"
        codec = "utf-8-sig" if encoding == "utf-8" else encoding
        errors = "strict" if encoding == "utf-8" else "replace"
        stream = io.TextIOWrapper(binary, encoding=codec, errors=errors, newline="")
        try:
            header: dict[str, int] = {}
            header_line = _find_header(stream, header_start, info)
            if header_line is None:
                result = parse(_Table(info, {}))
            else:
                header_cells = next(csv.reader([header_line]), [])
                columns = tuple(c.strip().lstrip("\ufeff") for c in header_cells)
                info.columns = columns
                header = {c.lower(): i for i, c in enumerate(columns)}
                result = parse(_Table(info, header, csv.reader(stream)))
            last = getattr(binary.raw, "last_byte", b"\n")
            info.final_newline = last in (b"\n", b"\r", b"")
            return info, header, result
        except UnicodeDecodeError:
            if encoding == "utf-8":
                raise _DecodeRetry() from None
            raise
        except csv.Error as exc:
            raise ExportError(f"{member.path}: unreadable CSV ({_short(exc)})") from None
    finally:
        binary.close()


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


def _find_header(stream: io.TextIOWrapper, header_start: str | None, info: FileInfo) -> str | None:
    """The header line; for Connections.csv skip the ``Notes:`` preamble before it."""
    while True:
        line = stream.readline()
        if not line:
            return None
        clean = line.lstrip("\ufeff")
        if header_start is None:
            if clean.strip():
                return clean
            continue
        if clean.startswith(header_start):
            return clean
        info.preamble = True


def _col(header: dict[str, int], name: str) -> int:
    return header.get(name, -1)


def _get(row: list[str], i: int) -> str:
    return row[i] if i >= 0 else ""


def _split_recipients(
    to: str, urls: str, intern: Callable[[str], str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if "," not in to and "," not in urls:
        name = intern(to.strip())
        return ((name,), (intern(urls.strip()),)) if name else ((), ())
    url_list = [u.strip() for u in urls.split(",")] if urls.strip() else []
    names = [n.strip() for n in _TO_SPLIT.split(to)] if to.strip() else []
    # Trust the URL count: a single recipient whose name holds a bare comma stays whole.
    if len(url_list) == 1 and len(names) > 1:
        names = [to.strip()]
    if len(url_list) < len(names):
        url_list += [""] * (len(names) - len(url_list))
    url_list = url_list[: len(names)] if names else url_list
    return tuple(intern(n) for n in names), tuple(intern(u) for u in url_list)


def _parse_messages(table: _Table, excel_flags: set[str]) -> tuple[list[Message], set[int]]:
    """Messages in file order, and the indexes whose direction must still be inferred.

    Direction is known per row only in the 2018 layout; for later layouts it depends on the
    owner, who is known once every row has been seen, so those rows are created INCOMING and
    corrected in :func:`_set_directions`.
    """
    h = table.header
    width = len(table.info.columns)
    # Missing optional columns point one past the row, where an empty cell is appended.
    missing = width
    legacy = "direction" in h and "conversation id" not in h
    i_conv = h.get("conversation id", missing)
    i_title = h.get("conversation title", missing)
    i_from = h["from"]
    i_from_url = h.get("sender profile url", missing)
    i_to = h["to"]
    i_to_urls = h.get("recipient profile urls", missing)
    i_date = h["date"]
    i_subject = h.get("subject", missing)
    i_content = h["content"]
    i_folder = h.get("folder", missing)
    i_dir = h.get("direction", missing)
    i_draft = h.get("is message draft", missing)
    i_attach = h.get("attachments", missing)
    has_draft = "is message draft" in h
    intern = sys.intern
    dates: dict[str, tuple[datetime, bool]] = {}
    text_cache: dict[str, tuple[str, bool]] = {}
    system_cache: dict[str, bool] = {}
    out: list[Message] = []
    unknown: set[int] = set()
    bad_dates = 0
    incoming, outgoing = Direction.INCOMING, Direction.OUTGOING
    malformed = 0
    for row in table.rows:
        if len(row) != width:
            malformed += _malformed(row)
            continue
        row.append("")
        cell = row[i_date]
        parsed = dates.get(cell)
        if parsed is None:
            try:
                parsed = parse_datetime(cell)
            except DateFormatError:
                bad_dates += 1
                continue
            if len(dates) < 100_000:
                dates[cell] = parsed
        sent_at, excel = parsed
        if excel:
            excel_flags.add(table.info.path)
        folder = intern(row[i_folder].strip())
        # Since 2021 an empty FOLDER marks a draft (matches IS MESSAGE DRAFT=Yes in 2024).
        draft = row[i_draft].strip().lower() == "yes" if has_draft else not legacy and not folder
        to, to_urls = _split_recipients(row[i_to], row[i_to_urls], intern)
        raw_dir = row[i_dir].strip().upper()
        sender = intern(row[i_from].strip())
        if legacy:
            other = to[0] if raw_dir == "OUTGOING" and to else sender
            conv = intern(f"2018:{other}")
        else:
            conv = intern(row[i_conv].strip())
        if raw_dir == "OUTGOING":
            direction = outgoing
        else:
            direction = incoming
            if raw_dir != "INCOMING":
                unknown.add(len(out))
        content = row[i_content]
        if "<" in content:
            cached = text_cache.get(content)
            if cached is None:
                cached = text_cache[content] = content_to_text(content)
            text, is_html = cached
        else:
            text, is_html = content, False
        is_system = system_cache.get(sender)
        if is_system is None:
            is_system = system_cache[sender] = is_system_sender(sender)
        out.append(
            Message(
                conversation_id=conv,
                conversation_title=intern(row[i_title]),
                sender_name=sender,
                sender_url=intern(row[i_from_url].strip()),
                recipient_names=to,
                recipient_urls=to_urls,
                sent_at=sent_at,
                subject=intern(row[i_subject]),
                content_raw=content,
                text=text,
                is_html=is_html,
                folder=folder,
                is_draft=draft,
                direction=direction,
                is_system=is_system,
                attachments=intern(row[i_attach]),
            )
        )
    table.info.malformed += malformed + bad_dates
    table.info.rows = len(out)
    return out, unknown


def _parse_connections(table: _Table, excel_flags: set[str]) -> list[Connection]:
    h = table.header
    i_first = _col(h, "first name")
    i_last = _col(h, "last name")
    i_url = _col(h, "url")
    i_email = _col(h, "email address")
    i_company = _col(h, "company")
    i_position = _col(h, "position")
    i_on = _col(h, "connected on")
    width = len(table.info.columns)
    days: dict[str, tuple[date, bool]] = {}
    out: list[Connection] = []
    bad = 0
    for row in table.rows:
        if len(row) != width:
            bad += _malformed(row)
            continue
        cell = row[i_on].strip()
        connected_on = None
        if cell:
            parsed = days.get(cell)
            if parsed is None:
                try:
                    parsed = days[cell] = parse_date(cell)
                except DateFormatError:
                    bad += 1
                    continue
            connected_on, excel = parsed
            if excel:
                excel_flags.add(table.info.path)
        first = row[i_first].strip()
        last = row[i_last].strip()
        out.append(
            Connection(
                first_name=first,
                last_name=last,
                name=f"{first} {last}".strip(),
                url=_get(row, i_url).strip(),
                email=_get(row, i_email).strip(),
                company=_get(row, i_company).strip(),
                position=_get(row, i_position).strip(),
                connected_on=connected_on,
            )
        )
    table.info.malformed += bad
    table.info.rows = len(out)
    return out


def _parse_invitations(table: _Table, excel_flags: set[str]) -> list[Invitation]:
    h = table.header
    i_from = _col(h, "from")
    i_to = _col(h, "to")
    i_at = _col(h, "sent at")
    i_msg = _col(h, "message")
    i_dir = _col(h, "direction")
    i_inviter = _col(h, "inviterprofileurl")
    i_invitee = _col(h, "inviteeprofileurl")
    intern = sys.intern
    width = len(table.info.columns)
    out: list[Invitation] = []
    bad = 0
    for row in table.rows:
        if len(row) != width:
            bad += _malformed(row)
            continue
        raw_dir = row[i_dir].strip().upper()
        if raw_dir not in ("INCOMING", "OUTGOING"):
            bad += 1
            continue
        sent_at = None
        if row[i_at].strip():
            try:
                sent_at, excel = parse_datetime(row[i_at])
            except DateFormatError:
                bad += 1
                continue
            if excel:
                excel_flags.add(table.info.path)
        out.append(
            Invitation(
                from_name=intern(row[i_from].strip()),
                to_name=intern(row[i_to].strip()),
                sent_at=sent_at,
                message=_get(row, i_msg),
                direction=Direction(raw_dir),
                inviter_url=intern(_get(row, i_inviter).strip()),
                invitee_url=intern(_get(row, i_invitee).strip()),
            )
        )
    table.info.malformed += bad
    table.info.rows = len(out)
    return out


def is_system_sender(name: str) -> bool:
    """LinkedIn's own personas, deleted accounts ("LinkedIn Member") and empty-FROM events."""
    return not name or "linkedin" in name.casefold()


def _infer_owner(
    messages: list[Message],
    unknown: set[int],
    invitations: list[Invitation],
    profile_name: str,
) -> Person | None:
    """Most frequent non-system participant; Profile.csv's name wins when it is present."""
    pairs: Counter[tuple[str, str]] = Counter()
    if len(unknown) < len(messages):
        # 2018: the Direction column says which side the owner is on.
        known = [m for i, m in enumerate(messages) if i not in unknown]
        pairs.update((m.sender_name, m.sender_url) for m in known if not m.is_incoming)
        pairs.update(
            (n, u)
            for m in known
            if m.is_incoming
            for n, u in zip(m.recipient_names, m.recipient_urls, strict=False)
        )
    else:
        pairs.update((m.sender_name, m.sender_url) for m in messages)
        pairs.update(
            (n, u)
            for m in messages
            for n, u in zip(m.recipient_names, m.recipient_urls, strict=False)
        )
    if not pairs:
        for inv in invitations:
            if inv.direction is Direction.OUTGOING:
                pairs[(inv.from_name, inv.inviter_url)] += 1
            else:
                pairs[(inv.to_name, inv.invitee_url)] += 1
    # The 9-column layout has sender URLs but no recipient URLs: lend a name the URL it was
    # seen with, so the owner's two appearances count as one participant.
    url_of_name: dict[str, Counter[str]] = {}
    for (name, url), n in pairs.items():
        if url and name:
            url_of_name.setdefault(_name_key(name), Counter())[url] += n
    counts: Counter[str] = Counter()
    names: dict[str, Counter[str]] = {}
    urls: dict[str, Counter[str]] = {}
    for (name, url), n in pairs.items():
        if is_system_sender(name) and not url:
            continue
        if not url:
            seen_with = url_of_name.get(_name_key(name))
            if seen_with:
                url = seen_with.most_common(1)[0][0]
        key = _url_key(url) if url else "name:" + _name_key(name)
        counts[key] += n
        names.setdefault(key, Counter())[name] += n
        if url:
            urls.setdefault(key, Counter())[url] += n
    if profile_name:
        key = "name:" + _name_key(profile_name)
        for k, ns in names.items():
            if any(_name_key(n) == _name_key(profile_name) for n in ns):
                key = k
                break
        url = urls[key].most_common(1)[0][0] if key in urls else ""
        return Person(profile_name, url)
    if not counts:
        return None
    key = counts.most_common(1)[0][0]
    name = names[key].most_common(1)[0][0]
    url = urls[key].most_common(1)[0][0] if key in urls else ""
    return Person(name, url)


def _read_profile_name(source: Source, member: Member) -> str:
    def first_row(table: _Table) -> str:
        row = next(table.rows, None)
        if row is None:
            return ""
        first = _get(row, _col(table.header, "first name")).strip()
        last = _get(row, _col(table.header, "last name")).strip()
        return f"{first} {last}".strip()

    return _read_table(source, member, "profile", None, first_row)[2]


def _layout(kind: str, columns: tuple[str, ...]) -> str:
    lower = {c.lower() for c in columns}
    if kind == "messages":
        if "direction" in lower and "conversation id" not in lower:
            return f"{len(columns)}-column (2018)"
        return f"{len(columns)}-column"
    if kind == "connections":
        return f"{len(columns)}-column" + (" with URL" if "url" in lower else "")
    return f"{len(columns)}-column"


def read_export(
    path: str | os.PathLike[str],
    *,
    limits: ZipLimits | None = None,
    progress: ProgressCallback | None = None,
) -> Export:
    """Read a LinkedIn data export (the ZIP, or a folder unpacked from it).

    ``progress`` is called as ``progress(done_bytes, total_bytes)`` while files are read.
    Raises an :class:`ExportError` subclass with a one-line message for input that is not an
    export, is damaged, or exceeds ``limits``. Malformed rows are skipped and counted in
    ``Export.malformed``; odd-but-readable files produce ``Export.warnings``.
    """
    source = open_source(path, limits or ZipLimits())
    try:
        return _read(source, progress)
    finally:
        source.close()


def _checked(
    required: tuple[str, ...], warnings: list[str], parse: Callable[[_Table], list[T]]
) -> Callable[[_Table], list[T]]:
    """Run ``parse`` only when the header has the columns it needs; else skip the file."""

    def run(table: _Table) -> list[T]:
        if not table.header:
            warnings.append(f"{table.info.path}: empty file")
            return []
        missing = [c for c in required if c not in table.header]
        if missing:
            warnings.append(
                f"{table.info.path}: unknown header (missing {', '.join(missing)}); file skipped"
            )
            skipped = sum(1 for row in table.rows if row and (len(row) > 1 or row[0].strip()))
            table.info.malformed += skipped
            return []
        return parse(table)

    return run


def _read(source: Source, progress: ProgressCallback | None) -> Export:
    messages_m = source.find("messages.csv")
    connections_m = source.find("connections.csv")
    invitations_m = source.find("invitations.csv")
    profile_m = source.find("profile.csv")
    if messages_m is None and connections_m is None and invitations_m is None:
        raise NotAnExportError(
            f"{source.label}: not a LinkedIn data export "
            "(no messages.csv, Connections.csv or Invitations.csv inside)"
        )
    warnings = list(source.warnings)
    wanted = [m for m in (messages_m, connections_m, invitations_m, profile_m) if m is not None]
    source.start(wanted, progress)
    coach = [name for name in COACH_FILES if source.find(name) is not None]
    if coach:
        warnings.append(f"ignored LinkedIn AI-assistant chats: {', '.join(coach)}")

    files: dict[str, FileInfo] = {}
    excel_flags: set[str] = set()
    messages: list[Message] = []
    unknown: set[int] = set()
    connections: list[Connection] = []
    invitations: list[Invitation] = []
    for kind, member in (
        ("messages", messages_m),
        ("connections", connections_m),
        ("invitations", invitations_m),
    ):
        if member is None:
            warnings.append(f"no {kind} file in the export")
            continue
        # Header checks may warn; keep those from a failed UTF-8 attempt out of the list.
        attempt: list[str] = []
        if kind == "messages":
            info, _, parsed = _read_table(
                source,
                member,
                kind,
                None,
                _checked(_MESSAGES_REQUIRED, attempt, lambda t: [_parse_messages(t, excel_flags)]),
            )
            if parsed:
                messages, unknown = parsed[0]
        elif kind == "connections":
            info, _, connections = _read_table(
                source,
                member,
                kind,
                "First Name",
                _checked(
                    _CONNECTIONS_REQUIRED, attempt, lambda t: _parse_connections(t, excel_flags)
                ),
            )
        else:
            info, _, invitations = _read_table(
                source,
                member,
                kind,
                None,
                _checked(
                    _INVITATIONS_REQUIRED, attempt, lambda t: _parse_invitations(t, excel_flags)
                ),
            )
        info.layout = _layout(kind, info.columns)
        files[kind] = info
        if info.encoding != "utf-8":
            warnings.append(
                f"{member.path}: not UTF-8; read as Windows-1252 (cp1252), check odd characters"
            )
        warnings.extend(dict.fromkeys(attempt))
    for info in files.values():
        quirks = []
        if info.bom:
            quirks.append("byte-order mark")
        if info.crlf:
            quirks.append("CRLF line endings")
        if info.path in excel_flags:
            quirks.append("spreadsheet-style dates (e.g. 23-Apr-23)")
        if quirks:
            warnings.append(
                f"{info.path}: looks re-saved by a spreadsheet program ({', '.join(quirks)}); "
                "LinkedIn writes none of these, so check dates and text"
            )
        if info.malformed:
            warnings.append(f"{info.path}: skipped {info.malformed} malformed row(s)")

    profile_name = _read_profile_name(source, profile_m) if profile_m is not None else ""
    owner = _infer_owner(messages, unknown, invitations, profile_name)
    _set_directions(messages, unknown, owner)
    messages.sort(key=lambda m: m.sent_at)
    malformed = {info.path: info.malformed for info in files.values() if info.malformed}
    return Export(
        owner=owner,
        messages=messages,
        connections=connections,
        invitations=invitations,
        warnings=warnings,
        malformed=malformed,
        files=files,
    )


def _set_directions(messages: list[Message], unknown: set[int], owner: Person | None) -> None:
    """Mark the owner's own messages OUTGOING, now that the owner is known."""
    if owner is None or not unknown:
        return
    owner_url = _url_key(owner.url) if owner.url else ""
    owner_name = _name_key(owner.name)
    cache: dict[tuple[str, str], bool] = {}
    for i in unknown:
        m = messages[i]
        key = (m.sender_name, m.sender_url)
        same = cache.get(key)
        if same is None:
            if owner_url and m.sender_url:
                same = _url_key(m.sender_url) == owner_url
            else:
                same = bool(owner_name) and _name_key(m.sender_name) == owner_name
            cache[key] = same
        if same:
            # Frozen for users of the Export; set once here, before anyone else sees it.
            object.__setattr__(m, "direction", Direction.OUTGOING)

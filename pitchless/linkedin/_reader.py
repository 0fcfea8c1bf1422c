"""``read_export``: every CSV layout LinkedIn used from 2018 to 2026, read by header name.

Liberal in what it reads, and never silent about what it could not: a row that is not read
is counted in its file's :attr:`FileInfo.skipped` with the reason, a cell read with a caveat
(a date that could not be read, a recipient whose URL could not be paired) is counted in
:attr:`FileInfo.notes`, and :meth:`Export.read_report` gathers it all.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from ._dates import DateFormatError, needs_day_first, parse_date, parse_datetime
from ._errors import CorruptArchiveError, ExportError, NotAnExportError
from ._limits import ZipLimits
from ._locale import (
    EXPECTED,
    REQUIRED,
    SENT_FOLDERS,
    YES,
    direction_of,
    fold,
    header_fits,
    map_header,
)
from ._models import (
    Candidate,
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
from ._owner import detect_owner, is_system_sender
from ._source import Member, ProgressCallback, Source, basename, name_stem, open_source
from ._text import content_to_text

# LinkedIn's AI-assistant chats share the messages header; they are not DMs.
COACH_FILES = (
    "coach_messages.csv",
    "learning_coach_messages.csv",
    "learning_role_play_messages.csv",
    "guide_messages.csv",
)
_COACH_STEMS = frozenset(name[:-4] for name in COACH_FILES)
_COACH_ENDINGS = ("coach_messages", "role_play_messages", "guide_messages")
_KINDS = ("messages", "connections", "invitations", "profile")

#: A file found by its header only must look unmistakably like that kind (Profile.csv,
#: Recommendations and imported contacts also have First Name / Last Name columns).
_SNIFF_REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "messages": (
        ("from",),
        ("date",),
        ("content",),
        ("to", "conversation id"),
        ("folder", "conversation id", "subject"),
    ),
    "connections": (("first name", "last name", "name"), ("connected on",)),
    "invitations": (("from",), ("to",), ("direction", "inviterprofileurl", "inviterprofileurn")),
}
#: Unrecognised CSV files looked at for a known header; a full export has a few dozen.
_SNIFF_MAX_FILES = 300
_SNIFF_BYTES = 16 * 1024
#: Lines looked at for the header row (Connections.csv has a 3-line preamble).
_HEADER_SEARCH_LINES = 30

# TO joins several names with "," and no space; names themselves may hold ", " ("Jo, MBA").
_TO_SPLIT = re.compile(r",(?! )")
_SLUG_WORDS = re.compile(r"[a-z0-9]+")

# csv's default field limit (128 KiB) is below some InMail HTML; stay bounded all the same.
csv.field_size_limit(16 * 1024 * 1024)

_DELIMITERS = (",", ";", "\t")
_WRONG_WIDTH = "wrong number of fields"
_EMPTY_ROW = "empty row (every cell blank)"
_REPEATED_HEADER = "repeated header row"
_BAD_DATE = "unreadable date"


class _DecodeRetry(Exception):
    """The file is not UTF-8: read it again as cp1252."""


@dataclass(slots=True)
class _Table:
    """A CSV file's header and a one-pass iterator over its rows."""

    info: FileInfo
    #: canonical column name -> index
    header: dict[str, int]
    rows: Iterator[list[str]] = field(default_factory=lambda: iter(()))


T = TypeVar("T")


def _read_table(
    source: Source, member: Member, kind: str, parse: Callable[[_Table], T]
) -> tuple[FileInfo, T]:
    """Stream one CSV member through ``parse``, as UTF-8 or, failing that, as cp1252.

    Rows are handed over while the member is being decompressed and never held as a
    whole, so memory follows what ``parse`` keeps, not the file size.
    """
    try:
        return _read_table_as(source, member, kind, "utf-8", parse)
    except _DecodeRetry:
        return _read_table_as(source, member, kind, "cp1252", parse)


def _blank(row: list[str]) -> bool:
    """An empty line (re-saves end with one): not a row, nothing to count."""
    return not row or (len(row) == 1 and not row[0].strip())


def _read_table_as(
    source: Source, member: Member, kind: str, encoding: str, parse: Callable[[_Table], T]
) -> tuple[FileInfo, T]:
    info = FileInfo(path=member.path, kind=kind, layout="", columns=(), encoding=encoding)
    binary = source.open(member)
    try:
        head = binary.peek(64 * 1024)
        info.bom = head[:3] == b"\xef\xbb\xbf"
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            # Excel's "Unicode text" save: UTF-16 with a byte-order mark.
            encoding = info.encoding = "utf-16"
            info.bom = True
        first_nl = head.find(b"\n")
        info.crlf = first_nl > 0 and head[first_nl - 1 : first_nl] in (b"\r", b"\x00")
        info.crlf = info.crlf and b"\r" in head[max(0, first_nl - 2) : first_nl]
        codec = "utf-8-sig" if encoding == "utf-8" else encoding
        errors = "strict" if encoding == "utf-8" else "replace"
        stream = io.TextIOWrapper(binary, encoding=codec, errors=errors, newline="")
        try:
            found = _find_header(stream, kind, info)
            if found is None:
                result = parse(_Table(info, {}))
            else:
                cells, rest, delimiter = found
                columns = tuple(c.strip().lstrip("\ufeff") for c in cells)
                info.columns = columns
                info.delimiter = delimiter
                header = map_header(kind, list(columns))
                rows = csv.reader(itertools.chain(rest, stream), delimiter=delimiter)
                result = parse(_Table(info, header, rows))
            last = getattr(binary.raw, "last_byte", b"\n")
            info.final_newline = last in (b"\n", b"\r", b"")
            return info, result
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


def _header_cells(line: str, kind: str) -> tuple[list[str], str] | None:
    """The cells of ``line`` and its delimiter when it is ``kind``'s header, else ``None``.

    LinkedIn writes commas; a spreadsheet in a European locale re-saves with semicolons, and
    a "text" export uses tabs.
    """
    clean = line.lstrip("\ufeff")
    for delimiter in _DELIMITERS:
        if delimiter != "," and delimiter not in clean:
            continue
        cells = next(csv.reader([clean], delimiter=delimiter), [])
        if header_fits(kind, map_header(kind, cells)):
            return cells, delimiter
    return None


def _find_header(
    stream: io.TextIOWrapper, kind: str, info: FileInfo
) -> tuple[list[str], list[str], str] | None:
    """The header row, found by its content, the lines read past it, and the delimiter.

    Connections.csv has a ``Notes:`` preamble, and a user may have trimmed or reordered the
    header, so the header is the first of the opening lines whose cells name the columns
    ``kind`` needs, in any supported language. When no line does, the first non-empty line
    is taken as the header (the file is then skipped, with its missing columns named).
    """
    lines: list[str] = []
    first: int | None = None
    for _ in range(_HEADER_SEARCH_LINES):
        line = stream.readline()
        if not line:
            break
        lines.append(line)
        if not line.strip():
            continue
        if first is None:
            first = len(lines) - 1
        found = _header_cells(line, kind)
        if found is not None:
            info.preamble = len(lines) > 1
            return found[0], [], found[1]
    if first is None:
        return None
    cells = next(csv.reader([lines[first].lstrip("\ufeff")]), [])
    info.preamble = first > 0
    return cells, lines[first + 1 :], ","


def _fit(row: list[str], width: int) -> list[str] | None:
    """The row at the header's width: trailing empty cells dropped, else ``None``."""
    n = len(row)
    if n == width:
        return row
    if n > width and not any(c.strip() for c in row[width:]):
        return row[:width]
    return None


def _missing(kind: str, header: dict[str, int]) -> tuple[str, ...]:
    present = set(header)
    if "name" in present:
        present |= {"first name", "last name"}
    return tuple(c for c in EXPECTED[kind] if c not in present)


def _slug(url: str) -> str:
    """The ``<slug>`` of ``https://www.linkedin.com/in/<slug>/``, lower case."""
    i = url.find("/in/")
    if i < 0:
        return ""
    return url[i + 4 :].split("?", 1)[0].strip("/").lower()


def _name_in_slug(name: str, slug_words: set[str]) -> bool:
    words = _SLUG_WORDS.findall(fold(name))
    return bool(words) and all(w in slug_words for w in words)


def _is_member_placeholder(name: str) -> bool:
    return " ".join(name.split()).casefold() == "linkedin member"


def _split_recipients(
    to: str, urls: str, intern: Callable[[str], str], stats: Counter[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """TO and RECIPIENT PROFILE URLS as parallel tuples (always of one length), pairing only
    what pairs safely.

    Same counts: paired by position (LinkedIn writes both in the same order). "LinkedIn
    Member" recipients have no URL slot, so when only they make the difference the others
    pair by position. Otherwise a URL goes to the one name its slug spells; a single URL
    whose slug spells the whole of TO means one recipient with a bare comma in the name.
    Names are never merged on the count alone; an unpaired name gets ``""``.
    """
    if "," not in to and "," not in urls:
        name = intern(to.strip())
        return ((name,), (intern(urls.strip()),)) if name else ((), ())
    slots = [u.strip() for u in urls.split(",")] if urls.strip() else []
    names = [n.strip() for n in _TO_SPLIT.split(to) if n.strip()] if to.strip() else []
    if len(slots) == len(names):  # one slot per name, empty ones included
        return tuple(intern(n) for n in names), tuple(intern(u) for u in slots)
    url_list = [u for u in slots if u]
    if len(url_list) == len(names):
        return tuple(intern(n) for n in names), tuple(intern(u) for u in url_list)
    if not names:  # URLs without names: keep them, each with an empty name
        return ("",) * len(url_list), tuple(intern(u) for u in url_list)
    if not url_list:
        return tuple(intern(n) for n in names), ("",) * len(names)
    placeholders = [i for i, n in enumerate(names) if _is_member_placeholder(n)]
    if placeholders and len(names) - len(placeholders) == len(url_list):
        it = iter(url_list)
        paired = ["" if i in placeholders else next(it) for i in range(len(names))]
        stats["placeholder"] += 1
        return tuple(intern(n) for n in names), tuple(intern(u) for u in paired)
    slugs = [set(_SLUG_WORDS.findall(_slug(u))) for u in url_list]
    if len(url_list) == 1 and not placeholders and _name_in_slug(to, slugs[0]):
        stats["one_name_with_comma"] += 1
        return (intern(to.strip()),), (intern(url_list[0]),)
    out = [""] * len(names)
    claims: dict[int, list[int]] = {}
    for ni, n in enumerate(names):
        hits = [ui for ui, words in enumerate(slugs) if _name_in_slug(n, words)]
        if len(hits) == 1:
            claims.setdefault(hits[0], []).append(ni)
    for ui, nis in claims.items():
        if len(nis) == 1:
            out[nis[0]] = url_list[ui]
    stats["unpaired"] += 1
    return tuple(intern(n) for n in names), tuple(intern(u) for u in out)


@dataclass(slots=True)
class _Messages:
    """What parsing messages.csv yields besides the messages: facts for the owner pass."""

    messages: list[Message] = field(default_factory=list)
    #: rows whose direction must still be inferred from the owner
    unknown: set[int] = field(default_factory=set)
    #: rows in an outgoing-only folder (``SENT``)
    sent_rows: list[int] = field(default_factory=list)
    #: rows with an empty FOLDER in a file without a draft column: drafts only if the owner's
    empty_folder: list[int] = field(default_factory=list)
    #: rows marked ``IS MESSAGE DRAFT = Yes``: drafts unless someone else wrote them
    draft_yes: list[int] = field(default_factory=list)
    drafts_known: str = ""


def _parse_messages(table: _Table, excel_flags: set[str]) -> _Messages:
    """Messages in file order, with what the owner pass needs.

    Direction is known per row only in the 2018 layout; for later layouts it depends on the
    owner, who is known once every row has been seen, so those rows are created INCOMING and
    corrected in :func:`_set_directions`.
    """
    h = table.header
    info = table.info
    width = len(info.columns)
    out = _Messages()
    # Missing optional columns point one past the row, where an empty cell is appended.
    missing = width
    legacy = "direction" in h and "conversation id" not in h
    i_conv = h.get("conversation id", missing)
    i_title = h.get("conversation title", missing)
    i_from = h.get("from", missing)
    i_from_url = h.get("sender profile url", missing)
    i_to = h.get("to", missing)
    i_to_urls = h.get("recipient profile urls", missing)
    i_date = h["date"]
    i_subject = h.get("subject", missing)
    i_content = h["content"]
    i_folder = h.get("folder", missing)
    i_dir = h.get("direction", missing)
    i_draft = h.get("is message draft", missing)
    i_attach = h.get("attachments", missing)
    has_draft = "is message draft" in h
    has_folder = "folder" in h
    has_conv = "conversation id" in h
    if has_draft:
        out.drafts_known = "IS MESSAGE DRAFT column"
    elif legacy:
        out.drafts_known = "none in this layout"
    elif has_folder:
        out.drafts_known = "empty FOLDER on the owner's own rows"
    else:
        out.drafts_known = "not known: no FOLDER or IS MESSAGE DRAFT column"
    intern = sys.intern
    dates: dict[str, tuple[datetime, bool]] = {}
    text_cache: dict[str, tuple[str, bool]] = {}
    system_cache: dict[tuple[str, str], bool] = {}
    dir_cache: dict[str, str | None] = {"INCOMING": "INCOMING", "OUTGOING": "OUTGOING", "": None}
    sent_cache: dict[str, bool] = {}
    recipients: Counter[str] = Counter()
    messages = out.messages
    incoming, outgoing = Direction.INCOMING, Direction.OUTGOING
    wrong_width = bad_dates = 0
    head_cells = list(info.columns)
    head0 = head_cells[0] if head_cells else ""
    empty = repeated = 0
    for raw in table.rows:
        if len(raw) == width:
            row = raw
        else:
            fitted = _fit(raw, width)
            if fitted is None:
                wrong_width += not _blank(raw)
                continue
            row = fitted
        if not any(row) or (row[0] == head0 and row == head_cells):
            if any(row):
                repeated += 1
            else:
                empty += 1
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
            excel_flags.add(info.path)
        folder = intern(row[i_folder].strip())
        if has_draft:
            cell = row[i_draft]
            draft = cell == "Yes" or (cell != "No" and fold(cell) in YES)
            if draft:
                out.draft_yes.append(len(messages))
        else:
            draft = False
            if has_folder and not legacy and not folder:
                out.empty_folder.append(len(messages))
        if folder:
            sent = sent_cache.get(folder)
            if sent is None:
                sent = sent_cache[folder] = fold(folder) in SENT_FOLDERS
            if sent:
                out.sent_rows.append(len(messages))
        to, to_urls = _split_recipients(row[i_to], row[i_to_urls], intern, recipients)
        raw_dir = row[i_dir].strip()
        if raw_dir not in dir_cache:
            dir_cache[raw_dir] = direction_of(raw_dir)
        known_dir = dir_cache[raw_dir]
        sender = intern(row[i_from].strip())
        sender_url = intern(row[i_from_url].strip())
        if legacy:
            other = to[0] if known_dir == "OUTGOING" and to else sender
            conv = intern(f"2018:{other}")
        elif has_conv:
            conv = intern(row[i_conv].strip())
        else:
            # No ids and no direction: a thread is its set of participants, whoever wrote.
            conv = intern("people:" + "|".join(sorted({sender, *to})))
        if known_dir == "OUTGOING":
            direction = outgoing
        else:
            direction = incoming
            if known_dir is None:
                out.unknown.add(len(messages))
        content = row[i_content]
        if "<" in content:
            cached = text_cache.get(content)
            if cached is None:
                cached = text_cache[content] = content_to_text(content)
            text, is_html = cached
        else:
            text, is_html = content, False
        skey = (sender, sender_url)
        is_system = system_cache.get(skey)
        if is_system is None:
            is_system = system_cache[skey] = is_system_sender(sender, sender_url)
        messages.append(
            Message(
                conversation_id=conv,
                conversation_title=intern(row[i_title]),
                sender_name=sender,
                sender_url=sender_url,
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
    info.skip(_WRONG_WIDTH, wrong_width)
    info.skip(_EMPTY_ROW, empty)
    info.skip(_REPEATED_HEADER, repeated)
    info.skip(_BAD_DATE, bad_dates)
    info.rows = len(messages)
    if recipients["placeholder"]:
        info.notes.append(
            f"{recipients['placeholder']} group row(s) with 'LinkedIn Member' recipients, who "
            "have no profile URL: the other recipients were paired with their URLs"
        )
    if recipients["one_name_with_comma"]:
        info.notes.append(
            f"{recipients['one_name_with_comma']} row(s) with one recipient URL whose address "
            "spells the whole of TO: read as one recipient with a comma in the name"
        )
    if recipients["unpaired"]:
        info.notes.append(
            f"{recipients['unpaired']} row(s) whose recipient names and profile URLs differ in "
            "number: URLs were paired only where the profile address spells the name"
        )
    return out


def _parse_connections(table: _Table, excel_flags: set[str]) -> list[Connection]:
    h = table.header
    info = table.info
    width = len(info.columns)
    missing = width
    i_first = h.get("first name", missing)
    i_last = h.get("last name", missing)
    i_name = h.get("name", missing)
    i_url = h.get("url", missing)
    i_email = h.get("email address", missing)
    i_company = h.get("company", missing)
    i_position = h.get("position", missing)
    i_on = h.get("connected on", missing)
    split_name = "first name" not in h and "last name" not in h
    out: list[Connection] = []
    raw_dates: list[str] = []
    # Each distinct cell is read once, month first; a file that turns out to be day first
    # (some day over 12) is read again below.
    days: dict[str, date | None] = {}
    excel_seen = False
    wrong_width = unread = 0
    intern = sys.intern
    head_cells = list(info.columns)
    head0 = head_cells[0] if head_cells else ""
    empty = repeated = 0
    for raw in table.rows:
        if len(raw) == width:
            row = raw
        else:
            fitted = _fit(raw, width)
            if fitted is None:
                wrong_width += not _blank(raw)
                continue
            row = fitted
        if not any(row) or (row[0] == head0 and row == head_cells):
            if any(row):
                repeated += 1
            else:
                empty += 1
            continue
        row.append("")
        if split_name:
            full = " ".join(row[i_name].split())
            first, _, last = full.partition(" ")
        else:
            first = row[i_first].strip()
            last = row[i_last].strip()
            full = f"{first} {last}".strip()
        cell = intern(row[i_on].strip())
        raw_dates.append(cell)
        if cell in days:
            day = days[cell]
        else:
            try:
                day, excel = parse_date(cell)
            except DateFormatError:
                day, excel = None, False
            days[cell] = day
            excel_seen = excel_seen or excel
        if day is None and cell:
            unread += 1
        out.append(
            Connection(
                first_name=first,
                last_name=last,
                name=full,
                url=row[i_url].strip(),
                email=row[i_email].strip(),
                company=row[i_company].strip(),
                position=row[i_position].strip(),
                connected_on=day,
            )
        )
    info.skip(_WRONG_WIDTH, wrong_width)
    info.skip(_EMPTY_ROW, empty)
    info.skip(_REPEATED_HEADER, repeated)
    info.rows = len(out)
    if excel_seen:
        excel_flags.add(info.path)
    bad = ""
    if unread or needs_day_first(set(days)):
        again, bad = _parse_dates(set(days), parse_date, info, excel_flags)
        unread = 0
        for conn, cell in zip(out, raw_dates, strict=True):
            day = again.get(cell)
            if day != conn.connected_on:
                object.__setattr__(conn, "connected_on", day)
            if day is None and cell:
                unread += 1
    if unread:
        info.notes.append(
            f"{unread} connection date(s) could not be read ({bad}); those connections are "
            "kept without a date"
        )
    return out


D = TypeVar("D", date, datetime)


def _parse_dates(
    cells: set[str],
    parse: Callable[..., tuple[D, bool]],
    info: FileInfo,
    excel_flags: set[str],
) -> tuple[dict[str, D], str]:
    """Each distinct date cell read once, day first when the file's dates demand it."""
    cells.discard("")
    day_first = needs_day_first(cells)
    if day_first:
        info.notes.append("numeric dates read day first (some have a day over 12)")
    out: dict[str, D] = {}
    bad: list[str] = []
    for cell in cells:
        try:
            value, excel = parse(cell, day_first=day_first)
        except DateFormatError:
            bad.append(cell)
            continue
        out[cell] = value
        if excel:
            excel_flags.add(info.path)
    example = f"e.g. {sorted(bad)[0][:40]!r}" if bad else ""
    return out, example


@dataclass(slots=True)
class _Invitations:
    invitations: list[Invitation] = field(default_factory=list)
    #: False where the Direction cell was empty or unknown: inferred from the owner later
    known: list[bool] = field(default_factory=list)


def _parse_invitations(table: _Table, excel_flags: set[str]) -> _Invitations:
    h = table.header
    info = table.info
    width = len(info.columns)
    missing = width
    i_from = h.get("from", missing)
    i_to = h.get("to", missing)
    i_at = h.get("sent at", missing)
    i_msg = h.get("message", missing)
    i_dir = h.get("direction", missing)
    i_inviter = h.get("inviterprofileurl", missing)
    i_invitee = h.get("inviteeprofileurl", missing)
    i_inviter_urn = h.get("inviterprofileurn", missing)
    i_invitee_urn = h.get("inviteeprofileurn", missing)
    intern = sys.intern
    out = _Invitations()
    raw_dates: list[str] = []
    wrong_width = 0
    head_cells = list(info.columns)
    head0 = head_cells[0] if head_cells else ""
    empty = repeated = 0
    for raw in table.rows:
        if len(raw) == width:
            row = raw
        else:
            fitted = _fit(raw, width)
            if fitted is None:
                wrong_width += not _blank(raw)
                continue
            row = fitted
        if not any(row) or (row[0] == head0 and row == head_cells):
            if any(row):
                repeated += 1
            else:
                empty += 1
            continue
        row.append("")
        known = direction_of(row[i_dir])
        out.known.append(known is not None)
        raw_dates.append(intern(row[i_at].strip()))
        out.invitations.append(
            Invitation(
                from_name=intern(row[i_from].strip()),
                to_name=intern(row[i_to].strip()),
                sent_at=None,
                message=row[i_msg],
                direction=Direction(known or "INCOMING"),
                inviter_url=intern(row[i_inviter].strip()),
                invitee_url=intern(row[i_invitee].strip()),
                inviter_urn=intern(row[i_inviter_urn].strip()),
                invitee_urn=intern(row[i_invitee_urn].strip()),
            )
        )
    info.skip(_WRONG_WIDTH, wrong_width)
    info.skip(_EMPTY_ROW, empty)
    info.skip(_REPEATED_HEADER, repeated)
    info.rows = len(out.invitations)
    stamps, bad = _parse_dates(set(raw_dates), parse_datetime, info, excel_flags)
    unread = 0
    for inv, cell in zip(out.invitations, raw_dates, strict=True):
        at = stamps.get(cell)
        if at is not None:
            object.__setattr__(inv, "sent_at", at)
        elif cell:
            unread += 1
    if unread:
        info.notes.append(
            f"{unread} invitation date(s) could not be read ({bad}); those invitations are "
            "kept without a date"
        )
    return out


def _read_profile(table: _Table) -> str:
    """The owner's name: the first row of Profile.csv."""
    h = table.header
    width = len(table.info.columns)
    for raw in table.rows:
        if _blank(raw):
            continue
        row = raw + [""] * max(0, width - len(raw)) + [""]
        first = row[h.get("first name", width)].strip()
        last = row[h.get("last name", width)].strip()
        table.info.rows = 1
        return f"{first} {last}".strip()
    return ""


def _layout(kind: str, columns: tuple[str, ...], header: dict[str, int]) -> str:
    if kind == "messages":
        if "direction" in header and "conversation id" not in header:
            return f"{len(columns)}-column (2018)"
        return f"{len(columns)}-column"
    if kind == "connections":
        return f"{len(columns)}-column" + (" with URL" if "url" in header else "")
    return f"{len(columns)}-column"


def read_export(
    path: str | os.PathLike[str],
    *,
    limits: ZipLimits | None = None,
    progress: ProgressCallback | None = None,
    owner: str | None = None,
) -> Export:
    """Read a LinkedIn data export (the ZIP, or a folder unpacked from it).

    ``progress`` is called as ``progress(done_bytes, total_bytes)`` while files are read.
    ``owner`` names the account owner (a display name or a profile URL) when the reader's
    own detection should not be trusted. Raises an :class:`ExportError` subclass with a
    one-line message for input that is not an export, is damaged, or exceeds ``limits``.
    Rows that cannot be read are skipped and counted, with the reason, per file
    (``Export.files[kind].skipped``, ``Export.malformed``); odd-but-readable files produce
    ``Export.warnings``; :meth:`Export.read_report` sums it all up.
    """
    source = open_source(path, limits or ZipLimits())
    try:
        return _read(source, progress, owner)
    finally:
        source.close()


def _checked(
    kind: str, warnings: list[str], parse: Callable[[_Table], T], empty: Callable[[], T]
) -> Callable[[_Table], T]:
    """Run ``parse`` only when the header has the columns it needs; else skip the file."""

    def run(table: _Table) -> T:
        info = table.info
        if not info.columns:
            warnings.append(f"{info.path}: empty file")
            return empty()
        info.missing_columns = _missing(kind, table.header)
        if not header_fits(kind, table.header):
            need = [" or ".join(g) for g in REQUIRED[kind] if not any(c in table.header for c in g)]
            reason = f"file not read: its header has no {', '.join(need)} column"
            warnings.append(
                f"{info.path}: unknown header (missing {', '.join(need)}); file skipped"
            )
            info.skip(reason, sum(1 for row in table.rows if not _blank(row)))
            return empty()
        return parse(table)

    return run


def _opening_lines(source: Source, member: Member) -> list[str]:
    """The first non-empty lines of a file, decoded leniently, for a look at its header."""
    binary = source.open(member)
    try:
        data = binary.read(_SNIFF_BYTES)
    finally:
        binary.close()
    codec = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    text = data.decode(codec, errors="replace").lstrip("\ufeff")
    return [ln for ln in text.splitlines() if ln.strip()][:_HEADER_SEARCH_LINES]


def _line_cells(line: str) -> Iterator[list[str]]:
    for delimiter in _DELIMITERS:
        if delimiter == "," or delimiter in line:
            yield next(csv.reader([line], delimiter=delimiter), [])


def _peek_header(source: Source, member: Member) -> tuple[str | None, bool]:
    """The kind whose header this file's opening lines show unmistakably (or ``None``), and
    whether any row follows the header."""
    lines = _opening_lines(source, member)
    for n, line in enumerate(lines):
        for cells in _line_cells(line):
            for kind, groups in _SNIFF_REQUIRED.items():
                header = map_header(kind, cells)
                if all(any(c in header for c in g) for g in groups):
                    return kind, len(lines) > n + 1
    return None, len(lines) > 1


def _fits(source: Source, member: Member, kind: str) -> bool:
    """True when one of the file's opening lines is a header ``kind`` can be read with."""
    try:
        lines = _opening_lines(source, member)
    except CorruptArchiveError:
        return False
    return any(
        header_fits(kind, map_header(kind, cells)) for line in lines for cells in _line_cells(line)
    )


_KIND_WORDS = {
    "messages": "messages",
    "message": "messages",
    "connections": "connections",
    "connection": "connections",
    "invitations": "invitations",
    "invitation": "invitations",
}
_STEM_WORDS = re.compile(r"[^\W_]+")


def _kind_of_stem(stem: str) -> str | None:
    """The kind a file name says: ``connections`` exactly, or as one of its words
    (``my_connections``, ``Connections_cleaned``, ``linkedin messages 2023``)."""
    if stem in _KINDS:
        return stem
    kinds = {_KIND_WORDS[w] for w in _STEM_WORDS.findall(stem) if w in _KIND_WORDS}
    return kinds.pop() if len(kinds) == 1 else None


def _choose(
    source: Source, kind: str, found: list[tuple[Member, str]], warnings: list[str]
) -> tuple[Member, str, list[Candidate]] | None:
    """The file to read for ``kind`` among its candidates: one whose header can be read
    first, then the exact name, a renamed copy, a file recognised by its header; the
    largest breaks a tie."""
    if not found:
        return None
    exact = f"{kind}.csv"
    # Only candidates found by name need a look: a file found by header fits by definition.
    fits = {
        m.path: how == "header" or len(found) == 1 or _fits(source, m, kind) for m, how in found
    }

    def rank(item: tuple[Member, str]) -> tuple[bool, int, int]:
        member, how = item
        if how == "name" and basename(member.path).lower() == exact:
            tier = 0
        else:
            tier = 1 if how == "name" else 2
        return (not fits[member.path], tier, -member.size)

    ordered = sorted(found, key=rank)
    chosen, how = ordered[0]
    tier = rank(ordered[0])[1]
    why_used = "exact name" if tier == 0 else ("file name" if how == "name" else "its header")
    candidates = [Candidate(chosen.path, how, True, why_used)]
    for member, other_how in ordered[1:]:
        candidates.append(Candidate(member.path, other_how, False, f"{chosen.path} was used"))
    if len(ordered) > 1:
        others = ", ".join(c.path for c in candidates[1:])
        warnings.append(
            f"several {kind} files: read {chosen.path} ({why_used}); not read: {others}"
        )
    return chosen, how, candidates


def _read(source: Source, progress: ProgressCallback | None, given_owner: str | None) -> Export:
    warnings = list(source.warnings)
    ignored: list[tuple[str, str]] = []
    by_kind: dict[str, list[tuple[Member, str]]] = {k: [] for k in _KINDS}
    coach: list[Member] = []
    unknown: list[Member] = []
    for member in source.members:
        stem = name_stem(member.path)
        if not stem or not source.first_of(member):
            continue
        named = _kind_of_stem(stem)
        if stem in _COACH_STEMS or stem.endswith(_COACH_ENDINGS):
            coach.append(member)
        elif named is not None:
            by_kind[named].append((member, "name"))
        elif len(unknown) < _SNIFF_MAX_FILES:
            unknown.append(member)
    for member in unknown:
        try:
            sniffed, _ = _peek_header(source, member)
        except CorruptArchiveError as exc:
            # A damaged file we may not even need must not stop the read of the others.
            ignored.append((member.path, f"could not be opened ({exc})"))
            continue
        if sniffed is not None:
            by_kind[sniffed].append((member, "header"))
    chosen = {k: _choose(source, k, by_kind[k], warnings) for k in _KINDS}
    if not any(chosen[k] for k in ("messages", "connections", "invitations")):
        raise NotAnExportError(
            f"{source.label}: not a LinkedIn data export "
            "(no messages.csv, Connections.csv or Invitations.csv inside)"
        )
    with_rows = []
    for member in coach:
        try:
            _, has_rows = _peek_header(source, member)
        except CorruptArchiveError as exc:
            ignored.append((member.path, f"could not be opened ({exc})"))
            continue
        if has_rows:
            with_rows.append(basename(member.path))
            ignored.append((member.path, "LinkedIn AI-assistant chat, not direct messages"))
        else:
            ignored.append((member.path, "LinkedIn AI-assistant chat, header only"))
    if with_rows:
        warnings.append(f"ignored LinkedIn AI-assistant chats: {', '.join(with_rows)}")
    wanted = [c[0] for c in chosen.values() if c is not None]
    source.start(wanted, progress)

    files: dict[str, FileInfo] = {}
    excel_flags: set[str] = set()
    parsed_messages = _Messages()
    connections: list[Connection] = []
    parsed_invitations = _Invitations()
    profile_name = ""
    for kind in _KINDS:
        pick = chosen[kind]
        if pick is None:
            if kind != "profile":
                warnings.append(f"no {kind} file in the export")
            continue
        member, how, candidates = pick
        # Header checks may warn; keep those from a failed UTF-8 attempt out of the list.
        attempt: list[str] = []
        if kind == "messages":
            info, parsed_messages = _read_table(
                source,
                member,
                kind,
                _checked(kind, attempt, lambda t: _parse_messages(t, excel_flags), _Messages),
            )
        elif kind == "connections":
            info, connections = _read_table(
                source,
                member,
                kind,
                _checked(kind, attempt, lambda t: _parse_connections(t, excel_flags), list),
            )
        elif kind == "invitations":
            info, parsed_invitations = _read_table(
                source,
                member,
                kind,
                _checked(kind, attempt, lambda t: _parse_invitations(t, excel_flags), _Invitations),
            )
        else:
            info, profile_name = _read_table(
                source, member, kind, _checked(kind, attempt, _read_profile, str)
            )
        info.found_by = how
        info.candidates = candidates
        if info.columns:
            info.layout = _layout(kind, info.columns, map_header(kind, list(info.columns)))
        files[kind] = info
        if info.encoding == "cp1252":
            warnings.append(
                f"{member.path}: not UTF-8; read as Windows-1252 (cp1252), check odd characters"
            )
        warnings.extend(dict.fromkeys(attempt))
        if how == "header" or basename(member.path).lower() != f"{kind}.csv":
            found = "its header" if how == "header" else "its name"
            info.notes.append(f"read as the {kind} file (recognised by {found})")
    for kind, info in files.items():
        quirks = []
        if info.bom:
            quirks.append("byte-order mark")
        if info.crlf:
            quirks.append("CRLF line endings")
        if info.path in excel_flags:
            quirks.append("spreadsheet-style dates (e.g. 23-Apr-23)")
        if info.delimiter != ",":
            quirks.append("semicolon-separated" if info.delimiter == ";" else "tab-separated")
        if info.encoding == "utf-16":
            quirks.append("UTF-16 text")
        if quirks:
            warnings.append(
                f"{info.path}: looks re-saved by a spreadsheet program ({', '.join(quirks)}); "
                "LinkedIn writes none of these, so check dates and text"
            )
        if info.malformed:
            reasons = "; ".join(f"{r}: {n}" for r, n in sorted(info.skipped.items()))
            warnings.append(f"{info.path}: skipped {info.malformed} malformed row(s) ({reasons})")
        if kind == "connections" and info.columns and "connected on" in info.missing_columns:
            warnings.append(
                f"{info.path}: no 'Connected On' column, so nobody's connection date is known"
            )
        warnings.extend(f"{info.path}: {note}" for note in info.notes if "could not" in note)

    messages = parsed_messages.messages
    invitations = parsed_invitations.invitations
    joined = _join_urns(invitations, messages, connections)
    if joined and "invitations" in files:
        files["invitations"].notes.append(
            f"{joined} profile URN(s) joined to a profile URL seen elsewhere in the export"
        )
    owner_info = detect_owner(
        messages,
        known_direction=[i for i in range(len(messages)) if i not in parsed_messages.unknown],
        sent_folder_rows=parsed_messages.sent_rows,
        invitations=invitations,
        invitation_known=parsed_invitations.known,
        profile_name=profile_name,
        given=given_owner,
    )
    owner = Person(owner_info.name, owner_info.url) if owner_info else None
    if owner_info is not None and owner_info.confidence == "low":
        warnings.append(
            f"the account owner is uncertain ({owner_info.evidence[0]}); if the audit names "
            'the wrong person, run it again with --owner "Your Name"'
        )
    if owner_info is None and messages:
        warnings.append(
            "the account owner could not be found; every message counts as received. "
            'Run it again with --owner "Your Name"'
        )
    _set_directions(messages, parsed_messages.unknown, owner)
    if owner is not None and owner_info is not None and owner_info.url == "":
        _unhide_owner(messages, owner, files.get("messages"))
    if "messages" in files:
        _set_drafts(messages, parsed_messages, owner, files["messages"])
    if "invitations" in files:
        invitations = _set_invitation_directions(parsed_invitations, owner, files["invitations"])
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
        owner_info=owner_info,
        ignored=ignored,
    )


def _urn_id(urn: str) -> str:
    """``urn:li:fsd_profile:ACoAAB…`` -> ``acoaab…`` (the part a profile URL may carry)."""
    return urn.rsplit(":", 1)[-1].strip().lower()


def _join_urns(
    invitations: list[Invitation], messages: list[Message], connections: list[Connection]
) -> int:
    """Give URN-only invitations the profile URL whose slug is that member id, if any."""
    if not any(i.inviter_urn or i.invitee_urn for i in invitations):
        return 0
    by_slug: dict[str, str] = {}
    for m in messages:
        for u in (m.sender_url, *m.recipient_urls):
            if u:
                by_slug.setdefault(_slug(u), u)
    for c in connections:
        if c.url:
            by_slug.setdefault(_slug(c.url), c.url)
    joined = 0
    for inv in invitations:
        for urn_attr, url_attr in (("inviter_urn", "inviter_url"), ("invitee_urn", "invitee_url")):
            urn = getattr(inv, urn_attr)
            if urn and not getattr(inv, url_attr):
                hit = by_slug.get(_urn_id(urn))
                if hit:
                    object.__setattr__(inv, url_attr, hit)
                    joined += 1
    return joined


def _same(owner_url: str, owner_name: str, name: str, url: str) -> bool:
    if owner_url and url:
        return _url_key(url) == owner_url
    return bool(owner_name) and _name_key(name) == owner_name


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
            same = cache[key] = _same(owner_url, owner_name, m.sender_name, m.sender_url)
        if same:
            # Frozen for users of the Export; set once here, before anyone else sees it.
            object.__setattr__(m, "direction", Direction.OUTGOING)


def _unhide_owner(messages: list[Message], owner: Person, info: FileInfo | None) -> None:
    """When the owner's name is "LinkedIn Member" (an anonymised export), that name's rows
    are the owner's own, not LinkedIn's: they stop being system rows."""
    if not is_system_sender(owner.name):
        return
    mine = _name_key(owner.name)
    n = 0
    for m in messages:
        if m.is_system and m.direction is Direction.OUTGOING and _name_key(m.sender_name) == mine:
            object.__setattr__(m, "is_system", False)
            n += 1
    if n and info is not None:
        info.notes.append(
            f"{n} row(s) from '{owner.name}' taken as the owner's own messages "
            "(the owner's name looks replaced)"
        )


def _set_drafts(
    messages: list[Message], parsed: _Messages, owner: Person | None, info: FileInfo
) -> None:
    """An empty FOLDER marks a draft only on the owner's own rows: nobody else drafts here."""
    info.notes.append(f"drafts: {parsed.drafts_known}")
    if owner is not None:
        others = 0
        for i in parsed.draft_yes:
            m = messages[i]
            if m.direction is Direction.INCOMING and m.sender_name and not m.is_system:
                object.__setattr__(m, "is_draft", False)
                others += 1
        if others:
            info.notes.append(
                f"{others} row(s) marked IS MESSAGE DRAFT but written by someone else: kept "
                "as messages (only the owner writes drafts)"
            )
    if not parsed.empty_folder:
        return
    drafts = 0
    for i in parsed.empty_folder:
        m = messages[i]
        if owner is not None and m.direction is Direction.OUTGOING:
            object.__setattr__(m, "is_draft", True)
            drafts += 1
    kept = len(parsed.empty_folder) - drafts
    if drafts:
        info.notes.append(f"{drafts} row(s) by the owner with an empty FOLDER are drafts")
    if kept:
        why = "written by someone else" if owner is not None else "the owner is not known"
        info.notes.append(f"{kept} row(s) with an empty FOLDER kept as messages ({why})")


def _set_invitation_directions(
    parsed: _Invitations, owner: Person | None, info: FileInfo
) -> list[Invitation]:
    """Invitations with an empty or unknown Direction get it from the owner, or are skipped."""
    if all(parsed.known):
        return parsed.invitations
    owner_url = _url_key(owner.url) if owner and owner.url else ""
    owner_name = _name_key(owner.name) if owner else ""
    kept: list[Invitation] = []
    inferred = 0
    for inv, known in zip(parsed.invitations, parsed.known, strict=True):
        if known:
            kept.append(inv)
            continue
        if _same(owner_url, owner_name, inv.from_name, inv.inviter_url):
            object.__setattr__(inv, "direction", Direction.OUTGOING)
        elif not _same(owner_url, owner_name, inv.to_name, inv.invitee_url):
            info.skip("direction not known (empty or unknown Direction, owner on neither side)")
            continue
        inferred += 1
        kept.append(inv)
    info.rows = len(kept)
    if inferred:
        info.notes.append(f"{inferred} invitation direction(s) inferred from the owner")
    return kept


__all__ = ["COACH_FILES", "is_system_sender", "read_export"]

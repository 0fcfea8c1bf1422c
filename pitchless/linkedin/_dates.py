"""Date formats seen in LinkedIn exports, 2018 to 2026, localized ones, and spreadsheet re-saves."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from ._locale import MONTHS, fold

#: Formats a spreadsheet program writes when a user opens and re-saves the CSV. LinkedIn
#: itself never writes them, so meeting one earns the file an "Excel re-save" warning.
#: Month-first comes before day-first (LinkedIn's own order is the US one); a file whose
#: numeric dates only make sense day-first is read with ``day_first=True``.
_EXCEL_DATE_FORMATS = (
    "%d-%b-%y",
    "%d-%b-%Y",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%m-%d-%Y",
    "%m-%d-%y",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%d-%m-%Y",
)
_EXCEL_DATETIME_FORMATS = (
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%y %H:%M",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%Y, %I:%M %p",
    "%m-%d-%Y %H:%M",
    "%m-%d-%Y %I:%M %p",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d-%b-%y %H:%M",
    "%d-%b-%Y %H:%M",
)
_DAY_FIRST = {"%m/%d/%Y": "%d/%m/%Y", "%m/%d/%y": "%d/%m/%y", "%m-%d-%Y": "%d-%m-%Y"}
_NUMERIC = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}\b")

# A date with a month name, in any supported language, after :func:`_fold_named`:
# "12 mars 2023", "12. März 2023", "12 de marzo de 2023", "Mar 25 2023 10:15 AM".
_NAMED = re.compile(
    r"^(?:(?P<d1>\d{1,2}) (?P<m1>[a-z]+)|(?P<m2>[a-z]+) (?P<d2>\d{1,2}))"
    r" (?P<y>\d{4}|\d{2})"
    r"(?: (?:[a-z]+ )?(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?: ?(?P<ap>am|pm))?)?"
    r"(?: (?:utc|gmt|z))?$"
)
_NAMED_NOISE = re.compile(r"[,./\-]")
# Filler words between the parts of a spelled-out date ("de", "del", "le", "den", "am").
_FILLERS = frozenset(["de", "del", "le", "den", "um", "at", "on", "the"])
_MERIDIEM = re.compile(r"\b([ap])\.?\s?m\.?(?=\s|$)")


class DateFormatError(ValueError):
    """A cell does not hold a date in any known layout."""


def _fold_named(value: str) -> str:
    s = _MERIDIEM.sub(lambda m: f" {m.group(1)}m", fold(value))
    s = _NAMED_NOISE.sub(" ", s)
    return " ".join(w for w in s.split() if w not in _FILLERS)


def _named(value: str) -> datetime | None:
    """A date written with a month name, in any of the supported languages, or ``None``."""
    if not any(c.isalpha() for c in value):
        return None
    m = _NAMED.match(_fold_named(value))
    if m is None:
        return None
    month = MONTHS.get(m.group("m1") or m.group("m2") or "")
    if month is None:
        return None
    day = int(m.group("d1") or m.group("d2"))
    year = int(m.group("y"))
    if year < 100:
        year += 2000
    hour = int(m.group("H") or 0)
    minute = int(m.group("M") or 0)
    second = int(m.group("S") or 0)
    ap = m.group("ap")
    if ap is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ap == "pm" else 0)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def _formats(formats: tuple[str, ...], day_first: bool) -> tuple[str, ...]:
    if not day_first:
        return formats
    swapped = [_DAY_FIRST.get(f.split(" ")[0], f.split(" ")[0]) for f in formats]
    return tuple(s + f[len(f.split(" ")[0]) :] for s, f in zip(swapped, formats, strict=True))


def parse_datetime(value: str, *, day_first: bool = False) -> tuple[datetime, bool]:
    """Read a message or invitation timestamp as an aware UTC datetime.

    Returns the datetime and whether the cell was in a spreadsheet (re-saved) format.
    ``2024-12-16 18:24:37 UTC`` (2021+) is the hot path; ``10/16/18, 8:36 AM`` (2018 messages,
    every Invitations.csv) carries no zone and is taken as UTC, which is what LinkedIn's
    server-side exports use elsewhere. ``2024-12-16 18:24 UTC`` (minutes only), ISO 8601 with
    an offset, month names in the supported languages and spreadsheet re-saves are read too.
    """
    s = value.strip()
    if s.endswith(" UTC"):
        body = s[:-4]
        if len(s) == 23:
            try:
                return datetime.fromisoformat(body).replace(tzinfo=UTC), False
            except ValueError:
                pass
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S.%f"):
            try:
                return datetime.strptime(body, fmt).replace(tzinfo=UTC), False
            except ValueError:
                continue
    try:
        return datetime.strptime(s, "%m/%d/%y, %I:%M %p").replace(tzinfo=UTC), False
    except ValueError:
        pass
    for fmt in _formats(_EXCEL_DATETIME_FORMATS, day_first):
        try:
            return datetime.strptime(s, fmt).replace(tzinfo=UTC), True
        except ValueError:
            continue
    if "T" in s and ("+" in s or s.endswith("Z") or s.count("-") > 2):
        try:
            parsed = datetime.fromisoformat(s)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=UTC), True
            return parsed.astimezone(UTC), True
    for fmt in _formats(_EXCEL_DATE_FORMATS, day_first):
        try:
            return datetime.strptime(s, fmt).replace(tzinfo=UTC), True
        except ValueError:
            continue
    named = _named(s)
    if named is not None:
        return named, False
    day, excel = parse_date(s, day_first=day_first)
    return datetime(day.year, day.month, day.day, tzinfo=UTC), excel


def parse_date(value: str, *, day_first: bool = False) -> tuple[date, bool]:
    """Read a ``Connected On`` cell as a date; the second item flags a spreadsheet format.

    ``17 Jun 2021`` (2021+) or ``1/8/18, 6:14 PM`` (2018, whose time is dropped so that every
    export gives the same, date-level, precision); localized month names (``12 mars 2023``,
    ``12. März 2023``) and spreadsheet re-saves (``23-Apr-23``, ``3/25/23``, ``03-25-2023``).
    """
    s = value.strip()
    if not s:
        raise DateFormatError("empty date")
    try:
        return datetime.strptime(s, "%d %b %Y").date(), False
    except ValueError:
        pass
    try:
        return datetime.strptime(s, "%m/%d/%y, %I:%M %p").date(), False
    except ValueError:
        pass
    for fmt in _formats(_EXCEL_DATE_FORMATS, day_first):
        try:
            return datetime.strptime(s, fmt).date(), True
        except ValueError:
            continue
    for fmt in _formats(_EXCEL_DATETIME_FORMATS, day_first):
        try:
            return datetime.strptime(s, fmt).date(), True
        except ValueError:
            continue
    named = _named(s)
    if named is not None:
        return named.date(), False
    if s.endswith(" UTC") or "T" in s:
        try:
            return parse_datetime(s)[0].date(), False
        except DateFormatError:
            pass
    raise DateFormatError(f"unrecognised date {s[:40]!r}")


def needs_day_first(cells: set[str]) -> bool:
    """True when some numeric date in ``cells`` only makes sense day first (``25/03/2023``)."""
    day_first = month_first = False
    for cell in cells:
        m = _NUMERIC.match(cell)
        if m is None:
            continue
        a, b = int(m.group(1)), int(m.group(2))
        if a > 12 >= b:
            day_first = True
        elif b > 12 >= a:
            month_first = True
    return day_first and not month_first

"""Date formats seen in LinkedIn exports, 2018 to 2026, plus those of spreadsheet re-saves."""

from __future__ import annotations

from datetime import UTC, date, datetime

#: Formats a spreadsheet program writes when a user opens and re-saves the CSV. LinkedIn
#: itself never writes them, so meeting one earns the file an "Excel re-save" warning.
_EXCEL_DATE_FORMATS = ("%d-%b-%y", "%d-%b-%Y", "%m/%d/%Y", "%Y-%m-%d", "%d/%m/%Y")
_EXCEL_DATETIME_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p", "%Y-%m-%d %H:%M:%S")


class DateFormatError(ValueError):
    """A cell does not hold a date in any known layout."""


def parse_datetime(value: str) -> tuple[datetime, bool]:
    """Read a message or invitation timestamp as an aware UTC datetime.

    Returns the datetime and whether the cell was in a spreadsheet (re-saved) format.
    ``2024-12-16 18:24:37 UTC`` (2021+) is the hot path; ``10/16/18, 8:36 AM`` (2018 messages,
    every Invitations.csv) carries no zone and is taken as UTC, which is what LinkedIn's
    server-side exports use elsewhere.
    """
    s = value.strip()
    if s.endswith(" UTC") and len(s) == 23:
        try:
            return datetime.fromisoformat(s[:19]).replace(tzinfo=UTC), False
        except ValueError:
            pass
    try:
        return datetime.strptime(s, "%m/%d/%y, %I:%M %p").replace(tzinfo=UTC), False
    except ValueError:
        pass
    if s.endswith(" UTC"):
        try:
            return datetime.strptime(s[:-4], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC), False
        except ValueError:
            pass
    for fmt in _EXCEL_DATETIME_FORMATS:
        try:
            return datetime.strptime(s, fmt).replace(tzinfo=UTC), True
        except ValueError:
            continue
    day, excel = parse_date(s)
    return datetime(day.year, day.month, day.day, tzinfo=UTC), excel


def parse_date(value: str) -> tuple[date, bool]:
    """Read a ``Connected On`` cell as a date; the second item flags a spreadsheet format.

    ``17 Jun 2021`` (2021+) or ``1/8/18, 6:14 PM`` (2018, whose time is dropped so that every
    export gives the same, date-level, precision).
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
    for fmt in _EXCEL_DATE_FORMATS:
        try:
            return datetime.strptime(s, fmt).date(), True
        except ValueError:
            continue
    for fmt in _EXCEL_DATETIME_FORMATS:
        try:
            return datetime.strptime(s, fmt).date(), True
        except ValueError:
            continue
    raise DateFormatError(f"unrecognised date {s[:40]!r}")

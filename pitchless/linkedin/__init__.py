"""Reader for LinkedIn's "Get a copy of your data" export (pure Python; no Django).

>>> export = read_export("Complete_LinkedInDataExport_01-31-2026.zip")  # doctest: +SKIP
>>> export.owner, len(export.messages), export.warnings  # doctest: +SKIP

The format is described in ``docs/linkedin_format.md``. Hostile archives raise an
:class:`ExportError` subclass with a one-line message; nothing is ever extracted to disk.
"""

from ._dates import DateFormatError, parse_date, parse_datetime
from ._errors import (
    ArchiveLimitError,
    CorruptArchiveError,
    ExportError,
    ExportNotFoundError,
    NotAnExportError,
)
from ._limits import ZipLimits
from ._models import (
    Candidate,
    Connection,
    Direction,
    Export,
    FileInfo,
    Invitation,
    Message,
    OwnerInfo,
    Person,
)
from ._owner import is_system_sender
from ._reader import COACH_FILES, read_export
from ._source import ProgressCallback
from ._text import html_to_text, looks_like_html

__all__ = [
    "COACH_FILES",
    "ArchiveLimitError",
    "Candidate",
    "Connection",
    "CorruptArchiveError",
    "DateFormatError",
    "Direction",
    "Export",
    "ExportError",
    "ExportNotFoundError",
    "FileInfo",
    "Invitation",
    "Message",
    "NotAnExportError",
    "OwnerInfo",
    "Person",
    "ProgressCallback",
    "ZipLimits",
    "html_to_text",
    "is_system_sender",
    "looks_like_html",
    "parse_date",
    "parse_datetime",
    "read_export",
]

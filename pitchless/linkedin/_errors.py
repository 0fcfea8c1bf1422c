"""Why an export could not be read. Every message is one line, fit to show a user as is."""

from __future__ import annotations


class ExportError(Exception):
    """The input cannot be read as a LinkedIn export; ``str(error)`` is a one-line reason."""


class ExportNotFoundError(ExportError):
    """The path does not exist or cannot be opened."""


class NotAnExportError(ExportError):
    """A readable ZIP or folder that holds no messages, connections or invitations file."""


class CorruptArchiveError(ExportError):
    """A truncated or damaged ZIP: bad central directory, CRC mismatch, early end of data."""


class ArchiveLimitError(ExportError):
    """The archive exceeds a :class:`ZipLimits` bound (size, ratio, entry count): a ZIP bomb."""

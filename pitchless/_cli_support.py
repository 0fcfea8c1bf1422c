"""Shared plumbing for the ``pitchless`` console script's subcommands.

Each subsystem with commands exposes ``register(subparsers)``, which adds its parsers and sets
``handler`` (a callable taking the parsed arguments and returning an exit status). Bad input is
reported by raising :class:`CommandError`; the entry point prints it on one line and exits 2.
"""

from __future__ import annotations


class CommandError(Exception):
    """A user-facing failure: printed as one line, exit status 2, never a traceback."""


EXIT_USAGE = 2

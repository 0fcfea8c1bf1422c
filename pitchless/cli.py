"""The ``pitchless`` console script.

Subsystems add their own subcommands through ``register(subparsers)``; this module only
dispatches and turns failures on bad input into one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pitchless import __version__
from pitchless._cli_support import EXIT_USAGE, CommandError


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit 2 (argparse's default)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every subsystem's subcommands."""
    parser = _Parser(
        prog="pitchless",
        description="Pitchless: the pitch guard, the LinkedIn inbox audit and the site's tools.",
    )
    parser.add_argument("--version", action="version", version=f"pitchless {__version__}")
    subparsers = parser.add_subparsers(
        title="commands", dest="command", required=True, parser_class=_Parser
    )
    from pitchless.audit import _cli as audit_cli
    from pitchless.core import _cli as site_cli
    from pitchless.guard import _cli as guard_cli
    from pitchless.network import _cli as network_cli

    network_cli.register_guard(guard_cli.register(subparsers))
    audit_cli.register(subparsers)
    network_cli.register(subparsers)
    site_cli.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.handler(args)
    except CommandError as exc:
        print(f"pitchless: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("pitchless: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return status


if __name__ == "__main__":
    sys.exit(main())

"""``pitchless demo-data`` and ``pitchless guard retrain``: the site's commands in the console
script.

Django is set up inside the handler only, so ``import pitchless.cli`` stays free of Django.
"""

from __future__ import annotations

import argparse
import os

from pitchless._cli_support import CommandError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``demo-data``."""
    demo = subparsers.add_parser(
        "demo-data", help="load a demo network (about 30 members) into an empty database"
    )
    demo.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing when the database already has members",
    )
    demo.add_argument("--migrate", action="store_true", help="apply database migrations first")
    demo.set_defaults(handler=_demo_data)


def _demo_data(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pitchless.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.management.base import CommandError as DjangoCommandError

    if args.migrate:
        call_command("migrate", interactive=False, verbosity=0)
    try:
        call_command("demo_data", if_empty=args.if_empty)
    except DjangoCommandError as exc:
        raise CommandError(str(exc)) from exc
    return 0


def register_guard(
    guard_commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add ``retrain`` to the ``guard`` command group (it needs the site's database)."""
    retrain = guard_commands.add_parser(
        "retrain",
        help="fold members' pitch feedback into the model (needs 200+ labelled messages)",
    )
    retrain.add_argument(
        "--data",
        metavar="DIR",
        help="also train on the labelled openers of this shared data folder",
    )
    retrain.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    retrain.set_defaults(handler=_retrain)


def _retrain(args: argparse.Namespace) -> int:
    from pathlib import Path

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pitchless.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.management.base import CommandError as DjangoCommandError

    try:
        call_command(
            "guard_retrain",
            data=None if args.data is None else Path(args.data),
            seed=args.seed,
        )
    except DjangoCommandError as exc:
        raise CommandError(str(exc)) from exc
    return 0

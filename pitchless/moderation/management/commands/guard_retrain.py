"""``manage.py guard_retrain``: fold recipients' feedback into the guard's text model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pitchless.moderation.retrain import RetrainRefused, retrain


class Command(BaseCommand):
    """Retrain on the feedback; print the held-out figures of the new and the current model."""

    help = (
        "Train a new guard text model on members' 'Not a pitch' / 'Mark as pitch' feedback "
        "once PITCHLESS_RETRAIN_MIN_LABELS messages are labelled, and activate it unless it "
        "is worse than the current one on held-out feedback."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """``--data DIR`` and ``--seed``."""
        parser.add_argument(
            "--data",
            type=Path,
            metavar="DIR",
            help="also train on the labelled openers of this shared data folder",
        )
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")

    def handle(self, *args: Any, **options: Any) -> None:
        """Run :func:`retrain` and print its summary as JSON."""
        data = options.get("data")
        if data is not None and not data.is_dir():
            raise CommandError(f"{data}: no such data folder")
        try:
            result = retrain(
                data_dir=data,
                seed=options["seed"],
                progress=lambda m: self.stderr.write(m),
            )
        except RetrainRefused as exc:
            if exc.result is not None:
                self.stdout.write(json.dumps(exc.result.summary(), indent=2, default=str))
            raise CommandError(str(exc)) from exc
        except (FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result.summary(), indent=2, default=str))

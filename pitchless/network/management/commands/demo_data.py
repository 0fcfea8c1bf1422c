"""``manage.py demo_data``: load the demo network (see ``pitchless.network.demo``)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pitchless.members.models import Member
from pitchless.network import guard_adapter
from pitchless.network.demo import describe, load_demo


class Command(BaseCommand):
    """Load about 30 members, their connections, invitations and conversations."""

    help = "Load the demo network and print two logins."

    def add_arguments(self, parser: CommandParser) -> None:
        """``--if-empty``: do nothing when the database already has members."""
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="load only into a database without members (so re-running keeps data)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Load the demo, or explain why not."""
        if Member.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has members; the demo was not loaded.")
                return
            raise CommandError("the database already has members; use a fresh database")
        try:
            guard_adapter.get_guard()
        except Exception as exc:
            # Without a model every message would log the same traceback; say it once.
            self.stderr.write(f"The guard could not load ({exc}); messages go in unchecked.")
            adapter_log = logging.getLogger("pitchless.network.guard_adapter")
            previous = adapter_log.level
            adapter_log.setLevel(logging.CRITICAL)
            try:
                result = load_demo()
            finally:
                adapter_log.setLevel(previous)
        else:
            result = load_demo()
        self.stdout.write(describe(result))

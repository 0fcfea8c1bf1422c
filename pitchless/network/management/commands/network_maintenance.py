"""``manage.py network_maintenance``: the network's periodic chores, safe to run any time.

Run it from cron (hourly is plenty) until background tasks are set up; ``--digest`` sends the
weekly "N pitches were filed for you" mails, so add it to a weekly job only.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from pitchless.network import guard_adapter, services
from pitchless.network.bulkstore import BulkStoreUnavailable
from pitchless.network.digest import send_weekly_digests


class Command(BaseCommand):
    """Expire old invitations, prune the near-duplicate index, optionally send digests."""

    help = "Expire unanswered invitations and prune the guard's bulk index."

    def add_arguments(self, parser: CommandParser) -> None:
        """``--digest``: also send the weekly pitch digests."""
        parser.add_argument("--digest", action="store_true", help="send the weekly digests")

    def handle(self, *args: Any, **options: Any) -> None:
        """Do the chores and say what was done."""
        now = timezone.now()
        expired = services.expire_invitations(now=now)
        try:
            pruned = guard_adapter.bulk_index.prune(now)
        except BulkStoreUnavailable as exc:
            # The index's Redis is away; its keys expire by themselves meanwhile.
            self.stdout.write(f"expired {expired} invitations; bulk index not pruned ({exc})")
        else:
            self.stdout.write(f"expired {expired} invitations, pruned {pruned} bulk-index rows")
        if options["digest"]:
            self.stdout.write(f"sent {send_weekly_digests(now=now)} weekly digests")

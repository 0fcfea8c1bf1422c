"""``manage.py exchange_expire``: expire listings and warn owners (what the beat task does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from pitchless.exchange import services


class Command(BaseCommand):
    """Expire listings whose time ran out; warn owners whose listings expire soon."""

    help = "Expire the Exchange's overdue listings and send expiry warnings (safe to repeat)."

    def handle(self, *args: Any, **options: Any) -> None:
        """Do both and say what was done."""
        expired = services.expire_listings()
        warned = services.warn_expiring()
        self.stdout.write(
            f"Expired {expired} listing{'s' if expired != 1 else ''}; "
            f"sent {warned} expiry warning{'s' if warned != 1 else ''}."
        )

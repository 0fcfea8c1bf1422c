"""``manage.py exchange_digest``: mail saved-search digests (what the Celery beat task does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from pitchless.exchange import services


class Command(BaseCommand):
    """Send each saved search with alerts on its new matching listings, once."""

    help = "Mail the Exchange's saved-search digests (safe to run repeatedly)."

    def handle(self, *args: Any, **options: Any) -> None:
        """Send the digests and say how many went out."""
        sent = services.send_digests()
        self.stdout.write(f"Sent {sent} saved-search digest{'s' if sent != 1 else ''}.")

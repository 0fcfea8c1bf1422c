"""``manage.py audits_cleanup``: delete unkept audit reports past their retention period."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from pitchless.audits.services import delete_expired_runs


class Command(BaseCommand):
    """Delete audit runs not kept and older than PITCHLESS_AUDIT_RETENTION_HOURS."""

    help = "Delete audit reports that were not kept, once past PITCHLESS_AUDIT_RETENTION_HOURS."

    def handle(self, *args: Any, **options: Any) -> None:
        count = delete_expired_runs()
        hours = settings.PITCHLESS_AUDIT_RETENTION_HOURS
        self.stdout.write(f"deleted {count} audit run(s) older than {hours} h and not kept")

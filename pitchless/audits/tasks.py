"""Celery tasks of the audits app: each takes ids and calls one service.

With no broker configured (``PITCHLESS_CELERY_BROKER_URL`` empty) they run inline.
"""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def run_audit_task(run_id: str) -> None:
    """Process a queued audit run; does nothing if it already ran."""
    services.process_run(run_id=run_id)


@shared_task(ignore_result=True)
def cleanup_audits_task() -> int:
    """Delete the runs whose owners did not keep them, past the retention period."""
    return services.delete_expired_runs()

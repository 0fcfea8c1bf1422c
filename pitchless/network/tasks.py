"""Celery tasks of the network: each takes ids, is idempotent and calls one function.

Celery delivers at least once (``acks_late``), so a task may run twice: the notices claim
their row before mailing (see :mod:`pitchless.network.notify`), and the maintenance chores
are safe to repeat. With no broker configured they run inline.
"""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.utils import timezone

from pitchless.network import notify

# A mail server that is down for a moment: try again later, a few times.
_MAIL_RETRY = {
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


@shared_task(ignore_result=True, **_MAIL_RETRY)
def invitation_notice_task(invitation_id: int) -> bool:
    """Mail the recipient of a new invitation (once, whatever the deliveries)."""
    return notify.send_invitation_notice(invitation_id=invitation_id)


@shared_task(ignore_result=True, **_MAIL_RETRY)
def message_notice_task(message_id: int) -> bool:
    """Mail the recipient of a message filed in their inbox (once, whatever the deliveries)."""
    return notify.send_message_notice(message_id=message_id)


@shared_task(ignore_result=True)
def network_maintenance_task() -> dict[str, int]:
    """Expire unanswered invitations and prune the near-duplicate index (``network_maintenance``).

    Both are safe to repeat: each only acts on what is past its date now.
    """
    from pitchless.network import guard_adapter, services
    from pitchless.network.bulkstore import BulkStoreUnavailable

    now = timezone.now()
    expired = services.expire_invitations(now=now)
    try:
        pruned = guard_adapter.bulk_index.prune(now)
    except BulkStoreUnavailable:
        pruned = -1  # Redis is away; its keys expire by themselves meanwhile
    return {"expired_invitations": expired, "pruned_bulk_entries": pruned}

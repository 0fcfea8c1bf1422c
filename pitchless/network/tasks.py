"""Celery tasks of the network: each takes ids, is idempotent and calls one function.

Celery delivers at least once (``acks_late``), so a task may run twice: the notices claim
their row before mailing (a lease, then "sent"; see :mod:`pitchless.network.notify`), and the
maintenance chores are safe to repeat. With no broker configured they run inline.
"""

from __future__ import annotations

import smtplib

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from pitchless.network import notify

#: Options of every e-mail notice task (the Exchange's too). A mail server that is down for a
#: moment: try again later, a few times. The hard time limit is the notice's lease (see
#: notify), so a delivery never outlives its claim.
NOTICE_TASK_OPTIONS = {
    "bind": True,
    "ignore_result": True,
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "time_limit": notify.lease_seconds(),
    "soft_time_limit": min(settings.CELERY_TASK_SOFT_TIME_LIMIT, notify.lease_seconds()),
}


@shared_task(**NOTICE_TASK_OPTIONS)
def invitation_notice_task(self: Task, invitation_id: int) -> bool:
    """Mail the recipient of a new invitation (once, whatever the deliveries)."""
    try:
        return notify.send_invitation_notice(invitation_id=invitation_id)
    except notify.NoticeInFlight as exc:
        raise self.retry(exc=exc, countdown=notify.lease_seconds()) from exc


@shared_task(**NOTICE_TASK_OPTIONS)
def message_notice_task(self: Task, message_id: int) -> bool:
    """Mail the recipient of a message filed in their inbox (once, whatever the deliveries)."""
    try:
        return notify.send_message_notice(message_id=message_id)
    except notify.NoticeInFlight as exc:
        raise self.retry(exc=exc, countdown=notify.lease_seconds()) from exc


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


@shared_task(ignore_result=True)
def rescore_unchecked_task(limit: int = 500) -> int:
    """Score again the messages delivered unchecked (:func:`services.rescore_unchecked`)."""
    from pitchless.network import services

    return services.rescore_unchecked(limit=limit)

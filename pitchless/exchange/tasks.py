"""Celery tasks of the Exchange: each takes ids (or nothing), is idempotent and calls a service.

With no broker configured (``PITCHLESS_CELERY_BROKER_URL`` empty) they run inline. The beat
schedule in the settings runs the two periodic ones; ``manage.py exchange_digest`` and
``manage.py exchange_expire`` do the same on hosts without a worker.
"""

from __future__ import annotations

from celery import Task, shared_task

from pitchless.network import notify
from pitchless.network.tasks import NOTICE_TASK_OPTIONS

from . import services


@shared_task(ignore_result=True)
def send_digests_task() -> int:
    """Mail every saved search with alerts on its new matches (each listing once)."""
    return services.send_digests()


@shared_task(ignore_result=True)
def expire_listings_task() -> dict[str, int]:
    """Expire listings whose time ran out, then warn owners of listings that expire soon."""
    return {"expired": services.expire_listings(), "warned": services.warn_expiring()}


@shared_task(**NOTICE_TASK_OPTIONS)
def decline_notice_task(self: Task, proposal_id: int) -> bool:
    """Tell the seller of a declined proposal, politely; at most once per decision (the same
    lease-then-sent claim as the network's notices, so a killed worker never loses it)."""
    try:
        return services.send_decline_notice(proposal_id=proposal_id)
    except notify.NoticeInFlight as exc:
        raise self.retry(exc=exc, countdown=notify.lease_seconds()) from exc

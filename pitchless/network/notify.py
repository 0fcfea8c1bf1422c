"""E-mail notifications, sent by a background task after the transaction commits, and only when
the member wants them.

Pitches never notify: a pitch filed aside should not interrupt anyone.

The services call :func:`invitation_received` and :func:`message_received` inside their
transaction; those queue a Celery task (:mod:`pitchless.network.tasks`) with the row's id once
the transaction commits (inline when no broker is configured). The task calls
:func:`send_invitation_notice` or :func:`send_message_notice`, which read the row again and
send at most one e-mail per row: Celery delivers a task at least once, so a claim
(``cache.add``, a Redis ``SET NX`` once the cache is Redis) keeps a redelivered task from
mailing twice.

The claim is first a lease ("sending") that lasts no longer than the task may run (its hard
time limit), and becomes "sent" for two days once the mail server took the e-mail. A worker
killed while sending leaves only the lease: Redis redelivers the task after its visibility
timeout, which is longer than the time limit, so by then the lease has lapsed and the task
sends. A delivery that finds a live lease raises :class:`NoticeInFlight` and the task tries
again once the lease has lapsed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction

from pitchless.network.models import Invitation, Message

logger = logging.getLogger(__name__)

#: seconds a sent notice stays claimed; far longer than a task can be redelivered after
CLAIM_SECONDS = 2 * 24 * 3600
#: the longest a notice task may run (and so the longest lease), unless the site's task time
#: limit is shorter: a mail server has ``EMAIL_TIMEOUT`` seconds per exchange
NOTICE_TIME_LIMIT = 120
_SENDING, _SENT = "sending", "sent"


class NoticeInFlight(Exception):
    """Another delivery of the same notice holds the lease: try again once it lapses."""


def lease_seconds() -> int:
    """How long a delivery holds a notice: the notice tasks' hard time limit."""
    return max(1, min(NOTICE_TIME_LIMIT, int(settings.CELERY_TASK_TIME_LIMIT)))


def enqueue_on_commit(task: Any, object_id: int) -> None:
    """Queue ``task(object_id)`` once the current transaction commits; a broker outage is
    logged and never fails the request that already committed."""

    def enqueue() -> None:
        try:
            task.delay(object_id)
        except Exception:  # a broker outage must not fail the request that already committed
            logger.exception("could not queue %s for %s; no e-mail is sent", task.name, object_id)

    transaction.on_commit(enqueue)


def invitation_received(invitation: Invitation) -> None:
    """Queue the e-mail telling the recipient about a new invitation, if they asked for that."""
    from pitchless.network.tasks import invitation_notice_task

    if invitation.recipient.notify_invitations:
        enqueue_on_commit(invitation_notice_task, invitation.pk)


def message_received(message: Message) -> None:
    """Queue the e-mail telling the recipient about a message delivered to their inbox, if they
    asked for that."""
    from pitchless.network.tasks import message_notice_task

    if message.recipient.notify_messages and message.filed_as == Message.Filing.INBOX:
        enqueue_on_commit(message_notice_task, message.pk)


def _claim_key(kind: str, row: Invitation | Message) -> str:
    # The creation time makes the key unique even where a database reuses ids (SQLite after
    # a rollback), so an old claim never silences a new row.
    return f"notify:{kind}:{row.pk}:{row.created_at.timestamp():.6f}"


def _send_once(kind: str, row: Invitation | Message, to: str, subject: str, body: str) -> bool:
    return send_once(key=_claim_key(kind, row), to=to, subject=subject, body=body)


def send_once(*, key: str, to: str, subject: str, body: str) -> bool:
    """Mail ``to`` at most once per ``key``, even when a task is delivered twice or its worker
    dies mid-send; True when this call sent it.

    The key is leased for :func:`lease_seconds` (the task's hard time limit) while sending,
    then marked sent for two days. A live lease raises :class:`NoticeInFlight`, so the task
    retries once it lapses; a failed send gives the lease back and raises.
    """
    state = None
    try:
        claimed = cache.add(key, _SENDING, timeout=lease_seconds())
        if not claimed:
            state = cache.get(key)
    except Exception as exc:  # the cache is down: better a rare duplicate than a lost notice
        logger.warning("could not claim %s; sending without the duplicate check: %s", key, exc)
        claimed, key = True, ""
    if not claimed:
        if state == _SENT:
            return False
        # A live lease (or one that lapsed just now): the task tries again later.
        raise NoticeInFlight(f"{key} is being sent by another delivery")
    try:
        send_mail(subject, body, None, [to])
    except Exception:
        logger.exception("could not send %s to %s", key, to)
        # Give the claim back so that the task's retry may send it.
        _release(key)
        raise
    if key:
        try:
            cache.set(key, _SENT, timeout=CLAIM_SECONDS)
        except Exception as exc:
            logger.warning("could not mark %s sent: %s", key, exc)
    return True


def _release(key: str) -> None:
    if not key:
        return
    try:
        cache.delete(key)
    except Exception:
        logger.warning("could not release %s", key)


def _load(loader: Callable[[], Any]) -> Any:
    try:
        return loader()
    except (Invitation.DoesNotExist, Message.DoesNotExist):
        return None


def send_invitation_notice(*, invitation_id: int) -> bool:
    """Mail the recipient of a pending invitation, once; True when an e-mail was sent.

    Nothing is sent when the invitation is gone or answered, or the recipient turned the
    notice off since. Raises :class:`NoticeInFlight` while another delivery holds the notice.
    """
    invitation = _load(
        lambda: Invitation.objects.select_related("sender", "recipient").get(pk=invitation_id)
    )
    if invitation is None or invitation.status != Invitation.Status.PENDING:
        return False
    recipient = invitation.recipient
    if not recipient.notify_invitations:
        return False
    return _send_once(
        "invitation",
        invitation,
        recipient.email,
        f"{invitation.sender.name} wants to connect on Pitchless",
        f"{invitation.sender.name} ({invitation.sender.headline}) invited you to connect.\n"
        "Answer on your Invitations page.",
    )


def send_message_notice(*, message_id: int) -> bool:
    """Mail the recipient of a message filed in their inbox, once; True when an e-mail was sent.

    Raises :class:`NoticeInFlight` while another delivery holds the notice.
    """
    message = _load(
        lambda: Message.objects.select_related("sender", "recipient").get(pk=message_id)
    )
    if message is None or message.filed_as != Message.Filing.INBOX:
        return False
    recipient = message.recipient
    if not recipient.notify_messages:
        return False
    return _send_once(
        "message",
        message,
        recipient.email,
        f"New message from {message.sender.name} on Pitchless",
        f"{message.sender.name} wrote to you. Read it in your inbox.",
    )

"""E-mail notifications, sent after the transaction commits and only when the member wants them.

Pitches never notify: a pitch filed aside should not interrupt anyone.
"""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import transaction

from pitchless.network.models import Invitation, Message

logger = logging.getLogger(__name__)


def _send_later(to: str, subject: str, body: str) -> None:
    def send() -> None:
        try:
            send_mail(subject, body, None, [to])
        except Exception:  # a mail outage must not fail the request that already committed
            logger.exception("could not send a notification to %s", to)

    transaction.on_commit(send)


def invitation_received(invitation: Invitation) -> None:
    """Tell the recipient about a new invitation, if they asked for that."""
    recipient = invitation.recipient
    if recipient.notify_invitations:
        _send_later(
            recipient.email,
            f"{invitation.sender.name} wants to connect on Pitchless",
            f"{invitation.sender.name} ({invitation.sender.headline}) invited you to connect.\n"
            "Answer on your Invitations page.",
        )


def message_received(message: Message) -> None:
    """Tell the recipient about a message delivered to their inbox, if they asked for that."""
    recipient = message.recipient
    if recipient.notify_messages and message.filed_as == Message.Filing.INBOX:
        _send_later(
            recipient.email,
            f"New message from {message.sender.name} on Pitchless",
            f"{message.sender.name} wrote to you. Read it in your inbox.",
        )

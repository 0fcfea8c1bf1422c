"""Sending messages and labelling received ones: ``/api/messages/…``."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from pitchless.api.schemas import (
    DisconnectReportIn,
    ErrorOut,
    FeedbackIn,
    FeedbackOut,
    MessageIn,
    ReportOut,
    SentOut,
    ValidationOut,
)
from pitchless.api.security import me
from pitchless.network import services
from pitchless.network.models import Message, Participant

router = Router(tags=["messages"])

_NOTICES = {
    Message.Filing.INBOX: "Sent.",
    Message.Filing.PITCHES: (
        "Sent, but filed in the recipient's Pitches folder, not their inbox: it reads like a "
        "sales offer. To offer something, list it on the Exchange."
    ),
    Message.Filing.HELD: "Your message is held for review by the moderators before delivery.",
}


@router.post(
    "",
    response={200: SentOut, 201: SentOut, 400: ErrorOut, 404: ErrorOut, 422: ValidationOut},
    summary="Send a message",
)
def send(request: HttpRequest, payload: MessageIn) -> Status[SentOut]:
    """Write to a member; the guard files unsolicited messages in their Inbox or Pitches.

    You learn where it went (``filed_as``), never the guard's score. A retry with the same
    ``idempotency_key`` answers 200 with the message stored the first time.
    """
    # The recipient is read with the pair, in the send's first statement: a member who does
    # not exist, closed their account or blocked the sender answers 404 as before.
    result = services.send_message(
        sender=me(request),
        recipient_id=payload.to,
        text=payload.text,
        idempotency_key=payload.idempotency_key,
    )
    message = result.message
    out = SentOut(
        id=message.pk,
        conversation=message.conversation_id,
        filed_as=message.filed_as,
        notice=_NOTICES[message.filed_as],
    )
    return Status(201 if result.created else 200, out)


@router.post(
    "/{message_id}/feedback",
    response={200: FeedbackOut, 404: ErrorOut, 422: ValidationOut},
    summary="Pitch or not a pitch",
)
def feedback(request: HttpRequest, message_id: int, payload: FeedbackIn) -> FeedbackOut:
    """Label a message you received: ``pitch`` moves its conversation to Pitches,
    ``not_pitch`` to the Inbox. The label teaches the guard."""
    member = me(request)
    label = services.label_message(member=member, message_id=message_id, label=payload.label)
    folder = (
        Participant.objects.filter(conversation=label.message.conversation_id, member=member)
        .values_list("folder", flat=True)
        .get()
    )
    return FeedbackOut(message=message_id, label=label.label, folder=folder)


@router.post(
    "/{message_id}/disconnect-report",
    response={201: ReportOut, 404: ErrorOut, 422: ValidationOut},
    summary="Disconnect & report",
)
def disconnect_report(
    request: HttpRequest, message_id: int, payload: DisconnectReportIn
) -> Status[ReportOut]:
    """One step on a pitch you received: label it, disconnect from its sender, report them."""
    report = services.disconnect_and_report(
        member=me(request), message_id=message_id, reason=payload.reason
    )
    return Status(
        201,
        ReportOut(
            id=report.pk,
            member=report.reported_id,
            message=report.message_id,
            reason=report.reason,
            created_at=report.created_at,
        ),
    )

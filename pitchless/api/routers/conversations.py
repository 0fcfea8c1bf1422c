"""Conversations and their folders: ``/api/conversations/…``."""

from __future__ import annotations

from typing import Literal

from django.http import Http404, HttpRequest
from ninja import Query, Router
from pydantic import Field

from pitchless.api.lookups import sliced
from pitchless.api.schemas import (
    ConversationPageOut,
    ErrorOut,
    FolderOut,
    MessagePageOut,
    MoveIn,
    PageIn,
    ValidationOut,
    conversation_out,
    message_out,
)
from pitchless.api.security import me
from pitchless.members.models import Member
from pitchless.network import services
from pitchless.network.models import Message, Participant

router = Router(tags=["conversations"])


class FolderIn(PageIn):
    """Which folder to list."""

    folder: Literal["inbox", "pitches", "archive"] = Field("inbox")


def _my_side(member: Member, conversation_id: int) -> Participant:
    mine = Participant.objects.filter(conversation_id=conversation_id, member=member).first()
    if mine is None:
        raise Http404("No such conversation.")
    return mine


@router.get("", response={200: ConversationPageOut, 422: ValidationOut}, summary="List a folder")
def list_conversations(request: HttpRequest, params: Query[FolderIn]) -> ConversationPageOut:
    """The conversations in one of your folders, latest first, each with its last message.

    In Pitches, each last message carries the guard's ``reasons``.
    """
    member = me(request)
    rows = Participant.objects.folder_with_last_message(member, params.folder)
    count, page = sliced(rows, limit=params.limit, offset=params.offset)
    last = Participant.objects.last_messages(page)
    return ConversationPageOut(
        count=count,
        items=[conversation_out(row, last[row.conversation_id], member) for row in page],
    )


@router.get(
    "/{conversation_id}/messages",
    response={200: MessagePageOut, 404: ErrorOut, 422: ValidationOut},
    summary="Read a conversation",
)
def list_messages(
    request: HttpRequest, conversation_id: int, params: Query[PageIn]
) -> MessagePageOut:
    """The messages of one of your conversations, oldest first."""
    member = me(request)
    mine = _my_side(member, conversation_id)
    qs = (
        Message.objects.visible_to(member)
        .filter(conversation_id=mine.conversation_id)
        .order_by("created_at", "id")
    )
    count, items = sliced(qs, limit=params.limit, offset=params.offset)
    return MessagePageOut(count=count, items=[message_out(m, member) for m in items])


@router.post(
    "/{conversation_id}/read", response={200: FolderOut, 404: ErrorOut}, summary="Mark read"
)
def mark_read(request: HttpRequest, conversation_id: int) -> FolderOut:
    """Reset the unread count of one of your conversations."""
    member = me(request)
    mine = _my_side(member, conversation_id)
    services.mark_read(member=member, conversation_id=mine.conversation_id)
    return FolderOut(conversation=mine.conversation_id, folder=mine.folder, unread=0)


@router.post(
    "/{conversation_id}/move",
    response={200: FolderOut, 400: ErrorOut, 404: ErrorOut, 422: ValidationOut},
    summary="Archive or unarchive",
)
def move(request: HttpRequest, conversation_id: int, payload: MoveIn) -> FolderOut:
    """Move one of your conversations to the Archive or back to the Inbox.

    Pitches are moved with message feedback instead (``POST /api/messages/{id}/feedback``).
    """
    mine = services.move_conversation(
        member=me(request), conversation_id=conversation_id, folder=payload.folder
    )
    return FolderOut(conversation=mine.conversation_id, folder=mine.folder, unread=mine.unread)

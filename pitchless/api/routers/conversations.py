"""Conversations and their folders: ``/api/conversations/…``."""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Literal

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router
from pydantic import Field

from pitchless.api.schemas import (
    ConversationPageOut,
    ErrorOut,
    FolderOut,
    MessagePageOut,
    MoveIn,
    PageIn,
    ValidationOut,
)
from pitchless.api.security import me
from pitchless.members.models import Member
from pitchless.network import _sql, services
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


# The two reads every client polls are served from narrow SQL and plain dicts: validating
# the rows again through the response schemas cost more CPU than the statements. The dicts
# hold exactly the schemas' fields (``ConversationPageOut``, ``MessagePageOut``), which stay
# the documented responses; tests compare both ways of building them and the OpenAPI document.

_WITHHELD = Message.WITHHELD
_PITCHES = Message.Filing.PITCHES
_UNCHECKED = Message.Check.UNCHECKED


def _reasons(raw: object) -> list[dict[str, str]]:
    reasons = json.loads(raw) if isinstance(raw, str | bytes) else raw
    return [{"code": r["code"], "text": r["text"]} for r in reasons or []]


def _message_dict(
    viewer: int,
    pk: int,
    conversation: int,
    sender: int,
    text: str,
    created_at: object,
    filed_as: str,
    guard_pitch: object,
    check_status: str,
    reasons: object,
) -> dict[str, Any]:
    """A message as ``viewer`` may see it: the dict form of ``schemas.message_out``."""
    mine = sender == viewer
    out: dict[str, Any] = {
        "id": pk,
        "conversation": conversation,
        "sender": sender,
        "mine": mine,
        "text": text,
        "created_at": _sql.aware(created_at),  # type: ignore[arg-type]
        "filed_as": None,
        "guard_pitch": None,
        "unchecked": None,
        "reasons": None,
    }
    if not mine:
        pitch = filed_as == _PITCHES or bool(guard_pitch)
        out["filed_as"] = "pitches" if filed_as == _PITCHES else "inbox"
        out["guard_pitch"] = bool(guard_pitch)
        out["unchecked"] = check_status == _UNCHECKED
        out["reasons"] = _reasons(reasons) if pitch else []
    return out


def _from_message(viewer: int, m: Message) -> dict[str, Any]:
    return _message_dict(
        viewer,
        m.pk,
        m.conversation_id,
        m.sender_id,
        m.text,
        m.created_at,
        m.filed_as,
        m.guard_pitch,
        m.check_status,
        m.guard_reasons,
    )


_MESSAGE_COLUMNS = (
    "m.id, m.conversation_id, m.sender_id, m.text, m.created_at, m.filed_as, m.guard_pitch, "
    "m.check_status, m.guard_reasons"
)


@cache
def _folder_sql() -> tuple[str, str]:
    participant, member, message = (_sql.table(m) for m in (Participant, Member, Message))
    count = f"SELECT COUNT(*) FROM {participant} WHERE member_id = %s AND folder = %s"
    page = (
        "SELECT p.conversation_id, p.folder, p.unread, p.last_message_at, "
        "o.id, o.name, o.headline, o.company, o.location, "
        f"{_MESSAGE_COLUMNS} FROM {participant} p JOIN {member} o ON o.id = p.other_id "
        f"LEFT JOIN {message} m ON m.id = p.last_message_id "
        "WHERE p.member_id = %s AND p.folder = %s "
        "ORDER BY p.last_message_at DESC, p.id DESC LIMIT %s OFFSET %s"
    )
    return count, page


def folder_page(member: Member, folder: str, *, limit: int, offset: int) -> dict[str, Any]:
    """One page of ``member``'s folder as ``ConversationPageOut`` gives it, in two statements
    (the count, and the page on the folder index with the other member and the last message
    joined by primary key)."""
    count_sql, page_sql = _folder_sql()
    viewer = member.pk
    with connection.cursor() as cursor:
        cursor.execute(count_sql, [viewer, folder])
        count = cursor.fetchone()[0]
        cursor.execute(page_sql, [viewer, folder, limit, offset])
        rows = cursor.fetchall()
    items = []
    missing: dict[int, dict[str, Any]] = {}
    for row in rows:
        conversation, side_folder, unread, last_at = row[:4]
        other = row[4:9]
        last = row[9:]
        item = {
            "id": conversation,
            "member": {
                "id": other[0],
                "name": other[1],
                "headline": other[2],
                "company": other[3],
                "location": other[4],
            },
            "folder": side_folder,
            "unread": unread,
            "last_message_at": _sql.aware(last_at),
            "last_message": None,
        }
        # ``last_message`` is kept by the services; a side without one, or whose message its
        # member may no longer see, is looked up again (as ``Participant.last_messages``).
        if last[0] is None or (last[2] != viewer and last[5] in _WITHHELD):
            missing[conversation] = item
        else:
            item["last_message"] = _message_dict(viewer, *last)
        items.append(item)
    if missing:
        for message in (
            Message.objects.visible_to(viewer)
            .filter(conversation_id__in=list(missing))
            .order_by("conversation_id", "-created_at", "-id")
        ):
            item = missing[message.conversation_id]
            if item["last_message"] is None:
                item["last_message"] = _from_message(viewer, message)
    return {"count": count, "items": items}


@cache
def _conversation_sql() -> tuple[str, str]:
    participant, message = _sql.table(Participant), _sql.table(Message)
    withheld = ", ".join(f"'{f}'" for f in _WITHHELD)
    visible = f"(m.sender_id = %s OR m.filed_as NOT IN ({withheld}))"
    head = (
        f"SELECT (SELECT 1 FROM {participant} WHERE conversation_id = %s AND member_id = %s), "
        f"(SELECT COUNT(*) FROM {message} m WHERE m.conversation_id = %s AND {visible})"
    )
    page = (
        f"SELECT {_MESSAGE_COLUMNS} FROM {message} m WHERE m.conversation_id = %s AND {visible} "
        "ORDER BY m.created_at, m.id LIMIT %s OFFSET %s"
    )
    return head, page


def conversation_page(
    member: Member, conversation_id: int, *, limit: int, offset: int
) -> dict[str, Any] | None:
    """One page of a conversation as ``MessagePageOut`` gives it; ``None`` when ``member`` is
    not in it. Two statements: their side and the count, then the page."""
    head_sql, page_sql = _conversation_sql()
    viewer = member.pk
    with connection.cursor() as cursor:
        cursor.execute(head_sql, [conversation_id, viewer, conversation_id, viewer])
        mine, count = cursor.fetchone()
        if mine is None:
            return None
        cursor.execute(page_sql, [conversation_id, viewer, limit, offset])
        rows = cursor.fetchall()
    return {"count": count, "items": [_message_dict(viewer, *row) for row in rows]}


def _json(request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
    from pitchless.api.main import api  # the API object imports this module

    return api.create_response(request, data, status=200)


@router.get("", response={200: ConversationPageOut, 422: ValidationOut}, summary="List a folder")
def list_conversations(request: HttpRequest, params: Query[FolderIn]) -> HttpResponse:
    """The conversations in one of your folders, latest first, each with its last message.

    In Pitches, each last message carries the guard's ``reasons``.
    """
    page = folder_page(me(request), params.folder, limit=params.limit, offset=params.offset)
    return _json(request, page)


@router.get(
    "/{conversation_id}/messages",
    response={200: MessagePageOut, 404: ErrorOut, 422: ValidationOut},
    summary="Read a conversation",
)
def list_messages(
    request: HttpRequest, conversation_id: int, params: Query[PageIn]
) -> HttpResponse:
    """The messages of one of your conversations, oldest first."""
    page = conversation_page(me(request), conversation_id, limit=params.limit, offset=params.offset)
    if page is None:
        raise Http404("No such conversation.")
    return _json(request, page)


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

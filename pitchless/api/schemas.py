"""The API's typed requests and responses, and the functions that fill the responses.

What a member sees depends on who they are: the guard's reading of a message or of an
invitation note (filing, reasons) is shown to its recipient only, and the score to nobody.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import Field, field_validator

from pitchless.members.models import Member
from pitchless.network.models import Connection, Invitation, Message, Participant

# --- errors -----------------------------------------------------------------------------------


class ErrorOut(Schema):
    """A refusal, in words that can be shown to the member as they are."""

    detail: str


class LimitOut(Schema):
    """A limit stops the action: which one, and when it lifts (``null``: not by itself)."""

    detail: str
    code: str
    lifts_at: datetime | None = None


class FieldErrorOut(Schema):
    """One invalid field: where it is in the request and what is wrong with it."""

    loc: list[str | int]
    msg: str


class ValidationOut(Schema):
    """The request did not match its schema."""

    detail: str
    errors: list[FieldErrorOut]


# --- paging ---------------------------------------------------------------------------------


class PageIn(Schema):
    """Which slice of a list to return."""

    limit: int = Field(50, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class SearchPageIn(PageIn):
    """A slice of a list, filtered by words (every word must match)."""

    q: str = Field("", max_length=200)


# --- auth -------------------------------------------------------------------------------------


def _email(value: str) -> str:
    value = value.strip()
    try:
        validate_email(value)
    except DjangoValidationError as exc:
        raise ValueError("Enter a valid e-mail address.") from exc
    return value


class SignUpIn(Schema):
    """Open an account."""

    email: str = Field(max_length=254)
    password: str = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=120)

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        return _email(value)

    @field_validator("name")
    @classmethod
    def _has_a_name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Enter your name.")
        return value.strip()


class TokenIn(Schema):
    """Trade an e-mail address and password for a token; ``name`` labels it (e.g. a device)."""

    email: str = Field(max_length=254)
    password: str = Field(max_length=128)
    name: str = Field("", max_length=100)


class TokenOut(Schema):
    """A new token. It is shown once: only a digest of it is stored."""

    token: str
    id: int
    name: str
    created_at: datetime


class TokenInfoOut(Schema):
    """One of your tokens, without its secret."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    current: bool


# --- members ----------------------------------------------------------------------------------


class MemberOut(Schema):
    """A member's public profile."""

    id: int
    name: str
    headline: str
    company: str
    location: str


class MeOut(MemberOut):
    """Your own profile and preferences."""

    email: str
    about: str
    accept_pitches: bool
    offer_categories: list[str]
    invitations_from: str
    date_joined: datetime


class MemberPageOut(Schema):
    """One page of members."""

    count: int
    items: list[MemberOut]


def member_out(member: Member) -> MemberOut:
    """The public profile of ``member``."""
    return MemberOut(
        id=member.pk,
        name=member.name,
        headline=member.headline,
        company=member.company,
        location=member.location,
    )


def me_out(member: Member) -> MeOut:
    """``member``'s own view of their account."""
    return MeOut(
        **member_out(member).model_dump(),
        email=member.email,
        about=member.about,
        accept_pitches=member.accept_pitches,
        offer_categories=member.categories,
        invitations_from=member.invitations_from,
        date_joined=member.date_joined,
    )


# --- invitations ------------------------------------------------------------------------------


class ReasonOut(Schema):
    """Why the guard read a text as a pitch."""

    code: str
    text: str


# Ids in bodies are strict: JSON ``true`` or ``"2"`` is a client's mistake, not member 1 or 2.


class InvitationIn(Schema):
    """Invite member ``to`` to connect, with an optional note."""

    to: int = Field(ge=1, strict=True)
    note: str = Field("", max_length=300)


class InvitationOut(Schema):
    """An invitation as one of its two members sees it.

    The sender is not told that an invitation was ignored, declined or reported: to them it
    stays ``pending``. ``note_is_pitch`` and ``reasons`` are for the recipient only.
    """

    id: int
    direction: Literal["incoming", "outgoing"]
    member: MemberOut
    note: str
    status: str
    created_at: datetime
    question: str
    answer: str
    note_is_pitch: bool | None = None
    reasons: list[ReasonOut] | None = None


#: statuses that the sender sees as still pending: they are not told
_HIDDEN_FROM_SENDER = {
    Invitation.Status.IGNORED,
    Invitation.Status.DONT_KNOW,
    Invitation.Status.REPORTED,
}


def invitation_out(invitation: Invitation, viewer: Member) -> InvitationOut:
    """``invitation`` as ``viewer`` (its sender or its recipient) may see it."""
    incoming = invitation.recipient_id == viewer.pk
    status = invitation.status
    if not incoming and status in _HIDDEN_FROM_SENDER:
        status = Invitation.Status.PENDING
    return InvitationOut(
        id=invitation.pk,
        direction="incoming" if incoming else "outgoing",
        member=member_out(invitation.sender if incoming else invitation.recipient),
        note=invitation.note,
        status=status,
        created_at=invitation.created_at,
        question=invitation.question,
        answer=invitation.answer,
        note_is_pitch=invitation.note_is_pitch if incoming else None,
        reasons=[ReasonOut(**r) for r in invitation.note_reasons] if incoming else None,
    )


# --- connections and blocks -------------------------------------------------------------------


class ConnectionOut(Schema):
    """One of your connections and since when."""

    member: MemberOut
    connected_at: datetime


class ConnectionPageOut(Schema):
    """One page of connections."""

    count: int
    items: list[ConnectionOut]


def connection_out(connection: Connection) -> ConnectionOut:
    """A connection row (``connection.member`` is the viewer)."""
    return ConnectionOut(member=member_out(connection.other), connected_at=connection.created_at)


class BlockIn(Schema):
    """Block a member: ends the connection and all contact both ways."""

    member: int = Field(ge=1, strict=True)


class BlockOut(Schema):
    """A member you blocked."""

    member: MemberOut
    created_at: datetime


# --- messages and conversations ---------------------------------------------------------------


class MessageIn(Schema):
    """Write to member ``to`` (joins your conversation with them when there is one).

    Send the same ``idempotency_key`` when retrying: the message is stored once.
    """

    to: int = Field(ge=1, strict=True)
    text: str = Field(min_length=1, max_length=20_000)
    idempotency_key: str | None = Field(None, min_length=1, max_length=100)


class SentOut(Schema):
    """Where your message went. ``held`` means a moderator reviews it before delivery."""

    id: int
    conversation: int
    filed_as: Literal["inbox", "pitches", "held"]
    notice: str


class MessageOut(Schema):
    """A message in a conversation.

    ``filed_as``, ``guard_pitch``, ``unchecked`` and ``reasons`` are the guard's reading and are
    filled only for the message's recipient (``null`` for your own messages).
    """

    id: int
    conversation: int
    sender: int
    mine: bool
    text: str
    created_at: datetime
    filed_as: Literal["inbox", "pitches"] | None = None
    guard_pitch: bool | None = None
    unchecked: bool | None = None
    reasons: list[ReasonOut] | None = None


class MessagePageOut(Schema):
    """One page of a conversation, oldest first."""

    count: int
    items: list[MessageOut]


def message_out(message: Message, viewer: Member) -> MessageOut:
    """``message`` as ``viewer`` may see it."""
    mine = message.sender_id == viewer.pk
    out = MessageOut(
        id=message.pk,
        conversation=message.conversation_id,
        sender=message.sender_id,
        mine=mine,
        text=message.text,
        created_at=message.created_at,
    )
    if not mine:
        pitch = message.filed_as == Message.Filing.PITCHES or message.guard_pitch
        out.filed_as = "pitches" if message.filed_as == Message.Filing.PITCHES else "inbox"
        out.guard_pitch = message.guard_pitch
        out.unchecked = message.check_status == Message.Check.UNCHECKED
        out.reasons = [ReasonOut(**r) for r in message.guard_reasons] if pitch else []
    return out


class ConversationOut(Schema):
    """One of your conversations, with its last message you may see."""

    id: int
    member: MemberOut
    folder: Literal["inbox", "pitches", "archive"]
    unread: int
    last_message_at: datetime
    last_message: MessageOut | None


class ConversationPageOut(Schema):
    """One page of a folder, latest first."""

    count: int
    items: list[ConversationOut]


def conversation_out(
    participant: Participant, last: Message | None, viewer: Member
) -> ConversationOut:
    """``viewer``'s side of a conversation."""
    return ConversationOut(
        id=participant.conversation_id,
        member=member_out(participant.other),
        folder=participant.folder,
        unread=participant.unread,
        last_message_at=participant.last_message_at,
        last_message=message_out(last, viewer) if last is not None else None,
    )


class MoveIn(Schema):
    """Archive a conversation, or bring it back to the Inbox."""

    folder: Literal["inbox", "archive"]


class FolderOut(Schema):
    """Where a conversation now sits for you."""

    conversation: int
    folder: str
    unread: int


class FeedbackIn(Schema):
    """Say whether a message you received is a pitch; it moves to Pitches or the Inbox."""

    label: Literal["pitch", "not_pitch"]


class FeedbackOut(Schema):
    """The label you gave and where the conversation now is."""

    message: int
    label: str
    folder: str


# --- reports ----------------------------------------------------------------------------------


class DisconnectReportIn(Schema):
    """Optional words for the moderators."""

    reason: str = Field("", max_length=500)


class ReportIn(Schema):
    """Report a member to the moderators, optionally about a message they sent you."""

    member: int = Field(ge=1, strict=True)
    message: int | None = Field(None, ge=1, strict=True)
    reason: str = Field(min_length=1, max_length=500)


class ReportOut(Schema):
    """A report you made."""

    id: int
    member: int
    message: int | None
    reason: str
    created_at: datetime

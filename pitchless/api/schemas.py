"""The API's typed requests and responses, and the functions that fill the responses.

What a member sees depends on who they are: the guard's reading of a message or of an
invitation note (filing, reasons) is shown to its recipient only, and the score to nobody.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import Field, field_validator

from pitchless.exchange.models import Engagement, Listing, Proposal, Review, SavedSearch
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


# --- Exchange ---------------------------------------------------------------------------------
#
# Listings, search, proposals, saved searches, flags, engagements and reviews. Prices are
# decimals with two places (sent back as strings, so no cents are lost to floating point).

#: a price: at most 12 digits, two of them after the point, never negative
Price = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
ListingKind = Literal["offer", "request"]
ListingStatus = Literal["draft", "published", "closed", "expired", "hidden"]


class CategoryOut(Schema):
    """One category of the Exchange's taxonomy; listings name it by ``slug``."""

    slug: str
    name: str
    group: Literal["services", "goods"]


class ListingIn(Schema):
    """A new listing: an ``offer`` (what you sell) or a ``request`` (what you need).

    It is saved as a draft unless ``publish`` is true.
    """

    kind: ListingKind
    title: str = Field(min_length=1, max_length=140)
    description: str = Field(min_length=1, max_length=5000)
    category: str = Field(min_length=1, max_length=60)
    tags: str = Field("", max_length=300)
    price_min: Price | None = None
    price_max: Price | None = None
    currency: str = Field("", max_length=3)
    remote: bool = False
    location: str = Field("", max_length=120)
    publish: bool = False


class ListingPatchIn(Schema):
    """Change some fields of your listing; the ones left out keep their value.

    Send ``null`` for a price to clear it.
    """

    kind: ListingKind | None = None
    title: str | None = Field(None, min_length=1, max_length=140)
    description: str | None = Field(None, min_length=1, max_length=5000)
    category: str | None = Field(None, min_length=1, max_length=60)
    tags: str | None = Field(None, max_length=300)
    price_min: Price | None = None
    price_max: Price | None = None
    currency: str | None = Field(None, max_length=3)
    remote: bool | None = None
    location: str | None = Field(None, max_length=120)


class ListingOut(Schema):
    """A listing. ``description`` is the text as written (simple formatting, never HTML)."""

    id: int
    kind: ListingKind
    status: ListingStatus
    title: str
    description: str
    category: CategoryOut
    tags: list[str]
    price_min: Decimal | None
    price_max: Decimal | None
    currency: str
    remote: bool
    location: str
    owner: MemberOut
    mine: bool
    created_at: datetime
    published_at: datetime | None
    expires_at: datetime | None
    renewed_at: datetime | None
    closed_at: datetime | None


class ListingPageOut(Schema):
    """One page of listings."""

    count: int
    items: list[ListingOut]


def listing_out(listing: Listing, viewer: Member) -> ListingOut:
    """``listing`` as ``viewer`` sees it (``mine`` tells whether they own it)."""
    category = listing.category
    return ListingOut(
        id=listing.pk,
        kind=listing.kind,
        status=listing.status,
        title=listing.title,
        description=listing.description,
        category=CategoryOut(slug=category.slug, name=category.name, group=category.group),
        tags=listing.tag_list(),
        price_min=listing.price_min,
        price_max=listing.price_max,
        currency=listing.currency,
        remote=listing.remote,
        location=listing.location,
        owner=member_out(listing.owner),
        mine=listing.owner_id == viewer.pk,
        created_at=listing.created_at,
        published_at=listing.published_at,
        expires_at=listing.expires_at,
        renewed_at=listing.renewed_at,
        closed_at=listing.closed_at,
    )


class DuplicateOut(Schema):
    """Publishing was refused: you already have an active listing that says the same."""

    detail: str
    duplicate_of: int


class HitOut(Schema):
    """One search result. ``snippet`` is safe HTML: escaped text, matches in ``<mark>``."""

    listing: ListingOut
    snippet: str
    rank: float


class SearchOut(Schema):
    """One page of search results, best first (newest first without words).

    ``messages`` says which parts of the query could not be used as typed (a filter that
    was dropped, a query that was cut); the rest of the query still ran.
    """

    page: int
    per_page: int
    has_next: bool
    messages: list[str]
    items: list[HitOut]


class TextIn(Schema):
    """A message to the other member; it starts or joins your conversation with them."""

    text: str = Field(min_length=1, max_length=5000)


class EngagementOut(Schema):
    """A buyer and a seller talking about one listing in their ``conversation``.

    ``completed`` is true once both sides marked it completed; then each may review the other.
    """

    id: int
    listing: int
    buyer: MemberOut
    seller: MemberOut
    conversation: int
    proposal: int | None
    created_at: datetime
    buyer_completed_at: datetime | None
    seller_completed_at: datetime | None
    completed: bool


def engagement_out(engagement: Engagement) -> EngagementOut:
    """An engagement as either of its two members sees it."""
    return EngagementOut(
        id=engagement.pk,
        listing=engagement.listing_id,
        buyer=member_out(engagement.buyer),
        seller=member_out(engagement.seller),
        conversation=engagement.conversation_id,
        proposal=engagement.proposal_id,
        created_at=engagement.created_at,
        buyer_completed_at=engagement.buyer_completed_at,
        seller_completed_at=engagement.seller_completed_at,
        completed=engagement.completed,
    )


class ProposalIn(Schema):
    """Answer a request: what you would do, optionally a price and one of your own offers."""

    text: str = Field(min_length=1, max_length=3000)
    price: Price | None = None
    currency: str = Field("", max_length=3)
    offer: int | None = Field(None, ge=1, strict=True)


class ProposalOut(Schema):
    """A seller's proposal on a request, as its seller or the requester sees it."""

    id: int
    request: int
    seller: MemberOut
    text: str
    price: Decimal | None
    currency: str
    offer: int | None
    status: Literal["sent", "shortlisted", "declined"]
    created_at: datetime
    decided_at: datetime | None


class ProposalPageOut(Schema):
    """One page of proposals, oldest first."""

    count: int
    items: list[ProposalOut]


def proposal_out(proposal: Proposal) -> ProposalOut:
    """A proposal row."""
    return ProposalOut(
        id=proposal.pk,
        request=proposal.request_id,
        seller=member_out(proposal.seller),
        text=proposal.text,
        price=proposal.price,
        currency=proposal.currency,
        offer=proposal.offer_id,
        status=proposal.status,
        created_at=proposal.created_at,
        decided_at=proposal.decided_at,
    )


class SavedSearchIn(Schema):
    """Save a search under ``name``; with ``alerts`` a daily e-mail lists new matches."""

    name: str = Field(min_length=1, max_length=120)
    q: str = Field("", max_length=500)
    kind: ListingKind | None = None
    category: str | None = Field(None, max_length=60)
    price_min: Price | None = None
    price_max: Price | None = None
    remote: bool | None = None
    location: str = Field("", max_length=120)
    within_days: int | None = Field(None, ge=1, le=365, strict=True)
    alerts: bool = True


class SavedSearchOut(Schema):
    """One of your saved searches: its words, its filters and whether it mails you.

    On creation, ``messages`` says which filters the search changed or could not use.
    """

    id: int
    name: str
    q: str
    filters: dict[str, Any]
    alerts: bool
    created_at: datetime
    last_digest_at: datetime | None
    messages: list[str] = []


def saved_search_out(saved: SavedSearch, messages: list[str] | None = None) -> SavedSearchOut:
    """A saved search row, with the search's ``messages`` about its filters."""
    return SavedSearchOut(
        id=saved.pk,
        name=saved.name,
        q=saved.query,
        filters=saved.filters or {},
        alerts=saved.alerts,
        created_at=saved.created_at,
        last_digest_at=saved.last_digest_at,
        messages=messages or [],
    )


class FlagIn(Schema):
    """Flag a listing for the moderators, optionally saying why."""

    reason: str = Field("", max_length=500)


class FlagOut(Schema):
    """Your flag on a listing."""

    id: int
    listing: int
    reason: str
    created_at: datetime


class ReviewIn(Schema):
    """Review the other side of a completed engagement: 1 to 5 stars and optional words."""

    stars: int = Field(ge=1, le=5, strict=True)
    text: str = Field("", max_length=2000)


class ReviewOut(Schema):
    """A review: who wrote it, about whom, on which engagement."""

    id: int
    engagement: int
    author: MemberOut
    subject: MemberOut
    stars: int
    text: str
    created_at: datetime
    updated_at: datetime


class ReviewPageOut(Schema):
    """A member's reviews, newest first, with their average stars over all of them."""

    average: float | None
    count: int
    items: list[ReviewOut]


def review_out(review: Review) -> ReviewOut:
    """A review row."""
    return ReviewOut(
        id=review.pk,
        engagement=review.engagement_id,
        author=member_out(review.author),
        subject=member_out(review.subject),
        stars=review.stars,
        text=review.text,
        created_at=review.created_at,
        updated_at=review.updated_at,
    )

"""Every write of the Exchange: one typed, keyword-only function each, in a transaction.

Pages, the API, the command line and Celery tasks call these and nothing else. Refusals raise
an :class:`ExchangeError` whose message can be shown to the member as it is.

A listing's status changes in one place, :func:`transition`, from a table of allowed moves.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from pitchless.exchange.models import (
    Category,
    Engagement,
    Flag,
    Listing,
    ListingDecision,
    Proposal,
    Review,
    SavedSearch,
    SavedSearchHit,
)
from pitchless.guard import fingerprint, similarity
from pitchless.members.models import Member
from pitchless.moderation.access import is_moderator
from pitchless.network import guard_adapter, notify
from pitchless.network import services as network
from pitchless.network.models import Message

if TYPE_CHECKING:
    from pitchless.exchange.search import SearchParams

logger = logging.getLogger(__name__)

TITLE_MIN, TITLE_MAX = 3, 140
DESCRIPTION_MAX = 5000
MAX_TAGS, TAG_MAX = 10, 30
LOCATION_MAX = 120
PROPOSAL_MAX = 3000
REVIEW_MAX = 2000
REASON_MAX = 500
SAVED_SEARCH_NAME_MAX = 120
#: saved searches one member may keep (each one costs a search per digest run)
MAX_SAVED_SEARCHES = 50
#: listings in one digest e-mail; the rest come in the next one
DIGEST_MAX_LISTINGS = 20
#: the currency assumed when a price is given without one
DEFAULT_CURRENCY = "EUR"
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_PRICE_LIMIT = Decimal("9999999999.99")  # max_digits=12, decimal_places=2


# --- errors -----------------------------------------------------------------------------------


class ExchangeError(Exception):
    """A refused action; ``str(error)`` is written for the member who tried it (HTTP 400)."""


class NotFound(ExchangeError):
    """The object does not exist for this member (shown as a 404, never as a 403)."""


class Forbidden(ExchangeError):
    """The member may not do this to an object they can see (HTTP 403)."""


class Conflict(ExchangeError):
    """The object's state does not allow it (any more): already flagged, already reviewed…
    (HTTP 409)."""


class LimitReached(ExchangeError):
    """A per-member limit stops the action (HTTP 429 or 400)."""


class DuplicateListing(Conflict):
    """The listing is a near-duplicate of one of the owner's own active listings."""

    def __init__(self, duplicate_of: Listing) -> None:
        super().__init__(
            f'This is very close to your listing "{duplicate_of.title}" (#{duplicate_of.pk}), '
            "which is still up. Edit or renew that one instead of posting it twice."
        )
        self.duplicate_of = duplicate_of


def _from_network(exc: network.NetworkError) -> ExchangeError:
    """The network's refusal as the Exchange's, with the same message and kind."""
    for theirs, ours in (
        (network.NotFound, NotFound),
        (network.Forbidden, Forbidden),
        (network.Conflict, Conflict),
        (network.LimitError, LimitReached),
    ):
        if isinstance(exc, theirs):
            return ours(str(exc))
    return ExchangeError(str(exc))


def _refuse_if_suspended(member: Member, now: datetime) -> None:
    if member.is_suspended(now):
        raise Forbidden("Your account is suspended; you cannot do that for now.")


# --- input ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListingInput:
    """What a member types into the listing form (or the API); checked by the services."""

    kind: str
    title: str
    description: str
    category: str  # slug
    tags: str = ""  # comma-separated
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    currency: str = ""
    remote: bool = False
    location: str = ""


def normalize_tags(raw: str) -> str:
    """Tags lower-cased, trimmed, inner spaces collapsed, de-duplicated, comma-joined.

    Raises ``ExchangeError`` for more than 10 tags or a tag longer than 30 characters.
    """
    seen: list[str] = []
    for part in raw.split(","):
        tag = " ".join(part.split()).lower()
        if tag and tag not in seen:
            seen.append(tag)
    if len(seen) > MAX_TAGS:
        raise ExchangeError(f"Use at most {MAX_TAGS} tags (you gave {len(seen)}).")
    for tag in seen:
        if len(tag) > TAG_MAX:
            raise ExchangeError(f'The tag "{tag[:40]}" is too long: at most {TAG_MAX} characters.')
    joined = ",".join(seen)
    if len(joined) > Listing._meta.get_field("tags").max_length:
        raise ExchangeError("The tags are too long together; use fewer or shorter ones.")
    return joined


def _price(value: Any, label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ExchangeError(f"The {label} must be a number.") from None
    if not price.is_finite():
        raise ExchangeError(f"The {label} must be a number.")
    if price < 0:
        raise ExchangeError(f"The {label} cannot be negative.")
    if price > _PRICE_LIMIT:
        raise ExchangeError(f"The {label} is too large.")
    return price.quantize(Decimal("0.01"))


def _currency(raw: str, *, priced: bool) -> str:
    if not priced:
        return ""
    code = (raw or "").strip().upper() or DEFAULT_CURRENCY
    if not _CURRENCY.match(code):
        raise ExchangeError("The currency must be a three-letter code such as EUR, USD or GBP.")
    return code


def _clean(data: ListingInput) -> dict[str, Any]:
    """The model fields for ``data``, or an ``ExchangeError`` naming the first problem."""
    if data.kind not in Listing.Kind.values:
        raise ExchangeError("Choose whether you offer something or request it.")
    title = " ".join((data.title or "").split())
    if len(title) < TITLE_MIN:
        raise ExchangeError(f"The title needs at least {TITLE_MIN} characters.")
    if len(title) > TITLE_MAX:
        raise ExchangeError(f"The title can be at most {TITLE_MAX} characters.")
    description = (data.description or "").strip()
    if not description:
        raise ExchangeError("Describe what you offer or need.")
    if len(description) > DESCRIPTION_MAX:
        raise ExchangeError(f"The description can be at most {DESCRIPTION_MAX:,} characters.")
    category = Category.objects.filter(slug=(data.category or "").strip()).first()
    if category is None:
        raise ExchangeError("Choose a category from the list.")
    price_min = _price(data.price_min, "lowest price")
    price_max = _price(data.price_max, "highest price")
    if price_min is not None and price_max is not None and price_min > price_max:
        raise ExchangeError("The lowest price cannot be above the highest price.")
    location = " ".join((data.location or "").split())
    if len(location) > LOCATION_MAX:
        raise ExchangeError(f"The location can be at most {LOCATION_MAX} characters.")
    return {
        "kind": data.kind,
        "title": title,
        "description": description,
        "category": category,
        "tags": normalize_tags(data.tags or ""),
        "price_min": price_min,
        "price_max": price_max,
        "currency": _currency(data.currency, priced=price_min is not None or price_max is not None),
        "remote": bool(data.remote),
        "location": location,
    }


# --- over-posting -----------------------------------------------------------------------------


def signature_of(title: str, description: str) -> str:
    """The guard's MinHash signature of title + description, as comma-separated hex."""
    fp = fingerprint(f"{title}\n{description}")
    return ",".join(f"{value:x}" for value in fp.signature)


def _parse_signature(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part, 16) for part in text.split(",") if part)
    except ValueError:  # a hand-edited row must not break publishing
        return ()


def duplicate_threshold() -> float:
    """The Jaccard similarity above which two texts count as one: the site's bulk index's."""
    return guard_adapter.bulk_index.threshold


def find_duplicate(listing: Listing, *, now: datetime) -> Listing | None:
    """One of the owner's other active listings that is a near-duplicate of ``listing``."""
    mine = _parse_signature(listing.signature)
    if not mine:
        return None
    threshold = duplicate_threshold()
    others = (
        Listing.objects.active(now)
        .filter(owner=listing.owner_id)
        .exclude(pk=listing.pk)
        .exclude(signature="")
        .only("id", "title", "signature")
        .order_by("id")
    )
    for other in others:
        if similarity(mine, _parse_signature(other.signature)) >= threshold:
            return other
    return None


def _refuse_duplicate(listing: Listing, now: datetime) -> None:
    duplicate = find_duplicate(listing, now=now)
    if duplicate is not None:
        raise DuplicateListing(duplicate)


def _refuse_over_limit(listing: Listing, now: datetime) -> None:
    # The owner's row lock serialises their publications: two at once cannot both pass the
    # count (or the duplicate check that follows).
    Member.objects.select_for_update().filter(pk=listing.owner_id).first()
    limit = settings.PITCHLESS_MAX_ACTIVE_LISTINGS
    active = Listing.objects.active(now).filter(owner=listing.owner_id).exclude(pk=listing.pk)
    if active.count() >= limit:
        raise LimitReached(
            f"You already have {limit} listings up, the most one member may have at once. "
            "Close one, or let one expire, before publishing another."
        )


# --- the listing's life -----------------------------------------------------------------------

S = Listing.Status
OWNER, SYSTEM, MODERATOR = "owner", "system", "moderator"

#: every allowed move (from, to) and who may make it; ``transition`` refuses anything else
_MOVES: dict[tuple[str, str], frozenset[str]] = {
    (S.DRAFT, S.PUBLISHED): frozenset({OWNER}),  # publish
    (S.PUBLISHED, S.PUBLISHED): frozenset({OWNER}),  # renew
    (S.EXPIRED, S.PUBLISHED): frozenset({OWNER}),  # renew after expiry
    (S.PUBLISHED, S.CLOSED): frozenset({OWNER, SYSTEM}),  # closed, or a full request
    (S.EXPIRED, S.CLOSED): frozenset({OWNER}),
    (S.PUBLISHED, S.EXPIRED): frozenset({SYSTEM}),  # its time ran out
    (S.PUBLISHED, S.HIDDEN): frozenset({SYSTEM}),  # enough flags
    (S.HIDDEN, S.PUBLISHED): frozenset({MODERATOR}),  # restored in time
    (S.HIDDEN, S.EXPIRED): frozenset({MODERATOR}),  # restored after its time ran out
    (S.HIDDEN, S.HIDDEN): frozenset({MODERATOR}),  # removed for good
}

#: what the owner is told when a move from a status is refused
_REFUSALS: dict[str, str] = {
    S.HIDDEN: "A moderator hid this listing; you can change it once they restore it.",
    S.CLOSED: "This listing is closed.",
    S.DRAFT: "This listing is a draft: publish it first.",
    S.EXPIRED: "This listing has expired: renew it first.",
    S.PUBLISHED: "This listing is already published.",
}


def can_move(listing: Listing, to: str, actor: str) -> bool:
    """Whether ``actor`` ("owner", "system" or "moderator") may move ``listing`` to ``to``."""
    return actor in _MOVES.get((listing.status, to), frozenset())


def transition(*, listing: Listing, to: str, actor: str, now: datetime) -> Listing:
    """Move ``listing`` to status ``to``; the one place that changes a listing's status.

    Sets the dates that go with the move and saves. Raises ``ExchangeError`` when the move is
    not in the table for ``actor``. The caller holds the row lock and checks who ``actor`` is.
    """
    frm = listing.status
    if not can_move(listing, to, actor):
        raise ExchangeError(_REFUSALS.get(frm, "That is not possible for this listing now."))
    fields = ["status", "updated_at"]
    days = timedelta(days=settings.PITCHLESS_LISTING_DAYS)
    if to == S.PUBLISHED and frm == S.DRAFT:
        listing.published_at = now
        listing.expires_at = now + days
        listing.renewed_at = listing.closed_at = listing.expiry_warned_at = None
        fields += ["published_at", "expires_at", "renewed_at", "closed_at", "expiry_warned_at"]
    elif to == S.PUBLISHED and frm in (S.PUBLISHED, S.EXPIRED):
        listing.renewed_at = now
        listing.expires_at = now + days
        listing.expiry_warned_at = None
        fields += ["renewed_at", "expires_at", "expiry_warned_at"]
    elif to == S.CLOSED:
        listing.closed_at = now
        fields.append("closed_at")
    if frm == S.HIDDEN:
        listing.moderation_reason = ""
        fields.append("moderation_reason")
    listing.status = to
    listing.updated_at = now
    listing.save(update_fields=fields)
    return listing


def _locked(listing: Listing) -> Listing:
    """The listing's row, read again under a lock (two writes on one listing never interleave)."""
    locked = Listing.objects.select_for_update().filter(pk=listing.pk).first()
    if locked is None:
        raise NotFound("No such listing.")
    return locked


def _own(listing: Listing, by: Member) -> Listing:
    locked = _locked(listing)
    if locked.owner_id != by.pk:
        # Someone else's listing: as if it did not exist (its status may be private).
        if not Listing.objects.visible_to(by).filter(pk=locked.pk).exists():
            raise NotFound("No such listing.")
        raise Forbidden("Only the member who posted this listing can do that.")
    return locked


def get_listing(*, listing_id: int, viewer: Member | None) -> Listing:
    """The listing ``viewer`` may open (anyone: active ones; the owner: all of theirs)."""
    listing = (
        Listing.objects.visible_to(viewer)
        .select_related("category", "owner")
        .filter(pk=listing_id)
        .first()
    )
    if listing is None:
        raise NotFound("No such listing.")
    return listing


@transaction.atomic
def create_listing(
    *,
    owner: Member,
    data: ListingInput,
    publish: bool = False,
    from_message: Message | None = None,
    now: datetime | None = None,
) -> Listing:
    """Create a draft listing, and publish it at once when ``publish`` is true."""
    now = now or timezone.now()
    _refuse_if_suspended(owner, now)
    fields = _clean(data)
    listing = Listing.objects.create(
        owner=owner,
        status=S.DRAFT,
        created_at=now,
        updated_at=now,
        from_message=from_message,
        signature=signature_of(fields["title"], fields["description"]),
        **fields,
    )
    if publish:
        _publish(listing, now)
    return listing


@transaction.atomic
def update_listing(
    *, listing: Listing, by: Member, data: ListingInput, now: datetime | None = None
) -> Listing:
    """Change a listing's content (owner only); a published listing stays published.

    A published listing must not become a near-duplicate of another of the owner's.
    """
    now = now or timezone.now()
    listing = _own(listing, by)
    if listing.status in (S.HIDDEN, S.CLOSED):
        raise ExchangeError(_REFUSALS[listing.status])
    fields = _clean(data)
    for name, value in fields.items():
        setattr(listing, name, value)
    listing.category_id = fields["category"].pk
    listing.signature = signature_of(fields["title"], fields["description"])
    listing.updated_at = now
    if listing.status == S.PUBLISHED:
        _refuse_duplicate(listing, now)
    listing.save()
    return listing


def _publish(listing: Listing, now: datetime) -> Listing:
    if not can_move(listing, S.PUBLISHED, OWNER) or listing.status != S.DRAFT:
        raise ExchangeError(_REFUSALS.get(listing.status, "This listing cannot be published."))
    _refuse_over_limit(listing, now)
    _refuse_duplicate(listing, now)
    return transition(listing=listing, to=S.PUBLISHED, actor=OWNER, now=now)


@transaction.atomic
def publish_listing(*, listing: Listing, by: Member, now: datetime | None = None) -> Listing:
    """Publish a draft for ``PITCHLESS_LISTING_DAYS`` days.

    Raises ``LimitReached`` at ``PITCHLESS_MAX_ACTIVE_LISTINGS`` and ``DuplicateListing`` when
    it repeats one of the owner's active listings.
    """
    now = now or timezone.now()
    _refuse_if_suspended(by, now)
    return _publish(_own(listing, by), now)


@transaction.atomic
def renew_listing(*, listing: Listing, by: Member, now: datetime | None = None) -> Listing:
    """Put a published or expired listing up for another ``PITCHLESS_LISTING_DAYS`` days.

    Only once ``PITCHLESS_LISTING_RENEW_AFTER_HOURS`` have passed since it was last published
    or renewed, so renewing cannot keep a listing on top of "newest" all day.
    """
    now = now or timezone.now()
    listing = _own(listing, by)
    if listing.status not in (S.PUBLISHED, S.EXPIRED):
        raise ExchangeError(_REFUSALS.get(listing.status, "This listing cannot be renewed."))
    last = listing.renewed_at or listing.published_at or listing.created_at
    hours = settings.PITCHLESS_LISTING_RENEW_AFTER_HOURS
    allowed_at = last + timedelta(hours=hours)
    if now < allowed_at:
        wait = allowed_at - now
        wait_hours = int(wait.total_seconds() // 3600) + 1
        raise ExchangeError(
            f"A listing can be renewed {hours} hours after it was last published or renewed; "
            f"try again in about {wait_hours} hour{'s' if wait_hours != 1 else ''}."
        )
    if listing.status == S.EXPIRED or not _is_active(listing, now):
        # Back up after being down: the same checks as a first publication.
        _refuse_over_limit(listing, now)
        _refuse_duplicate(listing, now)
    return transition(listing=listing, to=S.PUBLISHED, actor=OWNER, now=now)


@transaction.atomic
def close_listing(*, listing: Listing, by: Member, now: datetime | None = None) -> Listing:
    """Take a published or expired listing down for good."""
    now = now or timezone.now()
    return transition(listing=_own(listing, by), to=S.CLOSED, actor=OWNER, now=now)


@transaction.atomic
def delete_draft(*, listing: Listing, by: Member) -> None:
    """Delete a draft that was never published."""
    listing = _own(listing, by)
    if listing.status != S.DRAFT:
        raise ExchangeError("Only drafts can be deleted; close a published listing instead.")
    listing.delete()


@transaction.atomic
def expire_listings(*, now: datetime | None = None) -> int:
    """Mark every published listing whose time ran out as expired; return how many."""
    now = now or timezone.now()
    due = Listing.objects.select_for_update(skip_locked=True).filter(
        status=S.PUBLISHED, expires_at__lte=now
    )
    count = 0
    for listing in due:
        transition(listing=listing, to=S.EXPIRED, actor=SYSTEM, now=now)
        count += 1
    return count


def _send_mail_later(to: str, subject: str, template: str, context: dict[str, Any]) -> None:
    body = render_to_string(template, {**context, "site_url": site_url()})

    def send() -> None:
        try:
            send_mail(subject, body, None, [to])
        except Exception:  # a mail outage must not undo what already committed
            logger.exception("could not send %s to %s", template, to)

    transaction.on_commit(send)


@transaction.atomic
def warn_expiring(*, now: datetime | None = None) -> int:
    """E-mail owners whose listings expire within ``PITCHLESS_LISTING_WARN_DAYS`` days.

    Once per publication: ``expiry_warned_at`` is set with the mail and cleared by a renewal.
    Returns how many warnings were sent.
    """
    now = now or timezone.now()
    soon = now + timedelta(days=settings.PITCHLESS_LISTING_WARN_DAYS)
    due = (
        Listing.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("owner")
        .filter(
            status=S.PUBLISHED,
            expires_at__gt=now,
            expires_at__lte=soon,
            expiry_warned_at__isnull=True,
        )
    )
    count = 0
    for listing in due:
        listing.expiry_warned_at = now
        listing.save(update_fields=["expiry_warned_at"])
        _send_mail_later(
            listing.owner.email,
            f'Your listing "{listing.title[:60]}" expires soon',
            "exchange/email/expiry_warning.txt",
            {"listing": listing, "url": absolute_url("exchange:listing", listing.pk)},
        )
        count += 1
    return count


# --- drafts from pitches ----------------------------------------------------------------------

#: words in a pitch that point to a category (first match wins); anything else is "other"
_CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("recruiting-services", ("recruit", "hiring", "candidates", "talent")),
    ("security", ("security", "penetration", "pentest", "soc 2", "iso 27001")),
    ("cloud-hosting", ("cloud", "hosting", "aws", "azure", "kubernetes")),
    ("data-analytics", ("analytics", "dashboard", "data warehouse", "bi ")),
    ("software-development", ("developers", "development team", "outsourc", "app development")),
    ("software", ("saas", "platform", "software", "free trial")),
    ("marketing", ("marketing", "seo", "advertis", "campaign")),
    ("sales-services", ("leads", "lead generation", "appointments", "pipeline")),
    ("design", ("design", "branding", "logo")),
    ("training", ("training", "workshop", "course")),
    ("coaching", ("coaching", "mentor")),
    ("accounting", ("bookkeeping", "accounting")),
    ("finance", ("funding", "investors", "loan", "fundraising")),
    ("insurance", ("insurance",)),
    ("legal", ("legal", "lawyer", "contract review")),
    ("translation", ("translation", "localisation", "localization")),
    ("hr-payroll", ("payroll",)),
)


def _category_for(text: str) -> str:
    lowered = text.lower()
    for slug, words in _CATEGORY_WORDS:
        if any(word in lowered for word in words):
            return slug
    return "other"


def _title_from(text: str) -> str:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    sentence = re.split(r"(?<=[.!?])\s", first_line, maxsplit=1)[0].strip()
    title = " ".join(sentence.split())
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1].rsplit(" ", 1)[0].rstrip(",;:-") + "…"
    return title if len(title) >= TITLE_MIN else "My offer"


@transaction.atomic
def draft_from_message(*, message: Message, by: Member) -> Listing:
    """A draft offer pre-filled from ``by``'s own message that the guard filed as a pitch.

    The same message always gives the same draft (returned again if it exists).
    """
    if message.sender_id != by.pk:
        raise NotFound("No such message.")
    if not (message.filed_as == Message.Filing.PITCHES or message.guard_pitch):
        raise ExchangeError("Only a message filed as a pitch can become an Exchange listing.")
    existing = Listing.objects.filter(from_message=message, owner=by).order_by("id").first()
    if existing is not None:
        return existing
    # Lock the sender's row so two clicks at once make one draft.
    Member.objects.select_for_update().filter(pk=by.pk).first()
    existing = Listing.objects.filter(from_message=message, owner=by).order_by("id").first()
    if existing is not None:
        return existing
    text = message.text.strip()[:DESCRIPTION_MAX]
    return create_listing(
        owner=by,
        data=ListingInput(
            kind=Listing.Kind.OFFER,
            title=_title_from(text),
            description=text,
            category=_category_for(text),
        ),
        from_message=message,
    )


# --- interest and proposals -------------------------------------------------------------------


def _send(*, sender: Member, recipient: Member, text: str, listing: Listing) -> Message:
    try:
        return network.send_message(
            sender=sender, recipient=recipient, text=text, exchange_request=listing.pk
        ).message
    except network.NetworkError as exc:
        raise _from_network(exc) from None


def _is_active(listing: Listing, now: datetime) -> bool:
    return listing.status == S.PUBLISHED and (
        listing.expires_at is not None and listing.expires_at > now
    )


@transaction.atomic
def express_interest(
    *, listing: Listing, buyer: Member, text: str, now: datetime | None = None
) -> Engagement:
    """ "I'm interested": ``text`` goes to the seller's Inbox and an engagement starts.

    Only on someone else's published offer. The buyer starts the contact, so the guard never
    files it aside (see ``network.hooks.answers_exchange_request``).
    """
    now = now or timezone.now()
    listing = Listing.objects.filter(pk=listing.pk).select_related("owner").first() or listing
    if not Listing.objects.visible_to(buyer, now).filter(pk=listing.pk).exists():
        raise NotFound("No such listing.")
    if listing.owner_id == buyer.pk:
        raise ExchangeError("This is your own listing.")
    if listing.kind != Listing.Kind.OFFER:
        raise ExchangeError("This is a request: send a proposal instead.")
    if not _is_active(listing, now):
        raise ExchangeError("This listing is no longer up.")
    if not (text or "").strip():
        raise ExchangeError("Write a few words to the seller first.")
    message = _send(sender=buyer, recipient=listing.owner, text=text, listing=listing)
    engagement, _ = Engagement.objects.get_or_create(
        listing=listing,
        buyer=buyer,
        seller=listing.owner,
        defaults={"conversation_id": message.conversation_id, "created_at": now},
    )
    return engagement


def _request_for_proposal(request: Listing, seller: Member, now: datetime) -> Listing:
    if not Listing.objects.visible_to(seller, now).filter(pk=request.pk).exists():
        raise NotFound("No such listing.")
    request = _locked(request)
    if request.kind != Listing.Kind.REQUEST:
        raise ExchangeError("Proposals answer requests; this listing is an offer.")
    if request.owner_id == seller.pk:
        raise ExchangeError("This is your own request.")
    if not _is_active(request, now):
        raise ExchangeError("This request no longer takes proposals.")
    return request


@transaction.atomic
def propose(
    *,
    request: Listing,
    seller: Member,
    text: str,
    price: Decimal | None = None,
    currency: str = "",
    offer: Listing | None = None,
    now: datetime | None = None,
) -> Proposal:
    """A seller's one proposal on a published request; it goes to the requester's Proposals.

    The request closes itself at ``PITCHLESS_REQUEST_MAX_PROPOSALS`` proposals; the count is
    read under the request's row lock, so concurrent proposals cannot pass the limit.
    """
    now = now or timezone.now()
    _refuse_if_suspended(seller, now)
    text = (text or "").strip()
    if not text:
        raise ExchangeError("Write your proposal first.")
    if len(text) > PROPOSAL_MAX:
        raise ExchangeError(f"A proposal can be at most {PROPOSAL_MAX:,} characters.")
    amount = _price(price, "price")
    code = _currency(currency, priced=amount is not None)
    request = _request_for_proposal(request, seller, now)
    if offer is not None:
        mine = Listing.objects.active(now).offers().filter(pk=offer.pk, owner=seller).exists()
        if not mine:
            raise ExchangeError("Link one of your own published offers, or none.")
    if Proposal.objects.filter(request=request, seller=seller).exists():
        raise Conflict("You already sent a proposal for this request.")
    limit = settings.PITCHLESS_REQUEST_MAX_PROPOSALS
    received = Proposal.objects.filter(request=request).count()
    if received >= limit:
        raise Conflict("This request already has all the proposals it takes.")
    try:
        with transaction.atomic():
            proposal = Proposal.objects.create(
                request=request,
                seller=seller,
                text=text,
                price=amount,
                currency=code,
                offer=offer,
                created_at=now,
            )
    except IntegrityError:
        raise Conflict("You already sent a proposal for this request.") from None
    if received + 1 >= limit:
        transition(listing=request, to=S.CLOSED, actor=SYSTEM, now=now)
    return proposal


def proposals_for(*, request: Listing, by: Member) -> QuerySet[Proposal]:
    """The proposals on ``request``, for its owner only."""
    if request.owner_id != by.pk:
        if not Listing.objects.visible_to(by).filter(pk=request.pk).exists():
            raise NotFound("No such listing.")
        raise Forbidden("Only the member who posted this request sees its proposals.")
    return (
        Proposal.objects.filter(request=request)
        .select_related("seller", "offer")
        .order_by("created_at", "id")
    )


def _requesters_proposal(proposal: Proposal, by: Member) -> Proposal:
    locked = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("request", "seller")
        .filter(pk=proposal.pk)
        .first()
    )
    if locked is None:
        raise NotFound("No such proposal.")
    if locked.request.owner_id != by.pk:
        if locked.seller_id == by.pk:
            raise Forbidden("Only the member who posted the request can do that.")
        raise NotFound("No such proposal.")
    return locked


@transaction.atomic
def shortlist_proposal(*, proposal: Proposal, by: Member) -> Proposal:
    """The requester keeps a proposal on their shortlist."""
    proposal = _requesters_proposal(proposal, by)
    if proposal.status == Proposal.Status.DECLINED:
        raise Conflict("You already declined this proposal.")
    if proposal.status != Proposal.Status.SHORTLISTED:
        proposal.status = Proposal.Status.SHORTLISTED
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["status", "decided_at"])
    return proposal


@transaction.atomic
def decline_proposal(*, proposal: Proposal, by: Member, now: datetime | None = None) -> Proposal:
    """The requester declines a proposal; the seller gets a short, polite e-mail."""
    now = now or timezone.now()
    proposal = _requesters_proposal(proposal, by)
    if proposal.status == Proposal.Status.DECLINED:
        return proposal
    proposal.status = Proposal.Status.DECLINED
    proposal.decided_at = now
    proposal.save(update_fields=["status", "decided_at"])
    from pitchless.exchange.tasks import decline_notice_task  # the tasks import the services

    notify.enqueue_on_commit(decline_notice_task, proposal.pk)
    return proposal


def send_decline_notice(*, proposal_id: int) -> bool:
    """E-mail the seller of a declined proposal a short, polite note; at most once.

    Called by a Celery task after the decline commits. Celery may deliver a task twice, so a
    cache claim keyed on the proposal and its decision time keeps the note single. Returns
    whether a mail was sent.
    """
    proposal = (
        Proposal.objects.select_related("request__owner", "seller")
        .filter(pk=proposal_id, status=Proposal.Status.DECLINED)
        .first()
    )
    if proposal is None or proposal.decided_at is None:
        return False
    body = render_to_string(
        "exchange/email/proposal_declined.txt",
        {
            "proposal": proposal,
            "request": proposal.request,
            "seller": proposal.seller,
            "url": absolute_url("exchange:home"),
            "site_url": site_url(),
        },
    )
    return notify.send_once(
        key=f"exchange:declined:{proposal.pk}:{proposal.decided_at.timestamp():.6f}",
        to=proposal.seller.email,
        subject=f'Your proposal for "{proposal.request.title[:60]}"',
        body=body,
    )


@transaction.atomic
def open_conversation(
    *, proposal: Proposal, by: Member, text: str, now: datetime | None = None
) -> Engagement:
    """The requester writes to a proposal's seller: their Inbox, and an engagement starts."""
    now = now or timezone.now()
    proposal = _requesters_proposal(proposal, by)
    if proposal.status == Proposal.Status.DECLINED:
        raise Conflict("You declined this proposal.")
    if not (text or "").strip():
        raise ExchangeError("Write a few words to the seller first.")
    message = _send(sender=by, recipient=proposal.seller, text=text, listing=proposal.request)
    engagement, created = Engagement.objects.get_or_create(
        listing=proposal.request,
        buyer=by,
        seller=proposal.seller,
        defaults={
            "conversation_id": message.conversation_id,
            "proposal": proposal,
            "created_at": now,
        },
    )
    if not created and engagement.proposal_id is None:
        engagement.proposal = proposal
        engagement.save(update_fields=["proposal"])
    return engagement


# --- engagements and reviews ------------------------------------------------------------------


def _party(engagement: Engagement, by: Member) -> Engagement:
    locked = Engagement.objects.select_for_update().filter(pk=engagement.pk).first()
    if locked is None or by.pk not in (locked.buyer_id, locked.seller_id):
        raise NotFound("No such engagement.")
    return locked


@transaction.atomic
def complete_engagement(
    *, engagement: Engagement, by: Member, now: datetime | None = None
) -> Engagement:
    """``by`` marks the engagement completed on their side (doing it twice changes nothing)."""
    now = now or timezone.now()
    engagement = _party(engagement, by)
    field = "buyer_completed_at" if by.pk == engagement.buyer_id else "seller_completed_at"
    if getattr(engagement, field) is None:
        setattr(engagement, field, now)
        engagement.save(update_fields=[field])
    return engagement


def _stars(stars: Any) -> int:
    if isinstance(stars, bool) or (isinstance(stars, float) and not stars.is_integer()):
        raise ExchangeError("Give 1 to 5 stars.")
    try:
        value = int(stars)
    except (TypeError, ValueError):
        raise ExchangeError("Give 1 to 5 stars.") from None
    if not 1 <= value <= 5:
        raise ExchangeError("Give 1 to 5 stars.")
    return value


def _review_text(text: str) -> str:
    text = (text or "").strip()
    if len(text) > REVIEW_MAX:
        raise ExchangeError(f"A review can be at most {REVIEW_MAX:,} characters.")
    return text


@transaction.atomic
def write_review(
    *, engagement: Engagement, by: Member, stars: int, text: str = "", now: datetime | None = None
) -> Review:
    """``by`` reviews the other side, once, after both marked the engagement completed."""
    now = now or timezone.now()
    engagement = _party(engagement, by)
    if not engagement.completed:
        raise ExchangeError("You can review once both of you have marked this as completed.")
    value, body = _stars(stars), _review_text(text)
    if Review.objects.filter(engagement=engagement, author=by).exists():
        raise Conflict("You already reviewed this engagement; you can edit your review.")
    subject = engagement.seller_id if by.pk == engagement.buyer_id else engagement.buyer_id
    return Review.objects.create(
        engagement=engagement,
        author=by,
        subject_id=subject,
        stars=value,
        text=body,
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def edit_review(
    *, review: Review, by: Member, stars: int, text: str = "", now: datetime | None = None
) -> Review:
    """Change one's own review, within ``PITCHLESS_REVIEW_EDIT_DAYS`` days of writing it."""
    now = now or timezone.now()
    review = Review.objects.select_for_update().filter(pk=review.pk).first() or review
    if review.author_id != by.pk:
        raise NotFound("No such review.")
    days = settings.PITCHLESS_REVIEW_EDIT_DAYS
    if now > review.created_at + timedelta(days=days):
        raise ExchangeError(f"A review can be edited for {days} days after it was written.")
    review.stars, review.text = _stars(stars), _review_text(text)
    review.updated_at = now
    review.save(update_fields=["stars", "text", "updated_at"])
    return review


def reviews_of(member: Member) -> tuple[QuerySet[Review], float | None, int]:
    """The reviews ``member`` received (newest first), their average stars (1 decimal) and
    how many there are."""
    reviews = Review.objects.filter(subject=member).select_related("author", "engagement")
    agg = reviews.aggregate(avg=Avg("stars"), n=Count("id"))
    average = round(float(agg["avg"]), 1) if agg["avg"] is not None else None
    return reviews, average, agg["n"]


def engagements_in(*, conversation_id: int, member: Member) -> list[Engagement]:
    """The engagements ``member`` has in a conversation, newest first, with their listings."""
    return list(
        Engagement.objects.filter(conversation_id=conversation_id)
        .filter(Q(buyer=member) | Q(seller=member))
        .select_related("listing")
        .order_by("-created_at", "-id")
    )


# --- flags and moderation ---------------------------------------------------------------------


@transaction.atomic
def flag_listing(*, listing: Listing, by: Member, reason: str = "") -> Flag:
    """Flag someone else's listing, once; enough open flags hide it for the moderators."""
    now = timezone.now()
    if not Listing.objects.visible_to(by, now).filter(pk=listing.pk).exists():
        raise NotFound("No such listing.")
    listing = _locked(listing)
    if listing.owner_id == by.pk:
        raise ExchangeError("You cannot flag your own listing.")
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ExchangeError(f"Keep the reason under {REASON_MAX} characters.")
    if Flag.objects.filter(listing=listing, member=by).exists():
        raise Conflict("You already flagged this listing; the moderators will look at it.")
    flag = Flag.objects.create(listing=listing, member=by, reason=reason, created_at=now)
    open_flags = Flag.objects.filter(listing=listing, status=Flag.Status.OPEN).count()
    if open_flags >= settings.PITCHLESS_LISTING_FLAGS_TO_HIDE and can_move(
        listing, S.HIDDEN, SYSTEM
    ):
        transition(listing=listing, to=S.HIDDEN, actor=SYSTEM, now=now)
    return flag


def _moderated(listing: Listing, moderator: Member, reason: str) -> tuple[Listing, str]:
    if not is_moderator(moderator):
        raise Forbidden("Only moderators can do that.")
    reason = (reason or "").strip()
    if not reason:
        raise ExchangeError("Give a reason; the owner and the log will show it.")
    if len(reason) > REASON_MAX:
        raise ExchangeError(f"Keep the reason under {REASON_MAX} characters.")
    listing = _locked(listing)
    if listing.status != S.HIDDEN:
        raise Conflict("This listing is not waiting for a moderator.")
    return listing, reason


@transaction.atomic
def restore_listing(*, listing: Listing, moderator: Member, reason: str) -> Listing:
    """A moderator puts a hidden listing back (published, or expired if its time ran out)."""
    now = timezone.now()
    listing, reason = _moderated(listing, moderator, reason)
    to = S.PUBLISHED if listing.expires_at and listing.expires_at > now else S.EXPIRED
    transition(listing=listing, to=to, actor=MODERATOR, now=now)
    Flag.objects.filter(listing=listing, status=Flag.Status.OPEN).update(status=Flag.Status.CLOSED)
    ListingDecision.objects.create(
        listing=listing,
        moderator=moderator,
        kind=ListingDecision.Kind.RESTORE,
        reason=reason,
        created_at=now,
    )
    return listing


@transaction.atomic
def remove_listing(*, listing: Listing, moderator: Member, reason: str) -> Listing:
    """A moderator keeps a hidden listing down for good, with the reason its owner sees."""
    now = timezone.now()
    listing, reason = _moderated(listing, moderator, reason)
    transition(listing=listing, to=S.HIDDEN, actor=MODERATOR, now=now)
    listing.moderation_reason = reason
    listing.save(update_fields=["moderation_reason"])
    Flag.objects.filter(listing=listing, status=Flag.Status.OPEN).update(status=Flag.Status.CLOSED)
    ListingDecision.objects.create(
        listing=listing,
        moderator=moderator,
        kind=ListingDecision.Kind.REMOVE,
        reason=reason,
        created_at=now,
    )
    return listing


# --- saved searches and digests ---------------------------------------------------------------


def site_url() -> str:
    """The site's address for links in e-mails, without a trailing slash."""
    return (settings.PITCHLESS_SITE_URL or "http://127.0.0.1:8000").rstrip("/")


def absolute_url(name: str, *args: Any) -> str:
    """An absolute link to the page ``name``."""
    return site_url() + reverse(name, args=args)


@transaction.atomic
def save_search(
    *, owner: Member, name: str, params: SearchParams, alerts: bool = True
) -> SavedSearch:
    """Keep a query and its filters under a name; ``alerts`` sends a daily digest."""
    name = " ".join((name or "").split())
    if not name:
        raise ExchangeError("Give the search a name.")
    if len(name) > SAVED_SEARCH_NAME_MAX:
        raise ExchangeError(f"The name can be at most {SAVED_SEARCH_NAME_MAX} characters.")
    Member.objects.select_for_update().filter(pk=owner.pk).first()
    if SavedSearch.objects.filter(owner=owner).count() >= MAX_SAVED_SEARCHES:
        raise LimitReached(
            f"You can keep {MAX_SAVED_SEARCHES} saved searches; delete one to save another."
        )
    return SavedSearch.objects.create(
        owner=owner,
        name=name,
        query=(params.q or "")[: SavedSearch._meta.get_field("query").max_length],
        filters=params.as_filters(),
        alerts=bool(alerts),
    )


@transaction.atomic
def delete_saved_search(*, saved_search: SavedSearch, by: Member) -> None:
    """Delete one's own saved search."""
    if saved_search.owner_id != by.pk:
        raise NotFound("No such saved search.")
    SavedSearch.objects.filter(pk=saved_search.pk).delete()


@transaction.atomic
def set_alerts(*, saved_search: SavedSearch, by: Member, alerts: bool) -> SavedSearch:
    """Turn one's own saved search's daily digest on or off.

    Turned back on, the next digest lists the matches published while it was off (those of
    the last PITCHLESS_LISTING_DAYS days), each still only once.
    """
    if saved_search.owner_id != by.pk:
        raise NotFound("No such saved search.")
    SavedSearch.objects.filter(pk=saved_search.pk).update(alerts=bool(alerts))
    saved_search.alerts = bool(alerts)
    return saved_search


@transaction.atomic
def unsubscribe(*, token: str) -> SavedSearch | None:
    """Turn off a saved search's digest from the link in the e-mail (no log-in needed).

    Returns ``None`` for an unknown token.
    """
    if not token:
        return None
    saved = SavedSearch.objects.select_for_update().filter(unsubscribe_token=token).first()
    if saved is None:
        return None
    if saved.alerts:
        saved.alerts = False
        saved.save(update_fields=["alerts"])
    return saved


def _digest_listings(saved: SavedSearch, now: datetime) -> list[Listing]:
    """The new matches of one saved search, newest first, at most ``DIGEST_MAX_LISTINGS``."""
    from pitchless.exchange.search import SearchParams, search

    params, _ = SearchParams.from_mapping({**(saved.filters or {}), "q": saved.query})
    # Active listings are at most PITCHLESS_LISTING_DAYS old, renewals aside.
    since = max(saved.created_at, now - timedelta(days=settings.PITCHLESS_LISTING_DAYS))
    params = replace(params, posted_after=since, sort="newest")
    sent = set(SavedSearchHit.objects.filter(saved_search=saved).values_list("listing", flat=True))
    found: list[Listing] = []
    page = 1
    while len(found) < DIGEST_MAX_LISTINGS and page <= 5:  # bounded: at most 5 pages a search
        result = search(params, page=page, per_page=50, now=now)
        for hit in result.hits:
            listing = hit.listing
            if listing.owner_id != saved.owner_id and listing.pk not in sent:
                found.append(listing)
                sent.add(listing.pk)
        if not result.has_next:
            break
        page += 1
    return found[:DIGEST_MAX_LISTINGS]


def _send_digest(saved: SavedSearch, listings: list[Listing]) -> None:
    unsubscribe_url = absolute_url("exchange:unsubscribe", saved.unsubscribe_token)
    body = render_to_string(
        "exchange/email/digest.txt",
        {
            "saved": saved,
            "items": [
                {"listing": listing, "url": absolute_url("exchange:listing", listing.pk)}
                for listing in listings
            ],
            "unsubscribe_url": unsubscribe_url,
            "saved_url": absolute_url("exchange:saved"),
            "site_url": site_url(),
        },
    )
    count = len(listings)
    EmailMessage(
        subject=f"{count} new listing{'s' if count != 1 else ''} for \u201c{saved.name[:60]}\u201d",
        body=body,
        to=[saved.owner.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    ).send()


def send_digests(*, now: datetime | None = None) -> int:
    """E-mail each saved search with alerts on its new matching listings; return mails sent.

    One e-mail per saved search, never the same listing twice (``SavedSearchHit``): running it
    again sends nothing new. Each saved search is its own transaction, under its row lock, and
    the hits are recorded with the send: a failed send records nothing and is tried next run.
    """
    now = now or timezone.now()
    sent = 0
    ids = list(SavedSearch.objects.filter(alerts=True).order_by("id").values_list("id", flat=True))
    for saved_id in ids:
        try:
            with transaction.atomic():
                saved = (
                    SavedSearch.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("owner")
                    .filter(pk=saved_id, alerts=True)
                    .first()
                )
                if saved is None or not saved.owner.is_active:
                    continue
                listings = _digest_listings(saved, now)
                if not listings:
                    continue
                SavedSearchHit.objects.bulk_create(
                    [SavedSearchHit(saved_search=saved, listing=x, sent_at=now) for x in listings]
                )
                saved.last_digest_at = now
                saved.save(update_fields=["last_digest_at"])
                _send_digest(saved, listings)
                sent += 1
        except Exception:  # one broken search or a mail outage must not stop the others
            logger.exception("could not send the digest of saved search %s", saved_id)
    return sent

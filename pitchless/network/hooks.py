"""Where the network meets the Exchange.

The network asks the Exchange three things here, and nothing else:
``answers_exchange_request`` lets a buyer who starts the contact about a listing write to a
member without being connected (and exempts the message from the guard);
``in_exchange_engagement`` keeps that conversation open for the buyer's follow-ups;
``conversation_listings`` is what the conversation page shows in its header;
``exchange_url`` is where senders of a pitch are pointed.

The Exchange is imported inside each function: it imports the network's services itself.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from pitchless.members.models import Member


def answers_exchange_request(*, sender: Member, recipient: Member, request_id: int | None) -> bool:
    """True when ``sender`` starts the contact about Exchange listing ``request_id``.

    Either the listing is ``recipient``'s published offer (``sender`` is an interested buyer),
    or it is ``sender``'s own request and ``recipient`` sent a proposal for it (the requester
    opening a conversation from a proposal). The buyer starts it, so the guard does not file it.
    """
    if not request_id or sender.pk == recipient.pk:
        return False
    from pitchless.exchange.models import Listing, Proposal

    try:
        request_id = int(request_id)
    except (TypeError, ValueError):
        return False
    offer_of_recipient = (
        Listing.objects.active(timezone.now()).offers().filter(pk=request_id, owner=recipient.pk)
    )
    if offer_of_recipient.exists():
        return True
    return (
        Listing.objects.requests()
        .filter(pk=request_id, owner=sender.pk)
        .exclude(status=Listing.Status.HIDDEN)
        .filter(Exists(Proposal.objects.filter(request=OuterRef("pk"), seller=recipient.pk)))
        .exists()
    )


def in_exchange_engagement(*, sender: Member, recipient: Member, conversation_id: int) -> bool:
    """True when ``sender`` is the buyer of an Exchange engagement with ``recipient`` in this
    conversation: their follow-ups are still the buyer's own contact."""
    from pitchless.exchange.models import Engagement

    return Engagement.objects.filter(
        conversation_id=conversation_id, buyer=sender.pk, seller=recipient.pk
    ).exists()


def conversation_listings(conversation_id: int, member: Member) -> list[dict[str, Any]]:
    """The Exchange listings a conversation is about, for its header, newest first.

    One dict per engagement ``member`` is part of: ``title``, ``url``, ``kind`` ("offer" or
    "request"), ``listing_id``, ``engagement_id``, ``role`` ("buyer" or "seller"),
    ``completed_by_me``, ``completed_by_other`` and ``completed`` (both sides).
    """
    from pitchless.exchange import services

    rows = []
    for engagement in services.engagements_in(conversation_id=conversation_id, member=member):
        listing = engagement.listing
        buyer = engagement.buyer_id == member.pk
        mine, theirs = (
            (engagement.buyer_completed_at, engagement.seller_completed_at)
            if buyer
            else (engagement.seller_completed_at, engagement.buyer_completed_at)
        )
        url = reverse("exchange:listing", args=[listing.pk])
        rows.append(
            {
                "title": listing.title,
                "url": url,
                "kind": listing.kind,
                "listing_id": listing.pk,
                "engagement_id": engagement.pk,
                "role": "buyer" if buyer else "seller",
                "completed_by_me": mine is not None,
                "completed_by_other": theirs is not None,
                "completed": engagement.completed,
            }
        )
    return rows


def exchange_url() -> str:
    """The Exchange's front page (a page saying it is on its way until the pages exist)."""
    if settings.PITCHLESS_EXCHANGE_URL:
        return settings.PITCHLESS_EXCHANGE_URL
    try:
        return reverse("exchange:home")
    except NoReverseMatch:
        return reverse("network:exchange_soon")

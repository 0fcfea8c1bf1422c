"""Proposals on requests: ``/api/listings/{id}/proposals``, ``/api/proposals/…`` and
``/api/me/proposals``.

A proposal exists for two members only, its seller and the requester; for everyone else its
id answers 404. The requester decides on it (shortlist, decline, open a conversation).
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from pitchless.api.lookups import sliced
from pitchless.api.schemas import (
    EngagementOut,
    ErrorOut,
    LimitOut,
    PageIn,
    ProposalIn,
    ProposalOut,
    ProposalPageOut,
    TextIn,
    ValidationOut,
    engagement_out,
    proposal_out,
)
from pitchless.api.security import me
from pitchless.exchange import services
from pitchless.exchange.models import Proposal
from pitchless.members.models import Member

router = Router(tags=["proposals"])

_DECIDE = {200: ProposalOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _proposal(member: Member, proposal_id: int) -> Proposal:
    """A proposal ``member`` sent or received; else 404, as if it did not exist."""
    proposal = (
        Proposal.objects.filter(pk=proposal_id)
        .filter(Q(seller=member) | Q(request__owner=member))
        .select_related("request", "seller")
        .first()
    )
    if proposal is None:
        raise Http404("No such proposal.")
    return proposal


@router.post(
    "/listings/{listing_id}/proposals",
    response={
        201: ProposalOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationOut,
        429: LimitOut,
    },
    summary="Send a proposal",
)
def create_proposal(
    request: HttpRequest, listing_id: int, payload: ProposalIn
) -> Status[ProposalOut]:
    """Answer an active request with a proposal (one per seller and request). ``offer`` may
    link one of your own offers. A request takes ``PITCHLESS_REQUEST_MAX_PROPOSALS`` at most."""
    seller = me(request)
    wanted = services.get_listing(listing_id=listing_id, viewer=seller)
    offer = None
    if payload.offer is not None:
        offer = services.get_listing(listing_id=payload.offer, viewer=seller)
    proposal = services.propose(
        request=wanted,
        seller=seller,
        text=payload.text,
        price=payload.price,
        currency=payload.currency,
        offer=offer,
    )
    return Status(201, proposal_out(proposal))


@router.get(
    "/listings/{listing_id}/proposals",
    response={200: ProposalPageOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationOut},
    summary="Proposals on your request",
)
def list_proposals(request: HttpRequest, listing_id: int, params: Query[PageIn]) -> ProposalPageOut:
    """The proposals sellers sent on one of your requests, oldest first. Only the requester
    sees them."""
    member = me(request)
    wanted = services.get_listing(listing_id=listing_id, viewer=member)
    rows = services.proposals_for(request=wanted, by=member).select_related("seller")
    count, items = sliced(rows, limit=params.limit, offset=params.offset)
    return ProposalPageOut(count=count, items=[proposal_out(p) for p in items])


@router.get(
    "/me/proposals",
    response={200: ProposalPageOut, 422: ValidationOut},
    summary="Your proposals",
)
def my_proposals(request: HttpRequest, params: Query[PageIn]) -> ProposalPageOut:
    """The proposals you sent as a seller, newest first, with what the requester decided."""
    rows = (
        Proposal.objects.filter(seller=me(request))
        .select_related("seller")
        .order_by("-created_at", "-id")
    )
    count, items = sliced(rows, limit=params.limit, offset=params.offset)
    return ProposalPageOut(count=count, items=[proposal_out(p) for p in items])


@router.post("/proposals/{proposal_id}/shortlist", response=_DECIDE, summary="Shortlist")
def shortlist(request: HttpRequest, proposal_id: int) -> ProposalOut:
    """Shortlist a proposal on your request."""
    member = me(request)
    proposal = services.shortlist_proposal(proposal=_proposal(member, proposal_id), by=member)
    return proposal_out(proposal)


@router.post("/proposals/{proposal_id}/decline", response=_DECIDE, summary="Decline")
def decline(request: HttpRequest, proposal_id: int) -> ProposalOut:
    """Decline a proposal on your request; the seller is told politely by e-mail."""
    member = me(request)
    proposal = services.decline_proposal(proposal=_proposal(member, proposal_id), by=member)
    return proposal_out(proposal)


@router.post(
    "/proposals/{proposal_id}/conversation",
    response={
        201: EngagementOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationOut,
    },
    summary="Talk to the seller",
)
def open_conversation(
    request: HttpRequest, proposal_id: int, payload: TextIn
) -> Status[EngagementOut]:
    """Write to the seller of a proposal on your request. You start the contact, so the
    message is delivered to their inbox; the answer names the ``conversation``."""
    member = me(request)
    engagement = services.open_conversation(
        proposal=_proposal(member, proposal_id), by=member, text=payload.text
    )
    return Status(201, engagement_out(engagement))

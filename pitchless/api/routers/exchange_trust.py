"""Trust on the Exchange: flags on listings, completing engagements and reviews.
``/api/listings/{id}/flags``, ``/api/engagements/…``, ``/api/reviews/…`` and
``/api/members/{id}/reviews``.

An engagement exists for its buyer and its seller only, and a review can be edited by its
author only: for everyone else their ids answer 404.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from pitchless.api.lookups import member_or_404, sliced
from pitchless.api.schemas import (
    EngagementOut,
    ErrorOut,
    FlagIn,
    FlagOut,
    PageIn,
    ReviewIn,
    ReviewOut,
    ReviewPageOut,
    ValidationOut,
    engagement_out,
    review_out,
)
from pitchless.api.security import me
from pitchless.exchange import services
from pitchless.exchange.models import Engagement, Review
from pitchless.members.models import Member

router = Router(tags=["exchange trust"])


def _engagement(member: Member, engagement_id: int) -> Engagement:
    """An engagement ``member`` is the buyer or the seller of; else 404."""
    engagement = (
        Engagement.objects.filter(pk=engagement_id)
        .filter(Q(buyer=member) | Q(seller=member))
        .select_related("buyer", "seller")
        .first()
    )
    if engagement is None:
        raise Http404("No such engagement.")
    return engagement


@router.post(
    "/listings/{listing_id}/flags",
    response={
        201: FlagOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationOut,
    },
    summary="Flag a listing",
)
def flag_listing(request: HttpRequest, listing_id: int, payload: FlagIn) -> Status[FlagOut]:
    """Flag a listing for the moderators (once per listing). After
    ``PITCHLESS_LISTING_FLAGS_TO_HIDE`` flags it is hidden until a moderator decides."""
    member = me(request)
    listing = services.get_listing(listing_id=listing_id, viewer=member)
    flag = services.flag_listing(listing=listing, by=member, reason=payload.reason)
    return Status(
        201,
        FlagOut(
            id=flag.pk, listing=flag.listing_id, reason=flag.reason, created_at=flag.created_at
        ),
    )


@router.post(
    "/engagements/{engagement_id}/complete",
    response={200: EngagementOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Mark completed",
)
def complete(request: HttpRequest, engagement_id: int) -> EngagementOut:
    """Mark an engagement you are part of as completed, on your side. Once both sides did,
    each may review the other."""
    member = me(request)
    engagement = services.complete_engagement(
        engagement=_engagement(member, engagement_id), by=member
    )
    return engagement_out(engagement)


@router.post(
    "/engagements/{engagement_id}/reviews",
    response={
        201: ReviewOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationOut,
    },
    summary="Review the other side",
)
def write_review(request: HttpRequest, engagement_id: int, payload: ReviewIn) -> Status[ReviewOut]:
    """Review the other member of a completed engagement: 1 to 5 stars and optional words,
    once per engagement."""
    member = me(request)
    review = services.write_review(
        engagement=_engagement(member, engagement_id),
        by=member,
        stars=payload.stars,
        text=payload.text,
    )
    return Status(201, review_out(review))


@router.patch(
    "/reviews/{review_id}",
    response={200: ReviewOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationOut},
    summary="Edit your review",
)
def edit_review(request: HttpRequest, review_id: int, payload: ReviewIn) -> ReviewOut:
    """Change the stars and words of a review you wrote, within
    ``PITCHLESS_REVIEW_EDIT_DAYS`` days of writing it."""
    member = me(request)
    review = Review.objects.filter(pk=review_id, author=member).first()
    if review is None:
        raise Http404("No such review.")
    review = services.edit_review(review=review, by=member, stars=payload.stars, text=payload.text)
    return review_out(review)


@router.get(
    "/members/{member_id}/reviews",
    response={200: ReviewPageOut, 404: ErrorOut, 422: ValidationOut},
    summary="A member's reviews",
)
def member_reviews(request: HttpRequest, member_id: int, params: Query[PageIn]) -> ReviewPageOut:
    """The reviews a member received on the Exchange, newest first, with their average stars
    and how many there are."""
    member = member_or_404(me(request), member_id)
    reviews, average, count = services.reviews_of(member)
    _, items = sliced(
        reviews.select_related("author", "subject"), limit=params.limit, offset=params.offset
    )
    return ReviewPageOut(
        average=average, count=count, items=[review_out(review) for review in items]
    )

"""The Exchange's listings, their search, categories and interest:
``/api/listings/…``, ``/api/me/listings``, ``/api/categories``.

A listing you may not see (someone else's draft, closed or hidden listing) answers 404, like
an id that does not exist; acting on a listing you can see but do not own answers 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from pitchless.api.lookups import sliced
from pitchless.api.schemas import (
    CategoryOut,
    DuplicateOut,
    EngagementOut,
    ErrorOut,
    HitOut,
    LimitOut,
    ListingIn,
    ListingOut,
    ListingPageOut,
    ListingPatchIn,
    ListingStatus,
    PageIn,
    SearchOut,
    TextIn,
    ValidationOut,
    engagement_out,
    listing_out,
)
from pitchless.api.security import me
from pitchless.exchange import search, services
from pitchless.exchange.models import Category, Listing
from pitchless.members.models import Member

router = Router(tags=["listings"])

#: the fields of ``services.ListingInput``, in the order the service declares them
_INPUT_FIELDS = (
    "kind",
    "title",
    "description",
    "category",
    "tags",
    "price_min",
    "price_max",
    "currency",
    "remote",
    "location",
)
#: fields a PATCH may set to ``null`` (clearing them); ``null`` elsewhere means "unchanged"
_NULLABLE = {"price_min", "price_max"}

_ACTION = {200: ListingOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_PUBLISH = {**_ACTION, 409: DuplicateOut, 429: LimitOut}


class SearchIn(Schema):
    """Words and filters for the Exchange search.

    The filters are read leniently: a value that cannot be used (``price_min=abc``, an unknown
    category) is dropped and named in the answer's ``messages``, and the rest still runs.
    """

    q: str = Field("", description="words to look for in titles, descriptions and tags")
    kind: str | None = Field(None, description="`offer` or `request`")
    category: str | None = Field(None, description="a category slug (see `/api/categories`)")
    price_min: str | None = Field(None, description="lowest price, e.g. `100` or `99.50`")
    price_max: str | None = Field(None, description="highest price")
    remote: str | None = Field(None, description="`true`: remote only; `false`: on-site only")
    location: str | None = Field(None, description="part of the location, e.g. `Lisbon`")
    within_days: str | None = Field(None, description="posted within this many days")
    sort: str | None = Field(None, description="`relevance` (the default) or `newest`")
    page: int = Field(1, ge=1, le=search.MAX_PAGE)
    per_page: int = Field(20, ge=1, le=search.MAX_PER_PAGE)


class MyListingsIn(PageIn):
    """Which of your listings to list; every status when ``status`` is left out."""

    status: ListingStatus | None = None


def _listing(request: HttpRequest, listing_id: int) -> tuple[Member, Listing]:
    """The caller and a listing they may see (``NotFound`` otherwise: 404)."""
    member = me(request)
    return member, services.get_listing(listing_id=listing_id, viewer=member)


def _input(values: dict[str, Any]) -> services.ListingInput:
    return services.ListingInput(**{name: values[name] for name in _INPUT_FIELDS})


def _current(listing: Listing) -> dict[str, Any]:
    """The listing's fields as the service takes them."""
    values = {name: getattr(listing, name) for name in _INPUT_FIELDS if name != "category"}
    values["category"] = listing.category.slug
    return values


@router.post(
    "/listings",
    response={201: ListingOut, 400: ErrorOut, 409: DuplicateOut, 422: ValidationOut, 429: LimitOut},
    summary="Create a listing",
)
def create_listing(request: HttpRequest, payload: ListingIn) -> Status[ListingOut]:
    """Create an offer or a request, as a draft or (with ``publish: true``) published at once.

    Publishing refuses a near-duplicate of one of your active listings (409, with
    ``duplicate_of``) and more than ``PITCHLESS_MAX_ACTIVE_LISTINGS`` active listings (429).
    """
    member = me(request)
    listing = services.create_listing(
        owner=member, data=_input(payload.model_dump()), publish=payload.publish
    )
    return Status(201, listing_out(listing, member))


@router.get(
    "/listings", response={200: SearchOut, 422: ValidationOut}, summary="Search the Exchange"
)
def search_listings(request: HttpRequest, params: Query[SearchIn]) -> SearchOut:
    """Active listings matching the words and filters, best match first (newest first when
    there are no words). Each hit carries an HTML ``snippet`` with the matches marked."""
    member = me(request)
    raw = params.model_dump(exclude={"page", "per_page"})
    wanted, messages = search.SearchParams.from_mapping(
        {key: value for key, value in raw.items() if value is not None}
    )
    found = search.search(wanted, page=params.page, per_page=params.per_page)
    # Each hit shows its owner: read them in one query, not one per hit (a no-op when the
    # search already joined them).
    prefetch_related_objects([hit.listing for hit in found.hits], "owner")
    if found.message:
        messages = [*messages, found.message]
    return SearchOut(
        page=found.page,
        per_page=found.per_page,
        has_next=found.has_next,
        messages=messages,
        items=[
            HitOut(listing=listing_out(hit.listing, member), snippet=hit.snippet, rank=hit.rank)
            for hit in found.hits
        ],
    )


@router.get("/categories", response=list[CategoryOut], summary="Exchange categories")
def list_categories(request: HttpRequest) -> list[CategoryOut]:
    """Every category a listing may name, in display order."""
    return [CategoryOut(slug=c.slug, name=c.name, group=c.group) for c in Category.objects.all()]


@router.get(
    "/me/listings", response={200: ListingPageOut, 422: ValidationOut}, summary="Your listings"
)
def my_listings(request: HttpRequest, params: Query[MyListingsIn]) -> ListingPageOut:
    """Your own listings in every status (or one ``status``), newest first."""
    member = me(request)
    rows = Listing.objects.of(member).select_related("owner", "category")
    if params.status:
        rows = rows.filter(status=params.status)
    count, items = sliced(
        rows.order_by("-created_at", "-id"), limit=params.limit, offset=params.offset
    )
    return ListingPageOut(count=count, items=[listing_out(item, member) for item in items])


@router.get(
    "/listings/{listing_id}", response={200: ListingOut, 404: ErrorOut}, summary="A listing"
)
def get_listing(request: HttpRequest, listing_id: int) -> ListingOut:
    """An active listing, or one of your own in any status."""
    member, listing = _listing(request, listing_id)
    return listing_out(listing, member)


@router.patch(
    "/listings/{listing_id}",
    response={**_PUBLISH, 422: ValidationOut},
    summary="Edit your listing",
)
def update_listing(request: HttpRequest, listing_id: int, payload: ListingPatchIn) -> ListingOut:
    """Change some fields of your listing; the fields left out keep their value."""
    member, listing = _listing(request, listing_id)
    values = _current(listing)
    values.update(
        (name, value)
        for name, value in payload.model_dump(exclude_unset=True).items()
        if value is not None or name in _NULLABLE
    )
    listing = services.update_listing(listing=listing, by=member, data=_input(values))
    return listing_out(listing, member)


@router.delete(
    "/listings/{listing_id}",
    response={204: None, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Delete your draft",
)
def delete_listing(request: HttpRequest, listing_id: int) -> Status[None]:
    """Delete one of your drafts. Published listings are closed instead, not deleted."""
    member, listing = _listing(request, listing_id)
    services.delete_draft(listing=listing, by=member)
    return Status(204, None)


@router.post("/listings/{listing_id}/publish", response=_PUBLISH, summary="Publish your listing")
def publish_listing(request: HttpRequest, listing_id: int) -> ListingOut:
    """Publish one of your drafts for ``PITCHLESS_LISTING_DAYS`` days.

    Refused for a near-duplicate of one of your active listings (409, with ``duplicate_of``)
    and beyond ``PITCHLESS_MAX_ACTIVE_LISTINGS`` active listings (429).
    """
    member, listing = _listing(request, listing_id)
    return listing_out(services.publish_listing(listing=listing, by=member), member)


@router.post("/listings/{listing_id}/renew", response=_PUBLISH, summary="Renew your listing")
def renew_listing(request: HttpRequest, listing_id: int) -> ListingOut:
    """Start a fresh publication period for one of your listings, at most once every
    ``PITCHLESS_LISTING_RENEW_AFTER_HOURS`` hours."""
    member, listing = _listing(request, listing_id)
    return listing_out(services.renew_listing(listing=listing, by=member), member)


@router.post("/listings/{listing_id}/close", response=_ACTION, summary="Close your listing")
def close_listing(request: HttpRequest, listing_id: int) -> ListingOut:
    """Take one of your listings off the Exchange; it stays in your own list."""
    member, listing = _listing(request, listing_id)
    return listing_out(services.close_listing(listing=listing, by=member), member)


@router.post(
    "/listings/{listing_id}/interest",
    response={201: EngagementOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationOut},
    summary="I'm interested",
)
def express_interest(
    request: HttpRequest, listing_id: int, payload: TextIn
) -> Status[EngagementOut]:
    """Tell the seller of an offer you are interested. ``text`` goes to them as a message that
    is always delivered to their inbox (you, the buyer, started the contact); the answer names
    the ``conversation`` it is in."""
    member, listing = _listing(request, listing_id)
    engagement = services.express_interest(listing=listing, buyer=member, text=payload.text)
    return Status(201, engagement_out(engagement))

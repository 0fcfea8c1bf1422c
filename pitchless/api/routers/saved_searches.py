"""Saved searches and their daily digests: ``/api/saved-searches/…``.

A saved search is its owner's alone: other members' ids answer 404.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status

from pitchless.api.lookups import sliced
from pitchless.api.schemas import (
    ErrorOut,
    LimitOut,
    PageIn,
    SavedSearchIn,
    SavedSearchOut,
    ValidationOut,
    saved_search_out,
)
from pitchless.api.security import me
from pitchless.exchange import search, services
from pitchless.exchange.models import SavedSearch

router = Router(tags=["saved searches"])


class SavedSearchPageOut(Schema):
    """One page of your saved searches, newest first."""

    count: int
    items: list[SavedSearchOut]


def _as_query(payload: SavedSearchIn) -> dict[str, str]:
    """The payload as the search reads a query string (``search.SearchParams.from_mapping``)."""
    values = payload.model_dump(exclude={"name", "alerts"})
    query: dict[str, str] = {}
    for key, value in values.items():
        if value is None or value == "":
            continue
        query[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return query


@router.get(
    "/saved-searches",
    response={200: SavedSearchPageOut, 422: ValidationOut},
    summary="Your saved searches",
)
def list_saved_searches(request: HttpRequest, params: Query[PageIn]) -> SavedSearchPageOut:
    """Your saved searches, newest first."""
    rows = SavedSearch.objects.filter(owner=me(request))
    count, items = sliced(rows, limit=params.limit, offset=params.offset)
    return SavedSearchPageOut(count=count, items=[saved_search_out(s) for s in items])


@router.post(
    "/saved-searches",
    response={201: SavedSearchOut, 400: ErrorOut, 422: ValidationOut, 429: LimitOut},
    summary="Save a search",
)
def create_saved_search(request: HttpRequest, payload: SavedSearchIn) -> Status[SavedSearchOut]:
    """Save words and filters under a name. With ``alerts`` (the default) a daily e-mail lists
    the new listings that match, each only once. ``messages`` says what the search changed
    (a price range given the wrong way round is swapped). A member keeps a limited number of
    saved searches (429 beyond)."""
    wanted, messages = search.SearchParams.from_mapping(_as_query(payload))
    saved = services.save_search(
        owner=me(request), name=payload.name, params=wanted, alerts=payload.alerts
    )
    return Status(201, saved_search_out(saved, messages))


@router.delete(
    "/saved-searches/{saved_search_id}",
    response={204: None, 404: ErrorOut},
    summary="Delete a saved search",
)
def delete_saved_search(request: HttpRequest, saved_search_id: int) -> Status[None]:
    """Delete one of your saved searches; its digests stop."""
    member = me(request)
    saved = SavedSearch.objects.filter(pk=saved_search_id, owner=member).first()
    if saved is None:
        raise Http404("No such saved search.")
    services.delete_saved_search(saved_search=saved, by=member)
    return Status(204, None)

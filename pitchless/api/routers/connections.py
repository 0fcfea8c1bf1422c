"""Connections: ``/api/connections/…``."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from pitchless.api.lookups import sliced
from pitchless.api.schemas import (
    ConnectionPageOut,
    ErrorOut,
    SearchPageIn,
    ValidationOut,
    connection_out,
)
from pitchless.api.security import me
from pitchless.network import services
from pitchless.network.models import Connection

router = Router(tags=["connections"])


@router.get("", response={200: ConnectionPageOut, 422: ValidationOut}, summary="Your connections")
def list_connections(request: HttpRequest, params: Query[SearchPageIn]) -> ConnectionPageOut:
    """Your connections, by name; ``q`` searches them."""
    qs = Connection.objects.of(me(request)).select_related("other")
    if params.q.strip():
        qs = qs.search(params.q)
    count, items = sliced(qs, limit=params.limit, offset=params.offset)
    return ConnectionPageOut(count=count, items=[connection_out(c) for c in items])


@router.delete("/{member_id}", response={204: None, 404: ErrorOut}, summary="Disconnect")
def disconnect(request: HttpRequest, member_id: int) -> Status[None]:
    """Remove the connection with a member (both sides)."""
    connection = (
        Connection.objects.of(me(request)).filter(other_id=member_id).select_related("other")
    ).first()
    if connection is None:
        raise Http404("No such connection.")
    services.remove_connection(member=me(request), other=connection.other)
    return Status(204, None)

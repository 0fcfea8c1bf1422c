"""Reads the routers share: members one may address, and slices of querysets."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from pitchless.members.models import Member
from pitchless.network.models import Block


def visible_members(viewer: Member) -> QuerySet[Member]:
    """Active members ``viewer`` may see: not those who blocked them."""
    return Member.objects.active().exclude(
        pk__in=Block.objects.filter(blocked=viewer).values("blocker")
    )


def member_or_404(viewer: Member, member_id: int) -> Member:
    """An active member who has not blocked ``viewer``; else 404, as if they did not exist."""
    member = visible_members(viewer).filter(pk=member_id).first()
    if member is None:
        raise Http404("No such member.")
    return member


def sliced(qs: QuerySet, *, limit: int, offset: int) -> tuple[int, list]:
    """The total count and one slice of ``qs``."""
    return qs.count(), list(qs[offset : offset + limit])

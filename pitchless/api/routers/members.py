"""Members: ``/api/members/…``."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from pitchless.api.lookups import member_or_404, sliced, visible_members
from pitchless.api.schemas import (
    ErrorOut,
    MemberOut,
    MemberPageOut,
    MeOut,
    SearchPageIn,
    me_out,
    member_out,
)
from pitchless.api.security import me
from pitchless.network.models import Block

router = Router(tags=["members"])


@router.get("/me", response=MeOut, summary="Your account")
def get_me(request: HttpRequest) -> MeOut:
    """Your profile and preferences."""
    return me_out(me(request))


@router.get("", response=MemberPageOut, summary="Find members")
def list_members(request: HttpRequest, params: Query[SearchPageIn]) -> MemberPageOut:
    """The member directory: every word of ``q`` must match a name, headline, company or
    location. Members you blocked, or who blocked you, are left out."""
    viewer = me(request)
    members = (
        visible_members(viewer)
        .exclude(pk=viewer.pk)
        .exclude(pk__in=Block.objects.filter(blocker=viewer).values("blocked"))
    )
    if params.q.strip():
        members = members.search(params.q)
    count, items = sliced(members, limit=params.limit, offset=params.offset)
    return MemberPageOut(count=count, items=[member_out(m) for m in items])


@router.get("/{member_id}", response={200: MemberOut, 404: ErrorOut}, summary="A member")
def get_member(request: HttpRequest, member_id: int) -> MemberOut:
    """A member's public profile."""
    return member_out(member_or_404(me(request), member_id))

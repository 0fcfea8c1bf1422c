"""Blocks: ``/api/blocks/…``."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Router, Status

from pitchless.api.schemas import BlockIn, BlockOut, ErrorOut, ValidationOut, member_out
from pitchless.api.security import me
from pitchless.members.models import Member
from pitchless.network import services
from pitchless.network.models import Block

router = Router(tags=["blocks"])


@router.post(
    "",
    response={201: BlockOut, 400: ErrorOut, 404: ErrorOut, 422: ValidationOut},
    summary="Block a member",
)
def create(request: HttpRequest, payload: BlockIn) -> Status[BlockOut]:
    """Block a member: the connection ends and neither of you can contact the other."""
    # Blocking is always allowed, even of someone who blocked you first.
    member = Member.objects.active().filter(pk=payload.member).first()
    if member is None:
        raise Http404("No such member.")
    block = services.block_member(blocker=me(request), blocked=member)
    return Status(201, BlockOut(member=member_out(member), created_at=block.created_at))


@router.get("", response=list[BlockOut], summary="Members you blocked")
def list_blocks(request: HttpRequest) -> list[BlockOut]:
    """The members you blocked, latest first."""
    blocks = Block.objects.filter(blocker=me(request)).select_related("blocked")
    return [
        BlockOut(member=member_out(b.blocked), created_at=b.created_at)
        for b in blocks.order_by("-created_at", "-id")
    ]


@router.delete("/{member_id}", response={204: None, 404: ErrorOut}, summary="Unblock")
def unblock(request: HttpRequest, member_id: int) -> Status[None]:
    """Lift a block (the connection is not restored)."""
    member = Member.objects.filter(pk=member_id).first()
    if member is None or not services.unblock_member(blocker=me(request), blocked=member):
        raise Http404("No such block.")
    return Status(204, None)

"""Invitations to connect: ``/api/invitations/…``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from pitchless.api.lookups import member_or_404, sliced
from pitchless.api.schemas import (
    ErrorOut,
    InvitationIn,
    InvitationOut,
    LimitOut,
    PageIn,
    ValidationOut,
    invitation_out,
)
from pitchless.api.security import me
from pitchless.members.models import Member
from pitchless.network import services
from pitchless.network.models import Invitation

router = Router(tags=["invitations"])

_ACTION_RESPONSES = {200: InvitationOut, 400: ErrorOut, 404: ErrorOut}


class InvitationPageOut(Schema):
    """One page of invitations, newest first."""

    count: int
    items: list[InvitationOut]


class InvitationListIn(PageIn):
    """``incoming``: invitations waiting for your answer; ``outgoing``: the ones you sent."""

    direction: Literal["incoming", "outgoing"] = Field("incoming")


@router.post(
    "",
    response={201: InvitationOut, 400: ErrorOut, 404: ErrorOut, 422: ValidationOut, 429: LimitOut},
    summary="Invite a member",
)
def create(request: HttpRequest, payload: InvitationIn) -> Status[InvitationOut]:
    """Invite member ``to`` to connect. Limits answer 429 with the date they lift."""
    sender = me(request)
    recipient = member_or_404(sender, payload.to)
    invitation = services.send_invitation(sender=sender, recipient=recipient, note=payload.note)
    return Status(201, invitation_out(invitation, sender))


@router.get("", response={200: InvitationPageOut, 422: ValidationOut}, summary="List invitations")
def list_invitations(request: HttpRequest, params: Query[InvitationListIn]) -> InvitationPageOut:
    """Invitations waiting for your answer, or the ones you sent."""
    viewer = me(request)
    if params.direction == "incoming":
        qs = Invitation.objects.filter(recipient=viewer).pending().select_related("sender")
    else:
        qs = Invitation.objects.filter(sender=viewer).select_related("recipient")
    count, items = sliced(
        qs.order_by("-created_at", "-id"), limit=params.limit, offset=params.offset
    )
    return InvitationPageOut(count=count, items=[invitation_out(i, viewer) for i in items])


def _mine(viewer: Member, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_related("sender", "recipient")
        .filter(Q(sender=viewer) | Q(recipient=viewer), pk=invitation_id)
        .first()
    )
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


def _act(request: HttpRequest, invitation_id: int, action: Callable[..., object]) -> InvitationOut:
    viewer = me(request)
    invitation = _mine(viewer, invitation_id)
    action(invitation=invitation, by=viewer)
    return invitation_out(_mine(viewer, invitation_id), viewer)


@router.post("/{invitation_id}/accept", response=_ACTION_RESPONSES, summary="Accept")
def accept(request: HttpRequest, invitation_id: int) -> InvitationOut:
    """Accept an invitation you received: you are connected from now on."""
    return _act(request, invitation_id, services.accept_invitation)


@router.post("/{invitation_id}/ignore", response=_ACTION_RESPONSES, summary="Ignore")
def ignore(request: HttpRequest, invitation_id: int) -> InvitationOut:
    """Ignore an invitation you received; the sender is not told."""
    return _act(request, invitation_id, services.ignore_invitation)


@router.post(
    "/{invitation_id}/dont-know", response=_ACTION_RESPONSES, summary="I don't know this person"
)
def dont_know(request: HttpRequest, invitation_id: int) -> InvitationOut:
    """Decline an invitation from a stranger: they can never invite you again."""
    return _act(request, invitation_id, services.dont_know_invitation)


@router.post("/{invitation_id}/report", response=_ACTION_RESPONSES, summary="Report")
def report(request: HttpRequest, invitation_id: int) -> InvitationOut:
    """Report the sender of an invitation you received; it closes and cannot be sent again."""
    return _act(request, invitation_id, services.report_invitation)


@router.post("/{invitation_id}/withdraw", response=_ACTION_RESPONSES, summary="Withdraw")
def withdraw(request: HttpRequest, invitation_id: int) -> InvitationOut:
    """Take back an invitation you sent."""
    out = _act(request, invitation_id, services.withdraw_invitation)
    # An ignored invitation is not changed by withdrawing it, but its sender must not learn
    # that it had been ignored.
    out.status = Invitation.Status.WITHDRAWN
    return out

"""What a moderator sees beside a report or a held message: the member's record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from pitchless.members.models import Member
from pitchless.moderation.models import ModerationAction
from pitchless.network.models import (
    Invitation,
    Message,
    MessageFeedback,
    ModeratorRestriction,
    Report,
)
from pitchless.network.reputation import compute_reputation
from pitchless.network.restrictions import Restriction, restriction_for


@dataclass(frozen=True, slots=True)
class History:
    """A member's record as a sender, for moderators."""

    member: Member
    reputation: float
    invitations_week: int
    invitations_total: int
    accepted: int
    dont_know: int
    ignored: int
    reports_received: int
    reports_open: int
    messages_sent: int
    messages_pitches: int
    messages_held: int
    confirmed_pitches: int
    not_pitch_labels: int
    restriction: Restriction | None
    moderator_restrictions: list[ModeratorRestriction]
    actions: list[ModerationAction]


def history(member: Member, *, now: datetime | None = None, actions: int = 20) -> History:
    """The record of ``member``: reputation, invitations, reports, messages, past actions."""
    now = now or timezone.now()
    week = now - timedelta(days=7)
    inv = Invitation.objects.filter(sender=member).aggregate(
        total=Count("id"),
        week=Count("id", filter=Q(created_at__gt=week)),
        accepted=Count("id", filter=Q(status=Invitation.Status.ACCEPTED)),
        dont_know=Count("id", filter=Q(status=Invitation.Status.DONT_KNOW)),
        ignored=Count("id", filter=Q(status=Invitation.Status.IGNORED)),
    )
    reports = Report.objects.filter(reported=member).aggregate(
        total=Count("id"), open=Count("id", filter=Q(status=Report.Status.OPEN))
    )
    msgs = Message.objects.filter(sender=member).aggregate(
        total=Count("id"),
        pitches=Count("id", filter=Q(guard_pitch=True)),
        held=Count("id", filter=Q(filed_as=Message.Filing.HELD)),
    )
    labels = MessageFeedback.objects.filter(message__sender=member).aggregate(
        pitch=Count("id", filter=Q(label=MessageFeedback.Label.PITCH)),
        not_pitch=Count("id", filter=Q(label=MessageFeedback.Label.NOT_PITCH)),
    )
    return History(
        member=member,
        reputation=compute_reputation(member, now=now).score,
        invitations_week=inv["week"],
        invitations_total=inv["total"],
        accepted=inv["accepted"],
        dont_know=inv["dont_know"],
        ignored=inv["ignored"],
        reports_received=reports["total"],
        reports_open=reports["open"],
        messages_sent=msgs["total"],
        messages_pitches=msgs["pitches"],
        messages_held=msgs["held"],
        confirmed_pitches=labels["pitch"],
        not_pitch_labels=labels["not_pitch"],
        restriction=restriction_for(member, now=now),
        moderator_restrictions=list(ModeratorRestriction.objects.filter(member=member).active(now)),
        actions=list(ModerationAction.objects.about(member).select_related("moderator")[:actions]),
    )

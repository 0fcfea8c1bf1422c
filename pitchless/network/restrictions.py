"""Graduated restrictions from a sender's reputation.

Two steps, each a setting: below ``PITCHLESS_RESTRICT_INVITES_BELOW`` the member's weekly
invitation cap drops to ``PITCHLESS_RESTRICTED_INVITES_PER_WEEK``; below
``PITCHLESS_HOLD_MESSAGES_BELOW`` their new messages to people who never wrote to them are also
held for review. A restriction ends on its own as old complaints decay; its end date is the day
the reputation climbs back over the threshold if nothing new happens, which has a closed form
because every event decays by the same factor ``f = 0.5 ** (t / half_life)``::

    (P + g f) / (P + (g + b) f) >= T   <=>   f <= P (1 - T) / (T (g + b) - g)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from pitchless.members.models import Member
from pitchless.network.models import Invitation, MessageFeedback, Report
from pitchless.network.reputation import PRIOR, Reputation, compute_reputation


@dataclass(frozen=True, slots=True)
class Restriction:
    """What a member may not do for now, why, and until when."""

    level: str  # "invitations" or "messages"
    reputation: float
    invitations_per_week: int
    hold_messages: bool
    reasons: tuple[str, ...]
    ends_at: datetime


def _recovery(rep: Reputation, threshold: float, now: datetime) -> datetime:
    g, b = rep.good, rep.bad
    denominator = threshold * (g + b) - g
    if denominator <= 0:
        return now
    f = PRIOR * (1 - threshold) / denominator
    if f >= 1:
        return now
    days = settings.PITCHLESS_REPUTATION_HALF_LIFE_DAYS * math.log2(1 / f)
    return now + timedelta(days=days)


def _reasons(member: Member, now: datetime) -> tuple[str, ...]:
    since = now - timedelta(days=3 * settings.PITCHLESS_REPUTATION_HALF_LIFE_DAYS)
    counts = (
        (
            Invitation.objects.filter(
                sender=member, status=Invitation.Status.DONT_KNOW, decided_at__gte=since
            ).count(),
            "member said \u201cI don't know this person\u201d",
            "members said \u201cI don't know this person\u201d",
        ),
        (
            Report.objects.filter(reported=member, created_at__gte=since).count(),
            "report",
            "reports",
        ),
        (
            MessageFeedback.objects.filter(
                message__sender=member,
                label=MessageFeedback.Label.PITCH,
                created_at__gte=since,
            ).count(),
            "message marked as a sales pitch by its recipient",
            "messages marked as sales pitches by their recipients",
        ),
    )
    return tuple(f"{n} {one if n == 1 else many}" for n, one, many in counts if n)


def restriction_for(member: Member, *, now: datetime | None = None) -> Restriction | None:
    """The restriction on ``member`` now, or ``None`` when they are in good standing."""
    now = now or timezone.now()
    rep = compute_reputation(member, now=now)
    invite_below = settings.PITCHLESS_RESTRICT_INVITES_BELOW
    if rep.score >= invite_below:
        return None
    hold_below = settings.PITCHLESS_HOLD_MESSAGES_BELOW
    hold = rep.score < hold_below
    return Restriction(
        level="messages" if hold else "invitations",
        reputation=rep.score,
        invitations_per_week=settings.PITCHLESS_RESTRICTED_INVITES_PER_WEEK,
        hold_messages=hold,
        reasons=_reasons(member, now),
        # Every step ends when the reputation is back over the first threshold.
        ends_at=_recovery(rep, invite_below, now),
    )

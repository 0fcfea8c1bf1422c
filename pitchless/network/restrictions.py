"""Graduated restrictions from a sender's reputation.

Two steps, each a setting: below ``PITCHLESS_RESTRICT_INVITES_BELOW`` the member's weekly
invitation cap drops to ``PITCHLESS_RESTRICTED_INVITES_PER_WEEK``; below
``PITCHLESS_HOLD_MESSAGES_BELOW`` their new messages to people who never wrote to them are also
held for review. Moderators can also restrict a member by hand, with a reason and an end date
(:class:`~pitchless.network.models.ModeratorRestriction`); the stricter of the two applies and
both are reported together. A reputation restriction ends on its own as old complaints decay;
its end date is the day the reputation climbs back over the threshold if nothing new happens,
which has a closed form because every event decays by the same factor
``f = 0.5 ** (t / half_life)``::

    (P + g f) / (P + (g + b) f) >= T   <=>   f <= P (1 - T) / (T (g + b) - g)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from pitchless.members.models import Member
from pitchless.network.models import (
    Invitation,
    MessageFeedback,
    ModeratorRestriction,
    Report,
)
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
    #: True when a moderator set it (alone or on top of the reputation's)
    by_moderator: bool = False


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
                sender=member,
                label=MessageFeedback.Label.PITCH,
                created_at__gte=since,
            ).count(),
            "message marked as a sales pitch by its recipient",
            "messages marked as sales pitches by their recipients",
        ),
    )
    return tuple(f"{n} {one if n == 1 else many}" for n, one, many in counts if n)


def _from_reputation(member: Member, now: datetime, rep: Reputation) -> Restriction | None:
    invite_below = settings.PITCHLESS_RESTRICT_INVITES_BELOW
    if rep.score >= invite_below:
        return None
    hold = rep.score < settings.PITCHLESS_HOLD_MESSAGES_BELOW
    return Restriction(
        level="messages" if hold else "invitations",
        reputation=rep.score,
        invitations_per_week=settings.PITCHLESS_RESTRICTED_INVITES_PER_WEEK,
        hold_messages=hold,
        reasons=_reasons(member, now),
        # Every step ends when the reputation is back over the first threshold.
        ends_at=_recovery(rep, invite_below, now),
    )


def restriction_for(
    member: Member,
    *,
    now: datetime | None = None,
    reputation: Reputation | None = None,
    moderated: bool | None = None,
) -> Restriction | None:
    """The restriction on ``member`` now, or ``None`` when they are in good standing.

    Combines the reputation's restriction with any moderator's: the lower invitation cap,
    messages held if either holds them, and the later end date. A caller that already has
    the member's ``reputation`` at ``now``, or knows whether a moderator's restriction is in
    force (``moderated``), passes them to save the queries.
    """
    now = now or timezone.now()
    rep = reputation if reputation is not None else compute_reputation(member, now=now)
    found = _from_reputation(member, now, rep)
    manual = (
        list(ModeratorRestriction.objects.filter(member=member).active(now))
        if moderated is None or moderated
        else []
    )
    if not manual:
        return found
    hold = any(r.level == ModeratorRestriction.Level.MESSAGES for r in manual)
    cap = min(r.invitations_per_week for r in manual)
    ends = max(r.ends_at for r in manual)
    reasons = tuple(f"a moderator restricted your account: {r.reason}" for r in manual)
    reputation = rep.score
    if found is not None:
        hold = hold or found.hold_messages
        cap = min(cap, found.invitations_per_week)
        ends = max(ends, found.ends_at)
        reasons = reasons + found.reasons
    return Restriction(
        level="messages" if hold else "invitations",
        reputation=reputation,
        invitations_per_week=cap,
        hold_messages=hold,
        reasons=reasons,
        ends_at=ends,
        by_moderator=True,
    )

"""The invitation limits, each with the date it lifts.

Every check returns ``None`` when the invitation may go, or a :class:`LimitReached` saying
which limit stops it, in words for the sender, and when it lifts (``None``: never by itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from pitchless.members.models import Member
from pitchless.network.models import Invitation
from pitchless.network.restrictions import restriction_for

WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class LimitReached:
    """A limit that stops an invitation."""

    code: str
    message: str
    lifts_at: datetime | None


def _rolling_cap(sender: Member, cap: int, now: datetime) -> datetime | None:
    """When the sender may invite again under ``cap`` per rolling 7 days, or ``None`` now."""
    times = list(
        Invitation.objects.filter(sender=sender, created_at__gt=now - WEEK)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(times) < cap:
        return None
    # Once the oldest (len - cap + 1) invitations leave the window, one more fits.
    return times[len(times) - cap] + WEEK


def weekly_limit(sender: Member, now: datetime) -> LimitReached | None:
    """At most ``PITCHLESS_INVITES_PER_WEEK`` invitations in any rolling 7 days."""
    cap = settings.PITCHLESS_INVITES_PER_WEEK
    lifts = _rolling_cap(sender, cap, now)
    if lifts is None:
        return None
    return LimitReached(
        "weekly", f"You have sent {cap} invitations in the last 7 days, the most allowed.", lifts
    )


def new_account_limit(sender: Member, now: datetime) -> LimitReached | None:
    """A lower weekly cap while the account is younger than ``PITCHLESS_NEW_ACCOUNT_DAYS``."""
    days = settings.PITCHLESS_NEW_ACCOUNT_DAYS
    grown_up = sender.date_joined + timedelta(days=days)
    if now >= grown_up:
        return None
    cap = settings.PITCHLESS_NEW_ACCOUNT_INVITES_PER_WEEK
    lifts = _rolling_cap(sender, cap, now)
    if lifts is None:
        return None
    return LimitReached(
        "new_account",
        f"Accounts younger than {days} days may send {cap} invitations a week.",
        min(lifts, grown_up),
    )


def reputation_limit(sender: Member, now: datetime) -> LimitReached | None:
    """The lower weekly cap of a member restricted for their reputation."""
    restriction = restriction_for(sender, now=now)
    if restriction is None:
        return None
    cap = restriction.invitations_per_week
    lifts = _rolling_cap(sender, cap, now)
    if lifts is None:
        return None
    why = "; ".join(restriction.reasons) or "complaints from members"
    return LimitReached(
        "restricted",
        f"Your invitations are limited to {cap} a week for now because of recent "
        f"complaints ({why}).",
        min(lifts, restriction.ends_at),
    )


def pending_limit(sender: Member, now: datetime) -> LimitReached | None:
    """At most ``PITCHLESS_MAX_PENDING_INVITES`` invitations waiting for an answer."""
    cap = settings.PITCHLESS_MAX_PENDING_INVITES
    pending = Invitation.objects.filter(sender=sender).pending(now)
    if pending.count() < cap:
        return None
    oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
    expiry = timedelta(days=settings.PITCHLESS_INVITATION_EXPIRY_DAYS)
    return LimitReached(
        "pending",
        f"You have {cap} invitations waiting for an answer, the most allowed. "
        "Withdraw some, or wait for answers.",
        None if oldest is None else oldest + expiry,
    )


def reinvite_cooldown(sender: Member, recipient: Member, now: datetime) -> LimitReached | None:
    """No new invitation to the same person soon after a withdrawal or an ignore."""
    days = settings.PITCHLESS_REINVITE_COOLDOWN_DAYS
    last = (
        Invitation.objects.filter(
            sender=sender,
            recipient=recipient,
            status__in=[Invitation.Status.WITHDRAWN, Invitation.Status.IGNORED],
            decided_at__gt=now - timedelta(days=days),
        )
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    if last is None:
        return None
    return LimitReached(
        "cooldown",
        f"You invited this member less than {days} days ago.",
        last + timedelta(days=days),
    )


def first_limit_reached(sender: Member, recipient: Member, now: datetime) -> LimitReached | None:
    """The first limit that stops ``sender`` inviting ``recipient`` now, if any."""
    for check in (
        lambda: reinvite_cooldown(sender, recipient, now),
        lambda: pending_limit(sender, now),
        lambda: reputation_limit(sender, now),
        lambda: new_account_limit(sender, now),
        lambda: weekly_limit(sender, now),
    ):
        hit = check()
        if hit is not None:
            return hit
    return None


def limits_status(sender: Member, now: datetime) -> list[LimitReached]:
    """Every sender-wide limit currently reached (for the "Sent invitations" page)."""
    found = [
        pending_limit(sender, now),
        reputation_limit(sender, now),
        new_account_limit(sender, now),
        weekly_limit(sender, now),
    ]
    return [hit for hit in found if hit is not None]

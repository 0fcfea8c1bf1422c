"""A sender's reputation, computed from stored events with exponential decay.

Events against a sender: an invitation marked "I don't know this person", a report, a
message the recipient confirmed as a pitch, an ignored invitation. Events for a sender: an
accepted invitation, a message the recipient said was not a pitch. Each event weighs
``weight * 0.5 ** (age / half_life)``; the reputation is::

    (PRIOR + good) / (PRIOR + good + bad)

so a new member starts at 1.0 (good standing), one complaint alone does not sink anyone, and
old complaints fade. ``PRIOR`` is worth three good events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from pitchless.members.models import Member
from pitchless.network.models import Invitation, MessageFeedback, Report

PRIOR = 3.0
#: weight of each kind of event
WEIGHTS: dict[str, float] = {
    "dont_know": 1.0,
    "report": 2.0,
    "confirmed_pitch": 1.0,
    "ignored": 0.25,
    "accepted": 1.0,
    "not_pitch": 0.5,
}
_BAD = ("dont_know", "report", "confirmed_pitch", "ignored")
#: events older than this many half-lives weigh under 0.1% and are not read
_HORIZON_HALF_LIVES = 10


@dataclass(frozen=True, slots=True)
class Reputation:
    """A sender's reputation and the decayed weight behind it."""

    score: float
    good: float
    bad: float


def _decayed(times: Iterable[datetime], now: datetime, half_life_days: float) -> float:
    total = 0.0
    for at in times:
        age_days = max(0.0, (now - at).total_seconds() / 86400.0)
        total += 0.5 ** (age_days / half_life_days)
    return total


def compute_reputation(member: Member, *, now: datetime | None = None) -> Reputation:
    """The reputation of ``member`` as a sender, from the events stored so far."""
    now = now or timezone.now()
    half_life = float(settings.PITCHLESS_REPUTATION_HALF_LIFE_DAYS)
    since = now - timedelta(days=half_life * _HORIZON_HALF_LIVES)
    # Three queries: invitation answers, reports, and recipients' labels.
    times: dict[str, list[datetime]] = {kind: [] for kind in WEIGHTS}
    answers = {
        Invitation.Status.DONT_KNOW: "dont_know",
        Invitation.Status.IGNORED: "ignored",
        Invitation.Status.ACCEPTED: "accepted",
    }
    for status, at in Invitation.objects.filter(
        sender=member, decided_at__gte=since, status__in=list(answers)
    ).values_list("status", "decided_at"):
        times[answers[status]].append(at)
    times["report"] = list(
        Report.objects.filter(reported=member, created_at__gte=since).values_list(
            "created_at", flat=True
        )
    )
    labels = {
        MessageFeedback.Label.PITCH: "confirmed_pitch",
        MessageFeedback.Label.NOT_PITCH: "not_pitch",
    }
    for label, at in MessageFeedback.objects.filter(
        message__sender=member, created_at__gte=since
    ).values_list("label", "created_at"):
        times[labels[label]].append(at)
    good = bad = 0.0
    for kind, ts in times.items():
        weight = WEIGHTS[kind] * _decayed(ts, now, half_life)
        if kind in _BAD:
            bad += weight
        else:
            good += weight
    return Reputation(score=(PRIOR + good) / (PRIOR + good + bad), good=good, bad=bad)

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from pitchless.members.models import Member
from pitchless.network import _sql
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


@dataclass(frozen=True, slots=True)
class SenderHistory:
    """The stored events about one sender that the guard and the reputation read.

    Read in one query by :func:`sender_history`; every event from the reputation's horizon
    (ten half-lives) onwards, plus every invitation sent in the last seven days.
    """

    #: when the history was read; the horizon and the seven days count back from it
    now: datetime
    #: ``(kind, at)`` for every event of :data:`WEIGHTS` since the horizon
    events: tuple[tuple[str, datetime], ...]
    #: ``(status, created_at)`` of every invitation sent in the last seven days
    recent_invitations: tuple[tuple[str, datetime], ...]

    def count(self, kind: str, since: datetime) -> int:
        """How many events of ``kind`` happened at or after ``since``."""
        return sum(1 for k, at in self.events if k == kind and at >= since)


_ANSWERS = {
    Invitation.Status.DONT_KNOW: "dont_know",
    Invitation.Status.IGNORED: "ignored",
    Invitation.Status.ACCEPTED: "accepted",
}
_LABELS = {
    MessageFeedback.Label.PITCH: "confirmed_pitch",
    MessageFeedback.Label.NOT_PITCH: "not_pitch",
}
_REPORT = "report"


def sender_history(member: Member, *, now: datetime | None = None) -> SenderHistory:
    """Every event :func:`compute_reputation` and the guard's sender facts need, in one query.

    A ``UNION ALL`` of three indexed reads: invitation answers and this week's invitations
    (by ``sender``), reports (by ``reported``), and recipients' labels (by the copy of the
    message's ``sender``). Written as SQL: it runs on every send.
    """
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(history_sql(), history_params(member.pk, now=now))
        rows = cursor.fetchall()
    return history_from_rows(rows, now=now)


def history_params(member_id: int, *, now: datetime) -> list[Any]:
    """The parameters of :func:`history_sql` for ``member_id`` at ``now``."""
    since, week_ago = _window(now)
    return [
        member_id,
        _sql.when(since),
        *_ANSWERS,
        _sql.when(week_ago),
        member_id,
        _sql.when(since),
        member_id,
        _sql.when(since),
    ]


def _window(now: datetime) -> tuple[datetime, datetime]:
    half_life = float(settings.PITCHLESS_REPUTATION_HALF_LIFE_DAYS)
    return now - timedelta(days=half_life * _HORIZON_HALF_LIVES), now - timedelta(days=7)


def history_from_rows(rows: Iterable[Sequence[Any]], *, now: datetime) -> SenderHistory:
    """The :class:`SenderHistory` at ``now`` from the rows of :func:`history_sql`."""
    since, week_ago = _window(now)
    events: list[tuple[str, datetime]] = []
    recent: list[tuple[str, datetime]] = []
    aware = _sql.aware
    for kind, at_raw, first_raw in rows:
        at = aware(at_raw)
        if kind == _REPORT:
            events.append((_REPORT, at))  # type: ignore[arg-type]
        elif kind in _LABELS:
            events.append((_LABELS[kind], at))  # type: ignore[arg-type]
        else:  # an invitation: ``at`` is when it was answered, ``first`` when it was sent
            if kind in _ANSWERS and at is not None and at >= since:
                events.append((_ANSWERS[kind], at))
            first = aware(first_raw)
            if first is not None and first >= week_ago:
                recent.append((kind, first))
    return SenderHistory(now=now, events=tuple(events), recent_invitations=tuple(recent))


@cache
def history_sql() -> str:
    """The SQL of :func:`sender_history`'s read, rows of ``(kind, at, first)``: for a caller
    that reads the history inside a statement of its own (a send's first read) and turns the
    rows into a history with :func:`history_from_rows`."""
    invitation, report, feedback = (_sql.table(m) for m in (Invitation, Report, MessageFeedback))
    marks = ", ".join(["%s"] * len(_ANSWERS))
    return (
        f"SELECT status, decided_at, created_at FROM {invitation} WHERE sender_id = %s AND "
        f"((decided_at >= %s AND status IN ({marks})) OR created_at >= %s) "
        f"UNION ALL SELECT '{_REPORT}', created_at, created_at FROM {report} "
        "WHERE reported_id = %s AND created_at >= %s "
        f"UNION ALL SELECT label, created_at, created_at FROM {feedback} "
        "WHERE sender_id = %s AND created_at >= %s"
    )


def compute_reputation(
    member: Member, *, now: datetime | None = None, history: SenderHistory | None = None
) -> Reputation:
    """The reputation of ``member`` as a sender, from the events stored so far.

    ``history`` (read at the same ``now``) saves the query when the caller already has it.
    """
    now = now or timezone.now()
    half_life = float(settings.PITCHLESS_REPUTATION_HALF_LIFE_DAYS)
    if history is None or history.now != now:
        history = sender_history(member, now=now)
    times: dict[str, list[datetime]] = {kind: [] for kind in WEIGHTS}
    for kind, at in history.events:
        times[kind].append(at)
    good = bad = 0.0
    for kind, ts in times.items():
        weight = WEIGHTS[kind] * _decayed(ts, now, half_life)
        if kind in _BAD:
            bad += weight
        else:
            good += weight
    return Reputation(score=(PRIOR + good) / (PRIOR + good + bad), good=good, bad=bad)

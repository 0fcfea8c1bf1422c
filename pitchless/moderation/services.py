"""Every moderator action: one typed, keyword-only function each, in a transaction, logged.

Each function checks that ``moderator`` may moderate, makes the change and writes one
:class:`~pitchless.moderation.models.ModerationAction` in the same transaction, so an action
that is not logged did not happen. Refusals raise :class:`ModerationError` with a sentence
for the moderator.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pitchless.members.models import Member
from pitchless.moderation.access import is_moderator
from pitchless.moderation.models import ModerationAction
from pitchless.network import services as network
from pitchless.network.models import Folder, Message, ModeratorRestriction, Report

MAX_REASON_CHARS = 500


class ModerationError(Exception):
    """A refused moderator action; the message is written for the moderator."""


class NotAModerator(ModerationError):
    """The acting member may not moderate."""


Kind = ModerationAction.Kind


def _check(moderator: Member, reason: str, *, required: bool = True) -> str:
    if not is_moderator(moderator):
        raise NotAModerator("Only moderators can do that.")
    reason = reason.strip()
    if required and not reason:
        raise ModerationError("Give a reason: the member is shown it.")
    if len(reason) > MAX_REASON_CHARS:
        raise ModerationError(f"A reason can be at most {MAX_REASON_CHARS} characters.")
    return reason


def _check_target(moderator: Member, member: Member) -> None:
    if moderator.pk == member.pk:
        raise ModerationError("You cannot moderate your own account.")


def _check_end(ends_at: datetime, now: datetime) -> None:
    if ends_at <= now:
        raise ModerationError("The end date must be in the future.")


def _close_report(report: Report | None, member: Member, now: datetime) -> None:
    """Close the report the action answers (it must be open and about ``member``)."""
    if report is None:
        return
    if report.reported_id != member.pk:
        raise ModerationError("That report is about another member.")
    closed = Report.objects.filter(pk=report.pk, status=Report.Status.OPEN).update(
        status=Report.Status.ACTIONED, closed_at=now
    )
    if not closed:
        raise ModerationError("That report was already closed.")
    report.status = Report.Status.ACTIONED
    report.closed_at = now


def _log(
    moderator: Member,
    kind: str,
    member: Member,
    reason: str,
    now: datetime,
    *,
    report: Report | None = None,
    message: Message | None = None,
    ends_at: datetime | None = None,
    details: dict[str, object] | None = None,
) -> ModerationAction:
    return ModerationAction.objects.create(
        moderator=moderator,
        kind=kind,
        member=member,
        report=report,
        message=message,
        reason=reason,
        ends_at=ends_at,
        details=details or {},
        created_at=now,
    )


@transaction.atomic
def warn_member(
    *, moderator: Member, member: Member, reason: str, report: Report | None = None
) -> ModerationAction:
    """Warn ``member``: no restriction, but they see the warning and its reason."""
    reason = _check(moderator, reason)
    _check_target(moderator, member)
    now = timezone.now()
    _close_report(report, member, now)
    return _log(moderator, Kind.WARN, member, reason, now, report=report)


@transaction.atomic
def restrict_member(
    *,
    moderator: Member,
    member: Member,
    level: str,
    ends_at: datetime,
    reason: str,
    invitations_per_week: int | None = None,
    report: Report | None = None,
) -> ModerationAction:
    """Restrict ``member`` until ``ends_at``: a lower weekly invitation cap
    (``level="invitations"``) or, in addition, new messages held for review
    (``level="messages"``).
    """
    reason = _check(moderator, reason)
    _check_target(moderator, member)
    if level not in ModeratorRestriction.Level.values:
        raise ModerationError("Choose how far the restriction goes.")
    now = timezone.now()
    _check_end(ends_at, now)
    cap = (
        settings.PITCHLESS_RESTRICTED_INVITES_PER_WEEK
        if invitations_per_week is None
        else invitations_per_week
    )
    if cap < 0:
        raise ModerationError("The invitation cap cannot be negative.")
    _close_report(report, member, now)
    ModeratorRestriction.objects.create(
        member=member,
        level=level,
        invitations_per_week=cap,
        reason=reason,
        starts_at=now,
        ends_at=ends_at,
        created_by=moderator,
    )
    return _log(
        moderator,
        Kind.RESTRICT,
        member,
        reason,
        now,
        report=report,
        ends_at=ends_at,
        details={"level": level, "invitations_per_week": cap},
    )


@transaction.atomic
def suspend_member(
    *,
    moderator: Member,
    member: Member,
    until: datetime,
    reason: str,
    report: Report | None = None,
) -> ModerationAction:
    """Suspend ``member`` until ``until``: they cannot log in (open sessions end and API
    tokens stop working) or send anything."""
    reason = _check(moderator, reason)
    _check_target(moderator, member)
    now = timezone.now()
    _check_end(until, now)
    _close_report(report, member, now)
    Member.objects.filter(pk=member.pk).update(suspended_until=until, suspension_reason=reason)
    member.suspended_until, member.suspension_reason = until, reason
    return _log(moderator, Kind.SUSPEND, member, reason, now, report=report, ends_at=until)


@transaction.atomic
def lift(*, moderator: Member, member: Member, reason: str) -> ModerationAction:
    """End ``member``'s suspension and every moderator's restriction on them now.

    Restrictions that follow from reputation are not lifted: they end as complaints age.
    """
    reason = _check(moderator, reason)
    now = timezone.now()
    lifted = ModeratorRestriction.objects.filter(member=member).active(now).update(lifted_at=now)
    unsuspended = Member.objects.filter(pk=member.pk, suspended_until__gt=now).update(
        suspended_until=None, suspension_reason=""
    )
    if not lifted and not unsuspended:
        raise ModerationError("There is no suspension or moderator's restriction to lift.")
    member.suspended_until, member.suspension_reason = None, ""
    return _log(
        moderator,
        Kind.LIFT,
        member,
        reason,
        now,
        details={"restrictions": lifted, "suspension": bool(unsuspended)},
    )


@transaction.atomic
def release_message(
    *, moderator: Member, message: Message, folder: str = Folder.PITCHES, reason: str = ""
) -> ModerationAction:
    """Deliver a held message to its recipient's Pitches (the default) or Inbox."""
    reason = _check(moderator, reason, required=False)
    now = timezone.now()
    network.release_message(message=message, folder=folder)
    return _log(
        moderator,
        Kind.RELEASE,
        message.sender,
        reason,
        now,
        message=message,
        details={"folder": folder},
    )


@transaction.atomic
def remove_message(*, moderator: Member, message: Message, reason: str) -> ModerationAction:
    """Remove a held message: it is never delivered."""
    reason = _check(moderator, reason)
    now = timezone.now()
    network.remove_message(message=message)
    return _log(moderator, Kind.REMOVE, message.sender, reason, now, message=message)


@transaction.atomic
def dismiss_report(*, moderator: Member, report: Report, reason: str) -> ModerationAction:
    """Close a report with no action against the reported member."""
    reason = _check(moderator, reason)
    now = timezone.now()
    closed = Report.objects.filter(pk=report.pk, status=Report.Status.OPEN).update(
        status=Report.Status.DISMISSED, closed_at=now
    )
    if not closed:
        raise ModerationError("That report was already closed.")
    report.status, report.closed_at = Report.Status.DISMISSED, now
    return _log(moderator, Kind.DISMISS, report.reported, reason, now, report=report)

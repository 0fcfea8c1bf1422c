"""The moderators' log: every action, who took it, on whom, why and when."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

MEMBER = settings.AUTH_USER_MODEL


class ModerationActionQuerySet(models.QuerySet["ModerationAction"]):
    """Reusable reads over the moderators' log."""

    def about(self, member: object) -> ModerationActionQuerySet:
        """Actions taken on ``member``, newest first."""
        return self.filter(member=member).order_by("-created_at", "-id")

    def shown_to_member(self) -> ModerationActionQuerySet:
        """The kinds the affected member is told about (not decisions on reports about them)."""
        kinds = ModerationAction.Kind
        return self.filter(kind__in=[kinds.WARN, kinds.RESTRICT, kinds.SUSPEND, kinds.LIFT])


class ModerationAction(models.Model):
    """One moderator's action, written in the same transaction as the action itself."""

    class Kind(models.TextChoices):
        """What the moderator did."""

        WARN = "warn", "Warned"
        RESTRICT = "restrict", "Restricted"
        SUSPEND = "suspend", "Suspended"
        LIFT = "lift", "Lifted restrictions"
        RELEASE = "release", "Released a held message"
        REMOVE = "remove", "Removed a held message"
        DISMISS = "dismiss", "Dismissed a report"

    moderator = models.ForeignKey(
        MEMBER, null=True, on_delete=models.SET_NULL, related_name="moderation_actions_taken"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    #: the member the action is about (for a message: its sender; for a report: the reported)
    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="moderation_log")
    report = models.ForeignKey(
        "network.Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        "network.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    #: end of a restriction or suspension
    ends_at = models.DateTimeField(null=True, blank=True)
    #: the rest of the decision (restriction level and cap, release folder)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ModerationActionQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        permissions: ClassVar[list[tuple[str, str]]] = [
            ("moderate", "Can review reports and held messages and act on members"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.member_id} by {self.moderator_id}"

"""The network's tables: invitations, connections, blocks, reports, conversations, messages,
the guard's feedback labels and the shared near-duplicate index.

Reads that several places need are QuerySet methods; every write goes through ``services``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

MEMBER = settings.AUTH_USER_MODEL


class InvitationQuerySet(models.QuerySet["Invitation"]):
    """Reusable reads over invitations."""

    def pending(self, now: datetime | None = None) -> InvitationQuerySet:
        """Invitations still waiting for an answer (expired ones excluded even before the
        nightly expiry has marked them)."""
        now = now or timezone.now()
        cutoff = now - timedelta(days=settings.PITCHLESS_INVITATION_EXPIRY_DAYS)
        return self.filter(status=Invitation.Status.PENDING, created_at__gt=cutoff)

    def between(self, a: object, b: object) -> InvitationQuerySet:
        """Invitations in either direction between two members."""
        return self.filter(Q(sender=a, recipient=b) | Q(sender=b, recipient=a))


class Invitation(models.Model):
    """A request to connect, with an optional note. ``services.transition`` owns ``status``."""

    class Status(models.TextChoices):
        """Where an invitation stands; only ``PENDING`` can change."""

        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        IGNORED = "ignored", "Ignored"
        DONT_KNOW = "dont_know", "I don't know this person"
        REPORTED = "reported", "Reported"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"
        #: closed because one of the two blocked the other
        CANCELLED = "cancelled", "Cancelled"

    sender = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="invitations_sent")
    recipient = models.ForeignKey(
        MEMBER, on_delete=models.CASCADE, related_name="invitations_received"
    )
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    #: "Ask why": the recipient's question about the note, and the inviter's answer
    question = models.CharField(max_length=300, blank=True)
    asked_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=300, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    #: the guard's reading of the note: shown to the recipient when it reads like a pitch
    note_is_pitch = models.BooleanField(default=False)
    note_reasons = models.JSONField(default=list, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["sender", "recipient"],
                condition=Q(status="pending"),
                name="one_pending_invitation_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(sender=models.F("recipient")), name="invitation_not_to_self"
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["sender", "created_at"]),
            models.Index(fields=["recipient", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.sender_id} -> {self.recipient_id} ({self.status})"


class ConnectionQuerySet(models.QuerySet["Connection"]):
    """Reusable reads over connections."""

    def of(self, member: object) -> ConnectionQuerySet:
        """The connections of ``member`` (one row per other member)."""
        return self.filter(member=member)

    def search(self, query: str) -> ConnectionQuerySet:
        """Connections whose other member matches every word of ``query``."""
        qs = self
        for word in query.split()[:8]:
            qs = qs.filter(
                Q(other__name__icontains=word)
                | Q(other__headline__icontains=word)
                | Q(other__company__icontains=word)
                | Q(other__location__icontains=word)
            )
        return qs


class Connection(models.Model):
    """Half of a connection: two rows per pair (a->b and b->a), created and removed together.

    Two rows keep "my connections" a plain filter and join, at the cost of writing twice.
    """

    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="connections")
    other = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ConnectionQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["other__name", "other_id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["member", "other"], name="one_connection_per_pair"),
            models.CheckConstraint(
                condition=~Q(member=models.F("other")), name="connection_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} <-> {self.other_id}"


class BlockQuerySet(models.QuerySet["Block"]):
    """Reusable reads over blocks."""

    def between(self, a: object, b: object) -> BlockQuerySet:
        """Blocks in either direction between two members."""
        return self.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a))


class Block(models.Model):
    """``blocker`` ended all contact with ``blocked``, both ways."""

    blocker = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="blocks")
    blocked = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = BlockQuerySet.as_manager()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="one_block_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocked {self.blocked_id}"


class ReportQuerySet(models.QuerySet["Report"]):
    """Reusable reads over reports."""

    def open(self) -> ReportQuerySet:
        """Reports no moderator has closed yet."""
        return self.filter(status=Report.Status.OPEN)


class Report(models.Model):
    """A member reported another, about an invitation, a message or in general."""

    class Status(models.TextChoices):
        """Whether a moderator has dealt with the report."""

        OPEN = "open", "Open"
        #: a moderator acted on it (warned, restricted, suspended, removed the message)
        ACTIONED = "actioned", "Actioned"
        DISMISSED = "dismissed", "Dismissed"

    reporter = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="reports_made")
    reported = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="reports_received")
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    message = models.ForeignKey(
        "Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"report by {self.reporter_id} about {self.reported_id}"


class Folder(models.TextChoices):
    """Where a conversation sits for one of its two members."""

    INBOX = "inbox", "Inbox"
    PITCHES = "pitches", "Pitches"
    ARCHIVE = "archive", "Archive"


class Conversation(models.Model):
    """A conversation between two members; each sees it through a :class:`Participant` row."""

    started_by = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"conversation {self.pk}"


class ParticipantQuerySet(models.QuerySet["Participant"]):
    """Reusable reads over one member's view of conversations."""

    def of(self, member: object) -> ParticipantQuerySet:
        """``member``'s side of every conversation they are in."""
        return self.filter(member=member)

    def in_folder(self, folder: str) -> ParticipantQuerySet:
        """Conversations in one folder, latest first, with the other member loaded."""
        return (
            self.filter(folder=folder)
            .select_related("conversation", "other")
            .order_by("-last_message_at", "-id")
        )

    def folder_with_last_message(self, member: object, folder: str) -> ParticipantQuerySet:
        """``member``'s conversations in ``folder``, latest first, each with its last message
        ``member`` may see (``Participant.last_message``) joined in.

        Pair with :meth:`last_messages` on a page of the result.
        """
        return self.of(member).in_folder(folder).select_related("last_message")

    @staticmethod
    def last_messages(rows: Iterable[Participant]) -> dict[int, Message | None]:
        """The last message of each row of :meth:`folder_with_last_message`, by conversation.

        ``Participant.last_message`` is kept by the services that write messages; a row
        without one, or whose message its member may no longer see (messages stored or
        changed some other way), is looked up again, in one query for all such rows.
        """
        rows = list(rows)
        found: dict[int, Message | None] = {}
        missing = []
        for r in rows:
            last = r.last_message
            if last is None or (
                last.sender_id != r.member_id and last.filed_as in Message.WITHHELD
            ):
                found[r.conversation_id] = None
                missing.append(r)
            else:
                found[r.conversation_id] = last
        if missing:
            by_member: dict[int, list[int]] = {}
            for r in missing:
                by_member.setdefault(r.member_id, []).append(r.conversation_id)
            for member_id, conversations in by_member.items():
                for message in (
                    Message.objects.visible_to(member_id)
                    .filter(conversation_id__in=conversations)
                    .order_by("conversation_id", "-created_at", "-id")
                ):
                    if found.get(message.conversation_id) is None:
                        found[message.conversation_id] = message
        return found


class Participant(models.Model):
    """One member's side of a conversation: its folder and unread count."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    folder = models.CharField(max_length=8, choices=Folder.choices, default=Folder.INBOX)
    unread = models.PositiveIntegerField(default=0)
    #: the conversation's last message this member may see (theirs, or the other's unless
    #: held or removed), kept by the services so that listing a folder needs no subquery
    last_message = models.ForeignKey(
        "Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: the conversation's ``last_message_at``, copied here so that a folder is read in order
    #: from one index
    last_message_at = models.DateTimeField(default=timezone.now)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["conversation", "member"], name="one_participant_per_member"
            ),
            # A pair shares one conversation; a second "new message" joins the first one.
            models.UniqueConstraint(fields=["member", "other"], name="one_conversation_per_pair"),
        ]
        indexes: ClassVar[list[models.Index]] = [
            # A folder, latest first: the listing reads a page of it in index order.
            models.Index(
                fields=["member", "folder", "-last_message_at", "-id"],
                name="participant_folder_latest",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.conversation_id} ({self.folder})"


class MessageQuerySet(models.QuerySet["Message"]):
    """Reusable reads over messages."""

    def visible_to(self, member: object) -> MessageQuerySet:
        """Messages ``member`` may see: their own, and others' that were not held back or
        removed by a moderator."""
        return self.filter(Q(sender=member) | ~Q(filed_as__in=Message.WITHHELD))

    def held(self) -> MessageQuerySet:
        """Messages waiting for a moderator, oldest first."""
        return self.filter(filed_as=Message.Filing.HELD).order_by("created_at", "id")


class Message(models.Model):
    """One message, with the guard's verdict as the recipient sees it (never the sender)."""

    class Filing(models.TextChoices):
        """Where the guard (or the recipient's feedback) put the message."""

        INBOX = "inbox", "Inbox"
        PITCHES = "pitches", "Pitches"
        #: bulk abuse, kept from the recipient until a moderator looks at it
        HELD = "held", "Held for review"
        #: a moderator removed it; its recipient never sees it
        REMOVED = "removed", "Removed by a moderator"

    class Check(models.TextChoices):
        """Whether the guard read the message."""

        CHECKED = "checked", "Checked"
        #: the recipient started the conversation, or the sender answers their request
        EXEMPT = "exempt", "Exempt"
        #: the guard failed or took too long; delivered to the inbox anyway
        UNCHECKED = "unchecked", "Unchecked"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="messages_sent")
    recipient = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(max_length=20_000)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # NULL, not "", for "no key": the unique constraint must ignore keyless messages.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    filed_as = models.CharField(max_length=8, choices=Filing.choices, default=Filing.INBOX)
    check_status = models.CharField(max_length=10, choices=Check.choices, default=Check.CHECKED)
    #: the guard called it a pitch (kept even when the recipient accepts pitches, or moves it)
    guard_pitch = models.BooleanField(default=False)
    #: stored for moderators and retraining; never shown to the sender
    guard_score = models.FloatField(null=True, blank=True)
    guard_reasons = models.JSONField(default=list, blank=True)

    objects = MessageQuerySet.as_manager()

    #: filings kept from the recipient
    WITHHELD: ClassVar[tuple[str, ...]] = (Filing.HELD, Filing.REMOVED)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["sender", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="message_idempotency_key",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["sender", "created_at"]),
            # The few messages the guard could not read, for the periodic rescoring: it
            # must not scan every message to find them.
            models.Index(
                fields=["id"], condition=Q(check_status="unchecked"), name="message_unchecked"
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} in {self.conversation_id}"


class MessageFeedback(models.Model):
    """A recipient's label on a message: labelled data for the guard's next training run."""

    class Label(models.TextChoices):
        """What the recipient says the message is."""

        PITCH = "pitch", "Pitch"
        NOT_PITCH = "not_pitch", "Not a pitch"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="feedback")
    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    #: the message's sender, copied on save: a sender's labels are read on every send (their
    #: reputation) from the index below, without joining their messages
    sender = models.ForeignKey(
        MEMBER,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the index on (sender, created_at) serves
    )
    label = models.CharField(max_length=10, choices=Label.choices)
    #: what the guard said, so disagreements can be counted without re-scoring
    guard_pitch = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # The latest label wins: a member changing their mind updates the row.
            models.UniqueConstraint(fields=["message", "member"], name="one_label_per_message"),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["sender", "created_at"], name="feedback_sender_created")
        ]

    def __str__(self) -> str:
        return f"{self.label} on {self.message_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        """Copy the message's sender before saving."""
        if self.sender_id is None and self.message_id is not None:
            self.sender_id = (
                self.message.sender_id
                if "message" in self._state.fields_cache
                else Message.objects.values_list("sender_id", flat=True).get(pk=self.message_id)
            )
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "sender"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class BulkFingerprint(models.Model):
    """One message in the guard's near-duplicate index: its fingerprint, stored once.

    Stored in the database so that every web worker counts the same campaign. The band keys
    that find it are rows of :class:`BulkBand`.
    """

    sender = models.CharField(max_length=40)
    recipient = models.CharField(max_length=40)
    at = models.DateTimeField(db_index=True)
    #: the MinHash signature, packed: 8 bytes per value, little-endian unsigned
    signature = models.BinaryField()

    def __str__(self) -> str:
        return f"{self.sender}->{self.recipient} at {self.at:%Y-%m-%d %H:%M}"


class BulkBand(models.Model):
    """One band key of a :class:`BulkFingerprint`, as a 64-bit hash of the key: the rows the
    candidate lookup reads by ``(key, at)``, small enough that a message's sixteen cost little."""

    key = models.BigIntegerField()
    at = models.DateTimeField()
    fingerprint = models.ForeignKey(BulkFingerprint, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            # The fingerprint's id is in the index so that the lookup needs no table read.
            models.Index(fields=["key", "at", "fingerprint"], name="bulk_band_key_at"),
        ]

    def __str__(self) -> str:
        return f"{self.key:x} -> {self.fingerprint_id}"


class ModeratorRestrictionQuerySet(models.QuerySet["ModeratorRestriction"]):
    """Reusable reads over moderators' restrictions."""

    def active(self, now: datetime | None = None) -> ModeratorRestrictionQuerySet:
        """Restrictions in force at ``now``: not lifted and not yet ended."""
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True, ends_at__gt=now, starts_at__lte=now)


class ModeratorRestriction(models.Model):
    """A restriction a moderator put on a member, until ``ends_at`` (or until lifted).

    It adds to the restrictions that follow from reputation (``network/restrictions.py``):
    the stricter of the two applies.
    """

    class Level(models.TextChoices):
        """How far the restriction goes."""

        #: a lower weekly invitation cap
        INVITATIONS = "invitations", "Lower invitation cap"
        #: the lower cap, and new messages to people who never wrote back are held for review
        MESSAGES = "messages", "Messages held for review"

    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="restrictions")
    level = models.CharField(max_length=12, choices=Level.choices)
    invitations_per_week = models.PositiveIntegerField()
    reason = models.CharField(max_length=500)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ModeratorRestrictionQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-starts_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["member", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.level} on {self.member_id} until {self.ends_at:%Y-%m-%d}"

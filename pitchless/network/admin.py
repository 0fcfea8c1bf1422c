"""Django admin for the network's raw data (moderators' own pages come later)."""

from django.contrib import admin

from pitchless.network.models import (
    Block,
    Connection,
    Invitation,
    Message,
    MessageFeedback,
    Report,
)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations, filterable by state."""

    list_display = ("sender", "recipient", "status", "note_is_pitch", "created_at", "decided_at")
    list_filter = ("status", "note_is_pitch")
    raw_id_fields = ("sender", "recipient")


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    """Connections (two rows per pair)."""

    list_display = ("member", "other", "created_at")
    raw_id_fields = ("member", "other", "invitation")


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    """Blocks."""

    list_display = ("blocker", "blocked", "created_at")
    raw_id_fields = ("blocker", "blocked")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Reports: the moderators' raw queue until their own page exists."""

    list_display = ("reporter", "reported", "invitation", "message", "reason", "created_at")
    raw_id_fields = ("reporter", "reported", "invitation", "message")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Messages with the guard's verdict; held messages are found with the filter."""

    list_display = ("sender", "recipient", "filed_as", "check_status", "guard_score", "created_at")
    list_filter = ("filed_as", "check_status", "guard_pitch")
    raw_id_fields = ("conversation", "sender", "recipient")


@admin.register(MessageFeedback)
class MessageFeedbackAdmin(admin.ModelAdmin):
    """Recipients' labels: the guard's training data."""

    list_display = ("message", "member", "label", "guard_pitch", "created_at")
    list_filter = ("label", "guard_pitch")
    raw_id_fields = ("message", "member")

"""The moderators' log in the Django admin, read-only: actions are taken on the site."""

from django.contrib import admin
from django.http import HttpRequest

from pitchless.moderation.models import ModerationAction


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """Browse the log; it is written only by the moderation services."""

    list_display = ("created_at", "kind", "member", "moderator", "reason", "ends_at")
    list_filter = ("kind",)
    search_fields = ("member__email", "member__name", "reason")
    raw_id_fields = ("member", "moderator", "report", "message")

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Actions are taken on the moderation pages, so that they are applied and logged."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        """The log is not edited."""
        return False

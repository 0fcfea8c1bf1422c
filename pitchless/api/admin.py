"""Django admin for API tokens: see and revoke them, never read them."""

from django.contrib import admin

from pitchless.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens by member; only the prefix is shown (the token itself is not stored)."""

    list_display = ("prefix", "member", "name", "created_at", "last_used_at")
    search_fields = ("member__email", "name", "prefix")
    readonly_fields = ("member", "digest", "prefix", "name", "created_at", "last_used_at")
    list_select_related = ("member",)

"""Django admin for members."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from pitchless.members.models import Member


@admin.register(Member)
class MemberAdmin(UserAdmin):
    """Members in the admin, found by e-mail or name."""

    ordering = ("email",)
    list_display = ("email", "name", "company", "date_joined", "is_active", "is_staff")
    search_fields = ("email", "name", "company")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "headline", "company", "location", "about", "avatar")}),
        (
            "Preferences",
            {
                "fields": (
                    "accept_pitches",
                    "offer_categories",
                    "invitations_from",
                    "notify_invitations",
                    "notify_messages",
                )
            },
        ),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),
    )

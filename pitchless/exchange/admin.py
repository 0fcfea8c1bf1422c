"""Django admin for the Exchange's raw data (moderators decide on listings in /moderation/)."""

from django.contrib import admin

from pitchless.exchange.models import (
    Category,
    Engagement,
    Flag,
    Listing,
    ListingDecision,
    Proposal,
    Review,
    SavedSearch,
    SavedSearchHit,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """The taxonomy (seeded by a migration)."""

    list_display = ("name", "slug", "group", "position")
    list_filter = ("group",)


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    """Listings, filterable by kind, status and category."""

    list_display = ("title", "owner", "kind", "status", "category", "published_at", "expires_at")
    list_filter = ("kind", "status", "category")
    search_fields = ("title", "owner__email")
    raw_id_fields = ("owner", "from_message")
    readonly_fields = ("signature",)


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    """Buyers and sellers talking about a listing."""

    list_display = ("listing", "buyer", "seller", "created_at", "completed")
    raw_id_fields = ("listing", "buyer", "seller", "conversation", "proposal")


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Sellers' answers to requests."""

    list_display = ("request", "seller", "status", "price", "currency", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("request", "seller", "offer")


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    """Saved searches and their digests."""

    list_display = ("name", "owner", "query", "alerts", "created_at", "last_digest_at")
    list_filter = ("alerts",)
    raw_id_fields = ("owner",)
    exclude = ("unsubscribe_token",)


@admin.register(SavedSearchHit)
class SavedSearchHitAdmin(admin.ModelAdmin):
    """Listings already mailed to a saved search."""

    list_display = ("saved_search", "listing", "sent_at")
    raw_id_fields = ("saved_search", "listing")


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    """Members' flags on listings."""

    list_display = ("listing", "member", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("listing", "member")


@admin.register(ListingDecision)
class ListingDecisionAdmin(admin.ModelAdmin):
    """The moderators' log of restored and removed listings."""

    list_display = ("listing", "kind", "moderator", "reason", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("listing", "moderator")


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Reviews after completed engagements."""

    list_display = ("subject", "author", "stars", "created_at")
    raw_id_fields = ("engagement", "author", "subject")

"""The Exchange's records: categories, listings, engagements, proposals, saved searches, flags
and reviews.

Arrows point one way: the Exchange knows the network (an engagement names its conversation);
the network learns about the Exchange only through ``network/hooks.py``.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

MEMBER = settings.AUTH_USER_MODEL


class Category(models.Model):
    """One entry of the seeded taxonomy of professional services and goods."""

    class Group(models.TextChoices):
        """Services are work someone does; goods are things someone sells."""

        SERVICES = "services", "Services"
        GOODS = "goods", "Goods"

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80)
    group = models.CharField(max_length=10, choices=Group.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ListingQuerySet(models.QuerySet["Listing"]):
    """Reusable reads over listings."""

    def active(self, now: datetime | None = None) -> ListingQuerySet:
        """Published listings that have not expired yet."""
        return self.filter(status=Listing.Status.PUBLISHED, expires_at__gt=now or timezone.now())

    def of(self, member: object) -> ListingQuerySet:
        """``member``'s own listings, in every status."""
        return self.filter(owner=member)

    def visible_to(self, member: object | None, now: datetime | None = None) -> ListingQuerySet:
        """What ``member`` may open: active listings, and every listing of their own."""
        active = Q(status=Listing.Status.PUBLISHED, expires_at__gt=now or timezone.now())
        if member is None or not getattr(member, "pk", None):
            return self.filter(active)
        return self.filter(active | Q(owner=member))

    def offers(self) -> ListingQuerySet:
        """Offers: a service or a good for sale."""
        return self.filter(kind=Listing.Kind.OFFER)

    def requests(self) -> ListingQuerySet:
        """Requests for proposals: what a buyer needs."""
        return self.filter(kind=Listing.Kind.REQUEST)


class Listing(models.Model):
    """An offer (a seller's service or good) or a request (what a buyer needs)."""

    class Kind(models.TextChoices):
        """Who posts it: a seller offers, a buyer requests."""

        OFFER = "offer", "Offer"
        REQUEST = "request", "Request"

    class Status(models.TextChoices):
        """The listing's life; ``services.transition`` owns every change."""

        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CLOSED = "closed", "Closed"
        EXPIRED = "expired", "Expired"
        HIDDEN = "hidden", "Hidden by moderation"

    owner = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="listings")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    title = models.CharField(max_length=140)
    #: plain text with simple formatting (paragraphs, lists, **bold**, *italic*, links);
    #: sanitised when rendered, never stored as HTML
    description = models.TextField(max_length=5000)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="listings")
    #: lower-case tags separated by commas, e.g. "python,django,remote-first"
    tags = models.CharField(max_length=300, blank=True)
    price_min = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    price_max = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    remote = models.BooleanField(default=False)
    location = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    renewed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    #: when the owner was warned that the listing expires soon (once per publication)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    #: why a moderator hid or removed it
    moderation_reason = models.CharField(max_length=500, blank=True)
    #: the guard's MinHash signature of title + description (hex, comma-separated), used to
    #: refuse a near-duplicate of the owner's own active listings
    signature = models.TextField(blank=True)
    #: the message this listing was drafted from, when the guard filed it as a pitch
    from_message = models.ForeignKey(
        "network.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ListingQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-published_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["status", "expires_at"], name="listing_status_expiry"),
            models.Index(fields=["owner", "status"], name="listing_owner_status"),
            models.Index(
                fields=["status", "category", "-published_at"], name="listing_category_recent"
            ),
            models.Index(fields=["status", "-published_at", "-id"], name="listing_recent"),
        ]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(price_min__isnull=True)
                | Q(price_max__isnull=True)
                | Q(price_min__lte=models.F("price_max")),
                name="listing_price_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def tag_list(self) -> list[str]:
        """The tags as a list."""
        return [t for t in (part.strip() for part in self.tags.split(",")) if t]


class Engagement(models.Model):
    """A buyer and a seller talking about one listing, in their network conversation.

    Started by the buyer: "I'm interested" on an offer, or the requester opening a
    conversation from a proposal. Both sides may mark it completed; then each may review the
    other once.
    """

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="engagements")
    buyer = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    seller = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "network.Conversation", on_delete=models.CASCADE, related_name="engagements"
    )
    proposal = models.OneToOneField(
        "exchange.Proposal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="engagement",
    )
    created_at = models.DateTimeField(default=timezone.now)
    buyer_completed_at = models.DateTimeField(null=True, blank=True)
    seller_completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["listing", "buyer", "seller"], name="engagement_once"),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["conversation", "-created_at"], name="engagement_conversation"),
        ]

    def __str__(self) -> str:
        return f"{self.buyer_id} and {self.seller_id} on {self.listing_id}"

    @property
    def completed(self) -> bool:
        """Both sides marked the engagement completed."""
        return self.buyer_completed_at is not None and self.seller_completed_at is not None


class Proposal(models.Model):
    """A seller's one answer to a request; it goes to the requester's Proposals view."""

    class Status(models.TextChoices):
        """What the requester did with it."""

        SENT = "sent", "Sent"
        SHORTLISTED = "shortlisted", "Shortlisted"
        DECLINED = "declined", "Declined"

    request = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="proposals")
    seller = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="proposals_sent")
    text = models.TextField(max_length=3000)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    #: one of the seller's own offers, linked for the requester to look at
    offer = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SENT)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["request", "seller"], name="proposal_once_per_seller"),
        ]

    def __str__(self) -> str:
        return f"proposal {self.pk} on {self.request_id}"


def _unsubscribe_token() -> str:
    return secrets.token_urlsafe(32)


class SavedSearch(models.Model):
    """A member's saved query and filters; a daily digest mails new matching listings."""

    owner = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=120)
    query = models.CharField(max_length=500, blank=True)
    #: the search filters (kind, category, price range, remote, location, within_days)
    filters = models.JSONField(default=dict, blank=True)
    alerts = models.BooleanField("daily e-mail digest", default=True)
    #: the secret in the one-click unsubscribe link (no log-in needed)
    unsubscribe_token = models.CharField(max_length=64, unique=True, default=_unsubscribe_token)
    created_at = models.DateTimeField(default=timezone.now)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class SavedSearchHit(models.Model):
    """A listing already mailed to a saved search: the same one is never sent twice."""

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="hits")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["saved_search", "listing"], name="hit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id} to {self.saved_search_id}"


class Flag(models.Model):
    """A member's flag on a listing: one per member per listing."""

    class Status(models.TextChoices):
        """Open until a moderator decides on the listing."""

        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="flags")
    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["listing", "member"], name="flag_once"),
        ]

    def __str__(self) -> str:
        return f"flag on {self.listing_id} by {self.member_id}"


class ListingDecision(models.Model):
    """A moderator restoring or removing a hidden listing, with the reason."""

    class Kind(models.TextChoices):
        """What the moderator did."""

        RESTORE = "restore", "Restored"
        REMOVE = "remove", "Removed"

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="decisions")
    moderator = models.ForeignKey(MEMBER, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.listing_id}"


class Review(models.Model):
    """One side's review of the other after a completed engagement (1 to 5 stars)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="reviews_written")
    subject = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="reviews_received")
    stars = models.PositiveSmallIntegerField()
    text = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["engagement", "author"], name="review_once"),
            models.CheckConstraint(
                condition=Q(stars__gte=1) & Q(stars__lte=5), name="review_stars_1_to_5"
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["subject", "-created_at"], name="review_subject_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.stars} stars for {self.subject_id}"

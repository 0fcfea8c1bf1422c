"""Exchange pieces shown on other apps' pages: a conversation's listings, a member's reviews."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.conf import settings
from django.utils import timezone

from pitchless.exchange import services
from pitchless.exchange.forms import ReviewForm
from pitchless.exchange.models import Review

register = template.Library()

#: how many of a member's latest reviews their profile shows
LATEST_REVIEWS = 5


@register.inclusion_tag("exchange/_engagements.html", takes_context=True)
def conversation_engagements(context: dict[str, Any], listings: Any) -> dict[str, Any]:
    """The conversation header's listing(s), with "completed" and the review form.

    ``listings`` are the rows of ``network.hooks.conversation_listings``; the other side is the
    conversation page's ``other``.
    """
    me = context["request"].user
    rows = [dict(row) for row in listings or []]
    mine = {
        r.engagement_id: r
        for r in Review.objects.filter(
            engagement_id__in=[row["engagement_id"] for row in rows], author=me
        )
    }
    edit_window = timedelta(days=settings.PITCHLESS_REVIEW_EDIT_DAYS)
    now = timezone.now()
    for row in rows:
        review = mine.get(row["engagement_id"])
        row["review"] = review
        row["review_editable"] = review is not None and now - review.created_at < edit_window
        row["review_form"] = ReviewForm(
            initial=ReviewForm.initial_for(review) if review else None,
            auto_id=f"id_review_{row['engagement_id']}_%s",
        )
    return {"rows": rows, "other": context.get("other"), "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("exchange/_member_reviews.html")
def member_reviews(member: Any) -> dict[str, Any]:
    """A member's review average, count and latest reviews."""
    reviews, average, count = services.reviews_of(member)
    return {
        "member": member,
        "reviews": list(reviews.select_related("author", "engagement__listing")[:LATEST_REVIEWS]),
        "average": average,
        "count": count,
    }

"""Plain factory helpers for the Exchange: listings, proposals, engagements, moderators.

Every listing gets its own wording (a seeded shuffle of a word list), so two listings of one
member are never near-duplicates unless a test asks for it.
"""

from __future__ import annotations

import itertools
import random
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, Permission

from pitchless.exchange import services
from pitchless.exchange.categories import CATEGORIES
from pitchless.exchange.models import Category, Engagement, Listing, Proposal
from pitchless.members.models import Member
from pitchless.moderation import access
from tests.members.factories import make_member

_seq = itertools.count(1)

_WORDS = (
    "audit",
    "backlog",
    "budget",
    "cache",
    "catalogue",
    "cluster",
    "compliance",
    "contract",
    "dashboard",
    "deadline",
    "delivery",
    "deployment",
    "design",
    "discovery",
    "document",
    "estimate",
    "export",
    "feedback",
    "forecast",
    "framework",
    "gateway",
    "handover",
    "hardware",
    "incident",
    "invoice",
    "kickoff",
    "ledger",
    "licence",
    "logistics",
    "migration",
    "milestone",
    "mobile",
    "monitoring",
    "network",
    "onboarding",
    "outline",
    "payroll",
    "pipeline",
    "platform",
    "portfolio",
    "procurement",
    "prototype",
    "quarterly",
    "refactor",
    "release",
    "report",
    "research",
    "review",
    "roadmap",
    "rollout",
    "runbook",
    "schedule",
    "schema",
    "security",
    "server",
    "sprint",
    "staffing",
    "storage",
    "strategy",
    "supplier",
    "survey",
    "template",
    "testing",
    "timeline",
    "training",
    "translation",
    "upgrade",
    "vendor",
    "warehouse",
    "website",
    "workflow",
    "workshop",
    "archive",
    "benchmark",
    "billing",
    "branding",
    "checklist",
    "coaching",
    "dataset",
    "diagram",
    "editorial",
    "firmware",
    "funding",
    "interview",
    "keynote",
    "localisation",
    "mentoring",
    "newsletter",
    "packaging",
    "pricing",
    "printing",
    "recruiting",
    "shipping",
    "subtitles",
    "tutorial",
    "venue",
    "video",
    "wireframe",
)


def ensure_categories() -> None:
    """The seeded taxonomy, again: a ``transaction=True`` test flushes what migrations loaded."""
    for position, (slug, name, group) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "group": group, "position": position}
        )


def unique_text(n: int | None = None, words: int = 30) -> str:
    """A sentence of ``words`` words that shares almost no word triples with any other ``n``."""
    rng = random.Random(n if n is not None else next(_seq))
    return " ".join(rng.sample(_WORDS, words)).capitalize() + "."


def listing_input(**fields: Any) -> services.ListingInput:
    """A valid ``ListingInput``; ``fields`` override any of its values."""
    n = next(_seq)
    values: dict[str, Any] = {
        "kind": Listing.Kind.OFFER,
        "title": f"Listing number {n}",
        "description": unique_text(n),
        "category": "consulting",
        "tags": "",
        "price_min": None,
        "price_max": None,
        "currency": "",
        "remote": False,
        "location": "",
    }
    values.update(fields)
    return services.ListingInput(**values)


def make_listing(
    owner: Member, *, publish: bool = True, now: datetime | None = None, **fields: Any
) -> Listing:
    """A listing of ``owner`` made by the service (published unless ``publish=False``)."""
    return services.create_listing(
        owner=owner, data=listing_input(**fields), publish=publish, now=now
    )


def make_offer(owner: Member, **fields: Any) -> Listing:
    """A published offer."""
    return make_listing(owner, kind=Listing.Kind.OFFER, **fields)


def make_request(owner: Member, **fields: Any) -> Listing:
    """A published request for proposals."""
    return make_listing(owner, kind=Listing.Kind.REQUEST, **fields)


def make_proposal(
    request: Listing, seller: Member, *, text: str = "", price: Decimal | None = None
) -> Proposal:
    """A proposal from ``seller`` on ``request``."""
    return services.propose(
        request=request,
        seller=seller,
        text=text or f"I can help with this: {unique_text(words=12)}",
        price=price,
    )


def make_engagement(offer: Listing, buyer: Member, *, text: str = "") -> Engagement:
    """``buyer`` expresses interest in ``offer``."""
    return services.express_interest(
        listing=offer, buyer=buyer, text=text or "Hello, is this still available?"
    )


def make_completed_engagement(offer: Listing, buyer: Member) -> Engagement:
    """An engagement both sides marked completed."""
    engagement = make_engagement(offer, buyer)
    services.complete_engagement(engagement=engagement, by=buyer)
    return services.complete_engagement(engagement=engagement, by=offer.owner)


def make_moderator(**fields: Any) -> Member:
    """A member in the moderators group (with the moderation permission)."""
    member = make_member(fields.pop("name", "Mo Derator"), **fields)
    app_label, codename = access.PERMISSION.split(".")
    group, _ = Group.objects.get_or_create(name=access.GROUP)
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    if permission is not None:
        group.permissions.add(permission)
        member.groups.add(group)
    else:  # no such permission in this schema: staff are moderators too
        member.is_staff = True
        member.save(update_fields=["is_staff"])
    return Member.objects.get(pk=member.pk)

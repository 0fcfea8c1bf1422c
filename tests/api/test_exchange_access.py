"""The Exchange's authorisation matrix: every endpoint that takes an id, for anonymous callers,
a stranger, a moderator, the other party (the seller of a proposal, the other side of an
engagement) and the owner.

Nobody reads or changes what is not theirs. What you cannot see (someone's draft, a proposal
or engagement you are not part of, someone's saved search or review) answers 404, exactly like
an id that does not exist; acting on a listing you can see but do not own answers 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from pitchless.exchange import search, services
from pitchless.exchange.models import (
    Engagement,
    Flag,
    Listing,
    Proposal,
    Review,
    SavedSearch,
)
from pitchless.network import services as network
from pitchless.network.models import Message
from tests.api.conftest import Api, api_for
from tests.api.test_exchange import make_listing
from tests.members.factories import make_member

pytestmark = pytest.mark.django_db

DRAFT_TITLE = "Alice's secret draft about ledger migrations"
SAVED_NAME = "Alice's private saved search"
PROPOSAL_TEXT = "Bob's proposal, for Alice's eyes only."


@dataclass
class World:
    """Alice's Exchange: a draft, an offer, a request with Bob's proposal, engagements with
    Bob (open, completed and reviewed by Alice, completed and not reviewed) and a saved search."""

    alice: object
    bob: object
    ids: dict[str, int]
    actors: dict[str, Api]


@pytest.fixture
def world(alice, bob, carol) -> World:
    moderator = make_member("Mo Derator", is_staff=True)
    # Three days ago, so Alice's offer may be renewed now.
    with time_machine.travel(timezone.now() - timedelta(days=3), tick=False):
        draft = make_listing(alice, 0, publish=False, title=DRAFT_TITLE)
        offer = make_listing(alice, 1)
        request = make_listing(alice, 2, kind="request", category="accounting")
        done_offer = make_listing(alice, 3, category="translation")
        bobs_offer = make_listing(bob, 0)
        proposal = services.propose(request=request, seller=bob, text=PROPOSAL_TEXT)
        open_engagement = services.express_interest(listing=offer, buyer=bob, text="Hello")
        reviewed = services.express_interest(listing=done_offer, buyer=bob, text="Hi again")
        unreviewed = services.express_interest(listing=bobs_offer, buyer=alice, text="Hi Bob")
        for engagement in (reviewed, unreviewed):
            services.complete_engagement(engagement=engagement, by=alice)
            services.complete_engagement(engagement=engagement, by=bob)
        review = services.write_review(engagement=reviewed, by=alice, stars=4, text="Good")
        saved = services.save_search(
            owner=alice, name=SAVED_NAME, params=search.SearchParams(q="ledger")
        )
    return World(
        alice=alice,
        bob=bob,
        ids={
            "draft": draft.pk,
            "offer": offer.pk,
            "request": request.pk,
            "proposal": proposal.pk,
            "engagement": open_engagement.pk,
            "unreviewed": unreviewed.pk,
            "review": review.pk,
            "saved": saved.pk,
        },
        actors={
            "anonymous": Api(),
            "stranger": api_for(carol),
            "moderator": api_for(moderator),
            "party": api_for(bob),
            "owner": api_for(alice),
        },
    )


def _state() -> tuple:
    """Everything an Exchange endpoint could change."""
    return (
        sorted(
            Listing.objects.values_list(
                "id", "status", "title", "price_min", "expires_at", "updated_at"
            )
        ),
        sorted(Proposal.objects.values_list("id", "status", "decided_at")),
        sorted(SavedSearch.objects.values_list("id", flat=True)),
        sorted(Engagement.objects.values_list("id", "buyer_completed_at", "seller_completed_at")),
        sorted(Review.objects.values_list("id", "stars", "text")),
        sorted(Flag.objects.values_list("id", flat=True)),
        sorted(Message.objects.values_list("id", flat=True)),
    )


#: what every member but the owner gets unless the row says otherwise
HIDDEN = 404

#: (method, path, body, the owner's status, other actors' statuses where they differ from 404)
OWNED = [
    ("get", "/listings/{draft}", None, 200, {}),
    ("patch", "/listings/{draft}", {"title": "A new title here"}, 200, {}),
    ("delete", "/listings/{draft}", None, 204, {}),
    ("post", "/listings/{draft}/publish", None, 200, {}),
    # The owner reaches these but may not act on their own draft (400): the others never see it.
    ("post", "/listings/{draft}/interest", {"text": "Interested"}, 400, {}),
    ("post", "/listings/{draft}/proposals", {"text": "A proposal"}, 400, {}),
    ("post", "/listings/{draft}/flags", {"reason": "spam"}, 400, {}),
    # A published listing is visible to all, so the others are refused with 403.
    ("patch", "/listings/{offer}", {"title": "A new title here"}, 200, {"*": 403}),
    ("patch", "/listings/{offer}", {"price_min": None}, 200, {"*": 403}),
    ("post", "/listings/{offer}/renew", None, 200, {"*": 403}),
    ("post", "/listings/{offer}/close", None, 200, {"*": 403}),
    ("delete", "/listings/{offer}", None, 400, {"*": 403}),
    ("get", "/listings/{request}/proposals", None, 200, {"*": 403}),
    ("post", "/proposals/{proposal}/shortlist", None, 200, {"party": 403}),
    ("post", "/proposals/{proposal}/decline", None, 200, {"party": 403}),
    ("post", "/proposals/{proposal}/conversation", {"text": "Let's talk"}, 201, {"party": 403}),
    ("delete", "/saved-searches/{saved}", None, 204, {}),
    # Bob is the other side of these engagements: he may act on them too.
    ("post", "/engagements/{engagement}/complete", None, 200, {"party": 200}),
    ("post", "/engagements/{unreviewed}/reviews", {"stars": 5, "text": "Great"}, 201,
     {"party": 201}),
    ("patch", "/reviews/{review}", {"stars": 2, "text": "Changed"}, 200, {}),
]  # fmt: skip
ACTORS = ["anonymous", "stranger", "moderator", "party", "owner"]


def _fill(world: World, value: object, *, missing: bool = False) -> object:
    """``value`` with its ``{name}`` placeholders replaced by the world's ids (or unused ones)."""
    ids = dict.fromkeys(world.ids, 999999) if missing else world.ids
    if isinstance(value, dict):
        return {k: _fill(world, v, missing=missing) for k, v in value.items()}
    if isinstance(value, str):
        return value.format(**ids)
    return value


def _expected(actor: str, owner_status: int, others: dict[str, int]) -> int:
    if actor == "anonymous":
        return 401
    if actor == "owner":
        return owner_status
    return others.get(actor, others.get("*", HIDDEN))


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("method", "path", "body", "owner_status", "others"),
    OWNED,
    ids=[f"{m} {p} {b}" for m, p, b, _, _ in OWNED],
)
def test_owned_objects(world, actor, method, path, body, owner_status, others):
    expected = _expected(actor, owner_status, others)
    client = world.actors[actor]
    before = _state()
    response = client.call(method, _fill(world, path), _fill(world, body))
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert _state() == before
        if response.content:
            assert response.json()["detail"]
    if actor == "owner":
        assert expected < 300 or response.json()["detail"]
    if actor != "anonymous":
        # An id that does not exist answers 404 to everyone, with the same keys as a refusal.
        missing = client.call(
            method, _fill(world, path, missing=True), _fill(world, body, missing=True)
        )
        assert missing.status_code == 404, missing.content
        if expected == HIDDEN:
            assert missing.json().keys() == response.json().keys()


def test_refusals_do_not_leak_the_proposals(world):
    for actor in ("stranger", "moderator", "party"):
        response = world.actors[actor].get(f"/listings/{world.ids['request']}/proposals")
        assert response.status_code == 403
        assert PROPOSAL_TEXT not in response.content.decode()
    owner = world.actors["owner"].get(f"/listings/{world.ids['request']}/proposals")
    assert PROPOSAL_TEXT in owner.content.decode()


LISTS = [
    ("/me/listings", None),
    ("/me/listings", {"status": "draft"}),
    ("/me/proposals", None),
    ("/saved-searches", None),
    ("/listings", None),
    ("/listings", {"q": "ledger"}),
    ("/categories", None),
]


@pytest.mark.parametrize("actor", ACTORS)
def test_lists_show_only_your_own(world, actor):
    client = world.actors[actor]
    private = [DRAFT_TITLE, SAVED_NAME]
    seen = ""
    for path, params in LISTS:
        response = client.get(path, params)
        if actor == "anonymous":
            assert response.status_code == 401
            continue
        assert response.status_code == 200, (path, response.content)
        seen += response.content.decode()
    if actor == "owner":
        assert all(marker in seen for marker in private)
    else:
        assert not [marker for marker in private if marker in seen]
    # The seller sees the proposal they sent; nobody else but the requester does.
    assert (PROPOSAL_TEXT in seen) == (actor == "party")


def test_every_exchange_read_needs_a_token(world):
    alice = world.alice.pk
    for path in (
        "/listings",
        "/categories",
        "/me/listings",
        "/me/proposals",
        "/saved-searches",
        f"/members/{alice}/reviews",
        f"/listings/{world.ids['offer']}",
    ):
        response = Api().get(path)
        assert response.status_code == 401, path
        assert response.json() == {"detail": "Unauthorized"}


def test_a_member_who_blocked_you_has_no_reviews_for_you(world):
    mallory = make_member("Mallory Moe")
    network.block_member(blocker=world.alice, blocked=mallory)
    assert api_for(mallory).get(f"/members/{world.alice.pk}/reviews").status_code == 404
    reviews = world.actors["stranger"].get(f"/members/{world.bob.pk}/reviews").json()
    assert reviews["count"] == 1 and reviews["items"][0]["text"] == "Good"


def test_only_the_author_edits_a_review_even_its_subject_cannot(world):
    bob = world.actors["party"]
    response = bob.call("patch", f"/reviews/{world.ids['review']}", {"stars": 1})
    assert response.status_code == 404
    assert Review.objects.get(pk=world.ids["review"]).stars == 4


def test_the_openapi_document_lists_every_exchange_path():
    paths = set(Api().get("/openapi.json").json()["paths"])
    expected = {
        "/api/listings",
        "/api/listings/{listing_id}",
        "/api/listings/{listing_id}/publish",
        "/api/listings/{listing_id}/renew",
        "/api/listings/{listing_id}/close",
        "/api/listings/{listing_id}/interest",
        "/api/listings/{listing_id}/proposals",
        "/api/listings/{listing_id}/flags",
        "/api/me/listings",
        "/api/me/proposals",
        "/api/categories",
        "/api/proposals/{proposal_id}/shortlist",
        "/api/proposals/{proposal_id}/decline",
        "/api/proposals/{proposal_id}/conversation",
        "/api/saved-searches",
        "/api/saved-searches/{saved_search_id}",
        "/api/engagements/{engagement_id}/complete",
        "/api/engagements/{engagement_id}/reviews",
        "/api/reviews/{review_id}",
        "/api/members/{member_id}/reviews",
    }
    assert expected <= paths

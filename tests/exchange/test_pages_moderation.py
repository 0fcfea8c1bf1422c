"""Flags from the listing page hide a listing; moderators restore or remove it from the queue."""

from __future__ import annotations

import pytest
from django.test import Client

from pitchless.exchange.models import Flag, Listing, ListingDecision
from tests.exchange.factories import make_offer
from tests.members.factories import make_member
from tests.network.conftest import login

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def hidden(alice, settings):
    """Alice's offer, flagged through the page by as many members as it takes to hide it."""
    offer = make_offer(alice, title="Followers for sale, cheap")
    flaggers = [
        make_member(f"Flagger {n}") for n in range(settings.PITCHLESS_LISTING_FLAGS_TO_HIDE)
    ]
    for n, member in enumerate(flaggers):
        c = login(member)
        assert "Flag this listing" in text(c.get(f"/exchange/listings/{offer.pk}/"))
        response = c.post(f"/exchange/listings/{offer.pk}/flag/", {"reason": f"spam {n}"})
        assert response.status_code == 302
    offer.refresh_from_db()
    return offer


def test_flags_from_three_members_hide_the_listing(hidden, bob, settings):
    assert settings.PITCHLESS_LISTING_FLAGS_TO_HIDE == 3
    assert hidden.status == Listing.Status.HIDDEN
    assert Flag.objects.filter(listing=hidden, status=Flag.Status.OPEN).count() == 3
    assert login(bob).get(f"/exchange/listings/{hidden.pk}/").status_code == 404
    assert Client().get(f"/exchange/listings/{hidden.pk}/").status_code == 404
    assert "Followers for sale" not in text(Client().get("/exchange/"))


def test_flagging_twice_or_your_own_listing_is_refused(alice, bob):
    offer = make_offer(alice)
    b = login(bob)
    b.post(f"/exchange/listings/{offer.pk}/flag/", {"reason": "odd"})
    again = b.post(f"/exchange/listings/{offer.pk}/flag/", {"reason": "odd"}, follow=True)
    assert "already flagged" in text(again)
    login(alice).post(f"/exchange/listings/{offer.pk}/flag/", {"reason": "mine"})
    assert Flag.objects.filter(listing=offer).count() == 1
    assert Client().post(f"/exchange/listings/{offer.pk}/flag/").status_code == 302  # log in
    assert Flag.objects.filter(listing=offer).count() == 1


def test_the_queue_shows_hidden_listings_with_their_flags(hidden, moderator):
    page = text(login(moderator).get("/moderation/"))
    assert "Hidden listings" in page
    assert "Followers for sale, cheap" in page
    for n in range(3):
        assert f"spam {n}" in page
    assert f'action="/moderation/listings/{hidden.pk}/restore/"' in page
    assert f'action="/moderation/listings/{hidden.pk}/remove/"' in page


def test_a_moderator_restores_with_a_reason(hidden, moderator, bob):
    m = login(moderator)
    url = f"/moderation/listings/{hidden.pk}/restore/"
    refused = m.post(url, {"reason": ""}, follow=True)
    assert Listing.objects.get(pk=hidden.pk).status == Listing.Status.HIDDEN
    assert "required" in text(refused).lower()

    response = m.post(url, {"reason": "Satire, not spam."})
    assert response.status_code == 302
    assert Listing.objects.get(pk=hidden.pk).status == Listing.Status.PUBLISHED
    decision = ListingDecision.objects.get(listing=hidden)
    assert decision.kind == ListingDecision.Kind.RESTORE
    assert decision.reason == "Satire, not spam."
    assert not Flag.objects.filter(listing=hidden, status=Flag.Status.OPEN).exists()
    assert login(bob).get(f"/exchange/listings/{hidden.pk}/").status_code == 200
    assert f'id="hidden-listing-{hidden.pk}"' not in text(m.get("/moderation/"))


def test_a_moderator_removes_with_a_reason(hidden, moderator, alice):
    m = login(moderator)
    m.post(f"/moderation/listings/{hidden.pk}/remove/", {"reason": "Selling fake followers."})
    removed = Listing.objects.get(pk=hidden.pk)
    assert removed.status == Listing.Status.HIDDEN
    assert removed.moderation_reason == "Selling fake followers."
    assert ListingDecision.objects.get(listing=hidden).kind == ListingDecision.Kind.REMOVE
    assert f'id="hidden-listing-{hidden.pk}"' not in text(m.get("/moderation/"))
    # the owner still sees their listing, with the moderators' reason
    own = text(login(alice).get(f"/exchange/listings/{hidden.pk}/"))
    assert "Selling fake followers." in own


def test_members_cannot_restore_or_remove(hidden, alice, bob):
    for client in (Client(), login(bob), login(alice)):
        for action in ("restore", "remove"):
            response = client.post(
                f"/moderation/listings/{hidden.pk}/{action}/", {"reason": "Because."}
            )
            assert response.status_code in (403, 404)
    assert Listing.objects.get(pk=hidden.pk).status == Listing.Status.HIDDEN
    assert not ListingDecision.objects.exists()
    assert "Hidden listings" not in text(login(bob).get("/moderation/"))

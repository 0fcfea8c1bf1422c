"""The Exchange's services: the listing's life, limits, over-posting, interest, proposals,
engagements, reviews, flags and moderation."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from pitchless.exchange import services
from pitchless.exchange.models import Engagement, Flag, Listing, ListingDecision, Proposal
from pitchless.network import hooks
from pitchless.network import services as network
from pitchless.network.models import Block, Message
from tests.exchange.factories import (
    ensure_categories,
    listing_input,
    make_completed_engagement,
    make_engagement,
    make_listing,
    make_offer,
    make_proposal,
    make_request,
    unique_text,
)
from tests.members.factories import make_member
from tests.network.conftest import connect

S = Listing.Status
PITCH = (
    "Our agency can book a quick call to show our pricing: a discount on our services, "
    "a free trial and more leads per month, with a 15-minute demo and great ROI."
)


# --- creating, validating ---------------------------------------------------------------------


def test_create_a_draft_then_publish(alice):
    draft = make_listing(alice, publish=False)
    assert draft.status == S.DRAFT and draft.published_at is None and draft.signature
    now = timezone.now()
    published = services.publish_listing(listing=draft, by=alice, now=now)
    assert published.status == S.PUBLISHED
    assert published.published_at == now
    assert published.expires_at == now + timedelta(days=30)
    assert published.expiry_warned_at is None


def test_create_and_publish_at_once(alice):
    listing = make_listing(alice)
    assert listing.status == S.PUBLISHED and listing.expires_at > timezone.now()
    assert services.get_listing(listing_id=listing.pk, viewer=None) == listing


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "ab"}, "at least 3"),
        ({"title": "x" * 141}, "at most 140"),
        ({"description": "  "}, "Describe"),
        ({"description": "x" * 5001}, "5,000"),
        ({"category": "no-such-thing"}, "category"),
        ({"kind": "barter"}, "offer something or request"),
        ({"price_min": Decimal("10"), "price_max": Decimal("5")}, "lowest price cannot be above"),
        ({"price_min": Decimal("-1")}, "cannot be negative"),
        ({"price_min": "abc"}, "must be a number"),
        ({"price_max": Decimal("10"), "currency": "euro"}, "three-letter code"),
        ({"tags": ",".join(f"t{i}" for i in range(11))}, "at most 10 tags"),
        ({"tags": "a" * 31}, "too long"),
        ({"location": "x" * 121}, "at most 120"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(alice, fields, message):
    with pytest.raises(services.ExchangeError, match=message):
        make_listing(alice, **fields)
    assert not Listing.objects.exists()


def test_tags_are_normalised_and_the_currency_defaults(alice):
    listing = make_listing(
        alice,
        tags=" Python, DJANGO ,python,,  remote   first ",
        price_min=Decimal("100"),
        price_max=Decimal("250.5"),
        currency="",
    )
    assert listing.tags == "python,django,remote first"
    assert listing.currency == services.DEFAULT_CURRENCY == "EUR"
    assert listing.price_max == Decimal("250.50")
    unpriced = make_listing(alice, currency="usd")
    assert unpriced.currency == ""
    priced = make_listing(alice, price_min=Decimal("0"), currency="usd")
    assert priced.currency == "USD"


# --- transitions ------------------------------------------------------------------------------


def test_the_table_of_moves():
    allowed = {
        (S.DRAFT, S.PUBLISHED, "owner"),
        (S.PUBLISHED, S.PUBLISHED, "owner"),
        (S.EXPIRED, S.PUBLISHED, "owner"),
        (S.PUBLISHED, S.CLOSED, "owner"),
        (S.PUBLISHED, S.CLOSED, "system"),
        (S.EXPIRED, S.CLOSED, "owner"),
        (S.PUBLISHED, S.EXPIRED, "system"),
        (S.PUBLISHED, S.HIDDEN, "system"),
        (S.HIDDEN, S.PUBLISHED, "moderator"),
        (S.HIDDEN, S.EXPIRED, "moderator"),
        (S.HIDDEN, S.HIDDEN, "moderator"),
    }
    for frm in S.values:
        for to in S.values:
            for actor in ("owner", "system", "moderator"):
                listing = Listing(status=frm)
                assert services.can_move(listing, to, actor) == ((frm, to, actor) in allowed)


@pytest.mark.parametrize("status", [S.DRAFT, S.CLOSED, S.HIDDEN])
def test_refused_moves_raise_and_change_nothing(alice, status):
    listing = make_listing(alice, publish=False)
    Listing.objects.filter(pk=listing.pk).update(status=status)
    listing.refresh_from_db()
    with pytest.raises(services.ExchangeError):
        services.transition(listing=listing, to=S.EXPIRED, actor="system", now=timezone.now())
    listing.refresh_from_db()
    assert listing.status == status


def test_publishing_twice_is_refused(alice):
    listing = make_listing(alice)
    with pytest.raises(services.ExchangeError, match="already published"):
        services.publish_listing(listing=listing, by=alice)


def test_close_a_published_listing_then_nothing_more(alice):
    listing = make_listing(alice)
    closed = services.close_listing(listing=listing, by=alice)
    assert closed.status == S.CLOSED and closed.closed_at is not None
    for action in (services.close_listing, services.publish_listing, services.renew_listing):
        with pytest.raises(services.ExchangeError, match="closed"):
            action(listing=listing, by=alice)
    with pytest.raises(services.ExchangeError, match="closed"):
        services.update_listing(listing=listing, by=alice, data=listing_input())


def test_a_draft_cannot_be_closed_but_can_be_deleted(alice):
    draft = make_listing(alice, publish=False)
    with pytest.raises(services.ExchangeError, match="draft"):
        services.close_listing(listing=draft, by=alice)
    services.delete_draft(listing=draft, by=alice)
    assert not Listing.objects.filter(pk=draft.pk).exists()
    published = make_listing(alice)
    with pytest.raises(services.ExchangeError, match="Only drafts"):
        services.delete_draft(listing=published, by=alice)


def test_only_the_owner_changes_a_listing(alice, bob):
    listing = make_listing(alice)
    draft = make_listing(alice, publish=False)
    with pytest.raises(services.Forbidden):
        services.close_listing(listing=listing, by=bob)
    with pytest.raises(services.Forbidden):
        services.update_listing(listing=listing, by=bob, data=listing_input())
    # Someone else's draft does not exist for them.
    with pytest.raises(services.NotFound):
        services.publish_listing(listing=draft, by=bob)
    with pytest.raises(services.NotFound):
        services.get_listing(listing_id=draft.pk, viewer=bob)
    assert services.get_listing(listing_id=draft.pk, viewer=alice) == draft


def test_editing_keeps_a_published_listing_published(alice):
    listing = make_listing(alice, tags="one")
    edited = services.update_listing(
        listing=listing,
        by=alice,
        data=listing_input(title="A better title", tags="Two, three", category="design"),
    )
    edited.refresh_from_db()
    assert edited.status == S.PUBLISHED
    assert edited.title == "A better title" and edited.tags == "two,three"
    assert edited.category.slug == "design"
    assert edited.signature != listing.signature or edited.description == listing.description


def test_a_hidden_listing_cannot_be_edited_or_published_by_its_owner(alice):
    listing = make_listing(alice)
    Listing.objects.filter(pk=listing.pk).update(status=S.HIDDEN)
    with pytest.raises(services.ExchangeError, match="moderator hid"):
        services.update_listing(listing=listing, by=alice, data=listing_input())
    with pytest.raises(services.ExchangeError, match="moderator hid"):
        services.publish_listing(listing=listing, by=alice)
    with pytest.raises(services.ExchangeError, match="moderator hid"):
        services.renew_listing(listing=listing, by=alice)


# --- renewing and expiring --------------------------------------------------------------------


def test_renew_only_after_48_hours(alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        listing = make_listing(alice)
    with (
        time_machine.travel(start + timedelta(hours=47), tick=False),
        pytest.raises(services.ExchangeError, match="48 hours"),
    ):
        services.renew_listing(listing=listing, by=alice)
    later = start + timedelta(hours=49)
    with time_machine.travel(later, tick=False):
        renewed = services.renew_listing(listing=listing, by=alice)
    assert renewed.renewed_at == later
    assert renewed.expires_at == later + timedelta(days=30)
    assert renewed.published_at == listing.published_at
    # The 48 hours count again from the renewal.
    with (
        time_machine.travel(later + timedelta(hours=1), tick=False),
        pytest.raises(services.ExchangeError, match="renewed"),
    ):
        services.renew_listing(listing=listing, by=alice)


def test_expiry_and_one_warning(alice, django_capture_on_commit_callbacks):
    start = timezone.now()
    listing = make_listing(alice, now=start, title="Data pipeline review")
    mail.outbox.clear()
    assert services.warn_expiring(now=start + timedelta(days=20)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.warn_expiring(now=start + timedelta(days=27, hours=1)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.warn_expiring(now=start + timedelta(days=28)) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [alice.email]
    assert "Data pipeline review" in mail.outbox[0].subject
    assert f"/exchange/listings/{listing.pk}/" in mail.outbox[0].body
    assert services.expire_listings(now=start + timedelta(days=29)) == 0
    assert services.expire_listings(now=start + timedelta(days=30, seconds=1)) == 1
    assert services.expire_listings(now=start + timedelta(days=31)) == 0
    listing.refresh_from_db()
    assert listing.status == S.EXPIRED and listing.expiry_warned_at is not None


def test_renewing_an_expired_listing_publishes_it_again_and_rearms_the_warning(alice):
    start = timezone.now() - timedelta(days=40)
    listing = make_listing(alice, now=start)
    services.warn_expiring(now=start + timedelta(days=28))
    services.expire_listings(now=start + timedelta(days=31))
    now = timezone.now()
    renewed = services.renew_listing(listing=listing, by=alice, now=now)
    assert renewed.status == S.PUBLISHED and renewed.expiry_warned_at is None
    assert renewed.expires_at == now + timedelta(days=30)
    assert Listing.objects.active().filter(pk=listing.pk).exists()
    closed = services.close_listing(listing=renewed, by=alice)
    assert closed.status == S.CLOSED


def test_an_expired_listing_can_be_closed(alice):
    start = timezone.now() - timedelta(days=40)
    listing = make_listing(alice, now=start)
    services.expire_listings()
    assert services.close_listing(listing=listing, by=alice).status == S.CLOSED


# --- limits and over-posting ------------------------------------------------------------------


def test_the_active_listing_limit(alice, settings):
    settings.PITCHLESS_MAX_ACTIVE_LISTINGS = 2
    make_listing(alice)
    second = make_listing(alice)
    draft = make_listing(alice, publish=False)
    with pytest.raises(services.LimitReached, match="2 listings up"):
        services.publish_listing(listing=draft, by=alice)
    services.close_listing(listing=second, by=alice)
    assert services.publish_listing(listing=draft, by=alice).status == S.PUBLISHED


def test_a_near_duplicate_of_my_own_active_listing_is_refused(alice, bob):
    text = unique_text(7, words=40)
    first = make_listing(alice, title="Warehouse data audits", description=text)
    reworded = text.replace(".", " today.")
    with pytest.raises(services.DuplicateListing) as caught:
        make_listing(alice, title="Warehouse data audits", description=reworded)
    assert caught.value.duplicate_of == first
    assert '"Warehouse data audits"' in str(caught.value) and f"#{first.pk}" in str(caught.value)
    assert Listing.objects.filter(owner=alice).count() == 1
    # A draft may repeat it; publishing it may not.
    draft = make_listing(alice, publish=False, title="Warehouse data audits", description=text)
    with pytest.raises(services.DuplicateListing):
        services.publish_listing(listing=draft, by=alice)
    # Another member's similar listing is fine.
    theirs = make_listing(bob, title="Warehouse data audits", description=text)
    assert theirs.status == S.PUBLISHED
    # Once mine is closed, the draft may go up.
    services.close_listing(listing=first, by=alice)
    assert services.publish_listing(listing=draft, by=alice).status == S.PUBLISHED


def test_editing_into_a_duplicate_is_refused(alice):
    text = unique_text(11, words=40)
    first = make_listing(alice, title="Quarterly budget reviews", description=text)
    other = make_listing(alice)
    with pytest.raises(services.DuplicateListing, match="Quarterly budget reviews"):
        services.update_listing(
            listing=other,
            by=alice,
            data=listing_input(title="Quarterly budget reviews", description=text),
        )
    other.refresh_from_db()
    assert other.description != first.description


def test_the_signature_uses_the_guards_bulk_threshold(alice):
    from pitchless.network import guard_adapter

    assert services.duplicate_threshold() == guard_adapter.bulk_index.threshold
    listing = make_listing(alice)
    assert len(listing.signature.split(",")) == 64


# --- drafts from pitches ----------------------------------------------------------------------


def _pitch_from(sender, recipient) -> Message:
    connect(sender, recipient)
    message = network.send_message(sender=sender, recipient=recipient, text=PITCH).message
    Message.objects.filter(pk=message.pk).update(filed_as=Message.Filing.PITCHES, guard_pitch=True)
    message.refresh_from_db()
    return message


def test_a_draft_from_my_pitch_once(alice, bob):
    message = _pitch_from(alice, bob)
    draft = services.draft_from_message(message=message, by=alice)
    assert draft.status == S.DRAFT and draft.kind == Listing.Kind.OFFER
    assert draft.from_message == message and draft.description == PITCH
    # The first sentence is longer than a title may be: cut at a word, marked with an ellipsis.
    assert draft.title.startswith("Our agency can book a quick call to show our pricing")
    assert len(draft.title) <= 140 and draft.title.endswith("…")
    assert draft.category.slug in {"sales-services", "marketing", "other", "software"}
    assert services.draft_from_message(message=message, by=alice) == draft
    assert Listing.objects.filter(from_message=message).count() == 1


def test_a_draft_only_from_my_own_pitch(alice, bob):
    message = _pitch_from(alice, bob)
    with pytest.raises(services.NotFound):
        services.draft_from_message(message=message, by=bob)
    Message.objects.filter(pk=message.pk).update(filed_as=Message.Filing.INBOX, guard_pitch=False)
    message.refresh_from_db()
    with pytest.raises(services.ExchangeError, match="filed as a pitch"):
        services.draft_from_message(message=message, by=alice)


def test_the_title_of_a_draft_is_the_first_sentence():
    assert services._title_from("Hello there. We build apps.") == "Hello there."
    assert services._title_from("\n\nFirst line\nsecond line") == "First line"
    long = services._title_from("word " * 100)
    assert len(long) <= 140 and long.endswith("…")


# --- interest ---------------------------------------------------------------------------------


def test_interest_delivers_a_pitch_like_text_to_the_sellers_inbox(alice, bob):
    offer = make_offer(bob, title="Cloud cost review")
    engagement = services.express_interest(listing=offer, buyer=alice, text=PITCH)
    assert (engagement.listing, engagement.buyer, engagement.seller) == (offer, alice, bob)
    message = Message.objects.get(conversation=engagement.conversation)
    assert message.sender == alice and message.recipient == bob
    assert message.filed_as == Message.Filing.INBOX
    assert message.check_status == Message.Check.EXEMPT
    assert not network.is_connected(alice, bob)
    # The buyer's follow-up in that conversation is allowed and exempt too.
    follow_up = network.send_message(
        sender=alice, conversation=engagement.conversation, text=PITCH + " Again."
    ).message
    assert follow_up.filed_as == Message.Filing.INBOX
    assert follow_up.check_status == Message.Check.EXEMPT
    # A second interest reuses the engagement.
    again = services.express_interest(listing=offer, buyer=alice, text="Any news?")
    assert again.pk == engagement.pk
    assert Engagement.objects.count() == 1


def test_no_interest_in_own_closed_hidden_expired_or_requests(alice, bob):
    own = make_offer(alice)
    with pytest.raises(services.ExchangeError, match="your own"):
        services.express_interest(listing=own, buyer=alice, text="Hi")
    closed = make_offer(bob)
    services.close_listing(listing=closed, by=bob)
    hidden = make_offer(bob)
    Listing.objects.filter(pk=hidden.pk).update(status=S.HIDDEN)
    expired = make_offer(bob, now=timezone.now() - timedelta(days=31))
    request = make_request(bob)
    for listing in (closed, hidden, expired, request):
        with pytest.raises(services.ExchangeError):
            services.express_interest(listing=listing, buyer=alice, text="Hi")
    with pytest.raises(services.ExchangeError, match="Write a few words"):
        services.express_interest(listing=make_offer(bob), buyer=alice, text="  ")
    assert not Message.objects.exists() and not Engagement.objects.exists()


def test_interest_across_a_block_is_forbidden(alice, bob):
    offer = make_offer(bob)
    Block.objects.create(blocker=bob, blocked=alice)
    with pytest.raises(services.Forbidden):
        services.express_interest(listing=offer, buyer=alice, text="Hello")
    assert not Engagement.objects.exists()


def test_the_hook_answers_only_for_buyers(alice, bob, carol):
    offer = make_offer(bob)
    request = make_request(alice)
    # (a) the interested buyer writing to the offer's owner
    assert hooks.answers_exchange_request(sender=alice, recipient=bob, request_id=offer.pk)
    assert not hooks.answers_exchange_request(sender=bob, recipient=alice, request_id=offer.pk)
    assert not hooks.answers_exchange_request(sender=alice, recipient=carol, request_id=offer.pk)
    # (b) the requester writing to a seller who proposed
    assert not hooks.answers_exchange_request(sender=alice, recipient=bob, request_id=request.pk)
    make_proposal(request, bob)
    assert hooks.answers_exchange_request(sender=alice, recipient=bob, request_id=request.pk)
    assert not hooks.answers_exchange_request(sender=bob, recipient=alice, request_id=request.pk)
    assert not hooks.answers_exchange_request(sender=alice, recipient=bob, request_id=None)
    assert not hooks.answers_exchange_request(sender=alice, recipient=bob, request_id=10**9)
    # A closed offer no longer opens a conversation.
    services.close_listing(listing=offer, by=bob)
    assert not hooks.answers_exchange_request(sender=alice, recipient=bob, request_id=offer.pk)


def test_the_conversation_header_lists_the_engagements(alice, bob, carol):
    offer = make_offer(bob, title="Penetration test")
    engagement = make_engagement(offer, alice)
    services.complete_engagement(engagement=engagement, by=alice)
    rows = hooks.conversation_listings(engagement.conversation_id, alice)
    assert rows == [
        {
            "title": "Penetration test",
            "url": f"/exchange/listings/{offer.pk}/",
            "kind": "offer",
            "listing_id": offer.pk,
            "engagement_id": engagement.pk,
            "role": "buyer",
            "completed_by_me": True,
            "completed_by_other": False,
            "completed": False,
        }
    ]
    seller_rows = hooks.conversation_listings(engagement.conversation_id, bob)
    assert seller_rows[0]["role"] == "seller" and seller_rows[0]["completed_by_other"]
    assert hooks.conversation_listings(engagement.conversation_id, carol) == []
    assert services.engagements_in(conversation_id=engagement.conversation_id, member=bob) == [
        engagement
    ]


# --- proposals --------------------------------------------------------------------------------


def test_one_proposal_per_seller(alice, bob):
    request = make_request(alice)
    proposal = make_proposal(request, bob, price=Decimal("1200"))
    assert proposal.status == Proposal.Status.SENT and proposal.currency == "EUR"
    with pytest.raises(services.Conflict, match="already sent"):
        make_proposal(request, bob)
    assert Proposal.objects.count() == 1
    # Proposals do not go through the inbox.
    assert not Message.objects.exists()


def test_proposals_only_on_others_published_requests(alice, bob):
    with pytest.raises(services.ExchangeError, match="own request"):
        make_proposal(make_request(alice), alice)
    with pytest.raises(services.ExchangeError, match="offer"):
        make_proposal(make_offer(alice), bob)
    closed = make_request(alice)
    services.close_listing(listing=closed, by=alice)
    with pytest.raises(services.ExchangeError):
        make_proposal(closed, bob)
    request = make_request(alice)
    with pytest.raises(services.ExchangeError, match="own published offers"):
        services.propose(request=request, seller=bob, text="Hi", offer=make_offer(alice))
    mine = make_offer(bob)
    linked = services.propose(request=request, seller=bob, text="See my offer", offer=mine)
    assert linked.offer == mine


def test_a_request_closes_itself_at_the_limit(alice, settings):
    settings.PITCHLESS_REQUEST_MAX_PROPOSALS = 3
    request = make_request(alice)
    sellers = [make_member() for _ in range(4)]
    for seller in sellers[:2]:
        make_proposal(request, seller)
    request.refresh_from_db()
    assert request.status == S.PUBLISHED
    make_proposal(request, sellers[2])
    request.refresh_from_db()
    assert request.status == S.CLOSED and request.closed_at is not None
    with pytest.raises(services.ExchangeError):
        make_proposal(request, sellers[3])
    assert Proposal.objects.filter(request=request).count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_proposals_never_pass_the_limit(settings):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock matters on PostgreSQL")
    settings.PITCHLESS_REQUEST_MAX_PROPOSALS = 3
    ensure_categories()
    owner = make_member()
    request = make_request(owner)
    sellers = [make_member() for _ in range(6)]
    barrier = threading.Barrier(len(sellers))
    outcomes: list[str] = []

    def go(seller):
        from django.db import connections

        try:
            barrier.wait()
            make_proposal(request, seller)
            outcomes.append("ok")
        except services.ExchangeError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(s,)) for s in sellers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 3 and outcomes.count("refused") == 3
    assert Proposal.objects.filter(request=request).count() == 3
    request.refresh_from_db()
    assert request.status == S.CLOSED


@pytest.mark.django_db(transaction=True)
def test_concurrent_publications_never_pass_the_active_limit(settings):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock matters on PostgreSQL")
    settings.PITCHLESS_MAX_ACTIVE_LISTINGS = 2
    ensure_categories()
    owner = make_member()
    drafts = [make_listing(owner, publish=False) for _ in range(5)]
    barrier = threading.Barrier(len(drafts))
    outcomes: list[str] = []

    def go(draft):
        from django.db import connections

        try:
            barrier.wait()
            services.publish_listing(listing=draft, by=owner)
            outcomes.append("ok")
        except services.LimitReached:
            outcomes.append("limit")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(d,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["limit"] * 3 + ["ok"] * 2
    assert Listing.objects.active().filter(owner=owner).count() == 2


def test_proposals_are_for_the_requester_only(alice, bob, carol):
    request = make_request(alice)
    proposal = make_proposal(request, bob)
    assert list(services.proposals_for(request=request, by=alice)) == [proposal]
    with pytest.raises(services.Forbidden):
        services.proposals_for(request=request, by=carol)
    with pytest.raises(services.Forbidden):
        services.shortlist_proposal(proposal=proposal, by=bob)
    with pytest.raises(services.NotFound):
        services.decline_proposal(proposal=proposal, by=carol)


def test_shortlist_then_decline_mails_the_seller(alice, bob, django_capture_on_commit_callbacks):
    request = make_request(alice, title="A new logo for our cooperative")
    proposal = make_proposal(request, bob)
    assert services.shortlist_proposal(proposal=proposal, by=alice).status == "shortlisted"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        declined = services.decline_proposal(proposal=proposal, by=alice)
    assert declined.status == Proposal.Status.DECLINED and declined.decided_at is not None
    assert [m.to for m in mail.outbox] == [[bob.email]]
    assert "A new logo for our cooperative" in mail.outbox[0].subject
    assert "Thank you for your proposal" in mail.outbox[0].body
    # A redelivered task, or declining again, mails nothing more.
    from pitchless.exchange.tasks import decline_notice_task

    assert decline_notice_task(proposal.pk) is False
    with django_capture_on_commit_callbacks(execute=True):
        services.decline_proposal(proposal=proposal, by=alice)
    assert len(mail.outbox) == 1
    with pytest.raises(services.Conflict):
        services.shortlist_proposal(proposal=proposal, by=alice)
    with pytest.raises(services.Conflict, match="declined"):
        services.open_conversation(proposal=proposal, by=alice, text="Hi")


def test_open_a_conversation_from_a_proposal(alice, bob):
    request = make_request(alice)
    proposal = make_proposal(request, bob)
    engagement = services.open_conversation(
        proposal=proposal, by=alice, text="Your proposal looks good. " + PITCH
    )
    assert (engagement.buyer, engagement.seller, engagement.listing) == (alice, bob, request)
    assert engagement.proposal == proposal
    message = Message.objects.get(conversation=engagement.conversation)
    assert message.sender == alice and message.recipient == bob
    assert message.filed_as == Message.Filing.INBOX
    # The seller answers in the conversation the requester started.
    reply = network.send_message(sender=bob, conversation=engagement.conversation, text="Thanks!")
    assert reply.message.recipient == alice
    with pytest.raises(services.Forbidden):
        services.open_conversation(proposal=proposal, by=bob, text="Hi")


# --- engagements and reviews ------------------------------------------------------------------


def test_reviews_only_after_both_complete_and_once(alice, bob, carol):
    offer = make_offer(bob)
    engagement = make_engagement(offer, alice)
    with pytest.raises(services.ExchangeError, match="both of you"):
        services.write_review(engagement=engagement, by=alice, stars=5)
    services.complete_engagement(engagement=engagement, by=alice)
    with pytest.raises(services.ExchangeError, match="both of you"):
        services.write_review(engagement=engagement, by=alice, stars=5)
    services.complete_engagement(engagement=engagement, by=bob)
    with pytest.raises(services.NotFound):
        services.complete_engagement(engagement=engagement, by=carol)
    review = services.write_review(engagement=engagement, by=alice, stars=4, text="Thorough.")
    assert review.subject == bob and review.author == alice
    with pytest.raises(services.Conflict, match="already reviewed"):
        services.write_review(engagement=engagement, by=alice, stars=5)
    services.write_review(engagement=engagement, by=bob, stars=5, text="Paid on time.")
    with pytest.raises(services.NotFound):
        services.write_review(engagement=engagement, by=carol, stars=5)
    for bad in (0, 6, "x", 2.5, True):
        with pytest.raises(services.ExchangeError, match="1 to 5"):
            services.edit_review(review=review, by=alice, stars=bad)
    with pytest.raises(services.ExchangeError, match="2,000"):
        services.edit_review(review=review, by=alice, stars=3, text="x" * 2001)


def test_reviews_of_a_member(alice, bob, carol):
    assert services.reviews_of(bob)[1:] == (None, 0)
    services.write_review(
        engagement=make_completed_engagement(make_offer(bob), alice), by=alice, stars=4
    )
    services.write_review(
        engagement=make_completed_engagement(make_offer(bob), carol), by=carol, stars=5
    )
    services.write_review(
        engagement=make_completed_engagement(make_offer(bob), make_member()),
        by=Engagement.objects.latest("id").buyer,
        stars=4,
    )
    reviews, average, count = services.reviews_of(bob)
    assert count == 3 and average == 4.3
    assert {r.author for r in reviews} >= {alice, carol}


def test_a_review_can_be_edited_for_14_days(alice, bob):
    engagement = make_completed_engagement(make_offer(bob), alice)
    start = timezone.now()
    review = services.write_review(engagement=engagement, by=alice, stars=2, now=start)
    edited = services.edit_review(
        review=review, by=alice, stars=3, text="Better", now=start + timedelta(days=13)
    )
    assert (edited.stars, edited.text) == (3, "Better")
    with pytest.raises(services.NotFound):
        services.edit_review(review=review, by=bob, stars=1)
    with pytest.raises(services.ExchangeError, match="14 days"):
        services.edit_review(review=review, by=alice, stars=5, now=start + timedelta(days=15))
    review.refresh_from_db()
    assert review.stars == 3


# --- flags and moderation ---------------------------------------------------------------------


def test_flags_once_each_and_the_third_hides(alice, bob, carol):
    listing = make_offer(alice)
    with pytest.raises(services.ExchangeError, match="your own"):
        services.flag_listing(listing=listing, by=alice)
    services.flag_listing(listing=listing, by=bob, reason="Spam")
    with pytest.raises(services.Conflict, match="already flagged"):
        services.flag_listing(listing=listing, by=bob)
    services.flag_listing(listing=listing, by=carol)
    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED
    services.flag_listing(listing=listing, by=make_member())
    listing.refresh_from_db()
    assert listing.status == S.HIDDEN
    assert not Listing.objects.active().filter(pk=listing.pk).exists()
    with pytest.raises(services.NotFound):
        services.flag_listing(listing=listing, by=make_member())
    assert Flag.objects.filter(listing=listing, status=Flag.Status.OPEN).count() == 3


def _hidden(owner) -> Listing:
    listing = make_offer(owner)
    for _ in range(3):
        services.flag_listing(listing=listing, by=make_member())
    listing.refresh_from_db()
    assert listing.status == S.HIDDEN
    return listing


def test_only_moderators_restore_or_remove(alice, bob):
    listing = _hidden(alice)
    for action in (services.restore_listing, services.remove_listing):
        with pytest.raises(services.Forbidden):
            action(listing=listing, moderator=bob, reason="Looks fine")
        with pytest.raises(services.Forbidden):
            action(listing=listing, moderator=alice, reason="Mine is fine")
    assert not ListingDecision.objects.exists()


def test_restore_puts_it_back_and_closes_the_flags(alice, moderator):
    listing = _hidden(alice)
    with pytest.raises(services.ExchangeError, match="reason"):
        services.restore_listing(listing=listing, moderator=moderator, reason=" ")
    restored = services.restore_listing(listing=listing, moderator=moderator, reason="Not spam")
    assert restored.status == S.PUBLISHED
    assert not Flag.objects.filter(listing=listing, status=Flag.Status.OPEN).exists()
    decision = ListingDecision.objects.get(listing=listing)
    assert (decision.kind, decision.moderator, decision.reason) == (
        "restore",
        moderator,
        "Not spam",
    )
    with pytest.raises(services.Conflict):
        services.restore_listing(listing=listing, moderator=moderator, reason="Again")
    # The old flags no longer count: three new ones are needed to hide it again.
    services.flag_listing(listing=listing, by=make_member())
    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED


def test_restore_after_the_time_ran_out_expires_it(alice, moderator):
    listing = _hidden(alice)
    Listing.objects.filter(pk=listing.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    assert services.restore_listing(listing=listing, moderator=moderator, reason="ok").status == (
        S.EXPIRED
    )


def test_remove_keeps_it_hidden_with_the_reason(alice, moderator):
    listing = _hidden(alice)
    removed = services.remove_listing(listing=listing, moderator=moderator, reason="Scam offer")
    assert removed.status == S.HIDDEN and removed.moderation_reason == "Scam offer"
    assert ListingDecision.objects.get(listing=listing).kind == "remove"
    with pytest.raises(services.ExchangeError, match="moderator hid"):
        services.update_listing(listing=listing, by=alice, data=listing_input())
    # Still visible to its owner, to nobody else.
    assert services.get_listing(listing_id=listing.pk, viewer=alice) == listing
    with pytest.raises(services.NotFound):
        services.get_listing(listing_id=listing.pk, viewer=None)
    # A moderator may still change their mind; both decisions stay in the log.
    restored = services.restore_listing(listing=listing, moderator=moderator, reason="Appeal")
    assert restored.status == S.PUBLISHED and restored.moderation_reason == ""
    assert list(ListingDecision.objects.values_list("kind", flat=True)) == ["restore", "remove"]


# --- demo data --------------------------------------------------------------------------------


def test_the_demo_listings_load_through_the_services_once(db):
    from pitchless.exchange.demo import LISTINGS, load_exchange_demo
    from pitchless.exchange.models import Review, SavedSearch
    from pitchless.network.demo import PEOPLE

    people = {key: make_member(name, location=place) for key, name, _, _, place in PEOPLE}
    made = load_exchange_demo(people)
    assert made == len(LISTINGS) and 55 <= made <= 70
    active = Listing.objects.active()
    assert active.count() == made
    assert active.requests().count() >= 8 and active.offers().count() >= 40
    assert active.values("category").distinct().count() >= 25
    assert all(listing.signature for listing in active)
    assert Proposal.objects.count() >= 5
    engagement = Engagement.objects.get()
    assert engagement.completed
    assert Review.objects.filter(engagement=engagement).count() == 2
    assert SavedSearch.objects.filter(owner=people["maya"]).exists()
    assert load_exchange_demo(people) == 0
    assert Listing.objects.count() == made


def test_may_message_knows_the_buyers_engagement(alice, bob, carol):
    engagement = make_engagement(make_offer(bob), alice)
    conversation = engagement.conversation
    assert network.may_message(sender=alice, recipient=bob, conversation=conversation)
    assert network.may_message(sender=bob, recipient=alice, conversation=conversation)
    assert not network.may_message(sender=carol, recipient=bob, conversation=None)
    Block.objects.create(blocker=bob, blocked=alice)
    assert not network.may_message(sender=alice, recipient=bob, conversation=conversation)
    with pytest.raises(network.Forbidden):
        network.send_message(sender=alice, conversation=conversation, text="Still there?")


# --- admin ------------------------------------------------------------------------------------


def test_the_admin_lists_every_exchange_model(alice, bob, client):
    from django.contrib import admin

    from pitchless.exchange import models

    engagement = make_completed_engagement(make_offer(bob), alice)
    services.write_review(engagement=engagement, by=alice, stars=5)
    make_proposal(make_request(alice), bob)
    admin_user = make_member(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    for model in (
        models.Category,
        models.Listing,
        models.Engagement,
        models.Proposal,
        models.SavedSearch,
        models.SavedSearchHit,
        models.Flag,
        models.ListingDecision,
        models.Review,
    ):
        assert admin.site.is_registered(model)
        url = f"/admin/exchange/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url

"""The Exchange's pages, end to end through URLs: browse and search (with and without htmx),
posting and managing listings, interest, proposals, saved searches, unsubscribe, a pitch turned
into a listing, and reviews.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from pitchless.exchange import services, views
from pitchless.exchange.models import Engagement, Listing, Proposal, Review, SavedSearch
from pitchless.network import services as network
from pitchless.network.models import Folder, Message, Participant
from tests.network.conftest import connect, login

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
PITCH = (
    "Thanks for connecting! Our agency offers lead generation services. Pricing starts at "
    "$499 per month. Can we book a quick 15-minute call this week for a demo?"
)


def listing(owner, title, description, *, publish=True, **fields) -> Listing:
    """A listing made through the service, published unless told otherwise."""
    data = {
        "kind": "offer",
        "title": title,
        "description": description,
        "category": "software-development",
        **fields,
    }
    return services.create_listing(owner=owner, data=services.ListingInput(**data), publish=publish)


def form_data(**overrides) -> dict[str, str]:
    """The listing form as a browser posts it."""
    data = {
        "kind": "offer",
        "title": "Django code reviews",
        "description": "I review **Django** projects: security, performance, tests.",
        "category": "software-development",
        "tags": "django, python",
        "price_min": "300",
        "price_max": "900",
        "currency": "eur",
        "remote": "on",
        "location": "Lyon",
        "action": "draft",
    }
    data.update(overrides)
    return data


def text(response) -> str:
    return response.content.decode()


# --- browse and search ------------------------------------------------------------------------


def test_anonymous_visitors_browse_and_search(alice):
    listing(alice, "Kubernetes migration help", "I move legacy apps to Kubernetes clusters.")
    listing(alice, "Bookkeeping for freelancers", "Monthly bookkeeping and VAT returns.")
    anon = Client()
    everything = text(anon.get("/exchange/"))
    assert "Kubernetes migration help" in everything
    assert "Bookkeeping for freelancers" in everything
    assert 'aria-live="polite"' in everything
    assert "Save this search" not in everything  # saving needs a log-in

    found = text(anon.get("/exchange/", {"q": "kubernetes"}))
    assert "Bookkeeping for freelancers" not in found
    assert "<mark>Kubernetes</mark>" in found
    assert "Alice Archer" in found


def test_filters_and_sort_change_the_results(alice, bob):
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        listing(
            alice,
            "Old office chairs for sale",
            "Twelve ergonomic chairs, barely used.",
            category="office-equipment",
            price_min=Decimal("40"),
            price_max=Decimal("60"),
            location="Berlin",
        )
    listing(
        bob,
        "Need a data pipeline built",
        "We need someone to build an ingestion pipeline.",
        kind="request",
        category="data-analytics",
        remote=True,
        price_min=Decimal("5000"),
    )
    listing(
        bob,
        "Remote Python mentoring",
        "Weekly mentoring sessions for junior Python developers.",
        category="coaching",
        remote=True,
        price_min=Decimal("80"),
        price_max=Decimal("120"),
    )
    c = Client()

    def titles(**params) -> list[str]:
        html = text(c.get("/exchange/", params))
        return re.findall(r'<h3><a href="/exchange/listings/\d+/">(.*?)</a></h3>', html)

    assert titles(kind="request") == ["Need a data pipeline built"]
    assert titles(category="office-equipment") == ["Old office chairs for sale"]
    assert set(titles(remote="on")) == {"Need a data pipeline built", "Remote Python mentoring"}
    assert titles(price_max="100", price_min="50") == [
        "Remote Python mentoring",
        "Old office chairs for sale",
    ]
    assert titles(location="berl") == ["Old office chairs for sale"]
    assert "Old office chairs for sale" not in titles(within_days="7")
    newest = titles(sort="newest")
    assert newest[-1] == "Old office chairs for sale"
    assert len(newest) == 3


def test_pages_keep_the_filters(alice, monkeypatch):
    monkeypatch.setattr(views, "PER_PAGE", 2)
    for n in range(3):
        listing(
            alice, f"Remote design sprint {n}", f"Design sprint number {n} for teams.", remote=True
        )
    c = Client()
    first = text(c.get("/exchange/", {"q": "design", "remote": "on"}))
    assert first.count('class="listing-row card"') == 2
    link = re.search(r'<a href="(\?[^"]*page=2[^"]*)">Next</a>', first)
    assert link, first
    href = link.group(1).replace("&amp;", "&")
    assert "q=design" in href and "remote=on" in href
    second = text(c.get("/exchange/" + href))
    assert second.count('class="listing-row card"') == 1
    assert "Previous" in second


def test_htmx_gets_the_results_alone(alice):
    listing(alice, "Translation to German", "Technical translation, English to German.")
    response = Client().get("/exchange/", {"q": "german"}, **HX)
    assert response.status_code == 200
    html = text(response)
    assert "<html" not in html
    assert "Translation to <mark>German</mark>" in html
    assert 'role="search"' not in html  # the form stays on the page; only results swap
    assert "HX-Request" in response["Vary"]
    full = text(Client().get("/exchange/", {"q": "german"}))
    assert "<html" in full and 'hx-get="/exchange/"' in full
    assert 'hx-trigger="input changed delay:300ms, change, submit"' in full
    # htmx restoring history it no longer has cached asks for the whole page
    restore = Client().get(
        "/exchange/", {"q": "german"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HX
    )
    assert "<html" in text(restore)


@pytest.mark.parametrize(
    ("params", "told"),
    [
        ({"q": "x" * 10_240}, True),
        ({"q": '"unterminated "quote AND OR NOT * (quote'}, False),
        ({"price_min": "abc"}, True),
        ({"price_max": "-5", "within_days": "many", "kind": "gift", "sort": "random"}, True),
        ({"category": "no-such-category", "remote": "perhaps"}, True),
        ({"page": "999999999999999999999"}, False),
    ],
)
def test_bad_input_answers_a_page_never_an_error(alice, params, told):
    """Bad values are dropped with a message; quotes and operators are just words."""
    listing(alice, "Quote generator service", "Generates quotes for you.")
    for extra in ({}, HX):
        response = Client().get("/exchange/", params, **extra)
        assert response.status_code == 200
        html = text(response)
        assert ('class="notices"' in html) is told, params


def test_saving_a_search_keeps_the_query_and_filters(alice):
    c = login(alice)
    home = text(c.get("/exchange/", {"q": "django", "remote": "on", "kind": "offer"}))
    action = re.search(r'action="(/exchange/save-search/\?[^"]*)"', home).group(1)
    response = c.post(action.replace("&amp;", "&"), {"name": "Django gigs", "alerts": "on"})
    assert response.status_code == 302
    saved = SavedSearch.objects.get(owner=alice)
    assert saved.name == "Django gigs"
    assert saved.query == "django"
    assert saved.filters.get("remote") is True and saved.filters.get("kind") == "offer"
    assert saved.alerts is True
    page = text(c.get("/exchange/saved/"))
    assert "Django gigs" in page
    # the link runs the same search
    run = re.search(r'<a href="(/exchange/\?[^"]*)">Django gigs</a>', page).group(1)
    run = run.replace("&amp;", "&")
    assert "q=django" in run and "remote=on" in run and "kind=offer" in run


def test_saved_searches_are_their_owners_own(alice, bob):
    mine = services.save_search(owner=alice, name="Design work", params=services_params(q="design"))
    assert "Design work" not in text(login(bob).get("/exchange/saved/"))
    b = login(bob)
    assert b.post(f"/exchange/saved/{mine.pk}/delete/").status_code == 404
    assert b.post(f"/exchange/saved/{mine.pk}/alerts-off/").status_code == 404
    assert SavedSearch.objects.filter(pk=mine.pk, alerts=True).exists()
    a = login(alice)
    a.post(f"/exchange/saved/{mine.pk}/alerts-off/")
    assert SavedSearch.objects.get(pk=mine.pk).alerts is False
    assert "Turn the daily digest on" in text(a.get("/exchange/saved/"))
    assert b.post(f"/exchange/saved/{mine.pk}/alerts-on/").status_code == 404
    assert SavedSearch.objects.get(pk=mine.pk).alerts is False
    a.post(f"/exchange/saved/{mine.pk}/alerts-on/")
    assert SavedSearch.objects.get(pk=mine.pk).alerts is True
    a.post(f"/exchange/saved/{mine.pk}/delete/")
    assert not SavedSearch.objects.filter(pk=mine.pk).exists()
    assert Client().get("/exchange/saved/").status_code == 302  # log-in first


def services_params(**fields):
    from pitchless.exchange.search import SearchParams

    return SearchParams(**fields)


def test_unsubscribe_changes_nothing_on_get_and_stops_alerts_on_post(alice):
    saved = services.save_search(owner=alice, name="Data jobs", params=services_params(q="data"))
    url = f"/exchange/unsubscribe/{saved.unsubscribe_token}/"
    anon = Client(enforce_csrf_checks=True)
    page = anon.get(url)
    assert page.status_code == 200
    assert "Data jobs" in text(page)
    assert "<button" in text(page)
    assert SavedSearch.objects.get(pk=saved.pk).alerts is True
    # the one-click POST of a mail client carries no CSRF token
    done = anon.post(url)
    assert done.status_code == 200
    assert "no more e-mails" in text(done)
    assert SavedSearch.objects.get(pk=saved.pk).alerts is False

    unknown = Client().get("/exchange/unsubscribe/not-a-real-token/")
    assert unknown.status_code == 404
    assert "not valid" in text(unknown)
    assert Client().post("/exchange/unsubscribe/not-a-real-token/").status_code == 404


# --- posting and managing listings ------------------------------------------------------------


def test_post_a_draft_edit_and_publish_it(alice):
    c = login(alice)
    form = text(c.get("/exchange/new/"))
    for name in ("title", "description", "category", "tags", "price_min", "currency"):
        assert f'for="id_{name}"' in form
    response = c.post("/exchange/new/", form_data())
    draft = Listing.objects.get(owner=alice)
    assert response.status_code == 302
    assert response["Location"] == f"/exchange/listings/{draft.pk}/"
    assert draft.status == Listing.Status.DRAFT
    assert draft.currency == "EUR" and draft.remote and draft.price_min == Decimal("300")
    assert Client().get(f"/exchange/listings/{draft.pk}/").status_code == 404  # drafts are private

    edit = text(c.get(f"/exchange/listings/{draft.pk}/edit/"))
    assert 'value="Django code reviews"' in edit
    c.post(
        f"/exchange/listings/{draft.pk}/edit/",
        form_data(title="Django code reviews and audits", action="publish"),
    )
    draft.refresh_from_db()
    assert draft.title == "Django code reviews and audits"
    assert draft.status == Listing.Status.PUBLISHED
    public = text(Client().get(f"/exchange/listings/{draft.pk}/"))
    assert "<strong>Django</strong>" in public  # the description's formatting
    assert "Alice Archer" in public


def test_publish_renew_close_and_delete_through_the_buttons(alice):
    c = login(alice)
    c.post("/exchange/new/", form_data(action="publish"))
    published = Listing.objects.get(owner=alice)
    assert published.status == Listing.Status.PUBLISHED
    page = text(c.get(f"/exchange/listings/{published.pk}/"))
    assert "Renew" in page and "Close" in page and "Delete draft" not in page

    too_soon = c.post(f"/exchange/listings/{published.pk}/renew/", follow=True)
    assert published.expires_at == Listing.objects.get(pk=published.pk).expires_at
    assert '<li class="error">' in text(too_soon)
    with time_machine.travel(timezone.now() + timedelta(hours=49)):
        c.post(f"/exchange/listings/{published.pk}/renew/")
    assert Listing.objects.get(pk=published.pk).expires_at > published.expires_at

    c.post(f"/exchange/listings/{published.pk}/close/")
    assert Listing.objects.get(pk=published.pk).status == Listing.Status.CLOSED

    c.post("/exchange/new/", form_data(title="A different thing", description="Other words."))
    draft = Listing.objects.get(owner=alice, status=Listing.Status.DRAFT)
    mine = text(c.get("/exchange/mine/"))
    assert "Draft" in mine and "Closed" in mine and "A different thing" in mine
    response = c.post(f"/exchange/listings/{draft.pk}/delete/")
    assert response["Location"] == "/exchange/mine/"
    assert not Listing.objects.filter(pk=draft.pk).exists()
    # only drafts can be deleted
    c.post(f"/exchange/listings/{published.pk}/delete/")
    assert Listing.objects.filter(pk=published.pk).exists()


def test_a_duplicate_is_refused_with_a_link_and_the_text_kept(alice):
    first = listing(
        alice,
        "Django code reviews",
        "I review Django projects: security, performance, tests.",
    )
    c = login(alice)
    response = c.post(
        "/exchange/new/",
        form_data(
            description="I review Django projects: security, performance, tests.",
            action="publish",
        ),
    )
    assert response.status_code == 400
    html = text(response)
    assert 'role="alert"' in html
    assert f'href="/exchange/listings/{first.pk}/"' in html
    assert 'value="Django code reviews"' in html
    assert "I review Django projects: security, performance, tests." in html
    assert Listing.objects.filter(owner=alice, status=Listing.Status.PUBLISHED).count() == 1


def test_form_errors_keep_what_was_typed(alice):
    response = login(alice).post(
        "/exchange/new/", form_data(title="", price_min="cheap", description="Kept words.")
    )
    assert response.status_code == 400
    html = text(response)
    assert "Kept words." in html and 'value="cheap"' in html
    assert not Listing.objects.exists()


def test_other_members_drafts_and_edits_are_not_found(alice, bob):
    draft = listing(alice, "Secret draft", "Not public yet.", publish=False)
    published = listing(alice, "Public offer", "Everyone can see this.")
    b = login(bob)
    assert b.get(f"/exchange/listings/{draft.pk}/").status_code == 404
    assert b.get(f"/exchange/listings/{draft.pk}/edit/").status_code == 404
    assert b.get(f"/exchange/listings/{published.pk}/edit/").status_code == 404
    response = b.post(f"/exchange/listings/{published.pk}/edit/", form_data(title="Hijacked"))
    assert response.status_code == 404
    for action in ("publish", "close", "renew", "delete"):
        assert b.post(f"/exchange/listings/{draft.pk}/{action}/").status_code == 404
    assert Listing.objects.get(pk=published.pk).title == "Public offer"
    assert Listing.objects.get(pk=draft.pk).status == Listing.Status.DRAFT
    assert Client().get("/exchange/new/").status_code == 302  # log-in first


# --- buyers and sellers -----------------------------------------------------------------------


def test_im_interested_opens_a_conversation_in_the_sellers_inbox(alice, bob):
    offer = listing(alice, "Penetration testing", "Web application penetration tests.")
    b = login(bob)
    page = text(b.get(f"/exchange/listings/{offer.pk}/"))
    assert "I'm interested" in page
    response = b.post(
        f"/exchange/listings/{offer.pk}/interest/",
        {"text": "Could you test our shop before the launch in March?"},
    )
    engagement = Engagement.objects.get(listing=offer, buyer=bob)
    assert response.status_code == 302
    assert response["Location"] == f"/messages/{engagement.conversation_id}/"
    conversation = text(b.get(response["Location"]))
    assert "Penetration testing" in conversation
    assert f'href="/exchange/listings/{offer.pk}/"' in conversation

    side = Participant.objects.get(member=alice, conversation_id=engagement.conversation_id)
    assert side.folder == Folder.INBOX
    inbox = text(login(alice).get("/messages/"))
    assert "Bob Baker" in inbox
    message = Message.objects.get(sender=bob, recipient=alice)
    assert message.text == "Could you test our shop before the launch in March?"


def test_owner_and_anonymous_do_not_see_interest(alice):
    offer = listing(alice, "Penetration testing", "Web application penetration tests.")
    assert "I'm interested" not in text(login(alice).get(f"/exchange/listings/{offer.pk}/"))
    anon = text(Client().get(f"/exchange/listings/{offer.pk}/"))
    assert "I'm interested" not in anon and "Log in" in anon
    assert (
        Client().post(f"/exchange/listings/{offer.pk}/interest/", {"text": "Hi"}).status_code == 302
    )
    assert not Engagement.objects.exists()


def test_proposals_are_seen_by_the_requester_only(alice, bob, carol):
    request = listing(
        alice,
        "Need a logo",
        "A logo for our bakery, three options.",
        kind="request",
        category="design",
    )
    b = login(bob)
    page = text(b.get(f"/exchange/listings/{request.pk}/"))
    assert "Propose" in page
    b.post(
        f"/exchange/listings/{request.pk}/propose/",
        {
            "text": "Three sketches in a week, two rounds of changes.",
            "price": "450",
            "currency": "eur",
        },
    )
    proposal = Proposal.objects.get(request=request, seller=bob)
    assert proposal.price == Decimal("450") and proposal.currency == "EUR"

    a = login(alice)
    owner_page = text(a.get(f"/exchange/listings/{request.pk}/"))
    assert "Proposals on this request (1)" in owner_page
    listing_page = text(a.get(f"/exchange/listings/{request.pk}/proposals/"))
    assert "Three sketches in a week" in listing_page and "Bob Baker" in listing_page

    assert login(carol).get(f"/exchange/listings/{request.pk}/proposals/").status_code == 404
    assert b.get(f"/exchange/listings/{request.pk}/proposals/").status_code == 404
    assert login(carol).post(f"/exchange/proposals/{proposal.pk}/shortlist/").status_code == 404

    a.post(f"/exchange/proposals/{proposal.pk}/shortlist/")
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.SHORTLISTED
    response = a.post(
        f"/exchange/proposals/{proposal.pk}/converse/", {"text": "Can you start on Monday?"}
    )
    engagement = Engagement.objects.get(proposal=proposal)
    assert response["Location"] == f"/messages/{engagement.conversation_id}/"
    assert Message.objects.filter(sender=alice, recipient=bob).exists()


def test_declining_a_proposal(alice, bob):
    request = listing(
        alice, "Need a logo", "A logo for our bakery.", kind="request", category="design"
    )
    proposal = services.propose(request=request, seller=bob, text="I can do it.")
    login(alice).post(f"/exchange/proposals/{proposal.pk}/decline/")
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.DECLINED


# --- from a pitch to a listing ----------------------------------------------------------------


def test_a_pitch_sender_turns_the_message_into_a_draft(alice, bob, carol):
    connect(alice, bob, minutes_ago=3)
    result = network.send_message(sender=alice, recipient=bob, text=PITCH)
    message = result.message
    assert message.filed_as == Message.Filing.PITCHES
    a = login(alice)
    page = text(a.get(f"/messages/{message.conversation_id}/"))
    assert "Turn this into an Exchange listing" in page
    assert f'action="/exchange/from-message/{message.pk}/"' in page
    # the recipient sees no such button
    assert "Turn this into an Exchange listing" not in text(
        login(bob).get(f"/messages/{message.conversation_id}/")
    )
    assert login(carol).post(f"/exchange/from-message/{message.pk}/").status_code == 404
    assert login(bob).post(f"/exchange/from-message/{message.pk}/").status_code == 404

    response = a.post(f"/exchange/from-message/{message.pk}/")
    draft = Listing.objects.get(owner=alice)
    assert response["Location"] == f"/exchange/listings/{draft.pk}/edit/"
    assert draft.status == Listing.Status.DRAFT and draft.from_message_id == message.pk
    edit = text(a.get(response["Location"]))
    assert "Drafted from your message" in edit
    assert "lead generation" in edit


# --- engagements and reviews ------------------------------------------------------------------


def test_complete_and_review_from_the_conversation(alice, bob, carol):
    offer = listing(alice, "Penetration testing", "Web application penetration tests.")
    engagement = services.express_interest(listing=offer, buyer=bob, text="Interested!")
    url = f"/messages/{engagement.conversation_id}/"
    a, b = login(alice), login(bob)
    assert "Mark the engagement completed" in text(b.get(url))
    assert login(carol).post(f"/exchange/engagements/{engagement.pk}/complete/").status_code == 404
    b.post(f"/exchange/engagements/{engagement.pk}/complete/")
    assert "waiting for Alice Archer" in text(b.get(url))
    a.post(f"/exchange/engagements/{engagement.pk}/complete/")
    page = text(b.get(url))
    assert "Engagement completed." in page and "Review Alice Archer" in page

    b.post(f"/exchange/engagements/{engagement.pk}/review/", {"stars": "4", "text": "Thorough."})
    review = Review.objects.get(author=bob, subject=alice)
    assert review.stars == 4
    assert "Edit your review of Alice Archer" in text(b.get(url))
    b.post(f"/exchange/engagements/{engagement.pk}/review/", {"stars": "5", "text": "Great."})
    assert Review.objects.get(pk=review.pk).stars == 5
    assert Review.objects.filter(author=bob).count() == 1

    profile = text(login(carol).get(f"/members/{alice.pk}/"))
    assert "5.0 out of 5" in profile and "1 review" in profile and "Great." in profile
    listing_page = text(Client().get(f"/exchange/listings/{offer.pk}/"))
    assert "5.0 out of 5 from 1 review" in listing_page

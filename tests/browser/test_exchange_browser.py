"""The Exchange in a real browser: a buyer searches (results update as they type, without a
page load), opens a listing, says "I'm interested" and lands in the conversation that names the
listing; then saves a search, a seller publishes a match, the daily digest is mailed, and the
buyer unsubscribes from the link in the e-mail.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from pitchless.exchange import services
from pitchless.exchange.categories import CATEGORIES
from pitchless.exchange.models import Category, Engagement, SavedSearch
from pitchless.network.models import Message
from tests.members.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db(transaction=True)

OFFER = "Kubernetes migration help"
OTHER = "Bookkeeping for freelancers"
MATCH = "Python mentoring for junior developers"
INTEREST = "Hello Sam, could you move our two Rails apps to Kubernetes by June?"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # Real hashing costs ~0.3 s per log-in; the flow does not need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _categories(transactional_db):
    # A transactional test empties every table when it ends, the migration's categories too.
    for position, (slug, name, group) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "group": group, "position": position}
        )


def _log_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def _htmx_requests(page: Any) -> list[str]:
    """The URLs of the requests htmx sends (they carry ``HX-Request: true``)."""
    seen: list[str] = []
    page.on(
        "request",
        lambda r: seen.append(r.url) if r.headers.get("hx-request") == "true" else None,
    )
    return seen


def _offer(owner: Any, title: str, description: str, **fields: Any) -> Any:
    data = {"kind": "offer", "title": title, "description": description, "category": "consulting"}
    data.update(fields)
    return services.create_listing(owner=owner, data=services.ListingInput(**data), publish=True)


def test_search_interest_saved_search_digest_and_unsubscribe(
    new_page, live_server, site_guard, settings, tmp_path
):
    base = live_server.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.PITCHLESS_SITE_URL = base
    sam = make_member("Sam Seller", email="sam@example.org")
    bea = make_member("Bea Buyer", email="bea@example.org")
    tom = make_member("Tom Tutor", email="tom@example.org")
    offer = _offer(
        sam,
        OFFER,
        "I move legacy applications to **Kubernetes** clusters, with zero downtime.",
        category="cloud-hosting",
        remote=True,
        price_min=Decimal("2000"),
        currency="EUR",
    )
    _offer(
        sam, OTHER, "Monthly bookkeeping and VAT returns for freelancers.", category="accounting"
    )

    page = new_page()
    htmx = _htmx_requests(page)
    _log_in(page, base, bea.email)

    # 1. Bea types in the search box: the results update in place, the page is not reloaded.
    page.goto(f"{base}/exchange/")
    results = page.locator("#results")
    assert results.get_attribute("aria-live") == "polite"
    assert OFFER in results.inner_text() and OTHER in results.inner_text()
    page.evaluate("window.__samePage = true")
    page.get_by_label("Search the Exchange").press_sequentially("kubernetes", delay=20)
    results.locator("mark").first.wait_for()
    assert OTHER not in results.inner_text()
    assert results.locator("mark").first.inner_text().lower() == "kubernetes"
    assert page.evaluate("window.__samePage === true")  # no full page load happened
    assert any("/exchange/?" in url and "q=kub" in url for url in htmx)
    page.wait_for_url(re.compile(r"/exchange/\?.*q=kubernetes"))  # the address follows

    # 2. She opens the listing and says she is interested.
    results.get_by_role("link", name=re.compile(OFFER)).click()
    page.wait_for_url(f"{base}/exchange/listings/{offer.pk}/")
    assert page.locator(".description strong").inner_text() == "Kubernetes"
    page.get_by_label("Your message to the seller").fill(INTEREST)
    page.get_by_role("button", name="I'm interested").click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/messages/\d+/$"))
    header = page.locator(".engagements")
    assert OFFER in header.inner_text()
    assert header.get_by_role("link", name=OFFER).get_attribute("href") == (
        f"/exchange/listings/{offer.pk}/"
    )
    assert INTEREST in page.locator(".messages").inner_text()
    engagement = Engagement.objects.get(listing=offer, buyer=bea)
    assert page.url.endswith(f"/messages/{engagement.conversation_id}/")
    assert Message.objects.get(sender=bea, recipient=sam).text == INTEREST

    # 3. She saves a search for mentoring.
    page.goto(f"{base}/exchange/?q=mentoring")
    page.get_by_label("Name this search").fill("Mentors")
    page.get_by_role("button", name="Save this search").click()
    page.wait_for_url(f"{base}/exchange/saved/")
    assert "Mentors" in page.locator(".saved-searches").inner_text()
    saved = SavedSearch.objects.get(owner=bea)
    assert saved.query == "mentoring" and saved.alerts

    # 4. Tom publishes a matching listing through the form.
    tom_page = new_page()
    _log_in(tom_page, base, tom.email)
    tom_page.goto(f"{base}/exchange/new/")
    tom_page.get_by_label("Title").fill(MATCH)
    tom_page.get_by_label("Description").fill(
        "Weekly mentoring sessions: code review, career advice and interview practice."
    )
    tom_page.get_by_label("Category").select_option("coaching")
    tom_page.get_by_label("Can be done remotely").check()
    tom_page.get_by_role("button", name="Publish").click()
    tom_page.wait_for_url(re.compile(rf"{re.escape(base)}/exchange/listings/\d+/$"))
    assert "Listing published." in tom_page.locator(".flash").inner_text()

    # 5. The daily digest goes out; it names the listing and links to unsubscribe.
    before = set(tmp_path.iterdir())  # the seller's new-message notice is there already
    assert services.send_digests() == 1
    mails = [p.read_text() for p in set(tmp_path.iterdir()) - before]
    assert len(mails) == 1
    mail = mails[0]
    assert "bea@example.org" in mail
    assert MATCH in mail
    assert OFFER not in mail  # published before the search was saved
    link = re.search(rf"{re.escape(base)}/exchange/unsubscribe/[\w-]+/", mail)
    assert link, mail
    assert link.group(0).endswith(f"/{saved.unsubscribe_token}/")

    # 6. Opening the link changes nothing until she confirms.
    page.goto(link.group(0))
    assert SavedSearch.objects.get(pk=saved.pk).alerts is True
    assert "Mentors" in page.locator("main").inner_text()
    page.get_by_role("button", name="Unsubscribe").click()
    page.get_by_role("heading", name="Unsubscribed").wait_for()
    assert SavedSearch.objects.get(pk=saved.pk).alerts is False
    assert services.send_digests() == 0


def test_search_works_without_javascript(page_without_js, live_server):
    sam = make_member("Sam Seller", email="sam@example.org")
    _offer(sam, OFFER, "I move legacy applications to Kubernetes clusters.")
    _offer(sam, OTHER, "Monthly bookkeeping and VAT returns.", category="accounting")
    page = page_without_js
    page.goto(f"{live_server.url}/exchange/")
    page.get_by_label("Search the Exchange").fill("bookkeeping")
    page.get_by_label("Remote only").check()
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"/exchange/\?.*q=bookkeeping.*remote=on"))
    assert "No listing matches" in page.locator("#results").inner_text()
    page.get_by_label("Remote only").uncheck()
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(lambda url: "remote=on" not in url)
    results = page.locator("#results").inner_text()
    assert OTHER in results and OFFER not in results

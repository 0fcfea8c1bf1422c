"""Saved searches and their digests, unsubscribing, and the periodic tasks and commands."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from pitchless.exchange import services, tasks
from pitchless.exchange.models import Listing, SavedSearch, SavedSearchHit
from pitchless.exchange.search import SearchParams
from tests.exchange.factories import make_listing


def _save(owner, name="Kubernetes help", **mapping):
    params, messages = SearchParams.from_mapping(mapping)
    assert messages == []
    return services.save_search(owner=owner, name=name, params=params)


@pytest.fixture
def later():
    """A moment after the saved searches made in a test: listings published then are new."""
    return timezone.now() + timedelta(minutes=5)


def test_save_search_keeps_the_query_and_the_filters(alice):
    saved = _save(alice, q="kubernetes", kind="offer", remote="yes", price_max="900")
    assert saved.query == "kubernetes" and saved.alerts
    assert saved.filters == {"kind": "offer", "remote": True, "price_max": "900.00"}
    assert len(saved.unsubscribe_token) >= 32
    with pytest.raises(services.ExchangeError, match="name"):
        _save(alice, name="  ")
    with pytest.raises(services.ExchangeError, match="120"):
        _save(alice, name="x" * 121)


def test_only_the_owner_deletes_a_saved_search(alice, bob):
    saved = _save(alice)
    with pytest.raises(services.NotFound):
        services.delete_saved_search(saved_search=saved, by=bob)
    services.delete_saved_search(saved_search=saved, by=alice)
    assert not SavedSearch.objects.exists()


def test_the_digest_sends_new_matches_once(alice, bob, carol, later):
    before = make_listing(bob, title="Kubernetes cluster audit", remote=True)
    saved = _save(alice, q="kubernetes", kind="offer", remote="yes")
    match = make_listing(bob, title="Kubernetes upgrades done for you", remote=True, now=later)
    make_listing(bob, title="Kubernetes training on site", remote=False, now=later)  # on-site
    make_listing(carol, title="Kubernetes help wanted", kind="request", remote=True, now=later)
    make_listing(alice, title="My own Kubernetes offer", remote=True, now=later)  # own
    make_listing(carol, title="Bookkeeping for startups", remote=True, now=later)  # no match
    mail.outbox.clear()

    assert services.send_digests(now=later + timedelta(minutes=1)) == 1
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [alice.email]
    assert sent.subject == "1 new listing for \u201cKubernetes help\u201d"
    assert f"http://127.0.0.1:8000/exchange/listings/{match.pk}/" in sent.body
    assert "Kubernetes upgrades done for you" in sent.body
    for absent in ("cluster audit", "on site", "help wanted", "My own", "Bookkeeping"):
        assert absent not in sent.body
    unsubscribe = f"http://127.0.0.1:8000/exchange/unsubscribe/{saved.unsubscribe_token}/"
    assert unsubscribe in sent.body
    assert sent.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert list(SavedSearchHit.objects.values_list("listing", flat=True)) == [match.pk]
    saved.refresh_from_db()
    assert saved.last_digest_at == later + timedelta(minutes=1)
    assert before.pk not in SavedSearchHit.objects.values_list("listing", flat=True)

    # Running it again sends nothing; a newer match comes alone in the next digest.
    assert services.send_digests(now=later + timedelta(minutes=2)) == 0
    assert len(mail.outbox) == 1
    newer = make_listing(
        carol, title="Managed Kubernetes hosting", remote=True, now=later + timedelta(hours=1)
    )
    assert services.send_digests(now=later + timedelta(hours=2)) == 1
    assert f"/exchange/listings/{newer.pk}/" in mail.outbox[1].body
    assert f"/exchange/listings/{match.pk}/" not in mail.outbox[1].body


def test_one_mail_per_saved_search_with_a_cap(alice, bob, later):
    _save(alice, name="Everything")
    _save(bob, name="All of it")
    for n in range(services.DIGEST_MAX_LISTINGS + 2):
        owner = alice if n % 2 else bob
        make_listing(owner, now=later + timedelta(seconds=n), category="design")
    mail.outbox.clear()
    assert services.send_digests(now=later + timedelta(minutes=5)) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.email, bob.email])
    # Each member sees only the others' listings: 11 of the 22.
    assert all(
        SavedSearchHit.objects.filter(saved_search__owner=m).count() == 11 for m in (alice, bob)
    )


def test_the_digest_cap(alice, bob, carol, later):
    _save(alice, name="Everything")
    sellers = [bob, carol]
    total = services.DIGEST_MAX_LISTINGS + 3
    for n in range(total):
        make_listing(sellers[n % 2], now=later + timedelta(seconds=n))
    assert services.send_digests(now=later + timedelta(minutes=5)) == 1
    assert SavedSearchHit.objects.count() == services.DIGEST_MAX_LISTINGS
    # The rest come next time.
    assert services.send_digests(now=later + timedelta(minutes=6)) == 1
    assert SavedSearchHit.objects.count() == total


def test_a_failed_send_records_nothing_and_is_tried_again(alice, bob, later, monkeypatch):
    _save(alice, name="Everything")
    make_listing(bob, now=later)

    def broken(self, *args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    assert services.send_digests(now=later + timedelta(minutes=1)) == 0
    assert not SavedSearchHit.objects.exists()
    monkeypatch.undo()
    assert services.send_digests(now=later + timedelta(minutes=2)) == 1
    assert SavedSearchHit.objects.count() == 1


def test_unsubscribe_by_token_without_logging_in(alice, bob, later):
    saved = _save(alice)
    assert services.unsubscribe(token="no-such-token") is None
    assert services.unsubscribe(token="") is None
    done = services.unsubscribe(token=saved.unsubscribe_token)
    assert done == saved and done.alerts is False
    assert services.unsubscribe(token=saved.unsubscribe_token) == saved  # twice is fine
    make_listing(bob, title="Kubernetes anything", now=later)
    mail.outbox.clear()
    assert services.send_digests(now=later + timedelta(minutes=1)) == 0
    assert mail.outbox == []


def test_a_digest_turned_back_on_sends_what_was_missed_once(alice, bob, later):
    saved = _save(alice)
    services.unsubscribe(token=saved.unsubscribe_token)
    make_listing(bob, title="Kubernetes upgrade help", now=later)
    mail.outbox.clear()
    assert services.send_digests(now=later + timedelta(minutes=1)) == 0
    with pytest.raises(services.NotFound):
        services.set_alerts(saved_search=saved, by=bob, alerts=True)
    assert services.set_alerts(saved_search=saved, by=alice, alerts=True).alerts is True
    assert services.send_digests(now=later + timedelta(minutes=2)) == 1
    assert "Kubernetes upgrade help" in mail.outbox[-1].body
    assert services.send_digests(now=later + timedelta(minutes=3)) == 0


def test_links_use_the_site_url_setting(alice, bob, later, settings):
    settings.PITCHLESS_SITE_URL = "https://pitchless.example/"
    _save(alice, name="Everything")
    listing = make_listing(bob, now=later)
    mail.outbox.clear()
    services.send_digests(now=later + timedelta(minutes=1))
    assert f"https://pitchless.example/exchange/listings/{listing.pk}/" in mail.outbox[0].body


# --- tasks and commands -----------------------------------------------------------------------


def test_the_digest_task_and_command(alice, bob):
    _save(alice, name="Everything")
    make_listing(bob, now=timezone.now() + timedelta(seconds=1))
    mail.outbox.clear()
    # The listing is "published" a second from now: run when it is.
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        assert tasks.send_digests_task() == 1
        assert tasks.send_digests_task() == 0
        out = StringIO()
        call_command("exchange_digest", stdout=out)
    assert out.getvalue().strip() == "Sent 0 saved-search digests."
    assert len(mail.outbox) == 1


def test_the_expiry_task_and_command(alice, django_capture_on_commit_callbacks):
    start = timezone.now()
    overdue = make_listing(alice, now=start - timedelta(days=31))
    soon = make_listing(alice, now=start - timedelta(days=28))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.expire_listings_task() == {"expired": 1, "warned": 1}
    overdue.refresh_from_db()
    soon.refresh_from_db()
    assert overdue.status == Listing.Status.EXPIRED
    assert soon.status == Listing.Status.PUBLISHED and soon.expiry_warned_at is not None
    assert [m.to for m in mail.outbox] == [[alice.email]]
    out = StringIO()
    call_command("exchange_expire", stdout=out)
    assert out.getvalue().strip() == "Expired 0 listings; sent 0 expiry warnings."
    Listing.objects.filter(pk=soon.pk).update(expires_at=start - timedelta(seconds=1))
    out = StringIO()
    call_command("exchange_expire", stdout=out)
    assert out.getvalue().strip() == "Expired 1 listing; sent 0 expiry warnings."

"""PostgreSQL's index plan asks the GIN index for the newest id ranges first (migration 0007).

Asking for the ranges first is a way of reading less, never a change of result: every page must
be the one that asking for every id at once gives, whether the first ranges hold enough matches
or the older ids must be asked as well, and after a walk that found too few.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from pitchless.exchange import search as search_module
from pitchless.exchange.models import Category, Listing
from pitchless.exchange.search import SearchParams, search
from tests.members.factories import make_member

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
#: ids this far apart put the listings in many id ranges (16,384 ids each)
ID_STEP = 5_000

pytestmark = pytest.mark.django_db


def migration_0007():
    return importlib.import_module("pitchless.exchange.migrations.0007_search_recent_ranges")


@pytest.fixture
def spread():
    """60 listings whose ids span 18 id ranges, with a common word, rarer ones, filters."""
    owner = make_member("Ria Ranges")
    software, design = Category.objects.get(slug="software"), Category.objects.get(slug="design")
    made = []
    for n in range(60):
        words = ["consulting"]
        if n % 3 == 0:
            words.append("python")
        if n % 7 == 0:
            words.append("kubernetes")
        published = NOW - timedelta(days=(n * 37) % 29 + 0.5)
        made.append(
            Listing.objects.create(
                id=1_000 + n * ID_STEP,
                owner=owner,
                kind=Listing.Kind.OFFER,
                title=" ".join(w.capitalize() for w in words) + (" consulting" * (n % 4)),
                description=f"Item {n}: " + " ".join(reversed(words)),
                category=design if n % 5 == 0 else software,
                status=Listing.Status.PUBLISHED,
                published_at=published,
                expires_at=published + timedelta(days=30),
                location="Berlin" if n % 4 == 0 else "Paris",
                price_min=Decimal(n) if n % 2 else None,
            )
        )
    # A recent match has expired: asking by id range must still skip it.
    Listing.objects.filter(pk=made[58].pk).update(expires_at=NOW - timedelta(hours=1))
    return made


def page(q, per_page=100, number=1, **filters):
    result = search(SearchParams(q=q, **filters), now=NOW, per_page=per_page, page=number)
    return [(hit.listing.pk, round(hit.rank, 6)) for hit in result.hits], result.has_next


def mode(monkeypatch, name):
    """Make the index plan ask for every id at once, or for the newest ranges first."""
    monkeypatch.setattr(search_module, "RANK_CANDIDATES", 7)
    # The probe sees every listing (they are sparse among the ids): its share is exact.
    monkeypatch.setattr(search_module, "PROBE_IDS", 10**6)
    monkeypatch.setattr(search_module, "WALK_IDS", 0)  # the index plan, not a walk
    monkeypatch.setattr(search_module, "WALK_MARGIN", 1.5)
    # Ranges whatever the width of the window they need.
    monkeypatch.setattr(search_module, "RECENT_MAX_SHARE", 10.0)
    if name == "every id":
        monkeypatch.setattr(search_module, "RECENT_MAX_SHARE", 0.0)
    elif name == "ranges, then older ids":
        # A window far too small: the first ranges hold too few, the older ids are asked too.
        monkeypatch.setattr(search_module, "WALK_MARGIN", 0.001)
    elif name == "walk, then ranges":
        monkeypatch.setattr(search_module, "WALK_IDS", 10**9)
        monkeypatch.setattr(search_module, "WALK_MARGIN", 0.01)
        monkeypatch.setattr(search_module, "BUCKET_COST", 10**9)  # the walk of a b-tree
    elif name.startswith("walk through the ranges"):
        # The other words' rows in the newest ranges, each tested for every word.
        monkeypatch.setattr(search_module, "WALK_IDS", 10**9)
        monkeypatch.setattr(search_module, "BUCKET_COST", 0)
        monkeypatch.setattr(search_module, "HEAP_ROW_COST", 0)
        if name.endswith("then older ids"):
            monkeypatch.setattr(search_module, "WALK_MARGIN", 0.001)


QUERIES = [
    {"q": "consulting"},
    {"q": "python consult"},
    {"q": "python consulting", "category": "software"},
    {"q": "consult"},
    {"q": "python consulting"},
    {"q": "kubernetes"},
    {"q": "consulting", "category": "design"},
    {"q": "consulting", "price_min": Decimal("10"), "price_max": Decimal("40")},
    {"q": "python", "kind": "offer", "remote": False},
]
MODES = (
    "every id",
    "ranges",
    "ranges, then older ids",
    "walk, then ranges",
    "walk through the ranges",
    "walk through the ranges, then older ids",
)


@pytest.mark.parametrize(
    "params", QUERIES, ids=lambda p: " ".join(f"{k}={v}" for k, v in p.items())
)
def test_asking_the_newest_ranges_first_gives_the_same_pages(spread, monkeypatch, params):
    if connection.vendor != "postgresql":
        pytest.skip("the id ranges are in PostgreSQL's GIN index")
    results, plans = {}, {}
    for name in MODES:
        mode(monkeypatch, name)
        for per_page, number in ((100, 1), (3, 1), (3, 2)):
            results.setdefault((per_page, number), {})[name] = page(
                per_page=per_page, number=number, **params
            )
        plans[name] = search_module.last_plan
    for key, by_mode in results.items():
        assert len(set(map(repr, by_mode.values()))) == 1, (key, by_mode)
    assert results[(100, 1)]["every id"][0], "every query here finds something"
    assert plans["every id"].recent_buckets == 0
    assert plans["ranges"].recent_buckets > 0
    assert plans["ranges, then older ids"].recent_buckets > 0
    assert plans["walk, then ranges"].name.startswith("walk:")
    assert plans["walk, then ranges"].name.endswith("+index")
    if len(params["q"].split()) > 1:
        # Only a query with other words than the last can be walked through the ranges.
        assert plans["walk through the ranges"].name == "walk:recent"
        assert plans["walk through the ranges"].recent_buckets > 0
        assert plans["walk through the ranges, then older ids"].name == "walk:recent+index"
    else:
        assert not plans["walk through the ranges"].name.startswith("walk:recent")


def test_the_ranges_plan_finds_the_newest_matches_only(spread, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the id ranges are in PostgreSQL's GIN index")
    mode(monkeypatch, "ranges")
    found = {pk for pk, _ in page("consulting")[0]}
    # The seven most recently created active matches (one of the eight newest has expired).
    assert found == {m.pk for m in spread[-8:] if m != spread[58]}
    # Seven matches are seven ids 5,000 apart: a few ranges of 16,384 ids, not all 19.
    assert 0 < search_module.last_plan.recent_buckets < 19


def test_wide_windows_ask_every_id_at_once(spread, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the id ranges are in PostgreSQL's GIN index")
    mode(monkeypatch, "ranges")
    monkeypatch.setattr(search_module, "RECENT_MAX_SHARE", 0.5)
    monkeypatch.setattr(search_module, "RANK_CANDIDATES", 500)
    page("consulting")
    # 500 matches would need more ids than the table has: ranges would read more, not less.
    assert search_module.last_plan.recent_buckets == 0


def test_search_module_and_migration_agree_on_the_ranges():
    bits = migration_0007().RECENT_BUCKET_BITS
    assert bits == search_module.RECENT_BUCKET_BITS
    assert search_module._bucket((1 << bits) * 3 + 5) == 3
    if connection.vendor != "postgresql":
        pytest.skip("the index is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'listing_search_document'"
            " AND tablename = 'exchange_listing_search'"
        )
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "search_document" in definition
    assert f"(id >> {bits})" in definition


def test_the_planner_uses_one_index_scan_for_words_and_ranges(spread):
    if connection.vendor != "postgresql":
        pytest.skip("the index is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT s.id FROM exchange_listing_search s"
            " WHERE s.search_document @@ to_tsquery('english', 'consulting')"
            f" AND {search_module._BUCKET_SQL} && %s::bigint[]",
            ["{17,18}"],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Both conditions are the index's: one scan, not a filter on the rows.
    assert "listing_search_document" in plan
    index_cond = [line for line in plan.splitlines() if "Index Cond" in line]
    assert index_cond and "id >> 14" in index_cond[0] and "@@" in index_cond[0], plan

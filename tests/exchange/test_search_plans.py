"""The narrow search table and the plans chosen by how common the words are, on both engines.

Every plan must give the same page: the walk (common words), the full-text index (rare ones)
and the walk finished by the index. The only approximation, the last word matched whole when
it is common, is shown exactly as docs/exchange.md describes it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from pitchless.exchange import search as search_module
from pitchless.exchange.models import Category, Listing
from pitchless.exchange.search import SearchParams, search
from tests.members.factories import make_member

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db

NARROW = "exchange_listing_search"


@pytest.fixture
def owner():
    return make_member("Pat Planner")


def listing(owner, title="Listing", *, age_days: float = 1, **fields) -> Listing:
    published = NOW - timedelta(days=age_days)
    values = {
        "kind": Listing.Kind.OFFER,
        "description": "A plain description.",
        "category": Category.objects.get(slug="software"),
        "status": Listing.Status.PUBLISHED,
        "published_at": published,
        "expires_at": published + timedelta(days=30),
    }
    values.update(fields)
    return Listing.objects.create(owner=owner, title=title, **values)


def narrow_rows() -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, kind, category_id, price_min, price_max, remote, location FROM {NARROW}"
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


def page(q="", per_page=100, number=1, **filters):
    result = search(SearchParams(q=q, **filters), now=NOW, per_page=per_page, page=number)
    return [(hit.listing.pk, round(hit.rank, 6)) for hit in result.hits], result.has_next


# --- the narrow table follows every write ------------------------------------------------------


def test_narrow_table_holds_published_listings_only(owner):
    published = listing(owner, "Desk", price_min=Decimal("5"), location="Lyon", remote=True)
    draft = listing(owner, "Chair", status=Listing.Status.DRAFT)
    rows = narrow_rows()
    assert set(rows) == {published.pk}
    kind, category, low, high, remote, location = rows[published.pk]
    assert (kind, category, Decimal(str(low)), high, bool(remote), location) == (
        "offer",
        published.category_id,
        Decimal("5"),
        None,
        True,
        "Lyon",
    )
    draft.status = Listing.Status.PUBLISHED
    draft.save()
    assert set(narrow_rows()) == {published.pk, draft.pk}
    Listing.objects.filter(pk=published.pk).update(status=Listing.Status.CLOSED)
    assert set(narrow_rows()) == {draft.pk}
    Listing.objects.filter(pk=draft.pk).update(location="Porto", kind="request")
    assert narrow_rows()[draft.pk][0] == "request" and narrow_rows()[draft.pk][5] == "Porto"
    draft.delete()
    assert narrow_rows() == {}


def test_narrow_table_follows_bulk_create_and_category_changes(owner):
    software, design = Category.objects.get(slug="software"), Category.objects.get(slug="design")
    Listing.objects.bulk_create(
        [
            Listing(
                owner=owner,
                kind="offer",
                title=f"Lamp {n}",
                description="Brass.",
                category=software,
                status=Listing.Status.PUBLISHED,
                published_at=NOW,
                expires_at=NOW + timedelta(days=3),
            )
            for n in range(3)
        ]
    )
    assert len(narrow_rows()) == 3
    assert len(page("lamp", category="software")[0]) == 3
    Listing.objects.update(category=design)
    assert {row[1] for row in narrow_rows().values()} == {design.pk}
    assert page("lamp", category="software")[0] == []
    assert len(page("brass", category="design")[0]) == 3


def test_narrow_table_triggers_are_installed():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name = 'exchange_listing'"
            )
            names = {row[0] for row in cursor.fetchall()}
            assert names >= {
                "exchange_listing_search_insert",
                "exchange_listing_search_update",
                "exchange_listing_search_delete",
            }
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'exchange_listing'::regclass"
            )
            names = {row[0] for row in cursor.fetchall()}
            assert names >= {
                "exchange_listing_search_write",
                "exchange_listing_search_update",
                "exchange_listing_search_truncate",
            }
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s", ["exchange_listing"]
            )
            # The wide table no longer carries the word and place indexes.
            assert not {row[0] for row in cursor.fetchall()} & {
                "listing_search_document",
                "listing_location_trgm",
            }


# --- every plan gives the same page ------------------------------------------------------------


@pytest.fixture
def market(owner):
    """60 listings: a common word (in all), rarer ones, categories, places, ages, prices."""
    software, design = Category.objects.get(slug="software"), Category.objects.get(slug="design")
    made = []
    for n in range(60):
        words = ["consulting"]
        if n % 3 == 0:
            words.append("python")
        if n % 7 == 0:
            words.append("kubernetes")
        made.append(
            listing(
                owner,
                " ".join(w.capitalize() for w in words) + (" consulting" * (n % 4)),
                description=f"Item {n}: " + " ".join(reversed(words)),
                # Publication order differs from creation order, as in real data.
                age_days=(n * 37) % 29 + 0.5,
                category=design if n % 5 == 0 else software,
                location="Berlin" if n % 4 == 0 else "Paris",
                price_min=Decimal(n) if n % 2 else None,
            )
        )
    Listing.objects.filter(pk=made[59].pk).update(expires_at=NOW - timedelta(hours=1))
    return made


QUERIES = [
    {"q": "consulting"},
    {"q": "consult"},
    {"q": "python consulting"},
    {"q": "kubernetes"},
    {"q": "consulting", "category": "design"},
    {"q": "consulting", "location": "berl"},
    {"q": "consulting", "price_min": Decimal("10"), "price_max": Decimal("40")},
    {"q": "python", "kind": "offer", "remote": False, "within_days": 20},
    {"q": "consulting", "sort": "newest"},
    {"q": "kubernetes", "sort": "newest"},
    {"q": "python", "category": "software", "sort": "newest"},
    {"q": "consult", "location": "Paris", "sort": "newest"},
]


def plans(monkeypatch, name, *, common_share=2.0):
    """Make the code choose one plan whatever the probe says."""
    if name == "index":
        monkeypatch.setattr(search_module, "WALK_IDS", 0)
        monkeypatch.setattr(search_module, "NEWEST_WALK_ROWS", 0)
        monkeypatch.setattr(search_module, "NEWEST_PROBES", 0)
    elif name == "walk":
        monkeypatch.setattr(search_module, "WALK_IDS", 10**9)
        monkeypatch.setattr(search_module, "NEWEST_WALK_ROWS", 10**9)
        monkeypatch.setattr(search_module, "NEWEST_PROBES", 10**9)
    elif name == "walk then index":
        # The walk covers too few ids (relevance) or rows (newest): the index finds the rest.
        monkeypatch.setattr(search_module, "WALK_IDS", 10**9)
        monkeypatch.setattr(search_module, "WALK_MARGIN", 0.001)
        monkeypatch.setattr(search_module, "NEWEST_WALK_ROWS", 7)
        monkeypatch.setattr(search_module, "NEWEST_PROBES", 7)
    # 2.0: never take the whole-word path (exact plans); 0.0: always (where the word exists).
    monkeypatch.setattr(search_module, "COMMON_SHARE", common_share)


@pytest.mark.parametrize("common_share", [2.0, 0.0], ids=["prefix kept", "whole last word"])
@pytest.mark.parametrize(
    "params", QUERIES, ids=lambda p: " ".join(f"{k}={v}" for k, v in p.items())
)
def test_every_plan_gives_the_same_pages(market, monkeypatch, params, common_share):
    results: dict = {}
    chosen = {}
    for name in ("index", "walk", "walk then index"):
        plans(monkeypatch, name, common_share=common_share)
        for per_page, number in ((100, 1), (4, 1), (4, 3)):
            results.setdefault((per_page, number), {})[name] = page(
                per_page=per_page, number=number, **params
            )
        chosen[name] = search_module.last_plan
    for key, by_plan in results.items():
        assert by_plan["walk"] == by_plan["index"] == by_plan["walk then index"], key
    assert results[(100, 1)]["index"][0], "every query here finds something"
    assert chosen["index"].name == "index"
    # SQLite's newest sort walks only whole words (each row tested once per doclist).
    sqlite_walks = params.get("sort") == "newest" and chosen["walk"].whole_last_word
    if connection.vendor == "postgresql" or sqlite_walks:
        assert chosen["walk"].name.startswith("walk")
        assert "+index" in chosen["walk then index"].name, chosen
    if common_share == 0.0 and connection.vendor == "sqlite":
        assert chosen["walk"].whole_last_word


def test_walk_respects_the_rank_candidates_bound(market, monkeypatch):
    monkeypatch.setattr(search_module, "RANK_CANDIDATES", 5)
    found = {}
    for name in ("index", "walk", "walk then index"):
        plans(monkeypatch, name)
        found[name] = page("consulting")[0]
    assert found["index"] == found["walk"] == found["walk then index"]
    # The five most recently created active matches (the newest, made[59], has expired).
    expected = {m.pk for m in market[-6:-1]}
    assert {pk for pk, _ in found["index"]} == expected


def test_probe_chooses_the_walk_for_common_words_and_the_index_for_rare(market, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's relevance always lets FTS5 walk its doclists newest first")
    monkeypatch.setattr(search_module, "RANK_CANDIDATES", 10)
    monkeypatch.setattr(search_module, "WALK_IDS", 10**6)
    page("consulting")
    assert search_module.last_plan.name == "walk:id"
    # A fifth of the listings are in design: walking its index reads fewest rows.
    page("kubernetes", category="design")
    assert search_module.last_plan.name == "walk:category"
    # Berlin and Paris are both known places; "berl" is one of them.
    page("consulting", location="berl")
    assert search_module.last_plan.name == "walk:place"
    monkeypatch.setattr(search_module, "MAX_PLACES", 0)
    page("consulting", location="berl")
    assert search_module.last_plan.name == "walk:category" or search_module.last_plan.name in (
        "walk:id",
        "index",
    )
    # Any walk would read more rows than allowed: the GIN index finds the matches.
    monkeypatch.setattr(search_module, "WALK_IDS", 0)
    page("kubernetes", category="design")
    assert search_module.last_plan.name == "index"


# --- the one approximation: a common last word is matched whole -------------------------------


def test_common_last_word_is_matched_whole(owner, monkeypatch):
    plain = [listing(owner, "Roof repairs", age_days=n + 1) for n in range(5)]
    # "roofline" starts with "roof" but is another word for both stemmers.
    longer = listing(owner, "Roofline lighting", age_days=0.5)
    # Rare: the prefix is kept and "roof" finds "roofline" too.
    monkeypatch.setattr(search_module, "COMMON_SHARE", 2.0)
    exact = {pk for pk, _ in page("roof")[0]}
    assert exact == {m.pk for m in plain} | {longer.pk}
    assert search_module.last_plan.whole_last_word is False
    # Common (here: any share): "roof" is matched as the whole word...
    monkeypatch.setattr(search_module, "COMMON_SHARE", 0.0)
    monkeypatch.setattr(search_module, "WALK_IDS", 0)  # the approximation is the index's
    if connection.vendor == "postgresql":
        monkeypatch.setattr(search_module, "_common_lexemes", lambda: [])
    found = {pk for pk, _ in page("roof")[0]}
    assert search_module.last_plan.whole_last_word is True
    # ...alone on SQLite, and on PostgreSQL with the most common completions ANALYZE
    # listed (none here): the completion is not found.
    assert found == {m.pk for m in plain}
    if connection.vendor == "postgresql":
        # The lexemes are stemmed: "roofline" is indexed as "rooflin".
        monkeypatch.setattr(search_module, "_common_lexemes", lambda: [("rooflin", 0.2)])
        found = {pk for pk, _ in page("roof")[0]}
        assert found == exact
        assert search_module.last_plan.completions == ("rooflin",)
    # A prefix that is not itself a word of the index is still matched as a prefix.
    assert {pk for pk, _ in page("roofl")[0]} == {longer.pk}
    assert search_module.last_plan.whole_last_word is False


def test_common_lexemes_come_from_analyze(owner):
    if connection.vendor != "postgresql":
        pytest.skip("pg_stats is PostgreSQL's")
    for n in range(30):
        listing(owner, f"Roofing repairs {n}", description="roofer roofing roof")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {NARROW}")
    search_module._stats["at"] = -search_module.STATS_SECONDS
    lexemes = dict(search_module._common_lexemes())
    assert lexemes["roof"] == pytest.approx(1.0)
    # The category lexemes are never offered as completions of a typed word.
    assert not any(":" in e or e.startswith("_") for e in lexemes)


def test_tsquery_literal_quotes_every_lexeme():
    literal = search_module._tsquery_literal(("it's", "back\\slash", "plain"))
    assert literal == "'it''s' | 'back\\\\slash' | 'plain'"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::tsquery::text", [literal])
            assert cursor.fetchone()[0] == "'it''s' | 'back\\\\slash' | 'plain'"


def test_a_published_listing_without_a_time_is_placed_alike_by_every_plan(owner, monkeypatch):
    # Bad data (published, no publication time) must not break a walk's sort, and every plan
    # puts it where the engine's ORDER BY does (SQLite: last; PostgreSQL: NULLS FIRST).
    timed = [listing(owner, "Kiln repairs", age_days=n + 1) for n in range(3)]
    untimed = listing(owner, "Kiln parts")
    Listing.objects.filter(pk=untimed.pk).update(published_at=None)
    for sort in ("newest", "relevance"):
        found = {}
        for name in ("index", "walk", "walk then index"):
            plans(monkeypatch, name, common_share=0.0)
            found[name] = [pk for pk, _ in page("kiln", sort=sort)[0]]
        assert found["index"] == found["walk"] == found["walk then index"], sort
        assert set(found["index"]) == {m.pk for m in timed} | {untimed.pk}
        if sort == "newest":
            expected = [m.pk for m in timed]
            if connection.vendor == "postgresql":
                expected = [untimed.pk, *expected]
            else:
                expected = [*expected, untimed.pk]
            assert found["index"] == expected

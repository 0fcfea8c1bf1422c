"""The category lexeme of PostgreSQL's search document is out of reach of anything typed.

The document holds one lexeme per listing for its category (so a category filter with words is
answered by the GIN index). A query's last word is also matched as a prefix, so the lexeme must
start with a character no typed word can start with: ``_``, which the query tokeniser drops
and PostgreSQL's parser treats as a separator. These tests run on both engines (SQLite has no
such lexeme; there they check that the same searches give the same answers).
"""

from __future__ import annotations

import importlib
import sys
import types
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from pitchless.exchange import search as search_module
from pitchless.exchange.models import Category, Listing
from pitchless.exchange.search import ParsedQuery, SearchParams, search
from tests.members.factories import make_member

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SLUGS = ("software", "design", "consulting", "legal", "marketing", "training")
#: every typed form that starts like the old ``category:<id>`` lexeme, with and without the
#: marker character typed in front of it
TYPED = (
    "cat",
    "cate",
    "categ",
    "categor",
    "category",
    "categories",
    "_cat",
    "_categ",
    "_category",
    "__cat",
    "＿cat",  # a fullwidth low line: NFKC makes it "_", which is dropped too
)

pytestmark = pytest.mark.django_db


def migration_0006() -> types.ModuleType:
    return importlib.import_module("pitchless.exchange.migrations.0006_search_category_marker")


@pytest.fixture
def owner():
    return make_member("Kim Keeper")


def listing(owner, title, slug, *, age_days: float = 1, **fields) -> Listing:
    published = NOW - timedelta(days=age_days)
    values = {
        "kind": Listing.Kind.OFFER,
        "description": "A plain description of the work.",
        "category": Category.objects.get(slug=slug),
        "status": Listing.Status.PUBLISHED,
        "published_at": published,
        "expires_at": published + timedelta(days=30),
    }
    values.update(fields)
    return Listing.objects.create(owner=owner, title=title, **values)


def find(q: str, **filters) -> list[int]:
    page = search(SearchParams(q=q, **filters), now=NOW, per_page=100)
    return [hit.listing.pk for hit in page.hits]


def force_plan(monkeypatch, name: str) -> None:
    """Make the search take one plan whatever its probe says (as ``test_search_plans``)."""
    big = {"index": 0, "walk": 10**9, "walk then index": 10**9}[name]
    monkeypatch.setattr(search_module, "WALK_IDS", big)
    monkeypatch.setattr(search_module, "NEWEST_WALK_ROWS", 7 if name == "walk then index" else big)
    monkeypatch.setattr(search_module, "NEWEST_PROBES", 7 if name == "walk then index" else big)
    if name == "walk then index":
        monkeypatch.setattr(search_module, "WALK_MARGIN", 0.001)


@pytest.fixture
def board(owner):
    """Twenty-four listings in six categories; no word in them starts with "cat"."""
    titles = ("Logo refresh", "Payroll audit", "Django upgrade", "Contract review")
    return [
        listing(
            owner,
            f"{titles[n % len(titles)]} {n}",
            SLUGS[n % len(SLUGS)],
            age_days=n + 1,
            tags="branding,print" if n % 2 else "",
        )
        for n in range(24)
    ]


@pytest.mark.parametrize("plan", ["index", "walk", "walk then index"])
@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_a_prefix_of_category_matches_no_listing(board, monkeypatch, plan, sort):
    force_plan(monkeypatch, plan)
    for q in TYPED:
        assert find(q, sort=sort) == [], q
        assert find(q, sort=sort, category="design") == [], q
    # The filter itself still works, with words and without.
    design = {m.pk for m in board if m.category.slug == "design"}
    payroll_in_design = {m.pk for m in board if m.pk in design and "Payroll" in m.title}
    assert len(payroll_in_design) == 2
    assert set(find("payroll", sort=sort, category="design")) == payroll_in_design
    assert set(find("payr", sort=sort, category="design")) == payroll_in_design
    assert set(find("", sort=sort, category="design")) == design


@pytest.mark.parametrize("plan", ["index", "walk", "walk then index"])
@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_a_word_starting_with_cat_is_still_found_by_its_prefix(
    board, owner, monkeypatch, plan, sort
):
    catering = listing(owner, "Catering for events", "marketing", age_days=0.5)
    force_plan(monkeypatch, plan)
    for q in ("cat", "cate", "cater", "catering", "_cat", "events cat"):
        assert find(q, sort=sort) == [catering.pk], q
    assert find("cat", sort=sort, category="marketing") == [catering.pk]
    assert find("cat", sort=sort, category="design") == []
    assert find("categ", sort=sort) == []


def test_the_tokeniser_drops_the_marker_character():
    assert ParsedQuery.parse("_category:7").terms == ("category", "7")
    assert ParsedQuery.parse("__cat_egory ＿cat").terms == ("cat", "egory")
    assert "_" not in ParsedQuery.parse("_categ").tsquery()
    assert "_" not in ParsedQuery.parse("_categ").fts5()
    # No character the tokeniser keeps becomes "_" once lower-cased (every code point).
    kept = (chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    assert not [c for c in kept if search_module._WORD.fullmatch(c) and "_" in c.lower()]


def test_postgresql_parser_drops_the_marker_too():
    if connection.vendor != "postgresql":
        pytest.skip("the category lexeme and its parser are PostgreSQL's")
    with connection.cursor() as cursor:
        # Even a query that reached to_tsquery with the "_" would lose it...
        cursor.execute("SELECT to_tsquery('english', %s)::text", ["'_categ':*"])
        assert cursor.fetchone()[0] == "'categ':*"
        # ...and no listing text yields a lexeme starting with it.
        cursor.execute(
            "SELECT array_to_string(tsvector_to_array(to_tsvector('english', %s)), ' ')",
            ["_category:7 __init__ snake_case /usr/_x a@_b.com _ _7"],
        )
        assert not [e for e in cursor.fetchone()[0].split() if e.startswith("_")]


def documents(pk: int) -> tuple[str, str]:
    """The listing's stored search document, in the wide and in the narrow table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.search_document::text, s.search_document::text FROM exchange_listing l"
            " JOIN exchange_listing_search s ON s.id = l.id WHERE l.id = %s",
            [pk],
        )
        return cursor.fetchone()


def test_search_module_and_migration_agree_on_the_lexeme(owner):
    assert search_module.CATEGORY_LEXEME == migration_0006().CATEGORY_LEXEME
    assert search_module.CATEGORY_LEXEME.startswith("_")
    if connection.vendor != "postgresql":
        pytest.skip("the category lexeme is PostgreSQL's")
    item = listing(owner, "Logo refresh", "design")
    wide, narrow = documents(item.pk)
    assert wide == narrow
    assert f"'_category:{item.category_id}'" in wide
    assert f"'category:{item.category_id}'" not in wide


def test_migration_rebuilds_the_stored_documents_both_ways(board):
    schema_editor = types.SimpleNamespace(connection=connection)
    _0006 = migration_0006()
    if connection.vendor != "postgresql":
        # SQLite has no category lexeme: both directions do nothing.
        _0006.install(None, schema_editor)
        _0006.uninstall(None, schema_editor)
        assert len(find("logo")) == 6
        return
    item = board[1]
    old, new = f"'category:{item.category_id}'", f"'_category:{item.category_id}'"
    _0006.uninstall(None, schema_editor)
    wide, narrow = documents(item.pk)
    assert old in wide and old in narrow and new not in wide
    _0006.install(None, schema_editor)
    wide, narrow = documents(item.pk)
    assert new in wide and new in narrow and old not in wide
    # The triggers are back: a later write still reaches the narrow table.
    Listing.objects.filter(pk=item.pk).update(category=Category.objects.get(slug="legal"))
    legal = Category.objects.get(slug="legal").pk
    assert f"'_category:{legal}'" in documents(item.pk)[1]
    assert find("cat") == [] and find("categ", category="legal") == []
    assert item.pk in find("audit", category="legal")

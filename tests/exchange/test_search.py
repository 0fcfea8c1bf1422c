"""Exchange search on both engines: ranking, filters, sorts, pages, index sync and snippets."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict

from pitchless.exchange import search as search_module
from pitchless.exchange.models import Category, Listing
from pitchless.exchange.search import (
    MAX_QUERY_CHARS,
    MAX_TERMS,
    ParsedQuery,
    SearchParams,
    search,
)
from tests.members.factories import make_member

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return make_member("Sam Seller")


def listing(owner, title="Listing", *, age_days: float = 1, **fields) -> Listing:
    """An active listing published ``age_days`` before NOW unless ``fields`` say otherwise."""
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


def ids(page) -> list[int]:
    return [hit.listing.pk for hit in page.hits]


def find(q: str = "", **filters) -> list[int]:
    return ids(search(SearchParams(q=q, **filters), now=NOW, per_page=100))


# --- matching and ranking ----------------------------------------------------------------------


def test_title_match_ranks_above_description_only_match(owner):
    in_description = listing(
        owner, "Bookkeeping help", description="Monthly accounts, payroll and kubernetes audits."
    )
    in_title = listing(owner, "Kubernetes consulting", description="Clusters that stay up.")
    page = search(SearchParams(q="kubernetes"), now=NOW)
    assert ids(page) == [in_title.pk, in_description.pk]
    assert page.hits[0].rank > page.hits[1].rank


def test_tags_rank_between_title_and_description(owner):
    in_description = listing(owner, "One", description="We like terraform a lot.")
    in_tags = listing(owner, "Two", tags="terraform,aws")
    in_title = listing(owner, "Terraform modules")
    assert find("terraform") == [in_title.pk, in_tags.pk, in_description.pk]


def test_every_word_must_match_and_word_forms_meet(owner):
    both = listing(owner, "Python developers", description="Django work.")
    listing(owner, "Python tutoring", description="Evenings.")
    assert find("python developer") == [both.pk]
    assert find("developing") == [both.pk]


def test_last_word_matches_as_a_prefix(owner):
    hit = listing(owner, "Kubernetes consulting")
    assert find("kuber") == [hit.pk]
    assert find("consulting kub") == [hit.pk]


def test_no_match_finds_nothing(owner):
    listing(owner, "Kubernetes consulting")
    page = search(SearchParams(q="zebra"), now=NOW)
    assert page.hits == [] and page.has_next is False and page.message is None


# --- only active listings ----------------------------------------------------------------------


def test_only_active_listings_are_found(owner):
    active = listing(owner, "Welding gear")
    for status in (Listing.Status.DRAFT, Listing.Status.CLOSED, Listing.Status.HIDDEN):
        listing(owner, f"Welding {status}", status=status)
    listing(owner, "Welding expired status", status=Listing.Status.EXPIRED)
    listing(owner, "Welding past expiry", expires_at=NOW - timedelta(seconds=1))
    assert find("welding") == [active.pk]
    assert find() == [active.pk]


# --- filters -----------------------------------------------------------------------------------


def test_kind_filter(owner):
    offer = listing(owner, "Audit offer", kind=Listing.Kind.OFFER)
    request = listing(owner, "Audit request", kind=Listing.Kind.REQUEST)
    assert find("audit", kind="offer") == [offer.pk]
    assert find("audit", kind="request") == [request.pk]
    assert sorted(find("audit")) == sorted([offer.pk, request.pk])


def test_category_filter(owner):
    design = listing(owner, "Logo", category=Category.objects.get(slug="design"))
    listing(owner, "Logo parser", category=Category.objects.get(slug="software"))
    assert find("logo", category="design") == [design.pk]
    assert find(category="design") == [design.pk]
    assert find(category="no-such-category") == []


def test_category_filter_with_words_is_exact(owner):
    design, software = Category.objects.get(slug="design"), Category.objects.get(slug="software")
    same = {"description": "Vector logo files, print ready."}
    in_design = listing(owner, "Logo refresh", category=design, **same)
    in_software = listing(owner, "Logo refresh", category=software, **same)
    assert find("logo refresh", category="design") == [in_design.pk]
    assert find("logo refr", category="software") == [in_software.pk]
    assert find("logo", category="design", sort="newest") == [in_design.pk]
    assert find("logo", category="no-such-category") == []
    assert set(find("logo")) == {in_design.pk, in_software.pk}


def test_category_marker_cannot_be_typed(owner):
    design = Category.objects.get(slug="design")
    hit = listing(owner, "Logo", category=design)
    # The PostgreSQL document holds a "_category:<id>" lexeme; typing it is two plain words.
    for raw in (
        f"category:{design.pk}",
        f"'category:{design.pk}'",
        f"category {design.pk}",
        f"_category:{design.pk}",
        f"'_category:{design.pk}'",
    ):
        assert find(raw) == []
        assert find(raw, category="design") == []
    # Words that are stop words on PostgreSQL still find nothing there with a category.
    assert find("the", category="design") == []
    assert find("logo", category="design") == [hit.pk]


def test_search_document_holds_the_category(owner):
    if connection.vendor != "postgresql":
        pytest.skip("the category lexeme is PostgreSQL's (migrations 0004 and 0006)")
    item = listing(owner, "Logo", category=Category.objects.get(slug="design"))
    Listing.objects.filter(pk=item.pk).update(category=Category.objects.get(slug="software"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.search_document::text, s.search_document::text FROM exchange_listing l"
            " JOIN exchange_listing_search s ON s.id = l.id WHERE l.id = %s",
            [item.pk],
        )
        (document, narrow) = cursor.fetchone()
    software = Category.objects.get(slug="software").pk
    design = Category.objects.get(slug="design").pk
    assert f"'_category:{software}'" in document and narrow == document
    assert f"_category:{design}'" not in document
    assert find("logo", category="software") == [item.pk]
    assert find("logo", category="design") == []


def test_price_ranges_overlap(owner):
    cheap = listing(owner, "Cheap", price_min=Decimal("10"), price_max=Decimal("50"))
    mid = listing(owner, "Mid", price_min=Decimal("100"), price_max=Decimal("300"))
    from_500 = listing(owner, "From 500", price_min=Decimal("500"))
    up_to_80 = listing(owner, "Up to 80", price_max=Decimal("80"))
    no_price = listing(owner, "No price")
    assert set(find(price_min=Decimal("40"), price_max=Decimal("120"))) == {
        cheap.pk,
        mid.pk,
        up_to_80.pk,
    }
    assert set(find(price_min=Decimal("250"))) == {mid.pk, from_500.pk}
    assert set(find(price_max=Decimal("9"))) == {up_to_80.pk}
    assert set(find(price_min=Decimal("301"), price_max=Decimal("499"))) == set()
    # Listings without a price show only when no price filter is set.
    assert no_price.pk in find()
    assert no_price.pk not in find(price_min=Decimal("0"))


def test_remote_filter(owner):
    remote = listing(owner, "Remote bookkeeping", remote=True)
    onsite = listing(owner, "Onsite bookkeeping", remote=False)
    assert find("bookkeeping", remote=True) == [remote.pk]
    assert find("bookkeeping", remote=False) == [onsite.pk]
    assert set(find("bookkeeping")) == {remote.pk, onsite.pk}


def test_location_is_a_case_insensitive_substring(owner):
    berlin = listing(owner, "Photographer", location="Berlin, Germany")
    listing(owner, "Photographer too", location="Paris")
    assert find("photographer", location="berlin") == [berlin.pk]
    assert find(location="GERMANY") == [berlin.pk]
    assert find("PHOTOGRAPHER", location="rLIN, ger") == [berlin.pk]
    assert find("photographer", location="erl", sort="newest") == [berlin.pk]
    assert find("photographer", location="Lyon") == []


def test_location_filter_is_the_trigram_index_expression(owner):
    if connection.vendor != "postgresql":
        pytest.skip("the trigram index is PostgreSQL's (migration 0004)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'listing_location_trgm'")
        (definition,) = cursor.fetchone()
    assert "upper((location)::text) gin_trgm_ops" in definition
    # The planner can use the index only if the filter is written with the same expression.
    qs = search_module._filtered(SearchParams(location="berlin"), NOW)
    sql, params = qs.values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "upper((location)::text) ~~ '%BERLIN%'::text" in plan


def test_within_days_and_posted_after(owner):
    fresh = listing(owner, "Fresh translation", age_days=2)
    old = listing(owner, "Old translation", age_days=20)
    assert find("translation", within_days=7) == [fresh.pk]
    assert set(find("translation", within_days=30)) == {fresh.pk, old.pk}
    assert find(posted_after=NOW - timedelta(days=3)) == [fresh.pk]
    assert find(posted_after=fresh.published_at) == []


# --- sorts and pages ---------------------------------------------------------------------------


def test_newest_sort_ignores_rank(owner):
    older_title_match = listing(owner, "Copywriting", age_days=5)
    newer_description_match = listing(owner, "Words", description="copywriting", age_days=1)
    assert find("copywriting") == [older_title_match.pk, newer_description_match.pk]
    assert find("copywriting", sort="newest") == [newer_description_match.pk, older_title_match.pk]


def test_empty_query_lists_newest_first(owner):
    old = listing(owner, "Old", age_days=9)
    new = listing(owner, "New", age_days=1)
    assert find() == [new.pk, old.pk]
    assert find(sort="relevance") == [new.pk, old.pk]


@pytest.mark.parametrize("sort", ["relevance", "newest"])
@pytest.mark.parametrize("q", ["", "catering"])
def test_pages_are_stable_with_ties(owner, q, sort):
    # Same text and same publication time: only the id breaks the tie.
    made = {listing(owner, "Catering lunch", age_days=1).pk for _ in range(23)}
    seen: list[int] = []
    for number in range(1, 10):
        page = search(SearchParams(q=q, sort=sort), page=number, per_page=5, now=NOW)
        seen += ids(page)
        assert page.page == number and page.per_page == 5
        if not page.has_next:
            break
    assert number == 5
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == made
    assert seen == sorted(seen, reverse=True)


def test_relevance_ranks_the_most_recent_matches_only(owner, monkeypatch):
    monkeypatch.setattr(search_module, "RANK_CANDIDATES", 3)
    best_but_oldest = listing(owner, "Roofing roofing", description="roofing", age_days=9)
    newer = [listing(owner, "Repairs", description="roofing", age_days=n) for n in (3, 2, 1)]
    assert find("roofing") == [m.pk for m in reversed(newer)]
    monkeypatch.setattr(search_module, "RANK_CANDIDATES", 4)
    assert find("roofing") == [best_but_oldest.pk] + [m.pk for m in reversed(newer)]
    # The newest sort is not bounded.
    assert len(find("roofing", sort="newest")) == 4


def test_page_numbers_out_of_range_are_clamped(owner):
    hit = listing(owner, "Anything")
    assert ids(search(SearchParams(), page=0, now=NOW)) == [hit.pk]
    assert search(SearchParams(), page=10**30, now=NOW).hits == []
    page = search(SearchParams(), per_page=10**9, now=NOW)
    assert page.per_page == search_module.MAX_PER_PAGE


# --- the index follows every write -------------------------------------------------------------


def test_index_follows_updates_and_deletes(owner):
    item = listing(owner, "Espresso machine")
    assert find("espresso") == [item.pk]
    item.title = "Grinder"
    item.save()
    assert find("espresso") == []
    assert find("grinder") == [item.pk]
    Listing.objects.filter(pk=item.pk).update(description="Burr grinder with a hopper")
    assert find("hopper") == [item.pk]
    item.delete()
    assert find("grinder") == []


def test_index_follows_bulk_create_and_status_changes(owner):
    category = Category.objects.get(slug="hardware")
    Listing.objects.bulk_create(
        [
            Listing(
                owner=owner,
                kind="offer",
                title=f"Thinkpad number {n}",
                description="Refurbished.",
                category=category,
                status=Listing.Status.DRAFT,
            )
            for n in range(3)
        ]
    )
    assert find("thinkpad") == []
    Listing.objects.filter(title__startswith="Thinkpad").update(
        status=Listing.Status.PUBLISHED, published_at=NOW, expires_at=NOW + timedelta(days=30)
    )
    assert len(find("thinkpad")) == 3
    assert len(find("refurbished thinkpad")) == 3


def test_search_index_is_installed():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name = 'exchange_listing'"
            )
            assert {row[0] for row in cursor.fetchall()} >= {
                "exchange_listing_fts_insert",
                "exchange_listing_fts_update",
                "exchange_listing_fts_delete",
            }
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'listing_search_document'"
            )
            (definition,) = cursor.fetchone()
            assert "gin" in definition and "search_document" in definition


# --- snippets ----------------------------------------------------------------------------------


def test_snippet_marks_matches_and_escapes_html(owner):
    listing(
        owner,
        "Security <b>audit</b>",
        description="We test your site. <script>alert('x')</script> Penetration testing & more.",
    )
    (hit,) = search(SearchParams(q="penetration"), now=NOW).hits
    assert "<mark>Penetration</mark>" in hit.snippet
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert "&amp;" in hit.snippet
    assert hit.title_html == "Security &lt;b&gt;audit&lt;/b&gt;"
    (hit,) = search(SearchParams(q="audit"), now=NOW).hits
    assert hit.title_html == "Security &lt;b&gt;<mark>audit</mark>&lt;/b&gt;"


def test_snippet_is_a_window_around_the_first_match(owner):
    words = [f"filler{n}" for n in range(300)]
    words[200] = "invoicing"
    listing(owner, "Long one", description=" ".join(words))
    (hit,) = search(SearchParams(q="invoicing"), now=NOW).hits
    assert "<mark>invoicing</mark>" in hit.snippet
    assert hit.snippet.startswith("… ") and hit.snippet.endswith(" …")
    assert len(hit.snippet.split()) <= search_module.SNIPPET_WORDS + 2
    assert "filler0 " not in hit.snippet


def test_snippet_without_query_is_the_start_of_the_description(owner):
    listing(owner, "Plain", description="First words here. " + "more " * 100)
    (hit,) = search(SearchParams(), now=NOW).hits
    assert hit.snippet.startswith("First words here.") and "<mark>" not in hit.snippet


# --- unicode -----------------------------------------------------------------------------------


def test_accented_words_are_found_by_whole_word(owner):
    cafe = listing(owner, "Café fitout", description="Comptoir réfrigéré")
    assert find("café") == [cafe.pk]
    assert find("réfrigéré") == [cafe.pk]
    if connection.vendor == "sqlite":
        # Only the FTS5 tokenizer folds accents (see the module docstring).
        assert find("cafe") == [cafe.pk]


def test_cjk_words_separated_by_spaces_are_found(owner):
    tokyo = listing(owner, "東京 オフィス", description="家具 の 販売")
    assert find("東京") == [tokyo.pk]
    assert find("家具") == [tokyo.pk]
    (hit,) = search(SearchParams(q="家具"), now=NOW).hits
    assert "<mark>家具</mark>" in hit.snippet


def test_emoji_are_ignored_not_an_error(owner):
    hit = listing(owner, "Rocket 🚀 launch consulting")
    page = search(SearchParams(q="🚀 rocket"), now=NOW)
    assert ids(page) == [hit.pk]
    page = search(SearchParams(q="🚀"), now=NOW)
    assert ids(page) == [hit.pk] and page.message is not None


# --- queries that cannot be used as typed ------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        'python AND "django',
        "python OR NOT NEAR(django)",
        "python* ^django django:work",
        "(python) -django +django",
        "python'); DROP TABLE exchange_listing; --django",
        "python\x00django",
    ],
)
def test_operators_and_quotes_are_plain_words(owner, raw):
    hit = listing(owner, "Python and Django work, or not near")
    listing(owner, "Unrelated")
    page = search(SearchParams(q=raw), now=NOW)
    assert page.message is None
    assert ids(page) == ([] if "DROP" in raw else [hit.pk])
    assert Listing.objects.count() == 2


def test_long_query_is_cut_with_a_message(owner):
    hit = listing(owner, "Plumbing")
    page = search(SearchParams(q="plumbing " + "x" * 10_000), now=NOW)
    assert page.message and str(MAX_QUERY_CHARS) in page.message
    assert ids(page) == [hit.pk]


def test_too_many_words_are_dropped_with_a_message(owner):
    hit = listing(owner, "Plumbing")
    page = search(SearchParams(q="plumbing " * 5 + " ".join(["plumbing"] * 40)), now=NOW)
    assert page.message is None and ids(page) == [hit.pk]  # repeats count once
    words = ["plumbing"] + [f"w{n}" for n in range(40)]
    parsed = ParsedQuery.parse(" ".join(words))
    assert len(parsed.terms) == MAX_TERMS and parsed.message
    assert search(SearchParams(q=" ".join(words)), now=NOW).message == parsed.message


def test_punctuation_only_lists_everything_with_a_message(owner):
    hit = listing(owner, "Anything")
    page = search(SearchParams(q='!!! "" ** :: ^^'), now=NOW)
    assert ids(page) == [hit.pk]
    assert page.message and "no words" in page.message


def test_query_words_are_quoted_for_each_engine():
    parsed = ParsedQuery.parse('Data AND "eng*" NEAR/2 ^x')
    assert parsed.terms == ("data", "and", "eng", "near", "2", "x")
    assert parsed.fts5() == '"data" "and" "eng" "near" "2" "x"'
    assert parsed.tsquery() == "'data' & 'and' & 'eng' & 'near' & '2' & 'x'"
    assert ParsedQuery.parse("data eng").fts5() == '"data" "eng"*'
    assert ParsedQuery.parse("data eng").tsquery() == "'data' & 'eng':*"


# --- parameters --------------------------------------------------------------------------------


def test_from_mapping_reads_a_query_string():
    data = QueryDict(
        "q=logo+design&kind=request&category=design&price_min=100&price_max=1%2C500"
        "&remote=on&location=Berlin&within_days=7&sort=newest"
    )
    params, messages = SearchParams.from_mapping(data)
    assert messages == []
    assert params == SearchParams(
        q="logo design",
        kind="request",
        category="design",
        price_min=Decimal("100.00"),
        price_max=Decimal("1500.00"),
        remote=True,
        location="Berlin",
        within_days=7,
        sort="newest",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[("1", True), ("true", True), ("yes", True), (True, True), ("on", True)],
        *[("0", False), ("no", False), (False, False), ("off", False)],
        *[("", None), ("any", None), (None, None)],
    ],
)
def test_from_mapping_remote_values(value, expected):
    params, messages = SearchParams.from_mapping({"remote": value})
    assert params.remote is expected and messages == []


def test_from_mapping_drops_bad_values_with_messages():
    params, messages = SearchParams.from_mapping(
        {
            "kind": "bananas",
            "category": "<script>",
            "price_min": "cheap",
            "price_max": "-5",
            "remote": "maybe",
            "within_days": "999",
            "sort": "random",
            "posted_after": "yesterday",
        }
    )
    assert params == SearchParams()
    assert len(messages) == 8


def test_from_mapping_swaps_a_reversed_price_range():
    params, messages = SearchParams.from_mapping({"price_min": 900, "price_max": "100.5"})
    assert (params.price_min, params.price_max) == (Decimal("100.50"), Decimal("900.00"))
    assert len(messages) == 1 and "swapped" in messages[0]


def test_as_filters_round_trips_through_json():
    params = SearchParams(
        q="ignored",
        kind="offer",
        category="design",
        price_min=Decimal("10.00"),
        price_max=Decimal("20.50"),
        remote=False,
        location="Lyon",
        within_days=3,
        sort="newest",
    )
    filters = params.as_filters()
    assert filters == {
        "kind": "offer",
        "category": "design",
        "price_min": "10.00",
        "price_max": "20.50",
        "remote": False,
        "location": "Lyon",
        "within_days": 3,
        "sort": "newest",
    }
    again, messages = SearchParams.from_mapping(filters)
    assert messages == [] and again == dataclasses.replace(params, q="")
    assert SearchParams().as_filters() == {}


def test_page_rows_are_the_orms_instances(owner):
    # The page's rows are read with hand-written SQL; they must be what the ORM gives.
    made = [
        listing(
            owner, "Rust audit", tags="rust,audit", price_min=Decimal("120.50"), currency="EUR"
        ),
        listing(owner, "Remote design", age_days=3, remote=True),
        listing(owner, "Berlin pipeline", location="Berlin", price_max=Decimal("900")),
    ]
    ids = [m.pk for m in made] + [10**9]  # an id that does not exist is left out
    ours = search_module._page_rows(ids)
    orm = (
        Listing.objects.select_related("category").defer(*search_module._UNUSED_FIELDS).in_bulk(ids)
    )
    assert sorted(ours) == sorted(orm) == sorted(m.pk for m in made)
    for pk, expected in orm.items():
        got = ours[pk]
        assert got.get_deferred_fields() == expected.get_deferred_fields() != set()
        for f in Listing._meta.concrete_fields:
            if f.attname not in expected.get_deferred_fields():
                assert getattr(got, f.attname) == getattr(expected, f.attname), f.name
        assert Listing.category.is_cached(got)
        assert got.category.__dict__.keys() == expected.category.__dict__.keys()
        assert [getattr(got.category, f.attname) for f in Category._meta.concrete_fields] == [
            getattr(expected.category, f.attname) for f in Category._meta.concrete_fields
        ]
        assert got._state.adding is False and got._state.db == expected._state.db

"""Exchange search never raises on what a member can type, on either database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pitchless.exchange.models import Category, Listing
from pitchless.exchange.search import ParsedQuery, SearchPage, SearchParams, search
from tests.members.factories import make_member

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db

#: the function-scoped ``db`` fixture is set up once for all examples: the listings are only read
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: anything but lone surrogates (which a str from a request can't hold), NUL included
ANY_CHAR = st.characters(blacklist_categories=("Cs",))
OPERATORS = st.sampled_from(
    [
        *["AND", "OR", "NOT", "NEAR", "NEAR/2", "*", "^", ":", '"', "'", "(", ")", "-", "+"],
        *["\x00", "&", "|", "!", "<->", ":*", "\\", "title:", "{title tags}:", "%", "_", ";"],
    ]
)
WORDS = st.sampled_from(["python", "design", "café", "東京", "🚀", "consulting", "a", ""])
QUERY = st.one_of(
    st.text(ANY_CHAR, max_size=80),
    st.lists(st.one_of(OPERATORS, WORDS, st.text(ANY_CHAR, max_size=6)), max_size=40).map(" ".join),
    st.tuples(st.text(ANY_CHAR, min_size=1, max_size=8), st.integers(1, 1400)).map(
        lambda t: t[0] * t[1]
    ),
)


@pytest.fixture
def listings(db):
    owner = make_member("Fuzz Owner")
    category = Category.objects.get(slug="design")
    for n, (title, description) in enumerate(
        [
            ("Python design", "Café near 東京, 🚀 consulting AND more"),
            ('Quotes "inside" it', "Operators: NEAR(a b) ^c title:x * OR NOT"),
            ("Plain", "Nothing special here."),
        ]
    ):
        Listing.objects.create(
            owner=owner,
            kind="offer",
            title=title,
            description=description,
            category=category,
            status=Listing.Status.PUBLISHED,
            published_at=NOW - timedelta(days=n),
            expires_at=NOW + timedelta(days=30),
            price_min=Decimal(10 * n) if n else None,
            location="Berlin",
        )


@FUZZ
@given(q=QUERY, sort=st.sampled_from(["relevance", "newest", "?"]), page=st.integers(-5, 10**6))
def test_any_query_returns_a_page(listings, q, sort, page):
    result = search(SearchParams(q=q, sort=sort), page=page, per_page=2, now=NOW)
    assert isinstance(result, SearchPage)
    assert len(result.hits) <= 2
    for hit in result.hits:
        assert "<script" not in hit.snippet and "<script" not in hit.title_html
    parsed = ParsedQuery.parse(q)
    assert len(parsed.terms) <= 32
    assert (result.message is not None) == (parsed.message is not None)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(ANY_CHAR, max_size=40),
    st.sampled_from(["1", "true", "on", "offer", "request", "design", "newest", "7", "-1e999"]),
    st.datetimes(),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.text(), SCALARS))
KEYS = st.sampled_from(
    [
        *["q", "kind", "category", "price_min", "price_max", "remote", "location"],
        *["within_days", "sort", "posted_after", "page", "other"],
    ]
)


@FUZZ
@given(data=st.dictionaries(st.one_of(KEYS, st.text(max_size=5)), VALUES, max_size=12))
def test_any_mapping_parses_and_searches(listings, data):
    params, messages = SearchParams.from_mapping(data)
    assert isinstance(params, SearchParams)
    assert all(isinstance(m, str) and m for m in messages)
    assert isinstance(search(params, now=NOW), SearchPage)
    # What was kept survives a trip through a saved search's JSON filters.
    again, again_messages = SearchParams.from_mapping(params.as_filters())
    assert again_messages == []
    assert again.as_filters() == params.as_filters()


@FUZZ
@given(
    q=st.text(ANY_CHAR, max_size=20),
    kind=st.one_of(st.none(), st.text(ANY_CHAR, max_size=8)),
    category=st.one_of(st.none(), st.text(ANY_CHAR, max_size=70)),
    price_min=st.one_of(st.none(), st.decimals(allow_nan=True, allow_infinity=True)),
    price_max=st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False)),
    remote=st.one_of(st.none(), st.booleans()),
    location=st.text(ANY_CHAR, max_size=200),
    within_days=st.one_of(st.none(), st.integers()),
    posted_after=st.one_of(st.none(), st.datetimes()),
)
def test_params_built_in_code_never_break_search(listings, **fields):
    assert isinstance(search(SearchParams(**fields), now=NOW), SearchPage)


def test_ten_kilobyte_queries(listings):
    for chunk in ("python ", "AND ", '"', "é東🚀", "\x00", "NEAR(", "x"):
        page = search(SearchParams(q=chunk * (10_240 // len(chunk))), now=NOW)
        assert isinstance(page, SearchPage) and page.message


def test_lone_surrogates_from_json_are_dropped(listings):
    # json.loads('"\\ud800"') gives a str no database driver can encode.
    params, messages = SearchParams.from_mapping(
        {"q": "\ud800python\udfff", "location": "Ber\ud800lin", "category": "\udfffdesign"}
    )
    assert (params.q, params.location, params.category) == ("python", "Berlin", "design")
    assert messages == []
    assert len(search(params, now=NOW).hits) == 1
    page = search(SearchParams(q="\ud800 design", location="\udfff"), now=NOW)
    assert len(page.hits) == 1

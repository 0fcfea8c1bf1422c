"""Search over active Exchange listings: one entry point, two engines.

``search(params, page=..., per_page=...)`` returns a :class:`SearchPage` of :class:`Hit`; it
reads only active listings (published, not expired) and never raises on what a member typed.

The engine follows ``connection.vendor``; both are created by migration ``0003_search``
(PostgreSQL's document reshaped by ``0004_search_category_location`` and
``0006_search_category_marker``; the narrow table and the indexes' new home by
``0005_search_narrow``; the id ranges in the GIN index by ``0007_search_recent_ranges``):

- **PostgreSQL**: a stored generated ``tsvector`` column ``exchange_listing.search_document``
  (title weight A, tags B, description C, configuration ``english`` so that *developer*,
  *developers* and *development* meet), copied by triggers into the narrow table
  ``exchange_listing_search`` (published listings only: id, kind, category, prices, remote,
  place, times and the document), which has the GIN index. Matches are ``@@
  to_tsquery('english', ...)``, ranked by ``ts_rank_cd`` (weights 0.1/0.2/0.4/1.0 for
  D/C/B/A). The document also holds a :data:`CATEGORY_LEXEME` (``_category:<id>``, migration
  ``0006_search_category_marker``), so a category filter with words is one more GIN condition
  (a ``tsquery`` literal), and a trigram GIN index on ``upper(location)`` serves the location
  filter. No typed word can match that lexeme, not even as a prefix (``cat`` is ``'cat':*``):
  a word is letters and digits only (the tokeniser drops ``_``) and the ``english`` parser
  treats ``_`` as a separator, so no query lexeme starts with it.
- **SQLite**: an FTS5 table ``exchange_listing_fts`` (Porter stemmer over ``unicode61`` with
  diacritics removed; prefix indexes for 3 and 4 characters, migration
  ``0008_search_fts_prefix``) that triggers keep in step with ``exchange_listing`` inside the
  writing transaction, beside the same narrow table (without a document). Matches are
  ``exchange_listing_fts MATCH ...``, ranked by ``bm25(exchange_listing_fts, 10.0, 5.0,
  1.0)`` (title over tags over description).
- Any other database: a case-insensitive substring scan, rank 0 (correct, slow).

With words, candidates are found and ranked in the narrow table; the wide listing rows are read
for the page's rows only. How they are found depends on how common the query is, estimated by a
probe of the newest :data:`PROBE_IDS` ids (see :func:`_pg_candidates`, :func:`_sqlite_candidates`
and ``docs/exchange.md``): common queries walk an index newest first testing each row, rare ones
ask the full-text index for every match. Every plan returns the same listings, with one
exception by design: a last word that is itself a common word (in at least
:data:`COMMON_SHARE` of the probed listings) is matched as that whole word, plus on PostgreSQL
its :data:`PREFIX_COMPLETIONS` most common completions, instead of as a prefix, wherever the
full-text index does the matching (the walks keep the prefix on PostgreSQL).

Neither engine sees the raw query: it is cut to 500 characters, split into words with a
Unicode-aware pattern (operators, quotes and punctuation fall away), capped at 32 words, and
each word is quoted for the engine; the last word of three letters or more is also matched as a
prefix (``dev`` finds *developer*). All words must match. An empty query (or one with no word
in it, such as ``"!!!"``, which also gets a message) lists every active listing, newest first.

The snippet and the highlighted title are computed in Python for the page's rows only: escaped
text with ``<mark>`` around the words that match a query word (same light stemming idea: a
word matches when it starts with the query word, minus a common English suffix).

Known limits: a typo finds nothing (no fuzzy matching; see ``docs/performance.md``); scripts
written without spaces (Chinese, Japanese) match by whole runs of characters, not by single
words; emoji are not indexed; PostgreSQL drops English stop words (*the*, *and*), so a query of
stop words alone lists nothing there; only SQLite folds accents (*cafe* finds *café*).
"""

from __future__ import annotations

import html
import json
import re
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from pitchless.network import _sql

if TYPE_CHECKING:
    from pitchless.exchange.models import Listing

#: longer queries are cut (and the member told)
MAX_QUERY_CHARS = 500
#: more words than this are dropped (and the member told): each costs an index lookup
MAX_TERMS = 32
#: the last word is also matched as a prefix from this length on (shorter prefixes match too much)
PREFIX_MIN_CHARS = 3
#: PostgreSQL's lexeme for a category (migration 0006 builds the same): the leading "_" is a
#: character no query lexeme starts with, so no typed prefix reaches it
CATEGORY_LEXEME = "_category:{}"
MAX_PER_PAGE = 100
#: deeper pages are refused (an OFFSET that large is slow and nobody reads that far)
MAX_PAGE = 500
MAX_PRICE = Decimal("9999999999.99")
MAX_WITHIN_DAYS = 365
MAX_LOCATION_CHARS = 120
SNIPPET_WORDS = 30
#: relevance ranks at most this many matches, the most recent ones (see ``_ranked_page``)
RANK_CANDIDATES = 500
#: columns a search page never shows: the MinHash signature alone is a few kilobytes a row
_UNUSED_FIELDS = ("signature", "moderation_reason")
SORTS = ("relevance", "newest")
KINDS = ("offer", "request")

_WORD = re.compile(r"[^\W_]+")
_SPLIT_WORDS = re.compile(r"([^\W_]+)")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
_MARKUP = re.compile(r"[*`]+")
_SUFFIXES = ("ments", "ment", "ings", "ing", "ers", "er", "ies", "es", "ed", "s")
_TRUE = frozenset({"1", "true", "yes", "on", "remote"})
_FALSE = frozenset({"0", "false", "no", "off", "onsite", "on-site"})
_ANY = frozenset({"", "any", "either", "all", "none", "null"})


def clean_text(value: str) -> str:
    """``value`` without NUL bytes (made spaces) and lone surrogates: no driver accepts them."""
    if "\x00" in value:
        value = value.replace("\x00", " ")
    return value.encode("utf-8", "ignore").decode("utf-8")


def _fold(word: str) -> str:
    """Lower case without accents, for comparing words in Python."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _stem(word: str) -> str:
    """A crude English stem for highlighting; the engines do the real stemming."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """The words of a query as each engine gets them, and what was changed on the way."""

    terms: tuple[str, ...]
    prefix_last: bool
    message: str | None

    @classmethod
    def parse(cls, raw: str) -> ParsedQuery:
        """Split ``raw`` into at most :data:`MAX_TERMS` words; never raises."""
        messages: list[str] = []
        text = clean_text(raw if isinstance(raw, str) else "")
        cut_word = False
        if len(text) > MAX_QUERY_CHARS:
            # A word cut in half by the limit would be searched as a word of its own: drop it.
            cut_word = bool(_WORD.fullmatch(text[MAX_QUERY_CHARS - 1 : MAX_QUERY_CHARS + 1]))
            text = text[:MAX_QUERY_CHARS]
            messages.append(f"Your search was cut to its first {MAX_QUERY_CHARS} characters.")
        text = unicodedata.normalize("NFKC", text)
        terms = [t.lower() for t in _WORD.findall(text)]
        if cut_word and terms:
            terms.pop()
        terms = list(dict.fromkeys(terms))
        if len(terms) > MAX_TERMS:
            terms = terms[:MAX_TERMS]
            messages.append(f"Only the first {MAX_TERMS} words of your search were used.")
        if not terms and text.strip():
            messages.append("Your search has no words in it, so all listings are shown.")
        prefix_last = bool(terms) and len(terms[-1]) >= PREFIX_MIN_CHARS
        return cls(tuple(terms), prefix_last, " ".join(messages) or None)

    def fts5(self) -> str:
        """An FTS5 MATCH expression: every word quoted (no operator survives), all required."""
        parts = ['"' + t.replace('"', '""') + '"' for t in self.terms]
        if self.prefix_last:
            parts[-1] += "*"
        return " ".join(parts)

    def tsquery(self) -> str:
        """A ``to_tsquery`` expression: every word quoted as a lexeme, all required."""
        parts = ["'" + t.replace("'", "''").replace("\\", "") + "'" for t in self.terms]
        if self.prefix_last:
            parts[-1] += ":*"
        return " & ".join(parts)

    def matcher(self) -> re.Pattern[str] | None:
        """Whether a folded word matches one of the query words (for highlighting)."""
        if not self.terms:
            return None
        stems = sorted({_stem(_fold(t)) for t in self.terms}, key=len, reverse=True)
        # Words under three letters only match whole words, else "a" would mark every "a...".
        return re.compile(
            "|".join(re.escape(s) + ("" if len(s) >= PREFIX_MIN_CHARS else "$") for s in stems)
        )


def _parse_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        raise ValueError
    if isinstance(value, Decimal | int | float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace(" ", "").lstrip("$€£")
        if not text:
            return None
        number = Decimal(text)
    else:
        raise ValueError
    if not number.is_finite() or number < 0 or number > MAX_PRICE:
        raise ValueError
    return number.quantize(Decimal("0.01"))


def _as_text(value: Any) -> str | None:
    """A scalar from a form, JSON or a saved search, as text (lists: the last value)."""
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float | Decimal):
        return clean_text(str(value)).strip()
    return None


@dataclass(frozen=True, slots=True)
class SearchParams:
    """What a member searches for: words and filters (kind, category, price, place, age)."""

    q: str = ""
    kind: str | None = None
    category: str | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    remote: bool | None = None
    location: str = ""
    within_days: int | None = None
    sort: str = "relevance"
    posted_after: datetime | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> tuple[SearchParams, list[str]]:
        """Parse ``request.GET``, a JSON body or ``SavedSearch.filters``; never raises.

        Each value that can't be used is dropped with a message for the member. ``remote``
        takes ``1/true/yes/on`` (remote only), ``0/false/no/off`` (on-site only) or empty/``any``
        (either). Prices are non-negative decimals; a reversed range is swapped.
        """
        messages: list[str] = []

        def get(key: str) -> Any:
            try:
                if hasattr(data, "getlist"):
                    values = data.getlist(key)
                    return values[-1] if values else None
                return data.get(key)
            except Exception:
                return None

        fields: dict[str, Any] = {}
        q = _as_text(get("q"))
        if q:
            fields["q"] = q

        kind = _as_text(get("kind"))
        if kind is not None and kind.lower() not in _ANY:
            if kind.lower() in KINDS:
                fields["kind"] = kind.lower()
            else:
                messages.append("Unknown kind ignored: choose offers or requests.")

        category = _as_text(get("category"))
        if category is not None and category.lower() not in _ANY:
            if _SLUG.match(category.lower()):
                fields["category"] = category.lower()
            else:
                messages.append("Unknown category ignored.")

        for key, label in (("price_min", "minimum price"), ("price_max", "maximum price")):
            raw = get(key)
            if raw is None or raw == "":
                continue
            try:
                value = _parse_decimal(raw)
            except (ValueError, ArithmeticError, TypeError):
                messages.append(f"The {label} must be a number from 0 to {MAX_PRICE:,.0f}.")
                continue
            if value is not None:
                fields[key] = value
        low, high = fields.get("price_min"), fields.get("price_max")
        if low is not None and high is not None and low > high:
            fields["price_min"], fields["price_max"] = high, low
            messages.append("The minimum price was above the maximum: they were swapped.")

        remote = _as_text(get("remote"))
        if remote is not None and remote.lower() not in _ANY:
            if remote.lower() in _TRUE:
                fields["remote"] = True
            elif remote.lower() in _FALSE:
                fields["remote"] = False
            else:
                messages.append("The remote filter takes yes or no; it was ignored.")

        location = _as_text(get("location"))
        if location:
            if len(location) > MAX_LOCATION_CHARS:
                messages.append(f"The location was cut to {MAX_LOCATION_CHARS} characters.")
            fields["location"] = location[:MAX_LOCATION_CHARS]

        within = _as_text(get("within_days"))
        if within:
            try:
                days = int(within)
            except ValueError:
                days = 0
            if 1 <= days <= MAX_WITHIN_DAYS:
                fields["within_days"] = days
            else:
                messages.append(f"'Posted within' takes 1 to {MAX_WITHIN_DAYS} days; ignored.")

        sort = _as_text(get("sort"))
        if sort:
            if sort.lower() in SORTS:
                fields["sort"] = sort.lower()
            else:
                messages.append("Unknown sort ignored: results are sorted by relevance.")

        after = get("posted_after")
        if after is not None and after != "":
            moment = None
            try:
                if isinstance(after, datetime):
                    moment = after
                elif isinstance(after, str):
                    moment = datetime.fromisoformat(after.strip())
            except ValueError:
                moment = None
            if moment is None:
                messages.append("The 'posted after' date was not understood; ignored.")
            else:
                if timezone.is_naive(moment):
                    moment = moment.replace(tzinfo=UTC)
                fields["posted_after"] = moment
        return cls(**fields), messages

    def as_filters(self) -> dict[str, Any]:
        """The non-default filters (all but ``q``) as JSON-able values, decimals as strings."""
        filters: dict[str, Any] = {}
        if self.kind:
            filters["kind"] = self.kind
        if self.category:
            filters["category"] = self.category
        if self.price_min is not None:
            filters["price_min"] = str(self.price_min)
        if self.price_max is not None:
            filters["price_max"] = str(self.price_max)
        if self.remote is not None:
            filters["remote"] = self.remote
        if self.location:
            filters["location"] = self.location
        if self.within_days is not None:
            filters["within_days"] = self.within_days
        if self.sort != "relevance":
            filters["sort"] = self.sort
        if self.posted_after is not None:
            filters["posted_after"] = self.posted_after.isoformat()
        return filters


@dataclass(frozen=True, slots=True)
class Hit:
    """One listing found: ``snippet`` and ``title_html`` are safe HTML with ``<mark>``."""

    listing: Listing
    snippet: str
    rank: float
    title_html: str = field(default="")


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of hits; ``message`` says when the query could not be used as typed."""

    hits: list[Hit]
    page: int
    per_page: int
    has_next: bool
    message: str | None


def _filtered(params: SearchParams, now: datetime):
    """Active listings narrowed by every filter but the words (searches without words, and
    other databases; :func:`_narrow_filters` is the same on the narrow table)."""
    from pitchless.exchange.models import Listing

    qs = Listing.objects.active(now)
    if params.kind in KINDS:
        qs = qs.filter(kind=params.kind)
    if params.category and isinstance(params.category, str):
        qs = qs.filter(category__slug=clean_text(params.category)[:60])
    low, high = _safe_price(params.price_min), _safe_price(params.price_max)
    if low is not None or high is not None:
        # A listing's [price_min, price_max] overlaps the asked range; a missing bound on the
        # listing is open ("from 500" has no ceiling, "up to 80" no floor); listings without
        # any price never match a price filter.
        qs = qs.exclude(price_min__isnull=True, price_max__isnull=True)
        if high is not None:
            qs = qs.filter(Q(price_min__lte=high) | Q(price_min__isnull=True))
        if low is not None:
            qs = qs.filter(Q(price_max__gte=low) | Q(price_max__isnull=True))
    if params.remote is not None:
        qs = qs.filter(remote=bool(params.remote))
    location = params.location if isinstance(params.location, str) else ""
    location = clean_text(location).strip()[:MAX_LOCATION_CHARS]
    if location:
        # PostgreSQL: this is ``UPPER(location::text) LIKE UPPER('%...%')``, the expression of
        # the trigram index ``listing_location_trgm`` (migration 0004), so the index serves it.
        qs = qs.filter(location__icontains=location)
    if isinstance(params.within_days, int) and params.within_days > 0:
        days = min(params.within_days, MAX_WITHIN_DAYS)
        qs = qs.filter(published_at__gte=now - timedelta(days=days))
    if isinstance(params.posted_after, datetime):
        after = params.posted_after
        if timezone.is_naive(after):
            after = after.replace(tzinfo=UTC)
        qs = qs.filter(published_at__gt=after)
    return qs


def _safe_price(value: Any) -> Decimal | None:
    """A price bound the database can compare, or None (ignored) for anything else."""
    try:
        return _parse_decimal(value)
    except (ValueError, ArithmeticError, TypeError):
        return None


def _matching(qs, query: ParsedQuery):
    """Any other database: ``qs`` narrowed to listings holding every word (a substring scan),
    with a ``search_rank`` of 0. PostgreSQL and SQLite use the narrow table instead."""
    for term in query.terms:
        qs = qs.filter(
            Q(title__icontains=term) | Q(tags__icontains=term) | Q(description__icontains=term)
        )
    return qs.extra(select={"search_rank": "0"})


def _ranked_page(qs, offset: int, limit: int) -> list[tuple[int, float]]:
    """Any other database: (id, rank) of the page among the most recently created matches."""
    rows = list(qs.order_by("-id").values_list("id", "published_at")[:RANK_CANDIDATES])
    rows.sort(key=lambda row: ((0,) if row[1] is None else (1, row[1]), row[0]), reverse=True)
    return [(pk, 0.0) for pk, _ in rows[offset : offset + limit]]


# --- the narrow table: plans chosen by how common the words are ---------------------------------

#: the newest listing ids a probe tests to estimate how common a query is (a cheap walk)
PROBE_IDS = 2000
#: a last word whose whole word is in at least this share of the probed listings is matched as
#: that word (plus, on PostgreSQL, its most common completions) instead of as a prefix
COMMON_SHARE = 0.01
#: how many completions of a common last word are kept (PostgreSQL; from ``pg_stats``)
PREFIX_COMPLETIONS = 8
#: relevance walks at most this many of the newest ids testing each row before the full-text
#: index finishes the job (PostgreSQL)
WALK_IDS = 60_000
#: the newest sort reads at most this many rows newest first (PostgreSQL; each tested with
#: ``ts_match_vq``) before the index takes over
NEWEST_WALK_ROWS = 20_000
#: the newest sort makes at most this many one-row FTS5 lookups (SQLite; about 14 µs each)
NEWEST_PROBES = 1500
#: a walk covers this many times the ids the probe says it needs (then the index takes over)
WALK_MARGIN = 1.5
#: PostgreSQL's GIN index also holds each row's id range, ``id >> RECENT_BUCKET_BITS``
#: (migration 0007 builds the same expression), so that it can be asked for the newest ids only
RECENT_BUCKET_BITS = 14
_BUCKET_SQL = f"ARRAY[s.id >> {RECENT_BUCKET_BITS}]"
#: the index plan asks for the newest id ranges first while they cover at most this share of
#: the ids (PostgreSQL)
RECENT_MAX_SHARE = 0.5
#: what the GIN index costs for each id range it is asked for, in the walks' cost units (a row
#: read through an index, about 1 µs; a range measured 0.3 to 0.4 ms at 1M listings): it is
#: asked instead of walking when that costs less than the walk
BUCKET_COST = 400
#: a row the GIN index finds, read from the heap in a bitmap scan, in the same units
HEAP_ROW_COST = 1.5
#: how long the common-lexeme statistics are kept in a process (seconds)
STATS_SECONDS = 600.0
_TABLE = "exchange_listing_search"
_stats: dict[str, Any] = {"at": -STATS_SECONDS, "lexemes": []}


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one search found its candidates, for tests and ``EXPLAIN`` (see ``last_plan``)."""

    name: str
    whole_last_word: bool = False
    completions: tuple[str, ...] = ()
    #: how many of the newest id ranges the GIN index was asked first (0: every id at once)
    recent_buckets: int = 0


#: the plan of this process's last search (tests and the bench read it; never used to decide)
last_plan: _Plan | None = None


def _narrow_filters(params: SearchParams, now: datetime) -> tuple[list[str], list[Any]] | None:
    """SQL conditions on the narrow table ``s`` for every filter but the words, and their
    parameters, or None when nothing can match (an unknown category). The same semantics as
    :func:`_filtered`. The category's and the place's conditions are the first and second
    after the expiry when given (see :func:`_pg_candidates`)."""
    from pitchless.exchange.models import Category

    ops = connection.ops
    where = ["s.expires_at > %s"]
    args: list[Any] = [ops.adapt_datetimefield_value(now)]
    if params.category and isinstance(params.category, str):
        slug = clean_text(params.category)[:60]
        # Plain SQL: the ORM's compilation of this one-row lookup cost 0.7 ms of CPU.
        found = _fetch(f"SELECT id FROM {Category._meta.db_table} WHERE slug = %s", [slug])
        if not found:
            return None
        (pk,) = found[0]
        where.append("s.category_id = %s")
        args.append(pk)
    location = params.location if isinstance(params.location, str) else ""
    location = clean_text(location).strip()[:MAX_LOCATION_CHARS]
    if location:
        pattern = f"%{ops.prep_for_like_query(location)}%"
        if connection.vendor == "postgresql":
            # The trigram index's expression (migration 0005), as Django writes icontains.
            where.append("upper((s.location)::text) LIKE upper(%s)")
        else:
            where.append("s.location LIKE %s ESCAPE '\\'")
        args.append(pattern)
    if params.kind in KINDS:
        where.append("s.kind = %s")
        args.append(params.kind)
    low, high = _safe_price(params.price_min), _safe_price(params.price_max)
    if low is not None or high is not None:
        where.append("NOT (s.price_min IS NULL AND s.price_max IS NULL)")
        if high is not None:
            where.append("(s.price_min <= %s OR s.price_min IS NULL)")
            args.append(ops.adapt_decimalfield_value(high, 12, 2))
        if low is not None:
            where.append("(s.price_max >= %s OR s.price_max IS NULL)")
            args.append(ops.adapt_decimalfield_value(low, 12, 2))
    if params.remote is not None:
        where.append("s.remote = %s")
        args.append(bool(params.remote))
    if isinstance(params.within_days, int) and params.within_days > 0:
        days = min(params.within_days, MAX_WITHIN_DAYS)
        where.append("s.published_at >= %s")
        args.append(ops.adapt_datetimefield_value(now - timedelta(days=days)))
    if isinstance(params.posted_after, datetime):
        after = params.posted_after
        if timezone.is_naive(after):
            after = after.replace(tzinfo=UTC)
        where.append("s.published_at > %s")
        args.append(ops.adapt_datetimefield_value(after))
    return where, args


def _fetch(sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


def _common_lexemes() -> list[tuple[str, float]]:
    """PostgreSQL's most common lexemes of the narrow table's documents, with the share of rows
    holding each (``pg_stats``, refreshed by every ``ANALYZE``; cached for a few minutes)."""
    clock = time.monotonic()
    if clock - _stats["at"] < STATS_SECONDS:
        return _stats["lexemes"]
    rows = _fetch(
        "SELECT u.e, u.f FROM pg_stats p, unnest(p.most_common_elems::text::text[],"
        " p.most_common_elem_freqs) AS u(e, f) WHERE p.tablename = %s"
        " AND p.attname = 'search_document' AND u.e IS NOT NULL",
        [_TABLE],
    )
    # The category lexemes are not completions of a typed word (none starts with their "_").
    marker = CATEGORY_LEXEME[0]
    _stats["lexemes"] = sorted(
        ((e, float(f)) for e, f in rows if not e.startswith(marker) and ":" not in e),
        key=lambda r: (-r[1], r[0]),
    )
    _stats["at"] = clock
    return _stats["lexemes"]


def _tsquery_literal(lexemes: tuple[str, ...]) -> str:
    """``'a' | 'b'`` as a tsquery literal, each lexeme quoted (no parser, no stemming)."""
    return " | ".join("'" + e.replace("\\", "\\\\").replace("'", "''") + "'" for e in lexemes)


def _whole(query: ParsedQuery) -> ParsedQuery:
    return ParsedQuery(query.terms, False, query.message)


def _pg_candidates(
    query: ParsedQuery, params: SearchParams, now: datetime, limit: int, *, newest: bool
) -> list[tuple[int, Any, float]]:
    """(id, published_at, rank) of the candidates on PostgreSQL, from the narrow table.

    Relevance: the :data:`RANK_CANDIDATES` highest ids that match; newest: the first ``limit``
    by publication time, then id. One probe of the newest :data:`PROBE_IDS` ids counts the
    matches (words and filters), the rows of the category and of the place: from the share of
    matches, a walk newest first needs about ``limit / share`` ids, and reads them through the
    primary key, the category's index or the places' index, whichever reads fewest rows.
    Walked rows are tested with ``ts_match_vq`` (the ``@@`` function, which no index serves).
    When even the best walk would read more than :data:`WALK_IDS` rows, or finds too few in
    its window, the GIN index finds the (remaining) matches and a top-N sort keeps the newest;
    for relevance it is first asked for the newest id ranges only (migration 0007, see
    :func:`_recent_buckets`), then for the older ids if those held too few.
    """
    global last_plan
    narrow = _narrow_filters(params, now)
    if narrow is None:
        last_plan = _Plan("none")
        return []
    where, args = narrow
    conditions = " AND ".join(where)
    full = query.tsquery()
    last = "'" + query.terms[-1].replace("'", "''").replace("\\", "") + "'"
    # One parameter per condition (see _narrow_filters): the category's and the place's.
    category_sql = next((w for w in where if w.startswith("s.category_id")), "FALSE")
    place_sql = next((w for w in where if "s.location" in w), "FALSE")
    category_args = [args[1]] if category_sql != "FALSE" else []
    place_args = [args[2 if category_args else 1]] if place_sql != "FALSE" else []
    # The words but the last, whole: what the GIN index can find exactly for a walk through
    # its newest id ranges (the last word's prefix is then tested on each row, as walks do).
    others = _whole(ParsedQuery(query.terms[:-1], False, None)).tsquery()
    gin_sql = category_sql if category_args else "TRUE"
    (
        top,
        bottom,
        window,
        hits,
        last_hits,
        other_hits,
        other_nodes,
        in_category,
        in_place,
        last_lexeme,
    ) = _fetch(
        "SELECT m.top, m.bottom, count(s.id),"
        f" count(s.id) FILTER (WHERE {conditions}"
        "  AND ts_match_vq(s.search_document, to_tsquery('english', %s))),"
        " count(s.id) FILTER (WHERE ts_match_vq(s.search_document, to_tsquery('english', %s))),"
        f" count(s.id) FILTER (WHERE {gin_sql}"
        "  AND ts_match_vq(s.search_document, to_tsquery('english', %s))),"
        " numnode(to_tsquery('english', %s)),"
        f" count(s.id) FILTER (WHERE {category_sql}), count(s.id) FILTER (WHERE {place_sql}),"
        " to_tsquery('english', %s)::text"
        f" FROM (SELECT max(id) AS top, min(id) AS bottom FROM {_TABLE}) m"
        f" LEFT JOIN {_TABLE} s ON s.id > m.top - %s GROUP BY m.top, m.bottom",
        [
            *args,
            full,
            last,
            *category_args,
            others or "x",
            others or "x",
            *category_args,
            *place_args,
            last,
            PROBE_IDS,
        ],
    )[0]
    if top is None:
        last_plan = _Plan("none")
        return []
    probed = max(1, min(PROBE_IDS, top))
    share = hits / probed
    # The publication time only breaks ties: as microseconds since the epoch it sorts the
    # same and costs no timestamp parsing in the driver (500 of them are 2 ms of CPU).
    rank_sql = (
        "(extract(epoch FROM c.published_at) * 1000000)::bigint,"
        " ts_rank_cd(c.search_document, to_tsquery('english', %s))"
    )
    outer_order = " ORDER BY c.published_at DESC, c.id DESC" if newest else ""
    rows: list[tuple[int, Any, float]] = []
    walked, bound, newest_walked = False, 0, False
    if newest:
        # The walk reads rows by publication time whatever their id: the share that counts
        # is per row of the probe, not per id.
        row_share = hits / max(1, window)
        if row_share > 0 and WALK_MARGIN * limit / row_share <= NEWEST_WALK_ROWS:
            # At most NEWEST_WALK_ROWS rows read (the filters are tested on them, outside).
            rows = _fetch(
                f"SELECT c.id, {rank_sql} FROM (SELECT s.id, s.published_at, s.search_document"
                f" FROM (SELECT * FROM {_TABLE} ORDER BY published_at DESC, id DESC LIMIT %s) s"
                f" WHERE {conditions}"
                " AND ts_match_vq(s.search_document, to_tsquery('english', %s))"
                f" ORDER BY s.published_at DESC, s.id DESC LIMIT %s) c{outer_order}",
                [full, NEWEST_WALK_ROWS, *args, full, limit],
            )
            if len(rows) >= limit or top <= NEWEST_WALK_ROWS:
                last_plan = _Plan("walk")
                return rows
            rows, newest_walked = [], True
    elif share > 0:
        # Ids the walk covers (half as many again as the estimate needs), and what reading
        # them costs through each index: every row by the primary key (read in order, a third
        # of the cost of a row read through another index), or the category's or place's.
        span = min(top, int(WALK_MARGIN * limit / share) + 1)
        costs = {"id": span / 3}
        if in_category:
            costs["category"] = span * in_category / probed
        if in_place:
            costs["place"] = span * in_place / probed
        # Or the GIN index asked for the rows of the other words (and the category) in the
        # newest id ranges (see _recent_buckets), each row then tested like a walked one: a
        # cost per range, and one per row found in those ranges (a bitmap heap row, which
        # measured dearer than a row walked in key order). Only with other words that are
        # not all stop words (an empty tsquery matches nothing).
        first = _recent_buckets(top, bottom, limit, share) if others and other_nodes else None
        if first is not None:
            ranges = _bucket(top) - first + 1
            found_rows = min(top - bottom, ranges << RECENT_BUCKET_BITS) * other_hits / probed
            costs["recent"] = ranges * BUCKET_COST + HEAP_ROW_COST * found_rows
        path = min(costs, key=costs.__getitem__)
        if costs[path] <= WALK_IDS:
            walked, bound = True, top - span
            match = "ts_match_vq(s.search_document, to_tsquery('english', %s))"
            found = None
            if path == "place":
                # Each place's equality implies the LIKE (the place was matched against it).
                rest = [w for w in where if w != place_sql]
                rest_args = [a for i, a in enumerate(args) if i != where.index(place_sql)]
                found = _place_walk(
                    query, " AND ".join(rest), rest_args, place_args[0], bound, limit, rank_sql
                )
                if found is None:  # too many places: the index instead
                    walked, bound = False, 0
            if path == "category":
                # The order of listing_search_category (category_id, -id): the walk reads the
                # category's rows only; "s.id DESC" would let the planner walk every row.
                inner = (
                    f"SELECT s.id, s.published_at, s.search_document FROM {_TABLE} s"
                    f" WHERE - s.id < %s AND {conditions} AND {match}"
                    " ORDER BY - s.id LIMIT %s"
                )
                rows = _fetch(
                    f"SELECT c.id, {rank_sql} FROM ({inner}) c", [full, -bound, *args, full, limit]
                )
            elif path == "id":
                inner = (
                    f"SELECT s.id, s.published_at, s.search_document FROM {_TABLE} s"
                    f" WHERE s.id > %s AND {conditions} AND {match} ORDER BY s.id DESC LIMIT %s"
                )
                rows = _fetch(
                    f"SELECT c.id, {rank_sql} FROM ({inner}) c", [full, bound, *args, full, limit]
                )
            elif path == "recent" and first is not None:
                buckets = range(first, _bucket(top) + 1)
                gin = "to_tsquery('english', %s)"
                gin_args: list[Any] = [others]
                if category_args:
                    gin = f"({gin} && %s::tsquery)"
                    gin_args.append(
                        _tsquery_literal((CATEGORY_LEXEME.format(int(category_args[0])),))
                    )
                # "+ 0": the top-N sort of what the index found, never a walk of the key.
                inner = (
                    f"SELECT s.id, s.published_at, s.search_document FROM {_TABLE} s"
                    f" WHERE s.search_document @@ {gin} AND {_BUCKET_SQL} && %s::bigint[]"
                    f" AND {conditions} AND {match} ORDER BY s.id + 0 DESC LIMIT %s"
                )
                literal = "{" + ",".join(map(str, buckets)) + "}"
                rows = _fetch(
                    f"SELECT c.id, {rank_sql} FROM ({inner}) c",
                    [full, *gin_args, literal, *args, full, limit],
                )
                # Every id from the first range on was searched.
                bound = (first << RECENT_BUCKET_BITS) - 1
            if found is not None:
                rows = found
            if walked:
                last_plan = _Plan(
                    f"walk:{path}", recent_buckets=len(buckets) if path == "recent" else 0
                )
                if len(rows) >= limit or bound <= 0:
                    return rows
    # The GIN index: every match of the words (and category lexeme), then a top-N sort.
    match, match_args = "s.search_document @@ to_tsquery('english', %s)", [full]
    plan = _Plan("index")
    if walked and last_plan:
        plan = _Plan(f"{last_plan.name}+index")
    elif newest_walked:
        plan = _Plan("walk+index")
    last_plan = plan
    if query.prefix_last and last_lexeme and last_hits and last_hits / probed >= COMMON_SHARE:
        # The prefix of a common word would read the postings of every lexeme it starts
        # (partial match, no skipping): the whole word plus its most common completions.
        stem = last_lexeme.strip("'")
        completions = tuple(e for e, _ in _common_lexemes() if e.startswith(stem) and e != stem)[
            :PREFIX_COMPLETIONS
        ]
        others = _whole(ParsedQuery(query.terms[:-1], False, None)).tsquery()
        group = "to_tsquery('english', %s)"
        group_args: list[Any] = [last]
        if completions:
            group = f"({group} || %s::tsquery)"
            group_args.append(_tsquery_literal(completions))
        if others:
            match = f"s.search_document @@ (to_tsquery('english', %s) && {group})"
            match_args = [others, *group_args]
        else:
            match, match_args = f"s.search_document @@ {group}", group_args
        plan = _Plan(plan.name, whole_last_word=True, completions=completions)
    if category_args:
        # The category's lexeme (migration 0006; a literal, out of reach of typed words):
        # the GIN index alone finds word and category together.
        match += " AND s.search_document @@ %s::tsquery"
        match_args.append(_tsquery_literal((CATEGORY_LEXEME.format(int(category_args[0])),)))
    if walked:
        match += " AND s.id <= %s"
        match_args.append(bound)
    # "+ 0": an expression no index delivers in order, so the planner can't walk instead.
    index_order = "s.published_at + interval '0' DESC, s.id DESC" if newest else "s.id + 0 DESC"

    def from_index(extra: str, extra_args: list[Any], wanted: int) -> list[tuple[int, Any, float]]:
        inner = (
            f"SELECT s.id, s.published_at, s.search_document FROM {_TABLE} s"
            f" WHERE {match}{extra} AND {conditions} ORDER BY {index_order} LIMIT %s"
        )
        return _fetch(
            f"SELECT c.id, {rank_sql} FROM ({inner}) c{outer_order}",
            [full, *match_args, *extra_args, *args, wanted],
        )

    wanted = limit - len(rows)
    first = _recent_buckets(bound if walked else top, bottom, wanted, share)
    if newest or first is None:
        more = from_index("", [], wanted)
    else:
        # The newest matches are among the newest ids: ask the GIN index for the matches in
        # the few id ranges the probe says hold enough of them (the posting lists of the
        # other ranges are skipped, not decoded), and for the older ones only if short.
        buckets = range(first, _bucket(bound if walked else top) + 1)
        literal = "{" + ",".join(map(str, buckets)) + "}"
        more = from_index(f" AND {_BUCKET_SQL} && %s::bigint[]", [literal], wanted)
        plan = _Plan(
            plan.name,
            whole_last_word=plan.whole_last_word,
            completions=plan.completions,
            recent_buckets=len(buckets),
        )
        if len(more) < wanted and first > 0:
            more += from_index(" AND s.id < %s", [first << RECENT_BUCKET_BITS], wanted - len(more))
    last_plan = plan
    return rows + more


def _bucket(pk: int) -> int:
    """The id range (migration 0007's ``id >> RECENT_BUCKET_BITS``) that ``pk`` is in."""
    return pk >> RECENT_BUCKET_BITS


def _recent_buckets(high: int, low: int | None, wanted: int, share: float) -> int | None:
    """The oldest id range the index plan should search first, or None for every id.

    The probe's share of matches says how many ids below ``high`` hold ``wanted`` matches
    (with :data:`WALK_MARGIN`); ranges are worth it while they cover at most
    :data:`RECENT_MAX_SHARE` of the ids (``low`` to ``high``): each range the GIN index reads
    costs more per id than a scan of every posting, so a wide window would cost more.
    """
    if share <= 0 or low is None or high <= low:
        return None
    span = int(WALK_MARGIN * wanted / share) + 1
    if span > RECENT_MAX_SHARE * (high - low):
        return None
    return max(0, _bucket(high - span))


#: a place walk follows at most this many distinct places that contain what was typed
MAX_PLACES = 32


def _place_walk(
    query: ParsedQuery,
    conditions: str,
    args: list[Any],
    pattern: str,
    bound: int,
    limit: int,
    rank_sql: str,
) -> list[tuple[int, Any, float]] | None:
    """The newest matches among the listings of every known place containing ``pattern``.

    ``exchange_listing_place`` holds every place ever written (upper case), so the places that
    contain what was typed are found in a small table; each is then walked newest first
    through ``listing_search_place``. None when more than :data:`MAX_PLACES` places match.
    """
    keys = [
        key
        for (key,) in _fetch(
            "SELECT key FROM exchange_listing_place WHERE key LIKE upper(%s) LIMIT %s",
            [pattern, MAX_PLACES + 1],
        )
    ]
    if len(keys) > MAX_PLACES:
        return None
    if not keys:
        return []
    full = query.tsquery()
    inner = (
        f"SELECT w.id, w.published_at, w.search_document FROM unnest(%s::text[]) AS p(key),"
        f" LATERAL (SELECT s.id, s.published_at, s.search_document FROM {_TABLE} s"
        f" WHERE upper((s.location)::text) = p.key AND - s.id < %s AND {conditions}"
        " AND ts_match_vq(s.search_document, to_tsquery('english', %s))"
        " ORDER BY - s.id LIMIT %s) w ORDER BY w.id DESC LIMIT %s"
    )
    return _fetch(
        f"SELECT c.id, {rank_sql} FROM ({inner}) c", [full, keys, -bound, *args, full, limit, limit]
    )


def _sqlite_candidates(
    query: ParsedQuery, params: SearchParams, now: datetime, limit: int, *, newest: bool
) -> list[tuple[int, Any, float]]:
    """(id, published_at, rank) of the candidates on SQLite: FTS5 and the narrow table.

    Relevance: FTS5 walks its doclists newest rowid first (``ORDER BY rowid DESC``), each
    match joined to its narrow row for the filters, until :data:`RANK_CANDIDATES` pass. Newest:
    common queries walk ``listing_search_recent`` and test each row with one FTS5 lookup (a
    bounded number of rows); rare ones take every match from FTS5 and sort them. The newest
    sort's rank is 0 on SQLite (see the end of this function).
    """
    global last_plan
    narrow = _narrow_filters(params, now)
    if narrow is None:
        last_plan = _Plan("none")
        return []
    where, args = narrow
    conditions = " AND ".join(where)
    (top,) = _fetch(f"SELECT max(id) FROM {_TABLE}", [])[0]
    if top is None:
        last_plan = _Plan("none")
        return []
    expression, whole_last = query.fts5(), False
    if query.prefix_last:
        # FTS5 merges the doclist of every term a prefix starts before it can answer, even
        # with a LIMIT: for a common whole word that is most of the cost. Count the whole
        # word in the newest ids (a seek in its doclist), and match it whole if common.
        (last_hits,) = _fetch(
            "SELECT count(*) FROM exchange_listing_fts WHERE exchange_listing_fts MATCH %s"
            " AND rowid > %s",
            [_whole(ParsedQuery(query.terms[-1:], False, None)).fts5(), top - PROBE_IDS],
        )[0]
        if last_hits and last_hits / min(PROBE_IDS, top) >= COMMON_SHARE:
            expression, whole_last = _whole(query).fts5(), True
    rank_sql = "-bm25(exchange_listing_fts, 10.0, 5.0, 1.0)"
    join = (
        f"FROM exchange_listing_fts f CROSS JOIN {_TABLE} s ON s.id = f.rowid"
        f" WHERE exchange_listing_fts MATCH %s AND {conditions}"
    )
    if not newest:
        last_plan = _Plan("index", whole_last_word=whole_last)
        return _fetch(
            f"SELECT f.rowid, s.published_at, {rank_sql} {join} ORDER BY f.rowid DESC LIMIT %s",
            [expression, *args, limit],
        )
    rows: list[tuple[Any, ...]] = []
    complete = walked = False
    if not query.prefix_last or whole_last:
        # Each tested row costs a lookup in every word's doclist, cheap for whole words (a
        # prefix would be merged again for every row). How common: the newest ids.
        (hits,) = _fetch(
            f"SELECT count(*) {join} AND f.rowid > %s", [expression, *args, top - PROBE_IDS]
        )[0]
        (passing,) = _fetch(
            f"SELECT count(*) FROM {_TABLE} s WHERE {conditions} AND s.id > %s",
            [*args, top - PROBE_IDS],
        )[0]
        # Only rows that pass the filters are looked up in FTS5: the share among those.
        share = hits / max(1, passing)
        if share > 0 and WALK_MARGIN * limit / share <= NEWEST_PROBES:
            # A co-routine yields the rows that pass the filters newest first, at most
            # NEWEST_PROBES of them (bounded), and the outer query takes the first `limit`
            # that FTS5 finds as they come (no ORDER BY there, so it stops early); sorted
            # again below, which changes nothing as they arrive in order.
            rows = _fetch(
                f"SELECT w.id, w.published_at FROM (SELECT s.id, s.published_at"
                f" FROM {_TABLE} s INDEXED BY listing_search_recent WHERE {conditions}"
                " ORDER BY s.published_at DESC, s.id DESC LIMIT %s) w"
                " WHERE EXISTS (SELECT 1 FROM exchange_listing_fts f WHERE f.rowid = w.id"
                " AND exchange_listing_fts MATCH %s) LIMIT %s",
                [*args, NEWEST_PROBES, expression, limit],
            )
            # (0,) before (1, time): a row without a time (bad data) last, as SQL sorts it.
            rows.sort(key=lambda r: ((0,) if r[1] is None else (1, r[1]), r[0]), reverse=True)
            # Short of the page: only a table smaller than the bound was seen whole.
            complete, walked = top <= NEWEST_PROBES, True
            last_plan = _Plan("walk", whole_last_word=whole_last)
    if len(rows) < limit and not complete:
        rows = _fetch(
            f"SELECT s.id, s.published_at {join} ORDER BY s.published_at DESC, s.id DESC LIMIT %s",
            [expression, *args, limit],
        )
        last_plan = _Plan("walk+index" if walked else "index", whole_last_word=whole_last)
    # No rank: bm25 needs each word's document count, a scan of its whole doclist per
    # statement, and FTS5 can't be asked for a list of rowids; the newest sort never uses it.
    return [(pk, published, 0.0) for pk, published in rows]


def _narrow_page(
    query: ParsedQuery, params: SearchParams, now: datetime, offset: int, limit: int
) -> list[tuple[int, float]]:
    """(id, rank) of the page's listings found through the narrow table (words given).

    Relevance sorts the candidates by rank, then publication time, then id; the newest sort
    keeps the engine's order (publication time, then id).
    """
    newest = params.sort == "newest"
    find = _pg_candidates if connection.vendor == "postgresql" else _sqlite_candidates
    candidates = find(
        query, params, now, offset + limit if newest else RANK_CANDIDATES, newest=newest
    )
    if not newest:
        # (0,) before (1, time): a published row without a time (bad data) sorts last, never
        # comparing None with a time.
        candidates.sort(
            key=lambda r: (float(r[2] or 0.0), (0,) if r[1] is None else (1, r[1]), r[0]),
            reverse=True,
        )
    return [(pk, float(rank or 0.0)) for pk, _, rank in candidates[offset : offset + limit]]


class _Highlighter:
    """Marks the query's words in text; remembers each word's verdict for the whole page."""

    def __init__(self, matcher: re.Pattern[str] | None) -> None:
        self.matcher = matcher
        self.seen: dict[str, bool] = {}

    def hit(self, word: str) -> bool:
        """Whether ``word`` matches a query word."""
        verdict = self.seen.get(word)
        if verdict is None:
            verdict = self.seen[word] = bool(self.matcher and self.matcher.match(_fold(word)))
        return verdict

    def __call__(self, text: str, *, window: int | None) -> str:
        """Escaped ``text`` with matching words in ``<mark>``; cut to ``window`` words if given."""
        text = " ".join(_MARKUP.sub("", text).split())
        # parts alternates: separator, word, separator, word, ..., separator
        parts = _SPLIT_WORDS.split(text)
        words = parts[1::2]
        if not words:
            return html.escape(text)
        hit = self.hit
        start, end = 0, len(words)
        if window is not None and len(words) > window:
            first = next((i for i, w in enumerate(words) if hit(w)), 0) if self.matcher else 0
            start = max(0, first - window // 3)
            end = min(len(words), start + window)
            start = max(0, end - window)
        out = ["… "] if start > 0 else [html.escape(parts[0])]
        for i in range(start, end):
            if i > start:
                sep = parts[2 * i]
                out.append(sep if sep == " " else html.escape(sep))
            # A word is letters and digits only: nothing in it needs escaping.
            out.append(f"<mark>{words[i]}</mark>" if hit(words[i]) else words[i])
        out.append(" …" if end < len(words) else html.escape(parts[-1]))
        return "".join(out)


@cache
def _page_rows_sql(vendor: str) -> str:
    """The page's listings with their category by id, one statement whose text never changes
    (one parameter whatever the page's size): compiling the ORM's query on every search cost
    about as much CPU as reading and building the page's rows."""
    from pitchless.exchange.models import Category, Listing

    ids = "= ANY(%s)" if vendor == "postgresql" else "IN (SELECT value FROM json_each(%s))"
    return (
        f"SELECT {_sql.columns(Listing, 'l', _UNUSED_FIELDS)}, {_sql.columns(Category, 'c')}"
        f" FROM {_sql.table(Listing)} l JOIN {_sql.table(Category)} c ON c.id = l.category_id"
        f" WHERE l.id {ids}"
    )


def _page_rows(ids: list[int]) -> dict[int, Listing]:
    """The page's listings by id, with their category (one query).

    The same instances as ``select_related("category").defer(*_UNUSED_FIELDS).in_bulk(ids)``:
    the values converted by the ORM's converters, the unused fields deferred, the category
    cached on the listing.
    """
    from pitchless.exchange.models import Category, Listing

    if not ids:
        return {}
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return Listing.objects.select_related("category").defer(*_UNUSED_FIELDS).in_bulk(ids)
    arg: Any = ids if vendor == "postgresql" else json.dumps(ids)
    split = _sql.width(Listing, _UNUSED_FIELDS)
    category_field = Listing._meta.get_field("category")
    found: dict[int, Listing] = {}
    for row in _fetch(_page_rows_sql(vendor), [arg]):
        listing = _sql.load(Listing, row[:split], _UNUSED_FIELDS)
        category_field.set_cached_value(listing, _sql.load(Category, row[split:]))
        found[listing.pk] = listing
    return found


def search(
    params: SearchParams,
    *,
    page: int = 1,
    per_page: int = 20,
    now: datetime | None = None,
) -> SearchPage:
    """One page of active listings matching ``params``; never raises on user input.

    Relevance sorts by rank, then newest, then id (among the :data:`RANK_CANDIDATES` most
    recent matches); ``newest`` (and any search without words) sorts by publication time, then
    id. Either way the order is total, so pages never repeat or skip a listing.
    """
    now = now or timezone.now()
    try:
        page = max(1, min(int(page), MAX_PAGE))
    except (TypeError, ValueError):
        page = 1
    try:
        per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    except (TypeError, ValueError):
        per_page = 20
    query = ParsedQuery.parse(params.q)
    offset = (page - 1) * per_page
    if query.terms and connection.vendor in ("postgresql", "sqlite"):
        ranked = _narrow_page(query, params, now, offset, per_page + 1)
        by_id = _page_rows([pk for pk, _ in ranked])
        rows = [(by_id[pk], rank) for pk, rank in ranked if pk in by_id]
    elif query.terms and params.sort != "newest":
        ranked = _ranked_page(_matching(_filtered(params, now), query), offset, per_page + 1)
        by_id = _page_rows([pk for pk, _ in ranked])
        rows = [(by_id[pk], rank) for pk, rank in ranked if pk in by_id]
    else:
        qs = _filtered(params, now)
        qs = _matching(qs, query) if query.terms else qs.extra(select={"search_rank": "0"})
        listings = qs.select_related("category").defer(*_UNUSED_FIELDS)
        listings = listings.order_by("-published_at", "-id")[offset : offset + per_page + 1]
        rows = [(listing, float(listing.search_rank or 0.0)) for listing in listings]
    highlight = _Highlighter(query.matcher())
    hits = [
        Hit(
            listing=listing,
            snippet=highlight(listing.description, window=SNIPPET_WORDS),
            rank=rank,
            title_html=highlight(listing.title, window=None),
        )
        for listing, rank in rows[:per_page]
    ]
    return SearchPage(
        hits=hits,
        page=page,
        per_page=per_page,
        has_next=len(rows) > per_page,
        message=query.message,
    )

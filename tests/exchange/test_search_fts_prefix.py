"""SQLite's FTS5 table keeps prefix indexes (migration 0008): the same matches, read faster.

A prefix index is another way for FTS5 to read the matches of ``"dev"*``; every search must
find and rank what it found without one, whichever way the migration last went.
"""

from __future__ import annotations

import importlib
import types
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from pitchless.exchange.models import Category, Listing
from pitchless.exchange.search import SearchParams, search
from tests.members.factories import make_member

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db

QUERIES = ["dev", "devo", "deve", "python dev", "dew", "de", "device", "kub", "kube"]


def migration_0008():
    return importlib.import_module("pitchless.exchange.migrations.0008_search_fts_prefix")


@pytest.fixture
def words():
    """Listings whose words share their first 3 or 4 letters, and some that don't."""
    owner = make_member("Dee Prefix")
    software = Category.objects.get(slug="software")
    titles = [
        "Python developer",
        "Senior developers wanted",
        "Devops on call",
        "Device repairs",
        "Dew point sensor",
        "Kubernetes operator",
        "Kube tooling",
        "Plain listing",
    ]
    made = []
    for n, title in enumerate(titles):
        published = NOW - timedelta(days=n + 1)
        made.append(
            Listing.objects.create(
                owner=owner,
                kind=Listing.Kind.OFFER,
                title=title,
                description=f"Item {n}, development and design.",
                category=software,
                status=Listing.Status.PUBLISHED,
                published_at=published,
                expires_at=published + timedelta(days=30),
            )
        )
    return made


def pages() -> dict[str, list[tuple[int, float]]]:
    found = {}
    for q in QUERIES:
        result = search(SearchParams(q=q), now=NOW, per_page=100)
        found[q] = [(hit.listing.pk, round(hit.rank, 6)) for hit in result.hits]
    return found


def fts_sql() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'exchange_listing_fts'")
        return cursor.fetchone()[0]


def test_prefix_indexes_change_no_result(words):
    if connection.vendor != "sqlite":
        pytest.skip("the prefix indexes are SQLite's FTS5")
    assert "prefix='3 4'" in fts_sql()
    with_prefixes = pages()
    schema_editor = types.SimpleNamespace(connection=connection)
    migration_0008().uninstall(None, schema_editor)
    assert "prefix" not in fts_sql()
    without = pages()
    migration_0008().install(None, schema_editor)
    assert "prefix='3 4'" in fts_sql()
    assert with_prefixes == without == pages()
    by_title = {m.title: m.pk for m in words}
    # Every description says "development".
    assert {pk for pk, _ in with_prefixes["dev"]} == {m.pk for m in words}
    assert {pk for pk, _ in with_prefixes["devo"]} == {by_title["Devops on call"]}
    # ("kube" is itself a word here, so it is matched whole: docs/exchange.md, "Search")
    assert {pk for pk, _ in with_prefixes["kub"]} == {
        by_title["Kubernetes operator"],
        by_title["Kube tooling"],
    }


def test_the_rebuilt_table_still_follows_writes(words):
    if connection.vendor != "sqlite":
        pytest.skip("the prefix indexes are SQLite's FTS5")
    schema_editor = types.SimpleNamespace(connection=connection)
    migration_0008().uninstall(None, schema_editor)
    migration_0008().install(None, schema_editor)
    device = words[3]
    Listing.objects.filter(pk=device.pk).update(title="Gadget repairs", description="Fixed.")
    found = search(SearchParams(q="devi"), now=NOW, per_page=100)
    assert device.pk not in [hit.listing.pk for hit in found.hits]
    found = search(SearchParams(q="gadg"), now=NOW, per_page=100)
    assert [hit.listing.pk for hit in found.hits] == [device.pk]
    words[6].delete()
    found = search(SearchParams(q="kube"), now=NOW, per_page=100)
    assert [hit.listing.pk for hit in found.hits] == [words[5].pk]

"""PostgreSQL: the category in the search document, and a trigram index for places.

- The generated ``search_document`` also holds one lexeme for the listing's category,
  ``category:<id>`` (weight D), so a word + category search is answered by the GIN index
  alone instead of a bitmap AND with the category index followed by tens of thousands of
  wide heap rows. The lexeme is built with ``array_to_tsvector`` (no parser): the query side
  adds it the same way (``'category:<id>'::tsquery``), and no word a member types can become
  it, because the query's words are letters and digits only and go through the ``english``
  parser, which never yields a ``:``. A STORED generated column's expression can't be
  altered: the column is dropped and added again, and its GIN index with it.
- ``pg_trgm`` and a GIN trigram index on ``upper(location)`` of published listings, so a
  location filter (a case-insensitive substring, written by ``search.py`` as
  ``upper(location) LIKE '%BERLIN%'``, the same expression) is an index scan, not a scan of
  the table.

SQLite is untouched (FTS5 needs neither: its category and location filters were already fast);
any other database gets nothing.
"""

from __future__ import annotations

import importlib

from django.db import migrations

_0003 = importlib.import_module("pitchless.exchange.migrations.0003_search")

#: the lexeme for a category; ``search.py`` builds the same string for the query
CATEGORY_LEXEME = "category:{}"
PG_DOCUMENT = (
    f"{_0003.PG_DOCUMENT}"
    " || setweight(array_to_tsvector(ARRAY['category:' || category_id::text]), 'D')"
)
PG_SEARCH_INDEX = (
    "CREATE INDEX listing_search_document ON exchange_listing USING gin (search_document)"
    " WHERE status = 'published'"
)
PG_LOCATION_INDEX = (
    "CREATE INDEX listing_location_trgm ON exchange_listing"
    " USING gin (upper(location) gin_trgm_ops) WHERE status = 'published'"
)
PG_INSTALL = [
    *_0003.PG_UNINSTALL,
    "ALTER TABLE exchange_listing ADD COLUMN search_document tsvector"
    f" GENERATED ALWAYS AS ({PG_DOCUMENT}) STORED",
    PG_SEARCH_INDEX,
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    PG_LOCATION_INDEX,
]
# The extension stays: other objects may use it, and it costs nothing unused.
PG_UNINSTALL = [
    "DROP INDEX IF EXISTS listing_location_trgm",
    *_0003.PG_UNINSTALL,
    *_0003.PG_INSTALL,
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in PG_INSTALL:
            cursor.execute(statement)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in PG_UNINSTALL:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0003_search")]
    operations = [migrations.RunPython(install, uninstall)]

"""PostgreSQL: the GIN index of the narrow table also holds each row's id range.

``listing_search_document`` on ``exchange_listing_search`` becomes a two-column GIN index:
the ``search_document`` as before, and ``ARRAY[id >> 14]``, the range of 16,384 ids the row is
in. A query that asks for both (``search_document @@ q AND ARRAY[id >> 14] && '{60,59}'``) is
one index scan whose scan keys are intersected with skipping: the posting lists of the words
are read only where they overlap the ranges asked for, instead of being decoded whole. Search
asks for the newest ranges first when the probe says the 500 most recent matches lie in at
most half of the ids (see ``_recent_buckets`` in ``search.py``), then for the older ids only if
they held too few; a query on ``search_document`` alone uses the same index as before (a
multicolumn GIN index serves any of its columns), so the one-column index is replaced, not
kept beside it.

Measured on 1M listings for *cloud migration consulting* (three common words, 4,731 matches):
the index scan of every posting took 12.7 ms and the heap 4,594 blocks; asking for the newest
14 ranges, 4.6 ms and 1,027 blocks.

Migrations 0005 and 0006 recreate the one-column index when they run again (backwards, or the
bench's rebuild): run ``install_postgresql`` from here after them. SQLite: nothing (FTS5 takes
a ``rowid`` range natively).
"""

from __future__ import annotations

from django.db import migrations

#: ``search.py`` builds the same expression (``RECENT_BUCKET_BITS``); a test checks both agree
RECENT_BUCKET_BITS = 14
TABLE = "exchange_listing_search"
PG_INDEX = (
    f"CREATE INDEX listing_search_document ON {TABLE}"
    f" USING gin (search_document, (ARRAY[id >> {RECENT_BUCKET_BITS}]))"
)
PG_OLD_INDEX = f"CREATE INDEX listing_search_document ON {TABLE} USING gin (search_document)"


def install_postgresql(cursor) -> None:
    """Replace the one-column GIN index with the one that also holds the id range."""
    cursor.execute("DROP INDEX IF EXISTS listing_search_document")
    cursor.execute(PG_INDEX)
    # The planner estimates the range condition from the index expression's statistics.
    cursor.execute(f"ANALYZE {TABLE}")


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        install_postgresql(cursor)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS listing_search_document")
        cursor.execute(PG_OLD_INDEX)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0006_search_category_marker")]
    operations = [migrations.RunPython(install, uninstall)]

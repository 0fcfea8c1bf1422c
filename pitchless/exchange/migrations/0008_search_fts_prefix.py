"""SQLite: FTS5 keeps prefix indexes for the first 3 and 4 characters of every word.

A query's last word is also matched as a prefix (``"dev"*``). Without a prefix index FTS5
merges the doclist of every word that starts with it before it can answer, even with a
``LIMIT``: at 1M listings *dev* cost 71 ms of CPU and *python dev* 76 ms. Search already
matches a last word that is itself a common word as that whole word (``search.py``), which
leaves the short prefixes of longer words; with ``prefix='3 4'`` FTS5 reads a 3- or 4-character
prefix from its own doclist: 8.7 and 14.4 ms (measured on a copy of the same database). The
results do not change (a prefix index is another way of reading the same matches, and bm25 is
computed from the same documents), the index grows (255 to 623 MB at 1M listings) and takes
about twice as long to build.

The FTS5 table is dropped, created again with the option and rebuilt from
``exchange_listing`` (external content: the text is not copied); the triggers of 0003 write
to it by name and stay. Backwards: the table of 0003. PostgreSQL: nothing (a prefix there is
walked row by row or matched whole; see ``search.py``).
"""

from __future__ import annotations

import importlib

from django.db import migrations

_0003 = importlib.import_module("pitchless.exchange.migrations.0003_search")

#: the prefix lengths FTS5 indexes (a last word is a prefix from 3 characters on)
PREFIXES = "3 4"
SQLITE_TABLE = _0003.SQLITE_TABLE[:-1] + f", prefix='{PREFIXES}')"


def rebuild_sqlite(cursor, table_sql: str) -> None:
    """Create the FTS5 table again from ``table_sql`` and index every listing."""
    cursor.execute("DROP TABLE IF EXISTS exchange_listing_fts")
    cursor.execute(table_sql)
    cursor.execute("INSERT INTO exchange_listing_fts(exchange_listing_fts) VALUES ('rebuild')")


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        rebuild_sqlite(cursor, SQLITE_TABLE)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        rebuild_sqlite(cursor, _0003.SQLITE_TABLE)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0007_search_recent_ranges")]
    operations = [migrations.RunPython(install, uninstall)]

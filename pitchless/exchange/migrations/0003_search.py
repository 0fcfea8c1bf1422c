"""Full-text search over listings, one index per database engine.

- PostgreSQL: a stored generated ``tsvector`` column ``search_document`` (title weight A, tags B,
  description C, text search configuration ``english``) and a GIN index on it, partial on
  published listings (the only ones search reads).
- SQLite: an FTS5 table ``exchange_listing_fts`` over the listing's title, tags and
  description (external content: the text is stored once, in ``exchange_listing``), kept in step
  by triggers, so that every write path (services, ``bulk_create``, the admin, raw SQL) updates
  it in the same transaction.

Other databases get nothing; ``pitchless.exchange.search`` then falls back to a plain scan.

A later migration that makes Django rebuild ``exchange_listing`` on SQLite (most ``AlterField``
operations copy the table into a new one) drops the triggers with the old table: it must call
``install_sqlite`` again. ``tests/exchange/test_search.py`` checks that the triggers exist.
"""

from __future__ import annotations

from django.db import migrations

#: the ``english`` configuration stems (developer, developers, development -> develop) and drops
#: stop words; the FTS5 side uses the Porter stemmer so both engines find the same word forms
PG_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig,"
    " replace(coalesce(tags, ''), ',', ' ')), 'B')"
    " || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')"
)
PG_INSTALL = [
    "ALTER TABLE exchange_listing ADD COLUMN search_document tsvector"
    f" GENERATED ALWAYS AS ({PG_DOCUMENT}) STORED",
    "CREATE INDEX listing_search_document ON exchange_listing USING gin (search_document)"
    " WHERE status = 'published'",
]
PG_UNINSTALL = [
    "DROP INDEX IF EXISTS listing_search_document",
    "ALTER TABLE exchange_listing DROP COLUMN IF EXISTS search_document",
]

SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE exchange_listing_fts USING fts5("
    "title, tags, description, content='exchange_listing', content_rowid='id',"
    " tokenize='porter unicode61 remove_diacritics 2')"
)
#: external-content FTS5 needs the old text to remove a row, hence the 'delete' commands
SQLITE_TRIGGERS = [
    "CREATE TRIGGER exchange_listing_fts_insert AFTER INSERT ON exchange_listing BEGIN"
    " INSERT INTO exchange_listing_fts(rowid, title, tags, description)"
    " VALUES (new.id, new.title, new.tags, new.description); END",
    "CREATE TRIGGER exchange_listing_fts_delete AFTER DELETE ON exchange_listing BEGIN"
    " INSERT INTO exchange_listing_fts(exchange_listing_fts, rowid, title, tags, description)"
    " VALUES ('delete', old.id, old.title, old.tags, old.description); END",
    # Status changes (publish, close, expire) save the whole row: skip the reindex unless the
    # searched text or the id changed.
    "CREATE TRIGGER exchange_listing_fts_update AFTER UPDATE ON exchange_listing"
    " WHEN old.id IS NOT new.id OR old.title IS NOT new.title OR old.tags IS NOT new.tags"
    " OR old.description IS NOT new.description BEGIN"
    " INSERT INTO exchange_listing_fts(exchange_listing_fts, rowid, title, tags, description)"
    " VALUES ('delete', old.id, old.title, old.tags, old.description);"
    " INSERT INTO exchange_listing_fts(rowid, title, tags, description)"
    " VALUES (new.id, new.title, new.tags, new.description); END",
]
SQLITE_TRIGGER_NAMES = [
    "exchange_listing_fts_insert",
    "exchange_listing_fts_delete",
    "exchange_listing_fts_update",
]


def install_sqlite(cursor) -> None:
    """Create the FTS5 table if needed, index the existing rows and (re)create the triggers."""
    cursor.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'exchange_listing_fts'"
    )
    if cursor.fetchone() is None:
        cursor.execute(SQLITE_TABLE)
    cursor.execute("INSERT INTO exchange_listing_fts(exchange_listing_fts) VALUES ('rebuild')")
    for name in SQLITE_TRIGGER_NAMES:
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in SQLITE_TRIGGERS:
        cursor.execute(statement)


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            for statement in PG_INSTALL:
                cursor.execute(statement)
        elif vendor == "sqlite":
            install_sqlite(cursor)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            for statement in PG_UNINSTALL:
                cursor.execute(statement)
        elif vendor == "sqlite":
            for name in SQLITE_TRIGGER_NAMES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS exchange_listing_fts")


class Migration(migrations.Migration):
    dependencies = [("exchange", "0002_categories")]
    operations = [migrations.RunPython(install, uninstall)]

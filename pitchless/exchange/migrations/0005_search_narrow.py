"""A narrow search table: what finding and ranking candidates reads, without the wide rows.

``exchange_listing_search`` holds one row per *published* listing with only the columns a
search filters or sorts on: id, kind, category, price range, remote, location, publication and
expiry times (and, on PostgreSQL, the ``search_document`` tsvector copied from the listing).
Triggers on ``exchange_listing`` keep it in step inside the writing transaction, whatever
writes (services, ``bulk_create``, ``update()``, the admin, raw SQL), as 0003 does for FTS5.
Candidate finding and ranking read this table (a row is about a twentieth of a listing's on
SQLite, a half on PostgreSQL where the tsvector dominates); only the page's rows are read from
``exchange_listing``.

- PostgreSQL: the GIN index ``listing_search_document`` and the trigram index
  ``listing_location_trgm`` move from ``exchange_listing`` to this table (same names, same
  expressions); a ``(category_id, -id)`` and a ``(published_at, id)`` index serve the walks
  that ``search.py`` chooses for common words. A statement trigger empties it on ``TRUNCATE``.
- SQLite: the same table without the document (FTS5 stays the word index) and the
  ``(published_at, id)`` index for the newest sort's walk.

A later migration that makes Django rebuild ``exchange_listing`` on SQLite drops these
triggers with the old table (as it drops 0003's): it must call ``install_sqlite`` from here
again. ``tests/exchange/test_search.py`` checks that they exist.
"""

from __future__ import annotations

import importlib

from django.db import migrations

TABLE = "exchange_listing_search"
#: the listing's columns the table copies, in order (PostgreSQL adds ``search_document``)
COLUMNS = (
    "id",
    "kind",
    "category_id",
    "price_min",
    "price_max",
    "remote",
    "location",
    "published_at",
    "expires_at",
)
_COLS = ", ".join(COLUMNS)
_PG_COLS = _COLS + ", search_document"

PG_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " id bigint PRIMARY KEY, kind varchar(8) NOT NULL, category_id bigint NOT NULL,"
    " price_min numeric(12, 2), price_max numeric(12, 2), remote boolean NOT NULL,"
    " location varchar(120) NOT NULL, published_at timestamptz, expires_at timestamptz,"
    " search_document tsvector NOT NULL)"
)
PG_INDEXES = [
    f"CREATE INDEX IF NOT EXISTS listing_search_document ON {TABLE} USING gin (search_document)",
    f"CREATE INDEX IF NOT EXISTS listing_location_trgm ON {TABLE}"
    " USING gin (upper((location)::text) gin_trgm_ops)",
    # "- id": the order of a category's walk, newest first, which the primary key can't give,
    # so the planner walks the category (a twelfth of the rows) instead of every row.
    f"CREATE INDEX IF NOT EXISTS listing_search_category ON {TABLE} (category_id, (- id))",
    f"CREATE INDEX IF NOT EXISTS listing_search_recent ON {TABLE} (published_at, id)",
    # One place's listings newest first (the walk for a place; see PLACES below).
    f"CREATE INDEX IF NOT EXISTS listing_search_place ON {TABLE} (upper((location)::text), (- id))",
]
PG_INDEX_NAMES = [
    "listing_search_document",
    "listing_location_trgm",
    "listing_search_category",
    "listing_search_recent",
    "listing_search_place",
]
#: every place ever written, upper case, never deleted (a place with no listing left costs a
#: row and an empty walk): the places that contain what a member typed are found here, in a
#: table of a few thousand rows, and each is then walked through ``listing_search_place``
PLACES = "exchange_listing_place"
PG_PLACES = [
    f"CREATE TABLE IF NOT EXISTS {PLACES} (key varchar(120) PRIMARY KEY)",
    f"CREATE INDEX IF NOT EXISTS listing_place_trgm ON {PLACES} USING gin (key gin_trgm_ops)",
]
_PG_PLACE_INSERT = (
    f"INSERT INTO {PLACES} (key) VALUES (upper((NEW.location)::text)) ON CONFLICT DO NOTHING"
)
_PG_UPSERT = (
    f"INSERT INTO {TABLE} ({_PG_COLS}) VALUES (NEW.id, NEW.kind, NEW.category_id,"
    " NEW.price_min, NEW.price_max, NEW.remote, NEW.location, NEW.published_at,"
    " NEW.expires_at, NEW.search_document) ON CONFLICT (id) DO UPDATE SET"
    + ",".join(f" {c} = EXCLUDED.{c}" for c in (*COLUMNS[1:], "search_document"))
)
PG_FUNCTIONS = [
    "CREATE OR REPLACE FUNCTION exchange_listing_search_sync() RETURNS trigger"
    " LANGUAGE plpgsql AS $$ BEGIN"
    f" IF TG_OP = 'DELETE' THEN DELETE FROM {TABLE} WHERE id = OLD.id; RETURN NULL; END IF;"
    " IF TG_OP = 'UPDATE' AND OLD.id <> NEW.id THEN"
    f" DELETE FROM {TABLE} WHERE id = OLD.id; END IF;"
    f" IF NEW.status = 'published' THEN {_PG_UPSERT};"
    f" IF NEW.location <> '' THEN {_PG_PLACE_INSERT}; END IF;"
    f" ELSIF TG_OP = 'UPDATE' THEN DELETE FROM {TABLE} WHERE id = NEW.id; END IF;"
    " RETURN NULL; END $$",
    "CREATE OR REPLACE FUNCTION exchange_listing_search_truncate() RETURNS trigger"
    f" LANGUAGE plpgsql AS $$ BEGIN TRUNCATE {TABLE}; RETURN NULL; END $$",
]
#: an update that changes none of the copied columns (a warning sent, a signature) skips it
_PG_CHANGED = (
    "(OLD.status, " + ", ".join(f"OLD.{c}" for c in (*COLUMNS, "search_document")) + ")"
    " IS DISTINCT FROM "
    "(NEW.status, " + ", ".join(f"NEW.{c}" for c in (*COLUMNS, "search_document")) + ")"
)
PG_TRIGGERS = [
    "CREATE TRIGGER exchange_listing_search_write AFTER INSERT OR DELETE ON exchange_listing"
    " FOR EACH ROW EXECUTE FUNCTION exchange_listing_search_sync()",
    "CREATE TRIGGER exchange_listing_search_update AFTER UPDATE ON exchange_listing"
    f" FOR EACH ROW WHEN ({_PG_CHANGED}) EXECUTE FUNCTION exchange_listing_search_sync()",
    "CREATE TRIGGER exchange_listing_search_truncate AFTER TRUNCATE ON exchange_listing"
    " FOR EACH STATEMENT EXECUTE FUNCTION exchange_listing_search_truncate()",
]
PG_TRIGGER_NAMES = [
    "exchange_listing_search_write",
    "exchange_listing_search_update",
    "exchange_listing_search_truncate",
]
#: the old indexes on the wide table, replaced by the ones above
PG_OLD_INDEXES = ["listing_search_document", "listing_location_trgm"]

SQLITE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " id integer PRIMARY KEY, kind varchar(8) NOT NULL, category_id integer NOT NULL,"
    " price_min decimal, price_max decimal, remote bool NOT NULL,"
    " location varchar(120) NOT NULL, published_at datetime, expires_at datetime)"
)
SQLITE_INDEXES = [
    f"CREATE INDEX IF NOT EXISTS listing_search_recent ON {TABLE} (published_at, id)",
]
_NEW = ", ".join(f"new.{c}" for c in COLUMNS)
_SQLITE_CHANGED = " OR ".join(f"old.{c} IS NOT new.{c}" for c in ("status", *COLUMNS))
# DELETE then INSERT, never INSERT OR REPLACE: an outer INSERT OR IGNORE (bulk_create with
# ignore_conflicts) would turn the trigger's REPLACE into IGNORE and leave a stale row.
SQLITE_TRIGGERS = [
    "CREATE TRIGGER exchange_listing_search_insert AFTER INSERT ON exchange_listing"
    f" WHEN new.status = 'published' BEGIN DELETE FROM {TABLE} WHERE id = new.id;"
    f" INSERT INTO {TABLE} ({_COLS}) VALUES ({_NEW}); END",
    "CREATE TRIGGER exchange_listing_search_delete AFTER DELETE ON exchange_listing BEGIN"
    f" DELETE FROM {TABLE} WHERE id = old.id; END",
    f"CREATE TRIGGER exchange_listing_search_update AFTER UPDATE ON exchange_listing"
    f" WHEN {_SQLITE_CHANGED} BEGIN DELETE FROM {TABLE} WHERE id = old.id OR id = new.id;"
    f" INSERT INTO {TABLE} ({_COLS}) SELECT {_NEW} WHERE new.status = 'published'; END",
]
SQLITE_TRIGGER_NAMES = [
    "exchange_listing_search_insert",
    "exchange_listing_search_delete",
    "exchange_listing_search_update",
]


def fill(cursor, vendor: str) -> None:
    """Copy every published listing into the (emptied) narrow table."""
    cursor.execute(f"DELETE FROM {TABLE}")
    columns = _PG_COLS if vendor == "postgresql" else _COLS
    cursor.execute(
        f"INSERT INTO {TABLE} ({columns}) SELECT {columns} FROM exchange_listing"
        " WHERE status = 'published' ORDER BY id"
    )
    if vendor == "postgresql":
        cursor.execute(
            f"INSERT INTO {PLACES} (key) SELECT DISTINCT upper((location)::text) FROM {TABLE}"
            " WHERE location <> '' ON CONFLICT DO NOTHING"
        )


def install_postgresql(cursor) -> None:
    """Create (or rebuild) the table, its indexes and triggers, and fill it."""
    for name in PG_TRIGGER_NAMES:
        cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON exchange_listing")
    for name in PG_OLD_INDEXES:
        cursor.execute(f"DROP INDEX IF EXISTS {name}")
    cursor.execute(PG_TABLE)
    for statement in PG_PLACES:
        cursor.execute(statement)
    fill(cursor, "postgresql")
    for statement in [*PG_INDEXES, *PG_FUNCTIONS, *PG_TRIGGERS]:
        cursor.execute(statement)
    cursor.execute(f"ANALYZE {TABLE}")


def install_sqlite(cursor) -> None:
    """Create the table if needed, fill it and (re)create its indexes and triggers."""
    cursor.execute(SQLITE_TABLE)
    for name in SQLITE_TRIGGER_NAMES:
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    fill(cursor, "sqlite")
    for statement in [*SQLITE_INDEXES, *SQLITE_TRIGGERS]:
        cursor.execute(statement)


def drop_for_load(cursor, vendor: str) -> None:
    """Drop the triggers and indexes (not the table) before a bulk load; install again after."""
    if vendor == "postgresql":
        for name in PG_TRIGGER_NAMES:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON exchange_listing")
        for name in PG_INDEX_NAMES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
    else:
        for name in SQLITE_TRIGGER_NAMES:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute("DROP INDEX IF EXISTS listing_search_recent")


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            install_postgresql(cursor)
        elif vendor == "sqlite":
            install_sqlite(cursor)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            for name in PG_TRIGGER_NAMES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON exchange_listing")
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
            cursor.execute(f"DROP TABLE IF EXISTS {PLACES}")
            cursor.execute("DROP FUNCTION IF EXISTS exchange_listing_search_sync()")
            cursor.execute("DROP FUNCTION IF EXISTS exchange_listing_search_truncate()")
            pg = importlib.import_module(
                "pitchless.exchange.migrations.0004_search_category_location"
            )
            cursor.execute(pg.PG_SEARCH_INDEX)
            cursor.execute(pg.PG_LOCATION_INDEX)
        elif vendor == "sqlite":
            for name in SQLITE_TRIGGER_NAMES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("exchange", "0004_search_category_location")]
    operations = [migrations.RunPython(install, uninstall)]

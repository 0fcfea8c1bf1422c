"""PostgreSQL: the category lexeme becomes ``_category:<id>``, which nothing typed can reach.

0004's ``category:<id>`` could not be typed whole, but the last word of a query is also matched
as a prefix: ``cat``, ``cate`` or ``categ`` became ``'cat':*`` and matched every listing's
category lexeme, so typing "cat" listed everything. A lexeme starting with ``_`` is out of
reach: the query tokeniser of ``search.py`` keeps letters and digits only (``[^\\W_]+`` drops
the underscore explicitly), and PostgreSQL's parser treats ``_`` as a separator, so neither a
query nor a listing's text ever yields a lexeme that starts with it (tests check both).

The generated column's expression can't be altered in place before PostgreSQL 17 (``SET
EXPRESSION``): the narrow table's triggers (the update trigger's ``WHEN`` reads the column) and
indexes are dropped, the column is dropped and added again with the new expression (which
computes it for every row), and 0005's ``install_postgresql`` refills the narrow table from it
and recreates its indexes, functions and triggers. Backwards does the same with 0004's
expression.

SQLite: nothing. FTS5 holds only the listing's own words (title, tags, description); the
category filter is a column of the narrow table, so no typed prefix can match a category.
"""

from __future__ import annotations

import importlib

from django.db import migrations

_0003 = importlib.import_module("pitchless.exchange.migrations.0003_search")
_0004 = importlib.import_module("pitchless.exchange.migrations.0004_search_category_location")
_0005 = importlib.import_module("pitchless.exchange.migrations.0005_search_narrow")

#: the lexeme for a category; ``search.py`` builds the same string for the query
CATEGORY_LEXEME = "_category:{}"
PG_DOCUMENT = (
    f"{_0003.PG_DOCUMENT}"
    " || setweight(array_to_tsvector(ARRAY['_category:' || category_id::text]), 'D')"
)


def rebuild_postgresql(cursor, document: str) -> None:
    """Make ``document`` the listing's generated search document and refill the narrow table."""
    # ALTER TABLE refuses a table with deferred foreign-key checks still pending (rows written
    # earlier in the same transaction): run them now.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    _0005.drop_for_load(cursor, "postgresql")
    cursor.execute("ALTER TABLE exchange_listing DROP COLUMN search_document")
    cursor.execute(
        "ALTER TABLE exchange_listing ADD COLUMN search_document tsvector"
        f" GENERATED ALWAYS AS ({document}) STORED"
    )
    # Emptied here so that the refill's DELETE leaves no dead copy of every row behind.
    cursor.execute(f"TRUNCATE {_0005.TABLE}")
    _0005.install_postgresql(cursor)


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        rebuild_postgresql(cursor, PG_DOCUMENT)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        rebuild_postgresql(cursor, _0004.PG_DOCUMENT)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0005_search_narrow")]
    operations = [migrations.RunPython(install, uninstall)]

"""Helpers for the few statements of the hot paths that are written as SQL, not built by the ORM.

A send and a folder listing run the same handful of statements thousands of times; building
them through the ORM costs more CPU than the database takes to run them. The statements stay
in the module that owns them (``services``, ``reputation``, ``bulkstore``, the API's readers);
this module gives them table names, parameters in the database's form and rows turned back
into Python values (or model instances) with the backend's own converters, so that they read
exactly what the ORM would.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from django.db import connection, models
from django.db.backends.utils import CursorWrapper

M = TypeVar("M", bound=models.Model)


def table(model: type[models.Model]) -> str:
    """The quoted table name of ``model``."""
    return connection.ops.quote_name(model._meta.db_table)


def when(value: datetime | None) -> Any:
    """A datetime as the database takes it as a parameter."""
    return connection.ops.adapt_datetimefield_value(value)


def aware(value: datetime | str | None) -> datetime | None:
    """A datetime read by raw SQL as the ORM gives it: aware, in UTC.

    PostgreSQL returns aware datetimes; SQLite the stored UTC text, or a naive datetime.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


Converter = Callable[[Any, Any, Any], Any]


@cache
def _fields(
    model: type[models.Model], exclude: tuple[str, ...] = ()
) -> tuple[tuple[str, str, tuple[Converter, ...], Any], ...]:
    out = []
    for field in model._meta.concrete_fields:
        if field.name in exclude:
            continue
        col = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        out.append((field.column, field.attname, tuple(converters), col))
    return tuple(out)


def columns(model: type[models.Model], alias: str, exclude: tuple[str, ...] = ()) -> str:
    """Every concrete column of ``model`` but the fields named in ``exclude``, prefixed with
    ``alias``, in :func:`load`'s order."""
    q = connection.ops.quote_name
    return ", ".join(f"{alias}.{q(column)}" for column, _, _, _ in _fields(model, exclude))


def width(model: type[models.Model], exclude: tuple[str, ...] = ()) -> int:
    """How many values :func:`columns` selects."""
    return len(_fields(model, exclude))


def load(model: type[M], values: Sequence[Any], exclude: tuple[str, ...] = ()) -> M:
    """A model instance from the values :func:`columns` selected, converted as the ORM does;
    the fields named in ``exclude`` are deferred, as ``QuerySet.defer()`` leaves them."""
    fields = _fields(model, exclude)
    names = []
    converted = []
    for (_, attname, converters, col), value in zip(fields, values, strict=True):
        for convert in converters:
            value = convert(value, col, connection)
        names.append(attname)
        converted.append(value)
    return model.from_db(connection.alias, names, converted)


#: the statements prepared so far in each PostgreSQL session, by its driver connection (a
#: closed connection's set goes with it)
_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def execute_prepared(cursor: CursorWrapper, name: str, sql: str, params: Sequence[Any]) -> None:
    """Run ``sql`` with ``params``; on PostgreSQL as the statement ``name``, prepared once per
    database session.

    For a statement planned in more time than it runs: a send's first read joins fourteen
    subqueries, which PostgreSQL plans in 0.6–0.7 ms and runs in 0.15 ms. Prepared, it is
    planned for its first five runs, then (its generic plan costing no more) not again. A
    prepared statement outlives a rolled-back transaction, and the session's end drops it.
    ``name`` must be unique to ``sql`` in the process; ``sql`` uses ``%s`` placeholders only.
    """
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    done = _prepared.setdefault(connection.connection, set())
    if name not in done:
        numbers = iter(range(1, len(params) + 1))
        cursor.execute(f"PREPARE {name} AS " + re.sub("%s", lambda _: f"${next(numbers)}", sql))
        done.add(name)
    cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)

"""Helpers for the few statements of the hot paths that are written as SQL, not built by the ORM.

A send and a folder listing run the same handful of statements thousands of times; building
them through the ORM costs more CPU than the database takes to run them. The statements stay
in the module that owns them (``services``, ``reputation``, ``bulkstore``, the API's readers);
this module gives them table names, parameters in the database's form and rows turned back
into Python values (or model instances) with the backend's own converters, so that they read
exactly what the ORM would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from django.db import connection, models

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
def _fields(model: type[models.Model]) -> tuple[tuple[str, str, tuple[Converter, ...], Any], ...]:
    out = []
    for field in model._meta.concrete_fields:
        col = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        out.append((field.column, field.attname, tuple(converters), col))
    return tuple(out)


def columns(model: type[models.Model], alias: str) -> str:
    """Every concrete column of ``model`` prefixed with ``alias``, in :func:`load`'s order."""
    q = connection.ops.quote_name
    return ", ".join(f"{alias}.{q(column)}" for column, _, _, _ in _fields(model))


def width(model: type[models.Model]) -> int:
    """How many values :func:`columns` selects."""
    return len(_fields(model))


def load(model: type[M], values: Sequence[Any]) -> M:
    """A model instance from the values :func:`columns` selected, converted as the ORM does."""
    fields = _fields(model)
    names = []
    converted = []
    for (_, attname, converters, col), value in zip(fields, values, strict=True):
        for convert in converters:
            value = convert(value, col, connection)
        names.append(attname)
        converted.append(value)
    return model.from_db(connection.alias, names, converted)

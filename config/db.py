"""Database helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Model


def prepared_cursor() -> CursorWrapper:
    """A cursor whose statements PostgreSQL plans once per connection (prepared statements).

    For the few plain-SQL statements a worker runs around every document (claim, hand-out):
    planning the claim's five-table read cost PostgreSQL twice what running it did. Django's
    own cursors bind parameters client-side and never prepare (which keeps them working
    behind connection poolers); this one binds server-side, so psycopg prepares what it runs
    once ``prepare_threshold`` allows (``DATABASE_PREPARED_STATEMENTS``, see settings).
    Wrapped like any Django cursor, so errors become ``django.db`` errors. Where queries are
    being logged (DEBUG, tests capturing them) it is an ordinary cursor: Django's log cannot
    show a prepared statement's text. Elsewhere (SQLite) too.
    """
    if connection.vendor != "postgresql" or connection.queries_logged:
        return connection.cursor()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        return connection.cursor()
    import psycopg

    return connection.make_cursor(psycopg.Cursor(raw))


def prepared_update(
    model: type[Model], *, values: dict[str, Any], where: str, params: Sequence[Any]
) -> int:
    """``UPDATE <model's table> SET <values> WHERE <where>`` on ``prepared_cursor``, each value
    adapted as ``QuerySet.update`` would (``get_db_prep_save``); returns the rows changed.

    For the row a worker writes after every document: the ORM compiled that UPDATE in more
    CPU time than PostgreSQL took to run it. ``where`` is SQL with ``%s`` placeholders for
    ``params``; the same ``values`` keys give the same statement, so it is prepared once.
    """
    quote = connection.ops.quote_name
    opts = model._meta
    assignments: list[str] = []
    arguments: list[Any] = []
    for name, value in values.items():
        field = opts.get_field(name)
        assignments.append(f"{quote(field.column)} = %s")
        arguments.append(field.get_db_prep_save(value, connection))
    sql = f"UPDATE {quote(opts.db_table)} SET {', '.join(assignments)} WHERE {where}"
    with prepared_cursor() as cursor:
        cursor.execute(sql, [*arguments, *params])
        return cursor.rowcount

"""Database helpers shared by the apps."""

from __future__ import annotations

from django.db import connection
from django.db.backends.utils import CursorWrapper


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

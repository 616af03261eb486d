"""Plain SQL on hot paths (entitlement checks), as server-side prepared statements on PostgreSQL.

Django's PostgreSQL backend binds parameters on the client, so PostgreSQL parses and plans every statement anew;
for the one statement that reads a customer's grants, planning costs several times its execution. ``fetch_all``
runs a statement through a server-binding cursor of the same connection instead, prepared on its first execution
on that connection; PostgreSQL then reuses the plan (a generic one once it is no worse than the custom ones).
The connection and its transaction are the same as for any other query, and the statement is logged like one
(``CaptureQueriesContext``, ``assertNumQueries``).
"""

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

import psycopg
from django.db import connection

from config.pg_arrays import register_dumpers

# psycopg's default; the statements run here ask to be prepared at once anyway.
PREPARE_THRESHOLD = 5


def fetch_all(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (``%s`` placeholders) with ``params``. ``sql`` must be one statement whose text does not
    depend on the values (they are parameters), so the prepared statement is shared by every call."""
    if not connection.queries_logged:
        return _fetch_prepared(sql, params)
    started = time.monotonic()
    try:
        return _fetch_prepared(sql, params)
    finally:
        # Django's debug cursor cannot show a prepared statement's text: log it as Django would have.
        elapsed = time.monotonic() - started
        # PostgreSQL's operations (the one backend) compose; the stubs type the connection as any backend's.
        composed = connection.ops.compose_sql(sql, params)  # type: ignore[attr-defined]
        connection.queries_log.append({"sql": composed, "time": f"{elapsed:.3f}"})


@contextmanager
def server_cursor() -> Iterator[psycopg.Cursor[Any]]:
    """A server-binding cursor on Django's connection (so inside its transaction): parameters travel apart from the
    SQL instead of being quoted into it in Python, as Django's client-binding cursors do. Database errors come out as
    Django's (``IntegrityError`` ...), as from ``connection.cursor()``; binary array parameters
    (``config.pg_arrays``) can be sent."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        register_dumpers(cursor.adapters)
        yield cursor


def _fetch_prepared(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw_connection = connection.connection
        if raw_connection.prepare_threshold is None:
            # ``None`` (Django's default) disables preparing altogether, even when asked for. Only server-binding
            # cursors (these) prepare: Django's own cursors bind on the client and never do.
            raw_connection.prepare_threshold = PREPARE_THRESHOLD
        with _preparing_cursor_class()(raw_connection) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


@cache
def _preparing_cursor_class() -> type:
    """Django's server-binding cursor, preparing every statement it runs."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
            # ServerBindingCursor is psycopg's Cursor with Django's mixin; the stubs declare only the mixin.
            return super().execute(query, params, prepare=True, **options)  # type: ignore[misc]

    return PreparingCursor

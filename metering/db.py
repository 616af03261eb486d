"""Statements of the metering hot paths (usage reports, event ingestion, aggregation), bound on the server.

Django's psycopg cursors are client-binding (``psycopg.ClientCursor``): every parameter is quoted into the SQL text
in Python, which for the documents and arrays of a batch of 1000 events costs more than running the statement.
A plain ``psycopg.Cursor`` on the same connection sends them apart from the SQL (and psycopg prepares a statement
run often), inside the same transaction as the ORM's statements.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection

UNIQUE_VIOLATION = "23505"


@contextmanager
def server_cursor() -> Iterator[psycopg.Cursor[Any]]:
    """A server-binding cursor on Django's connection; database errors come out as Django's (``IntegrityError``
    ...), as from ``connection.cursor()``. PostgreSQL only."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        yield cursor


def fetch_all(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with server_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params: Sequence[Any]) -> int:
    """Runs ``sql``; returns the number of rows it wrote."""
    with server_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def is_unique_violation(error: Exception) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == UNIQUE_VIOLATION

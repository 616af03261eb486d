"""Statements of the metering hot paths (usage reports, event ingestion, aggregation), bound on the server.

Django's psycopg cursors are client-binding (``psycopg.ClientCursor``): every parameter is quoted into the SQL text
in Python, which for the documents and arrays of a batch of 1000 events costs more than running the statement.
``config.prepared.server_cursor`` (a plain ``psycopg.Cursor`` on the same connection) sends them apart from the
SQL (and psycopg prepares a statement run often), inside the same transaction as the ORM's statements.
"""

from collections.abc import Sequence
from typing import Any

from config.prepared import server_cursor as server_cursor  # also used as ``db.server_cursor``

UNIQUE_VIOLATION = "23505"


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

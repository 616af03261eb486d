"""Transactional tests end by emptying every table (Django's ``flush``); on PostgreSQL, with rows deleted rather than
tables truncated. A test database reused from an earlier run (``--reuse-db``) starts emptied the same way.

``TRUNCATE`` creates and syncs a new file for every table and index: on this shared 2-core machine, truncating the
project's 49 tables took 2.6 to 4 s where deleting their rows took 0.2 s, after each of the suite's ~650
transactional tests (live-server, SDK, worker and race tests), whose tables hold a few rows. Every foreign key Django
creates is deferred to the commit, so the order of the deletes does not matter; the flush still leaves every table
empty, and sequences are not reset either way (a flush asked to reset them, or to cascade, keeps Django's statement).
"""

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db.backends.postgresql.operations import DatabaseOperations
from pytest_django import DjangoDbBlocker

_truncating_sql_flush = DatabaseOperations.sql_flush


def _deleting_sql_flush(
    self: DatabaseOperations,
    style: object,
    tables: list[str],
    *,
    reset_sequences: bool = False,
    allow_cascade: bool = False,
) -> list[str]:
    if reset_sequences or allow_cascade:
        # a sequence reset or a cascade to tables outside the list: Django's own statements
        return _truncating_sql_flush(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    return [f"DELETE FROM {self.quote_name(table)};" for table in tables]


@pytest.fixture(autouse=True, scope="session")
def _flush_by_delete() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", _deleting_sql_flush)
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: DjangoDbBlocker, _flush_by_delete: None) -> None:
    """A run stopped in the middle of a transactional test leaves its rows in the database ``--reuse-db`` keeps."""
    with django_db_blocker.unblock():
        call_command("flush", verbosity=0, interactive=False, reset_sequences=False)

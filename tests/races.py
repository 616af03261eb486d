"""Real threads against the real database, released together, for the race tests (PostgreSQL)."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

THREADS = 8


def race(work: Callable[[int], Any], *, threads: int = THREADS) -> tuple[list[Any], list[BaseException]]:
    """Run ``work(index)`` in ``threads`` threads released together; return what they returned and raised.

    Each thread closes its own database connection, so no connection outlives the test.
    """
    barrier = threading.Barrier(threads)
    results: list[Any] = []
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results.append(work(index))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=worker, args=(index,)) for index in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return results, errors

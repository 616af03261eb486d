"""A real Celery worker for the tests where the job's behaviour is the point (a pytest plugin, registered in
``tests/conftest.py``): the ``worker_queue`` fixture, and ``wait_until``/``drain`` to wait for it.

Needs ``REDIS_URL``: skipped without it, unless ``CI`` is set, where its absence is a failure. The worker runs in a
thread of this process (``celery.contrib.testing.worker.start_worker``, solo pool: one task at a time, in queue
order), so it uses the test database (the tests commit their data: ``transactional_db``). Every task goes to a queue
of the test's own (a unique name), so other runs sharing the Redis database neither take nor feed its tasks.
"""

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from config.celery import app

WAIT_SECONDS = 120

# Set by ``worker_sentinel`` when the worker reaches it: everything queued before it has run.
sentinel_reached = threading.Event()


@app.task(name="tests.support.worker_sentinel")
def worker_sentinel() -> None:
    sentinel_reached.set()


def reset_routing() -> None:
    """Make the app route with the current ``task_routes`` (Celery caches its router)."""
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


@pytest.fixture
def worker_queue() -> Iterator[str]:
    """A real worker consuming a queue of this test's own, with eager tasks off; restored afterwards."""
    if not settings.REDIS_URL:
        if os.environ.get("CI"):
            pytest.fail("CI is set but REDIS_URL is not: this test needs a real Redis broker in CI")
        pytest.skip("needs a real Redis broker: set REDIS_URL (e.g. redis://127.0.0.1:6379/5); with CI set it fails")
    queue = f"test-worker-{uuid.uuid4().hex}"
    previous = (app.conf.task_always_eager, app.conf.task_routes)
    app.conf.task_always_eager = False
    app.conf.task_routes = {"*": {"queue": queue}}
    reset_routing()
    try:
        with start_worker(
            app,
            pool="solo",
            queues=[queue],
            hostname=f"{queue}@localhost",
            perform_ping_check=False,
            shutdown_timeout=60,
        ):
            yield queue
    finally:
        app.conf.task_always_eager, app.conf.task_routes = previous
        reset_routing()
        # Delete the queue and its binding (kombu deletes the bindings it knows of on this channel: declare it).
        with app.connection_for_write() as connection:
            channel = connection.default_channel
            channel.exchange_declare(queue, type="direct")
            channel.queue_bind(queue, exchange=queue, routing_key=queue)
            channel.queue_delete(queue)


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not get there within {WAIT_SECONDS} s: {what}")
        time.sleep(0.1)


def drain() -> None:
    """Wait until the worker has run everything queued so far (it runs its queue in order, one task at a time)."""
    sentinel_reached.clear()
    worker_sentinel.delay()
    if not sentinel_reached.wait(WAIT_SECONDS):
        pytest.fail(f"the worker did not drain its queue within {WAIT_SECONDS} s")

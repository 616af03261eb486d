"""Coalesced scheduling of event aggregation: one task queued at a time however many batches are stored, and a
batch stored once the queued task has started queues the next one."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache

from config.celery import app
from metering.aggregation import events_aggregate_pending
from metering.aggregation_queue import SCHEDULED_KEY, aggregation_schedule
from metering.events import EventInput, events_report
from metering.models import PendingEvent
from tests.metering.meter_builders import metered_catalog

pytestmark = pytest.mark.django_db
NOW = datetime(2024, 6, 15, 12, tzinfo=UTC)


@pytest.fixture
def queued() -> Iterator[mock.MagicMock]:
    """Tasks are queued for a worker (not run eagerly); ``delay`` records them."""
    cache.delete(SCHEDULED_KEY)
    app.conf.task_always_eager = False
    try:
        with mock.patch("metering.tasks.aggregate_events.delay") as delay:
            yield delay
    finally:
        app.conf.task_always_eager = True
        cache.delete(SCHEDULED_KEY)


def test_many_batches_queue_one_task_until_it_starts(queued: mock.MagicMock) -> None:
    for _ in range(5):
        aggregation_schedule()
    assert queued.call_count == 1

    events_aggregate_pending(now=NOW)  # the task starts (nothing pending)
    aggregation_schedule()
    aggregation_schedule()

    assert queued.call_count == 2


def test_stored_batches_schedule_after_commit(queued: mock.MagicMock, django_capture_on_commit_callbacks: Any) -> None:
    metered_catalog(subscribed_at=NOW - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        events_report(items=[EventInput("customer-1", "api-call", "a")], now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        events_report(items=[EventInput("customer-1", "api-call", "b")], now=NOW)

    assert queued.call_count == 1
    assert PendingEvent.objects.count() == 2


def test_a_task_that_could_not_be_queued_does_not_block_the_next_one(queued: mock.MagicMock) -> None:
    queued.side_effect = ConnectionError("broker down")
    with pytest.raises(ConnectionError):
        aggregation_schedule()
    queued.side_effect = None

    aggregation_schedule()

    assert queued.call_count == 2

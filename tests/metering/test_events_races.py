"""Concurrent raw events with real threads on PostgreSQL: duplicates stored once, every event counted once even when
aggregation tasks run concurrently."""

from datetime import UTC, datetime, timedelta

import pytest

from customers.models import Customer
from metering.aggregation import events_aggregate
from metering.events import EventInput, events_report
from metering.models import Event, MeterAggregate, PendingEvent, UsageCounter
from tests.metering.meter_builders import event_name_is, meter, metered_catalog, metered_feature
from tests.races import THREADS, race

pytestmark = [
    pytest.mark.django_db(transaction=True),
]

NOW = datetime(2024, 6, 15, 12, tzinfo=UTC)
JUNE = datetime(2024, 6, 1, 9, tzinfo=UTC)


@pytest.fixture
def catalog(transactional_db: None) -> None:
    """api-calls counts ``api-call`` events; ``users`` counts distinct ``user`` dimensions of the same events."""
    metered_catalog(subscribed_at=NOW - timedelta(days=14, hours=3))
    metered_feature("users", meter("UNIQUE", "user", event_name_is("api-call")), meter_type="FLUCTUATING")


def event(key: str, user: str = "ann") -> EventInput:
    return EventInput("customer-1", "api-call", key, dimensions={"user": user})


def api_calls() -> int:
    return UsageCounter.objects.get(feature__ref_id="api-calls", period_start=JUNE).value


def test_the_same_event_sent_from_many_threads_is_stored_and_counted_once(catalog: None) -> None:
    # Each commit runs the (eager) aggregation in its thread: aggregations race too.
    results, errors = race(lambda index: events_report(items=[event("retry-me")], now=NOW))

    assert errors == []
    assert sorted(results) == [0] * (THREADS - 1) + [1]
    assert Event.objects.count() == 1
    assert api_calls() == 1


def test_overlapping_batches_from_many_threads_store_each_key_once(catalog: None) -> None:
    """Every thread sends the same 100 keys, in its own order, in two batches."""

    def send(index: int) -> int:
        keys = [f"key-{(number * (index + 1)) % 100}" for number in range(100)]
        first = events_report(items=[event(key) for key in keys[:60]], now=NOW)
        return first + events_report(items=[event(key) for key in keys[40:]], now=NOW)

    results, errors = race(send)

    assert errors == []
    assert sum(results) == 100
    assert Event.objects.count() == 100
    assert api_calls() == 100


def test_distinct_events_from_many_threads_are_all_counted(catalog: None) -> None:
    per_thread = 250

    def send(index: int) -> int:
        return sum(
            events_report(
                items=[event(f"{index}-{number}-{offset}", user=f"u{number % 7}") for offset in range(25)], now=NOW
            )
            for number in range(per_thread // 25)
        )

    results, errors = race(send)

    assert errors == []
    assert sum(results) == THREADS * per_thread
    assert api_calls() == THREADS * per_thread
    assert UsageCounter.objects.get(feature__ref_id="users").value == 7
    assert not PendingEvent.objects.exists()


def test_concurrent_aggregation_tasks_count_each_event_once(catalog: None) -> None:
    total = 2000
    customer_id = Customer.objects.get(ref_id="customer-1").pk
    stored = Event.objects.bulk_create(
        Event(
            customer_id=customer_id,
            event_name="api-call",
            idempotency_key=f"key-{number}",
            dimensions={"user": f"user-{number % 100}"},
            timestamp=NOW,
            created_at=NOW,
        )
        for number in range(total)
    )
    PendingEvent.objects.bulk_create(PendingEvent(event=event) for event in stored)

    def aggregate(index: int) -> int:
        taken = 0
        while batch := events_aggregate(now=NOW, batch_size=37):
            taken += batch
        return taken

    results, errors = race(aggregate)

    assert errors == []
    assert sum(results) == total
    assert api_calls() == total
    assert UsageCounter.objects.get(feature__ref_id="users").value == 100
    assert MeterAggregate.objects.get(feature__ref_id="api-calls").event_count == total
    assert not PendingEvent.objects.exists()

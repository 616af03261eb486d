"""Meters turning stored events into usage counters: every function across batches, filters, unit
transformations, windows across a reset boundary, the sweeper, key expiry, and exactly-once on reruns."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Feature
from catalog.services.features import feature_archive
from config.decision_cache import invalidate_all
from metering.aggregation import events_aggregate, events_aggregate_pending
from metering.events import EventInput, event_idempotency_keys_expire, events_report
from metering.models import Event, MeterAggregate, MeterUniqueValue, PendingEvent, UsageCounter
from metering.selectors import current_usage
from metering.services import UsageReport, usage_report
from tests.entitlements.builders import customer, provision
from tests.metering.meter_builders import condition, event_name_is, meter, metered_catalog, metered_feature

SUBSCRIBED = datetime(2024, 6, 1, 9, tzinfo=UTC)
NOW = datetime(2024, 6, 15, 12, tzinfo=UTC)
JUNE = datetime(2024, 6, 1, 9, tzinfo=UTC)
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


@pytest.fixture
def catalog(db: None) -> None:
    metered_catalog(subscribed_at=SUBSCRIBED)


counter_keys = iter(range(10**9))


def event(name: str = "api-call", *, key: str | None = None, **fields: Any) -> EventInput:
    return EventInput(
        customer_ref_id="customer-1",
        event_name=name,
        idempotency_key=key or f"key-{next(counter_keys)}",
        **fields,
    )


def report_and_aggregate(*items: EventInput, now: datetime = NOW) -> None:
    events_report(items=items, now=now)
    events_aggregate_pending(now=now)


def usage(feature: str, period_start: datetime = NEVER) -> Decimal:
    return current_usage(
        customer_ref_id="customer-1", resource_ref_id=None, feature_ref_id=feature, period_start=period_start
    )


def test_storing_events_schedules_their_aggregation_after_commit(
    catalog: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        events_report(items=[event(), event()], now=NOW)
    assert len(callbacks) == 1
    assert usage("api-calls", JUNE) == 0

    callbacks[0]()

    assert usage("api-calls", JUNE) == 2
    assert not PendingEvent.objects.exists()


def test_aggregating_again_counts_nothing_twice(catalog: None) -> None:
    report_and_aggregate(event(), event(), event("page-view"))

    assert events_aggregate(now=NOW) == 0
    assert events_aggregate_pending(now=NOW) == 0
    assert usage("api-calls", JUNE) == 2
    assert Event.objects.count() == 3
    assert not PendingEvent.objects.exists()


def test_batches_are_taken_oldest_first_up_to_the_batch_size(catalog: None) -> None:
    events_report(items=[event() for _ in range(5)], now=NOW)

    assert events_aggregate(now=NOW, batch_size=2) == 2
    assert usage("api-calls", JUNE) == 2
    assert list(PendingEvent.objects.order_by("pk").values_list("pk", flat=True)) == sorted(
        Event.objects.order_by("-pk").values_list("pk", flat=True)[:3]
    )
    assert events_aggregate_pending(now=NOW) == 3
    assert usage("api-calls", JUNE) == 5


@pytest.mark.parametrize(
    ("function", "batches", "expected"),
    [
        ("SUM", [[5, 2.5], [10]], Decimal("17.5")),
        ("MIN", [[5, 7], [3]], Decimal(3)),
        ("MIN", [[3], [5]], Decimal(3)),
        ("MAX", [[5, 7], [6]], Decimal(7)),
        ("MAX", [[5], [9]], Decimal(9)),
        ("AVG", [[1, 2], [6]], Decimal(3)),
        ("UNIQUE", [["u1", "u2", "u1"], ["u2", "u3"]], Decimal(3)),
        ("COUNT", [[1, None], [None]], Decimal(3)),
    ],
)
def test_every_aggregation_function_adds_up_across_batches(
    catalog: None, function: str, batches: list[list[Any]], expected: Decimal
) -> None:
    metered_feature("measured", meter(function, "amount", event_name_is("measure")), meter_type="FLUCTUATING")

    for values in batches:
        report_and_aggregate(
            *(event("measure", dimensions={} if value is None else {"amount": value}) for value in values)
        )

    assert usage("measured") == expected
    aggregate = MeterAggregate.objects.get()
    assert aggregate.counted == expected
    assert aggregate.event_count == sum(
        1 for values in batches for value in values if function == "COUNT" or value is not None
    )


def test_unique_values_are_kept_per_window(catalog: None) -> None:
    metered_feature("users", meter("UNIQUE", "user", event_name_is("login")))

    report_and_aggregate(*(event("login", dimensions={"user": user}) for user in ["ann", "bob", "ann"]))

    assert sorted(MeterUniqueValue.objects.values_list("value", flat=True)) == ["ann", "bob"]
    assert usage("users") == 2


def test_filters_pick_the_events_each_meter_counts(catalog: None) -> None:
    metered_feature(
        "eu-uploads",
        meter(
            "SUM",
            "bytes",
            [condition("eventName", "EQUALS", "upload"), condition("region", "IN", values=["eu-west", "eu-north"])],
            [condition("eventName", "EQUALS", "import"), condition("source", "STARTS_WITH", "s3://")],
        ),
    )

    report_and_aggregate(
        event("upload", dimensions={"region": "eu-west", "bytes": 100}),
        event("upload", dimensions={"region": "us-east", "bytes": 1000}),
        event("upload", dimensions={"bytes": 10000}),
        event("import", dimensions={"source": "s3://bucket", "bytes": 7}),
        event("import", dimensions={"source": "gs://bucket", "bytes": 70}),
        event("api-call", dimensions={"region": "eu-west", "bytes": 700}),
    )

    assert usage("eu-uploads") == 107
    assert usage("api-calls", JUNE) == 1


def test_unit_transformation_applies_to_the_window_total(catalog: None) -> None:
    metered_feature(
        "gigabytes",
        meter("SUM", "bytes", event_name_is("upload")),
        unit_transformation={"divide": 1000, "round": "UP"},
    )

    report_and_aggregate(event("upload", dimensions={"bytes": 500}))
    assert usage("gigabytes") == 1
    report_and_aggregate(event("upload", dimensions={"bytes": 400}))
    assert usage("gigabytes") == 1
    report_and_aggregate(event("upload", dimensions={"bytes": 200}))
    assert usage("gigabytes") == 2
    assert MeterAggregate.objects.get().total == 1100


def test_reported_usage_and_event_usage_add_up(catalog: None) -> None:
    usage_report(items=[UsageReport("customer-1", "api-calls", Decimal(10))], now=NOW)
    report_and_aggregate(event(), event())
    usage_report(items=[UsageReport("customer-1", "api-calls", Decimal(1))], now=NOW)

    assert usage("api-calls", JUNE) == 13


def test_an_archived_feature_stops_counting(catalog: None) -> None:
    feature = metered_feature("old", meter("COUNT", None, event_name_is("api-call")))
    feature_archive(feature=feature, now=NOW)

    report_and_aggregate(event())

    assert usage("api-calls", JUNE) == 1
    assert not UsageCounter.objects.filter(feature=Feature.objects.get(ref_id="old")).exists()


def test_events_no_meter_counts_are_marked_and_leave_no_usage(catalog: None) -> None:
    report_and_aggregate(event("page-view"), event("login"))

    assert not UsageCounter.objects.exists()
    assert not PendingEvent.objects.exists()


def test_events_across_a_reset_boundary_land_in_their_windows(catalog: None) -> None:
    """api-calls reset monthly at 09:00 on the 1st (the subscription's start)."""
    july = datetime(2024, 7, 1, 9, tzinfo=UTC)
    with time_machine.travel(datetime(2024, 7, 1, 9, 30, tzinfo=UTC), tick=False):
        report_and_aggregate(
            event(timestamp=july - timedelta(seconds=1)),
            event(timestamp=july - timedelta(days=20)),
            event(timestamp=july),
            event(timestamp=july + timedelta(minutes=10)),
            event(timestamp=july + timedelta(minutes=20)),
            now=datetime(2024, 7, 1, 9, 30, tzinfo=UTC),
        )

    assert dict(UsageCounter.objects.values_list("period_start", "value")) == {JUNE: 2, july: 3}


def test_events_without_a_timestamp_count_in_the_window_of_their_arrival(catalog: None) -> None:
    with time_machine.travel(datetime(2024, 6, 30, tzinfo=UTC), tick=False):
        report_and_aggregate(event(), now=datetime(2024, 6, 30, tzinfo=UTC))
    with time_machine.travel(datetime(2024, 7, 2, tzinfo=UTC), tick=False):
        report_and_aggregate(event(), event(), now=datetime(2024, 7, 2, tzinfo=UTC))

    assert dict(UsageCounter.objects.values_list("period_start", "value")) == {
        JUNE: 1,
        datetime(2024, 7, 1, 9, tzinfo=UTC): 2,
    }


def test_the_tick_sweeper_aggregates_what_was_left_pending(catalog: None) -> None:
    events_report(items=[event(), event(), event()], now=NOW)  # the on-commit task never ran (test transaction)
    assert PendingEvent.objects.count() == 3

    call_command("tick", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert not PendingEvent.objects.exists()
    assert UsageCounter.objects.get(feature__ref_id="api-calls").value == 3


def test_idempotency_keys_are_forgotten_after_7_days(catalog: None) -> None:
    report_and_aggregate(event(key="retry"), now=NOW)
    report_and_aggregate(event(key="retry"), now=NOW + timedelta(days=6))
    assert event_idempotency_keys_expire(now=NOW + timedelta(days=6, hours=23)) == 0
    assert usage("api-calls", JUNE) == 1

    assert event_idempotency_keys_expire(now=NOW + timedelta(days=7, seconds=1)) == 1
    report_and_aggregate(event(key="retry"), now=NOW + timedelta(days=8))

    assert Event.objects.count() == 2
    assert usage("api-calls", JUNE) == 2


def test_a_batch_costs_the_same_queries_for_few_or_many_customers_on_a_cold_cache(catalog: None) -> None:
    """The usage windows of customers the decision cache does not hold come from one read of all their grants."""
    for index in range(2, 9):
        customer(f"customer-{index}")
        provision("plan-basic", now=SUBSCRIBED, customer_ref_id=f"customer-{index}")

    def queries_to_aggregate(customers: range) -> int:
        events_report(
            items=[
                EventInput(f"customer-{index}", "api-call", f"key-{index}-{n}") for index in customers for n in (1, 2)
            ],
            now=NOW,
        )
        invalidate_all()
        with CaptureQueriesContext(connection) as queries:
            assert events_aggregate(now=NOW) == 2 * len(customers)
        return len(queries)

    assert queries_to_aggregate(range(1, 3)) == queries_to_aggregate(range(3, 9))
    assert sorted(UsageCounter.objects.values_list("value", flat=True)) == [2] * 8

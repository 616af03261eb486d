"""Meters turn stored raw events into usage: the aggregation behind E1, run by ``metering.tasks.aggregate_events``.

Each batch is one transaction that locks pending events with ``SELECT ... FOR UPDATE SKIP LOCKED`` (concurrent
tasks take different events), adds them to the ``MeterAggregate`` of every matching meter's window (rows locked in
primary-key order), moves each window's ``UsageCounter`` by the change of its usage, and marks the events
aggregated. Counting and marking commit together, so an event is counted exactly once however often or
concurrently tasks run; a failed batch rolls back whole and is picked up again.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q

from catalog.enums import AggregationFunction, MeterType
from catalog.models import Feature
from customers.models import Customer
from entitlements.cache import cached_many, invalidate_usage
from entitlements.evaluation import usage_window
from entitlements.usage_periods import UsagePeriod
from metering.meters import Aggregate, Meter, merge, meter_of
from metering.models import NEVER_RESETS, Event, MeterAggregate, MeterUniqueValue
from metering.services import lock_counters, raw_cursor, window_rules, write_counters

BATCH_SIZE = 1000
# (customer id, resource key, feature id, window start): one aggregate, one usage counter.
WindowKey = tuple[int, str, int, datetime]


@dataclass
class _Contribution:
    """What one batch adds to one window."""

    meter: Meter
    event_count: int = 0
    measures: list[Decimal] = field(default_factory=list)
    unique_values: set[str] = field(default_factory=set)


def _meters() -> list[tuple[int, Meter]]:
    """Every live metered feature with a meter, with its primary key. One query."""
    rows = (
        Feature.objects.filter(meter__isnull=False, archived_at__isnull=True)
        .exclude(meter_type=MeterType.NONE)
        .values_list("pk", "ref_id", "meter", "unit_transformation")
    )
    return [(pk, meter_of(ref_id, meter, transformation)) for pk, ref_id, meter, transformation in rows if meter]


class _Windows:
    """The usage window of a feature for a customer (and resource) at an event's time, from the entitlements the
    customer holds at aggregation time, as ``usage_report`` computes it: the window rules of every customer of the
    batch come from the decision cache in one round trip (``usage_report``'s own cached entries; the grants selector
    only for customers not cached), and the last window found per feature is reused while events fall inside it."""

    def __init__(self, scopes: set[tuple[str, str | None]], *, now: datetime) -> None:
        self.rules = cached_many(
            scopes, now=now, compute=lambda ref_id, resource: window_rules(ref_id, resource, now=now)
        )
        self.last: dict[tuple[str, str | None, str], UsagePeriod] = {}

    def period_start(
        self, *, customer_ref_id: str, resource_ref_id: str | None, meter: Meter, at: datetime
    ) -> datetime:
        key = (customer_ref_id, resource_ref_id, meter.feature_ref_id)
        last = self.last.get(key)
        if last is not None and last.start <= at < last.end:
            return last.start
        entitlement = self.rules[(customer_ref_id, resource_ref_id)].get(meter.feature_ref_id)
        window = None if entitlement is None else usage_window(entitlement, now=at)
        if window is None:
            return NEVER_RESETS
        self.last[key] = window
        return window.start


def _contributions(
    events: list[tuple[Any, ...]], customer_ref_ids: dict[int, str], *, now: datetime
) -> dict[WindowKey, _Contribution]:
    meters = _meters()
    if not meters:
        return {}
    windows = _Windows({(customer_ref_ids[event[1]], event[2] or None) for event in events}, now=now)
    contributions: dict[WindowKey, _Contribution] = {}
    for _, customer_id, resource_key, event_name, dimensions, timestamp in events:
        dimensions = dimensions or {}
        for feature_id, meter in meters:
            if not meter.matches(event_name, dimensions):
                continue
            measured = meter.measure(dimensions)
            if meter.function != AggregationFunction.COUNT and measured is None:
                continue
            period_start = windows.period_start(
                customer_ref_id=customer_ref_ids[customer_id],
                resource_ref_id=resource_key or None,
                meter=meter,
                at=timestamp,
            )
            key = (customer_id, resource_key, feature_id, period_start)
            contribution = contributions.get(key)
            if contribution is None:
                contribution = contributions[key] = _Contribution(meter=meter)
            contribution.event_count += 1
            if isinstance(measured, str):
                contribution.unique_values.add(measured)
            elif measured is not None:
                contribution.measures.append(measured)
    return contributions


AGGREGATE_STATE = ("event_count", "measured_count", "total", "minimum", "maximum", "unique_count", "counted")


def _locked_aggregates(keys: list[WindowKey], *, now: datetime) -> dict[WindowKey, MeterAggregate]:
    """The aggregate rows of ``keys`` (sorted), created when missing (through their unique constraint) and locked in
    key order, so concurrent batches over the same windows queue instead of deadlocking. On PostgreSQL one upsert
    from arrays that locks and returns every row; elsewhere an insert and a ``select_for_update``."""
    if connection.vendor == "postgresql":
        return _locked_aggregates_postgresql(keys, now=now)
    MeterAggregate.objects.bulk_create(
        [
            MeterAggregate(
                customer_id=customer_id,
                resource_key=resource_key,
                feature_id=feature_id,
                period_start=period_start,
                updated_at=now,
            )
            for customer_id, resource_key, feature_id, period_start in keys
        ],
        ignore_conflicts=True,
    )
    condition = Q()
    for customer_id, resource_key, feature_id, period_start in keys:
        condition |= Q(
            customer_id=customer_id, resource_key=resource_key, feature_id=feature_id, period_start=period_start
        )
    rows = MeterAggregate.objects.select_for_update().filter(condition).order_by("pk")
    return {(row.customer_id, row.resource_key, row.feature_id, row.period_start): row for row in rows}


def _locked_aggregates_postgresql(keys: list[WindowKey], *, now: datetime) -> dict[WindowKey, MeterAggregate]:
    table = MeterAggregate._meta.db_table
    state = ", ".join(f'a."{name}"' for name in AGGREGATE_STATE)
    with connection.wrap_database_errors, raw_cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" AS a ("customer_id", "resource_key", "feature_id", "period_start", "event_count", '
            '"measured_count", "total", "unique_count", "counted", "updated_at") '
            "SELECT k.customer_id, k.resource_key, k.feature_id, k.period_start, 0, 0, 0, 0, 0, %s "
            "FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::timestamptz[]) "
            "AS k(customer_id, resource_key, feature_id, period_start) "
            'ON CONFLICT ("customer_id", "resource_key", "feature_id", "period_start") '
            'DO UPDATE SET "updated_at" = a."updated_at" '
            f'RETURNING a."id", a."customer_id", a."resource_key", a."feature_id", a."period_start", {state}',
            [now, *(list(column) for column in zip(*keys, strict=True))],
        )
        rows = cursor.fetchall()
    aggregates = {}
    for pk, customer_id, resource_key, feature_id, period_start, *values in rows:
        aggregate = MeterAggregate(
            pk=pk,
            customer_id=customer_id,
            resource_key=resource_key,
            feature_id=feature_id,
            period_start=period_start,
            updated_at=now,
            **dict(zip(AGGREGATE_STATE, values, strict=True)),
        )
        aggregates[(customer_id, resource_key, feature_id, period_start)] = aggregate
    return aggregates


def _write_aggregates(aggregates: list[MeterAggregate], *, now: datetime) -> None:
    """The aggregates' new state in one statement (on PostgreSQL an ``UPDATE ... FROM unnest`` of arrays, not the
    ``CASE`` per row and column that ``bulk_update`` writes)."""
    if connection.vendor != "postgresql":
        MeterAggregate.objects.bulk_update(aggregates, [*AGGREGATE_STATE, "updated_at"])
        return
    assignments = ", ".join(f'"{name}" = v."{name}"' for name in AGGREGATE_STATE)
    with connection.wrap_database_errors, raw_cursor() as cursor:
        cursor.execute(
            f'UPDATE "{MeterAggregate._meta.db_table}" AS a SET {assignments}, "updated_at" = %s '
            "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::numeric[], %s::numeric[], %s::numeric[], "
            f"%s::bigint[], %s::numeric[]) AS v(id, {', '.join(AGGREGATE_STATE)}) WHERE a.id = v.id",
            [
                now,
                [row.pk for row in aggregates],
                *([getattr(row, name) for row in aggregates] for name in AGGREGATE_STATE),
            ],
        )


def _unique_counts(
    aggregates: dict[WindowKey, MeterAggregate], contributions: dict[WindowKey, _Contribution]
) -> dict[int, int]:
    """Record the distinct values UNIQUE meters saw and return each such aggregate's distinct count (two queries;
    the aggregates are locked, so nobody else adds values to them meanwhile)."""
    values = [
        MeterUniqueValue(aggregate=aggregates[key], value=value)
        for key, contribution in contributions.items()
        for value in sorted(contribution.unique_values)
    ]
    if not values:
        return {}
    MeterUniqueValue.objects.bulk_create(values, ignore_conflicts=True)
    aggregate_ids = {value.aggregate.pk for value in values}
    return dict(
        MeterUniqueValue.objects.filter(aggregate_id__in=aggregate_ids)
        .values("aggregate_id")
        .annotate(count=Count("id"))
        .values_list("aggregate_id", "count")
    )


def _apply(contributions: dict[WindowKey, _Contribution], *, now: datetime) -> set[int]:
    """Add the contributions to their aggregates and counters; returns the customers whose usage moved."""
    keys = sorted(contributions)
    deltas: dict[WindowKey, Decimal] = {}
    aggregates = _locked_aggregates(keys, now=now)
    unique_counts = _unique_counts(aggregates, contributions)
    for key in keys:
        contribution, row = contributions[key], aggregates[key]
        before = Aggregate(
            event_count=row.event_count,
            measured_count=row.measured_count,
            total=row.total,
            minimum=row.minimum,
            maximum=row.maximum,
            unique_count=row.unique_count,
        )
        after = merge(
            before,
            event_count=contribution.event_count,
            measures=contribution.measures,
            unique_count=unique_counts.get(row.pk, row.unique_count),
        )
        usage = contribution.meter.usage(after)
        delta = usage - row.counted
        row.event_count, row.measured_count, row.total = after.event_count, after.measured_count, after.total
        row.minimum, row.maximum, row.unique_count = after.minimum, after.maximum, after.unique_count
        row.counted, row.updated_at = usage, now
        if delta:
            deltas[key] = delta
    # Every window gets its counter (at zero when its usage did not move); they move under their lock, taken in key
    # order as ``usage_report`` does, so reported usage counted concurrently into the same rows is never lost.
    counters = lock_counters(set(keys), now=now)
    for key, delta in deltas.items():
        counters[key].value += delta
    write_counters([counters[key] for key in deltas], now=now)
    _write_aggregates([aggregates[key] for key in keys], now=now)
    return {key[0] for key in deltas}


def events_aggregate(*, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Aggregate one batch of pending events (oldest first) into usage; returns how many events it took (0: none
    pending, or all pending ones are being aggregated by someone else).

    One transaction: pending events locked with ``skip_locked`` (concurrent calls take disjoint batches), every
    live feature whose meter matches an event gets the event in its window (``MeterAggregate``, locked), the
    window's ``UsageCounter`` moves by the usage's change (the cached checks of those customers are invalidated), and
    the events are marked aggregated. Events no meter matches are marked too. Safe to rerun; a failure rolls the
    whole batch back.
    """
    with transaction.atomic():
        events = list(
            Event.objects.select_for_update(skip_locked=True)
            .filter(aggregated_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "customer_id", "resource_key", "event_name", "dimensions", "timestamp")[:batch_size]
        )
        if not events:
            return 0
        customer_ref_ids = dict(
            Customer.objects.filter(pk__in={event[1] for event in events}).values_list("pk", "ref_id")
        )
        contributions = _contributions(events, customer_ref_ids, now=now)
        if contributions:
            moved = _apply(contributions, now=now)
            # Checks show usage from the counters: drop the cached answers of the customers whose usage moved.
            invalidate_usage(customer_ref_ids[customer_id] for customer_id in sorted(moved))
        Event.objects.filter(pk__in=[event[0] for event in events]).update(aggregated_at=now)
    return len(events)


def events_aggregate_pending(*, now: datetime, max_batches: int = 100) -> int:
    """Aggregate pending events batch after batch until none is left (or ``max_batches``: the next run goes on);
    returns how many were aggregated. What the task and the sweeper run."""
    aggregated = 0
    for _ in range(max_batches):
        taken = events_aggregate(now=now)
        if not taken:
            break
        aggregated += taken
    return aggregated

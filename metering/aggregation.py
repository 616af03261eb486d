"""Meters turn stored raw events into usage: the aggregation behind E1, run by ``metering.tasks.aggregate_events``.

Each batch is one transaction that takes pending events off the queue (``PendingEvent`` rows locked with
``FOR UPDATE SKIP LOCKED`` and deleted, so concurrent tasks take different events), adds them to the
``MeterAggregate`` of every matching meter's window (rows locked in key order) and moves each window's
``UsageCounter`` by the change of its usage. Counting and dequeuing commit together, so an event is counted exactly
once however often or concurrently tasks run; a failed batch rolls back whole and its events are pending again.

Cost: five statements per batch (take the events, grouped; their customers; the meters; lock and read
the aggregates; write the aggregates and move the counters), two more for UNIQUE meters, and one round trip to the
decision cache for the usage windows of the batch's customers (``metering.aggregation_windows``). What a batch
costs beyond its events is per window (one aggregate, one counter), so batches are large: when events arrive faster
than they are counted, a batch holds many events per window, each event costs less, and aggregation catches up.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count

from catalog.enums import AggregationFunction, MeterType
from catalog.models import Feature
from config.decision_cache import invalidate_usage
from customers.models import Customer
from metering import db
from metering.aggregation_queue import aggregation_schedule, aggregation_started
from metering.aggregation_windows import Windows
from metering.meters import Aggregate, Meter, merge, meter_of
from metering.models import Event, MeterAggregate, MeterUniqueValue, PendingEvent, UsageCounter

# Events a batch takes at most. Large, because what a batch costs beyond its events is per window (1000 events
# over 1000 customers is 630 windows, 20,000 is 1000): the more events per window, the less each costs.
BATCH_SIZE = 20_000
# Batches one task runs before it hands over to a new task (with a new ``now``).
MAX_BATCHES = 10
# (customer id, resource key, feature id, window start): one aggregate, one usage counter.
WindowKey = tuple[int, str, int, datetime]
# Pending events alike but for their time, in one row: customer id, resource key, event name, dimensions (JSON
# text), and the time of each.
EventGroup = tuple[int, str, str, str, list[datetime]]

PENDING_TABLE = PendingEvent._meta.db_table
AGGREGATES_TABLE = MeterAggregate._meta.db_table
# Takes the oldest pending events off the queue (skipping those another transaction is taking; for good when this
# one commits) and returns them grouped by what decides what they count for, so meters and windows run once per
# group rather than once per event. Index lookups only (``= ANY(ARRAY(...))``), whatever the tables' sizes.
TAKE_SQL = (
    f'WITH taken AS (DELETE FROM "{PENDING_TABLE}" WHERE "event_id" = ANY(ARRAY(SELECT "event_id" '
    f'FROM "{PENDING_TABLE}" ORDER BY "event_id" LIMIT %s FOR UPDATE SKIP LOCKED)) RETURNING "event_id") '
    'SELECT "customer_id", "resource_key", "event_name", "dimensions"::text, array_agg("timestamp") '
    f'FROM "{Event._meta.db_table}" WHERE "id" = ANY(ARRAY(SELECT "event_id" FROM taken)) GROUP BY 1, 2, 3, 4'
)
CUSTOMER_REF_IDS_SQL = f'SELECT "id", "ref_id" FROM "{Customer._meta.db_table}" WHERE "id" = ANY(%s)'
AGGREGATE_STATE = ("event_count", "measured_count", "total", "minimum", "maximum", "unique_count", "counted")
# Created at zero where missing (through the unique constraint), locked in the order of the arrays (key order, so
# concurrent batches over the same windows queue instead of deadlocking) and returned.
LOCK_AGGREGATES_SQL = (
    f'INSERT INTO "{AGGREGATES_TABLE}" AS a ("customer_id", "resource_key", "feature_id", "period_start", '
    '"event_count", "measured_count", "total", "unique_count", "counted", "updated_at") '
    "SELECT k.customer_id, k.resource_key, k.feature_id, k.period_start, 0, 0, 0, 0, 0, %s "
    "FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::timestamptz[]) "
    "AS k(customer_id, resource_key, feature_id, period_start) "
    'ON CONFLICT ("customer_id", "resource_key", "feature_id", "period_start") '
    'DO UPDATE SET "updated_at" = a."updated_at" '
    'RETURNING a."customer_id", a."resource_key", a."feature_id", a."period_start", a."id", '
    + ", ".join(f'a."{name}"' for name in AGGREGATE_STATE)
)
# The aggregates' new state, and every window's counter moved by its delta (created where missing, locked in key
# order as ``usage_report`` locks them, so usage reported concurrently into the same rows is never lost).
WRITE_SQL = (
    f'WITH written AS (UPDATE "{AGGREGATES_TABLE}" AS a SET '
    + ", ".join(f'"{name}" = v."{name}"' for name in AGGREGATE_STATE)
    + ', "updated_at" = %s FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::numeric[], %s::numeric[], '
    f"%s::numeric[], %s::bigint[], %s::numeric[]) AS v(id, {', '.join(AGGREGATE_STATE)}) WHERE a.id = v.id) "
    f'INSERT INTO "{UsageCounter._meta.db_table}" AS c ("customer_id", "resource_key", "feature_id", '
    '"period_start", "value", "updated_at") SELECT k.customer_id, k.resource_key, k.feature_id, k.period_start, '
    "k.delta, %s FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::timestamptz[], %s::numeric[]) "
    "AS k(customer_id, resource_key, feature_id, period_start, delta) "
    'ON CONFLICT ("customer_id", "resource_key", "feature_id", "period_start") '
    'DO UPDATE SET "value" = c."value" + EXCLUDED."value", "updated_at" = EXCLUDED."updated_at"'
)


@dataclass
class _Contribution:
    """What one batch adds to one window."""

    meter: Meter
    event_count: int = 0
    measures: list[Decimal] = field(default_factory=list)
    unique_values: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _AggregateRow:
    """A locked ``MeterAggregate``: its state and the usage it has counted so far."""

    pk: int
    state: Aggregate
    counted: Decimal


def _meters() -> list[tuple[int, Meter]]:
    """Every live metered feature with a meter, with its primary key. One query."""
    rows = (
        Feature.objects.filter(meter__isnull=False, archived_at__isnull=True)
        .exclude(meter_type=MeterType.NONE)
        .values_list("pk", "ref_id", "meter", "unit_transformation")
    )
    return [(pk, meter_of(ref_id, meter, transformation)) for pk, ref_id, meter, transformation in rows if meter]


def _take_pending(batch_size: int) -> list[EventGroup]:
    """Up to ``batch_size`` pending events, oldest first, taken off the queue and grouped (``TAKE_SQL``)."""
    with db.server_cursor() as cursor:
        # Binary results: timestamps are decoded in C, not parsed from text in Python.
        cursor.execute(TAKE_SQL, [batch_size], binary=True)
        return cursor.fetchall()


def _customer_ref_ids(customer_ids: set[int]) -> dict[int, str]:
    return dict(db.fetch_all(CUSTOMER_REF_IDS_SQL, [list(customer_ids)]))


def _matches(
    meters: list[tuple[int, Meter]], event_name: str, dimensions: dict[str, Any]
) -> list[tuple[int, Meter, Decimal | str | None]]:
    """The features whose meter counts such an event, each with what the event measures for it."""
    matched = []
    for feature_id, meter in meters:
        if not meter.matches(event_name, dimensions):
            continue
        measured = meter.measure(dimensions)
        if meter.function != AggregationFunction.COUNT and measured is None:
            continue
        matched.append((feature_id, meter, measured))
    return matched


def _contributions(
    groups: list[EventGroup], customer_ref_ids: dict[int, str], *, now: datetime
) -> dict[WindowKey, _Contribution]:
    """What the events add to each window."""
    meters = _meters()
    if not meters:
        return {}
    windows = Windows({(customer_ref_ids[group[0]], group[1] or None) for group in groups}, now=now)
    # Groups of different customers often carry the same event: meters run once per distinct event.
    matches: dict[tuple[str, str], list[tuple[int, Meter, Decimal | str | None]]] = {}
    contributions: dict[WindowKey, _Contribution] = {}
    for customer_id, resource_key, event_name, dimensions_text, moments in groups:
        matched = matches.get((event_name, dimensions_text))
        if matched is None:
            dimensions = json.loads(dimensions_text) or {}
            matched = matches[(event_name, dimensions_text)] = _matches(meters, event_name, dimensions)
        for feature_id, meter, measured in matched:
            counts = windows.counts(
                customer_ref_id=customer_ref_ids[customer_id],
                resource_ref_id=resource_key or None,
                meter=meter,
                moments=moments,
            )
            for period_start, count in counts.items():
                key = (customer_id, resource_key, feature_id, period_start)
                contribution = contributions.get(key)
                if contribution is None:
                    contribution = contributions[key] = _Contribution(meter=meter)
                contribution.event_count += count
                if isinstance(measured, str):
                    contribution.unique_values.add(measured)
                elif measured is not None:
                    contribution.measures.extend([measured] * count)
    return contributions


def _row(values: tuple[Any, ...]) -> _AggregateRow:
    pk, event_count, measured_count, total, minimum, maximum, unique_count, counted = values
    state = Aggregate(event_count, measured_count, total, minimum, maximum, unique_count)
    return _AggregateRow(pk, state, counted)


def _locked_aggregates(keys: list[WindowKey], *, now: datetime) -> dict[WindowKey, _AggregateRow]:
    """The aggregates of ``keys`` (sorted), created when missing and locked in key order: one upsert from arrays that
    locks and returns every row."""
    rows = db.fetch_all(LOCK_AGGREGATES_SQL, [now, *(list(column) for column in zip(*keys, strict=True))])
    return {tuple(row[:4]): _row(row[4:]) for row in rows}


def _unique_counts(
    aggregates: dict[WindowKey, _AggregateRow], contributions: dict[WindowKey, _Contribution]
) -> dict[int, int]:
    """Record the distinct values UNIQUE meters saw and return each such aggregate's distinct count (two queries;
    the aggregates are locked, so nobody else adds values to them meanwhile)."""
    values = [
        MeterUniqueValue(aggregate_id=aggregates[key].pk, value=value)
        for key, contribution in contributions.items()
        for value in sorted(contribution.unique_values)
    ]
    if not values:
        return {}
    MeterUniqueValue.objects.bulk_create(values, ignore_conflicts=True)
    return dict(
        MeterUniqueValue.objects.filter(aggregate_id__in={value.aggregate_id for value in values})
        .values("aggregate_id")
        .annotate(count=Count("id"))
        .values_list("aggregate_id", "count")
    )


def _write(
    keys: list[WindowKey],
    aggregates: dict[WindowKey, _AggregateRow],
    deltas: dict[WindowKey, Decimal],
    *,
    now: datetime,
) -> None:
    """Write the aggregates' new state and add each window's delta to its counter (every window gets its counter,
    at zero when its usage did not move), in one statement."""
    rows = [aggregates[key] for key in keys]
    db.execute(
        WRITE_SQL,
        [
            now,
            [row.pk for row in rows],
            [row.state.event_count for row in rows],
            [row.state.measured_count for row in rows],
            [row.state.total for row in rows],
            [row.state.minimum for row in rows],
            [row.state.maximum for row in rows],
            [row.state.unique_count for row in rows],
            [row.counted for row in rows],
            now,
            *(list(column) for column in zip(*keys, strict=True)),
            [deltas.get(key, Decimal(0)) for key in keys],
        ],
    )


def _apply(contributions: dict[WindowKey, _Contribution], *, now: datetime) -> None:
    """Add the contributions to their aggregates and counters."""
    keys = sorted(contributions)
    aggregates = _locked_aggregates(keys, now=now)
    unique_counts = _unique_counts(aggregates, contributions)
    deltas: dict[WindowKey, Decimal] = {}
    for key in keys:
        contribution, row = contributions[key], aggregates[key]
        row.state = merge(
            row.state,
            event_count=contribution.event_count,
            measures=contribution.measures,
            unique_count=unique_counts.get(row.pk, row.state.unique_count),
        )
        usage = contribution.meter.usage(row.state)
        if usage != row.counted:
            deltas[key] = usage - row.counted
            row.counted = usage
    _write(keys, aggregates, deltas, now=now)


def events_aggregate(*, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Aggregate one batch of pending events (oldest first) into usage; returns how many events it took (0: none
    pending, or all pending ones are being aggregated by someone else).

    One transaction: pending events taken off the queue (``skip_locked``: concurrent calls take disjoint batches),
    every live feature whose meter matches an event gets the event in its window (``MeterAggregate``, locked), the
    window's ``UsageCounter`` moves by the usage's change (the cached checks of those customers are invalidated
    first).
    Events no meter matches leave the queue too. Safe to rerun; a failure rolls the whole batch back.
    """
    with transaction.atomic():
        groups = _take_pending(batch_size)
        if not groups:
            return 0
        customer_ref_ids = _customer_ref_ids({group[0] for group in groups})
        contributions = _contributions(groups, customer_ref_ids, now=now)
        if contributions:
            # Checks show usage from the counters: drop the cached answers of the customers whose usage may move,
            # before their aggregates and counters are locked (no Redis round trip while usage reports wait).
            invalidate_usage(customer_ref_ids[customer_id] for customer_id in sorted({key[0] for key in contributions}))
            _apply(contributions, now=now)
    return sum(len(group[4]) for group in groups)


def events_aggregate_pending(*, now: datetime, max_batches: int = MAX_BATCHES) -> int:
    """Aggregate pending events batch after batch until none is left; returns how many were aggregated. What the
    task (and the sweeper) runs: it first marks the scheduled task started (``aggregation_queue``), and after
    ``max_batches`` it schedules a new task to go on instead of holding the worker (and this ``now``) longer."""
    aggregation_started()
    aggregated = 0
    for _ in range(max_batches):
        taken = events_aggregate(now=now)
        if not taken:
            return aggregated
        aggregated += taken
    aggregation_schedule()
    return aggregated

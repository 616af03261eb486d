"""Usage counters as rows: created where missing, locked and written back, in a fixed number of statements per batch
whatever its size. Shared by usage reports (``metering.services``) and event aggregation (``metering.aggregation``).

A counter is named by its ``CounterKey`` (customer primary key, resource key, feature primary key, window start).
Counters are created and locked in key order, so concurrent batches queue instead of deadlocking.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection

from config.prepared import server_cursor
from metering.models import UsageCounter

CounterKey = tuple[int, str, int, datetime]


@dataclass
class Counter:
    pk: int
    value: Decimal


def lock_counters(keys: set[CounterKey], *, now: datetime) -> dict[CounterKey, Counter]:
    """Every counter of ``keys``, created at zero where missing (through the unique constraint) and locked until
    commit, in key order, so concurrent batches queue instead of deadlocking. On PostgreSQL one statement (an upsert
    that touches each row and returns its value), elsewhere two."""
    ordered = sorted(keys)
    if connection.vendor == "postgresql":
        return _lock_counters_postgresql(ordered, now=now)
    UsageCounter.objects.bulk_create(
        [
            UsageCounter(
                customer_id=customer_id,
                resource_key=resource,
                feature_id=feature_id,
                period_start=start,
                updated_at=now,
            )
            for customer_id, resource, feature_id, start in ordered
        ],
        ignore_conflicts=True,
    )
    rows = UsageCounter.objects.select_for_update().filter(
        customer_id__in={key[0] for key in keys},
        resource_key__in={key[1] for key in keys},
        feature_id__in={key[2] for key in keys},
        period_start__in={key[3] for key in keys},
    )
    counters = {
        (row.customer_id, row.resource_key, row.feature_id, row.period_start): Counter(row.pk, row.value)
        for row in rows.order_by("pk")
    }
    return {key: counters[key] for key in keys}


def _lock_counters_postgresql(ordered: list[CounterKey], *, now: datetime) -> dict[CounterKey, Counter]:
    table = UsageCounter._meta.db_table
    with server_cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" AS c ("customer_id", "resource_key", "feature_id", "period_start", "value", '
            '"updated_at") SELECT k.customer_id, k.resource_key, k.feature_id, k.period_start, 0, %s '
            "FROM unnest(%b::bigint[], %b::text[], %b::bigint[], %b::timestamptz[]) "
            "AS k(customer_id, resource_key, feature_id, period_start) "
            'ON CONFLICT ("customer_id", "resource_key", "feature_id", "period_start") '
            'DO UPDATE SET "updated_at" = c."updated_at" '
            'RETURNING c."id", c."customer_id", c."resource_key", c."feature_id", c."period_start", c."value"',
            [now, *(list(column) for column in zip(*ordered, strict=True))],
        )
        rows = cursor.fetchall()
    return {
        (customer_id, resource, feature_id, start): Counter(pk, value)
        for pk, customer_id, resource, feature_id, start, value in rows
    }


def write_counters(counters: Sequence[Counter], *, now: datetime) -> None:
    """The counters' new values in one statement."""
    if not counters:
        return
    if connection.vendor != "postgresql":
        rows = [UsageCounter(pk=counter.pk, value=counter.value, updated_at=now) for counter in counters]
        UsageCounter.objects.bulk_update(rows, ["value", "updated_at"])
        return
    with server_cursor() as cursor:
        cursor.execute(
            f'UPDATE "{UsageCounter._meta.db_table}" AS c SET "value" = v.value, "updated_at" = %s '
            "FROM unnest(%b::bigint[], %b::numeric[]) AS v(id, value) WHERE c.id = v.id",
            [now, [counter.pk for counter in counters], [counter.value for counter in counters]],
        )

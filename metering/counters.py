"""Usage counters as rows: created where missing, locked and written back, in a fixed number of statements per batch
whatever its size, for usage reports (``metering.services``; event aggregation moves counters in its own statement).

A counter is named by its ``CounterKey`` (customer primary key, resource key, feature primary key, window start).
Counters are created and locked in key order, so concurrent batches queue instead of deadlocking.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from config.prepared import server_cursor
from metering.models import UsageCounter

CounterKey = tuple[int, str, int, datetime]


@dataclass
class Counter:
    pk: int
    value: Decimal


def lock_counters(keys: set[CounterKey], *, now: datetime) -> dict[CounterKey, Counter]:
    """Every counter of ``keys``, created at zero where missing (through the unique constraint) and locked until
    commit, in key order, so concurrent batches queue instead of deadlocking. One statement: an upsert that touches
    each row and returns its value."""
    ordered = sorted(keys)
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
    with server_cursor() as cursor:
        cursor.execute(
            f'UPDATE "{UsageCounter._meta.db_table}" AS c SET "value" = v.value, "updated_at" = %s '
            "FROM unnest(%b::bigint[], %b::numeric[]) AS v(id, value) WHERE c.id = v.id",
            [now, [counter.pk for counter in counters], [counter.value for counter in counters]],
        )

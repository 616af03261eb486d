"""Raw usage events (E1): stored synchronously, deduplicated by the client's idempotency key, aggregated later.

Ingestion is on the hot path (batches of up to 1000 at tens of thousands of events a second), so a batch costs a
fixed number of queries: one for the customers, one for the resources, one multi-row
``INSERT ... ON CONFLICT DO NOTHING`` for the events. The unique constraint on (customer, idempotency key) is what
deduplicates, also between concurrent requests. Aggregation (``metering.aggregation``) is enqueued on commit.
"""

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction

from customers.models import Customer, CustomerResource
from metering import errors
from metering.models import Event

# How long an event's idempotency key protects against storing it twice (contract §3.4).
EVENT_IDEMPOTENCY_WINDOW = timedelta(days=7)
INSERT_COLUMNS = (
    "customer_id",
    "resource_key",
    "event_name",
    "idempotency_key",
    "dimensions",
    "timestamp",
    "created_at",
)


class EventInput(NamedTuple):
    """One reported event, as the API parsed it (a tuple: built a thousand times a batch)."""

    customer_ref_id: str
    event_name: str
    idempotency_key: str
    # Strings, booleans and JSON numbers (``int``/``float``): stored as given.
    dimensions: Mapping[str, Any] = {}
    resource_ref_id: str | None = None
    # When the event happened; ``None``: now.
    timestamp: datetime | None = None


def _json_number(value: Any) -> int | float:
    """A ``Decimal`` dimension (from a caller other than the API) as the JSON number it stands for."""
    if isinstance(value, Decimal) and value.is_finite():
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"a dimension cannot be {value!r}")


def _customers(items: Sequence[EventInput]) -> dict[str, int]:
    """Every item's customer id by ref id, after checking each item's customer and resource in two queries (plain
    rows, not model instances: this runs for every batch); the first bad item raises, naming it."""
    customers = {
        ref_id: (pk, archived_at)
        for pk, ref_id, archived_at in Customer.objects.filter(
            ref_id__in={item.customer_ref_id for item in items}
        ).values_list("pk", "ref_id", "archived_at")
    }
    resource_ref_ids = {item.resource_ref_id for item in items if item.resource_ref_id}
    resources = (
        set(
            CustomerResource.objects.filter(
                customer_id__in=[pk for pk, _ in customers.values()], ref_id__in=resource_ref_ids
            ).values_list("customer__ref_id", "ref_id")
        )
        if resource_ref_ids
        else set()
    )
    for index, item in enumerate(items):
        customer = customers.get(item.customer_ref_id)
        if customer is None:
            raise errors.UsageCustomerNotFound(
                f"no customer {item.customer_ref_id}", field=f"events[{index}].customerId"
            )
        if customer[1] is not None:
            raise errors.CustomerArchived(
                f"customer {item.customer_ref_id} is archived", field=f"events[{index}].customerId"
            )
        if item.resource_ref_id and (item.customer_ref_id, item.resource_ref_id) not in resources:
            raise errors.UsageResourceNotFound(
                f"customer {item.customer_ref_id} has no resource {item.resource_ref_id}",
                field=f"events[{index}].resourceId",
            )
    return {ref_id: pk for ref_id, (pk, _) in customers.items()}


def _insert(rows: list[tuple[Any, ...]], *, now: datetime) -> int:
    """One insert of ``rows`` (customer id, resource key, event name, idempotency key, dimensions, timestamp or
    ``None`` for ``now``) that skips those whose (customer, idempotency key) is already stored; returns how many
    rows were inserted. Rows go in key order so concurrent batches with shared keys wait for each other in the same
    order (no deadlock).

    On PostgreSQL the batch travels as one JSON document expanded by ``jsonb_to_recordset``: one parameter instead
    of thousands, which the driver would otherwise spend most of the request quoting and splicing into the SQL."""
    table = connection.ops.quote_name(Event._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in INSERT_COLUMNS)
    if connection.vendor == "postgresql":
        document = json.dumps(
            [
                {
                    "c": customer_id,
                    "r": resource,
                    "n": name,
                    "k": key,
                    "d": dimensions,
                    "t": moment and moment.isoformat(),
                }
                for customer_id, resource, name, key, dimensions, moment in rows
            ],
            separators=(",", ":"),
            default=_json_number,
        )
        sql = (
            f"INSERT INTO {table} ({columns}) SELECT c, r, n, k, d, COALESCE(t, %s), %s "
            "FROM jsonb_to_recordset(%s::jsonb) AS u(c bigint, r text, n text, k text, d jsonb, t timestamptz) "
            "ON CONFLICT DO NOTHING"
        )
        params: list[Any] = [now, now, document]
    else:
        adapt = connection.ops.adapt_datetimefield_value
        placeholders = "(" + ", ".join(["%s"] * len(INSERT_COLUMNS)) + ")"
        sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(rows))} ON CONFLICT DO NOTHING"
        params = [
            value
            for *head, dimensions, moment in rows
            for value in (*head, json.dumps(dimensions, default=_json_number), adapt(moment or now), adapt(now))
        ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def events_report(*, items: Sequence[EventInput], now: datetime) -> int:
    """Store a batch of raw events (E1) and enqueue their aggregation; returns how many were new.

    The whole batch is checked first and nothing is written when any item is bad: an unknown customer or
    resource (404), an archived customer (400), each naming ``events[i].<field>``. Idempotency key: the client's
    ``idempotencyKey``, unique per customer; an event whose key is already stored (or repeated in the batch) is
    skipped silently, also when a concurrent request stores it first. Keys are forgotten after 7 days
    (``event_idempotency_keys_expire``). Side effect: ``aggregate_events`` runs after commit.
    """
    from metering.tasks import aggregate_events

    customers = _customers(items)
    unique: dict[tuple[int, str], tuple[Any, ...]] = {}
    for item in items:
        customer_id = customers[item.customer_ref_id]
        key = (customer_id, item.idempotency_key)
        if key not in unique:
            unique[key] = (
                customer_id,
                item.resource_ref_id or "",
                item.event_name,
                item.idempotency_key,
                item.dimensions,
                item.timestamp,
            )
    with transaction.atomic():
        inserted = _insert([unique[key] for key in sorted(unique)], now=now)
        if inserted:
            # Robust: a broker outage must not fail a stored batch; the sweeper aggregates it then.
            transaction.on_commit(aggregate_events.delay, robust=True)
    return inserted


def event_idempotency_keys_expire(*, now: datetime, batch_size: int = 1000) -> int:
    """Forget event idempotency keys older than ``EVENT_IDEMPOTENCY_WINDOW`` (the events stay), so a key may be
    used again. Batches of ``batch_size`` rows in primary-key order; returns how many keys were cleared."""
    cleared = 0
    stale = Event.objects.filter(idempotency_key__isnull=False, created_at__lt=now - EVENT_IDEMPOTENCY_WINDOW)
    while True:
        ids = list(stale.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return cleared
        cleared += Event.objects.filter(pk__in=ids).update(idempotency_key=None)

"""Raw usage events (E1): stored synchronously, deduplicated by the client's idempotency key, aggregated later.

Ingestion is on the hot path (batches of up to 1000 at tens of thousands of events a second), so a batch costs a
fixed number of statements: one for the customers, one for the resources (only when items name one), and one
that inserts the events and queues them for aggregation (``PendingEvent``) together. The unique constraint on
(customer, idempotency key) is what deduplicates, also between concurrent requests: the insert first runs as a
plain ``INSERT`` (a batch of new keys, the usual case, skips the cost of ``ON CONFLICT``'s speculative insertion)
and, when it meets a stored key, again as ``INSERT ... ON CONFLICT DO NOTHING``. Aggregation
(``metering.aggregation``) is scheduled on commit.
"""

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction

from customers.models import Customer, CustomerResource
from metering import db, errors
from metering.aggregation_queue import aggregation_schedule
from metering.history import EARLIEST, LATEST, OUT_OF_RANGE
from metering.models import Event, PendingEvent

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
EVENTS_TABLE = Event._meta.db_table
PENDING_TABLE = PendingEvent._meta.db_table
CUSTOMERS_SQL = f'SELECT "id", "ref_id", "archived_at" FROM "{Customer._meta.db_table}" WHERE "ref_id" = ANY(%s)'
RESOURCES_SQL = (
    f'SELECT c."ref_id", r."ref_id" FROM "{CustomerResource._meta.db_table}" r '
    f'JOIN "{Customer._meta.db_table}" c ON c."id" = r."customer_id" '
    'WHERE r."customer_id" = ANY(%s) AND r."ref_id" = ANY(%s)'
)
COLUMNS_SQL = ", ".join(f'"{column}"' for column in INSERT_COLUMNS)
# The batch as one JSON document expanded by ``jsonb_to_recordset``: one parameter instead of thousands. Keys
# left out of an item (no resource, no dimensions, no timestamp) read as NULL.
INSERT_EVENTS_SQL = (
    f'INSERT INTO "{EVENTS_TABLE}" ({COLUMNS_SQL}) '
    "SELECT c, COALESCE(r, ''), n, k, COALESCE(d, '{}'), COALESCE(t, %s), %s "
    "FROM jsonb_to_recordset(%s::jsonb) AS u(c bigint, r text, n text, k text, d jsonb, t timestamptz)"
)
# Every stored event is queued in the same statement; the count of queued rows is the count of new events.
QUEUE_SQL = f'INSERT INTO "{PENDING_TABLE}" ("event_id") SELECT "id" FROM stored'
STORE_SQL = f'WITH stored AS ({INSERT_EVENTS_SQL} RETURNING "id") {QUEUE_SQL}'
STORE_SKIPPING_KNOWN_SQL = f'WITH stored AS ({INSERT_EVENTS_SQL} ON CONFLICT DO NOTHING RETURNING "id") {QUEUE_SQL}'


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


def _customer_rows(ref_ids: set[str]) -> list[tuple[int, str, datetime | None]]:
    return db.fetch_all(CUSTOMERS_SQL, [list(ref_ids)])


def _resource_rows(customer_ids: list[int], resource_ref_ids: set[str]) -> set[tuple[str, str]]:
    return set(db.fetch_all(RESOURCES_SQL, [customer_ids, list(resource_ref_ids)]))


def _customers(items: Sequence[EventInput]) -> dict[str, int]:
    """Every item's customer id by ref id, after checking each item's time, customer and resource in two queries
    (plain rows, not model instances: this runs for every batch); the first bad item raises, naming it."""
    customers = {
        ref_id: (pk, archived_at)
        for pk, ref_id, archived_at in _customer_rows({item.customer_ref_id for item in items})
    }
    resource_ref_ids = {item.resource_ref_id for item in items if item.resource_ref_id}
    resources = _resource_rows([pk for pk, _ in customers.values()], resource_ref_ids) if resource_ref_ids else set()
    for index, item in enumerate(items):
        # Aggregation counts an event in the usage window around its time, which must stay within what a datetime
        # holds: an event it cannot place would stay pending and hold up every batch after it.
        if item.timestamp is not None and not EARLIEST <= item.timestamp <= LATEST:
            raise errors.UsageMomentOutOfRange(OUT_OF_RANGE, field=f"events[{index}].timestamp")
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


def _document(rows: list[tuple[int, EventInput]]) -> str:
    """The rows as the JSON document ``INSERT_EVENTS_SQL`` expands, leaving out keys that are empty."""
    records = []
    for customer_id, item in rows:
        record: dict[str, Any] = {"c": customer_id, "n": item.event_name, "k": item.idempotency_key}
        if item.resource_ref_id:
            record["r"] = item.resource_ref_id
        if item.dimensions:
            record["d"] = item.dimensions
        if item.timestamp is not None:
            record["t"] = item.timestamp.isoformat()
        records.append(record)
    return json.dumps(records, separators=(",", ":"), default=_json_number)


def _store(rows: list[tuple[int, EventInput]], *, now: datetime, skip_known: bool) -> int:
    """Insert the events of ``rows`` (customer id, item) and queue them for aggregation; returns how many were
    stored. ``skip_known``: leave out those whose (customer, idempotency key) is already stored, else such a key
    raises ``IntegrityError``. Rows go in key order so concurrent batches with shared keys wait for each other in
    the same order (no deadlock)."""
    return db.execute(STORE_SKIPPING_KNOWN_SQL if skip_known else STORE_SQL, [now, now, _document(rows)])


def events_report(*, items: Sequence[EventInput], now: datetime) -> int:
    """Store a batch of raw events (E1) and schedule their aggregation; returns how many were new.

    The whole batch is checked first and nothing is written when any item is bad: an unknown customer or
    resource (404), an archived customer or a ``timestamp`` outside ``history.EARLIEST``..``history.LATEST`` (400),
    each naming ``events[i].<field>``. Idempotency key: the client's ``idempotencyKey``, unique per customer; an
    event whose key is already stored (or repeated in the batch) is skipped silently, also when a concurrent request
    stores it first. Keys are forgotten after 7 days (``event_idempotency_keys_expire``). Side effect: after commit,
    aggregation is scheduled (``aggregation_schedule``: one task queued at a time, however many batches arrive).
    """
    customers = _customers(items)
    unique: dict[tuple[int, str], tuple[int, EventInput]] = {}
    for item in items:
        customer_id = customers[item.customer_ref_id]
        key = (customer_id, item.idempotency_key)
        if key not in unique:
            unique[key] = (customer_id, item)
    rows = [unique[key] for key in sorted(unique)]
    try:
        with transaction.atomic():
            inserted = _store(rows, now=now, skip_known=False)
            if inserted:
                transaction.on_commit(aggregation_schedule, robust=True)
    except IntegrityError as error:
        if not db.is_unique_violation(error):
            raise
        # Some key is stored already (a retried batch, or a concurrent request that got there first).
        with transaction.atomic():
            inserted = _store(rows, now=now, skip_known=True)
            if inserted:
                transaction.on_commit(aggregation_schedule, robust=True)
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

"""The measurements of usage reports as plain rows: found by idempotency key, written in bulk.

A usage batch reads and writes up to 1000 measurements; as model instances they would cost more than the statements
themselves. Here they are tuples, and their ids are made as text (``new_ref_ids``). The keys are looked up by
joining arrays sent as array text (``config.pg_arrays``; one index probe per key) and the rows go in with one
``COPY``.
"""

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple
from uuid import UUID

import psycopg
from django.core.serializers.json import DjangoJSONEncoder
from psycopg.adapt import Dumper
from psycopg.pq import Format

from catalog.models import Feature
from config.pg_arrays import int_array, text_array
from config.prepared import server_cursor
from customers.models import Customer
from metering.models import UsageMeasurement


class Measured(NamedTuple):
    """One measurement as a usage report answers it (contract §2.6): the counter's value right after it, and the
    window it counted in (``period_end`` ``None``: usage that never resets)."""

    ref_id: str
    customer_ref_id: str
    feature_ref_id: str
    resource_key: str
    value: Decimal
    current_usage: Decimal
    timestamp: datetime
    created_at: datetime
    period_start: datetime
    period_end: datetime | None


class NewMeasurement(NamedTuple):
    """A measurement to write: its answer and what is stored beside it."""

    measured: Measured
    customer_id: int
    feature_id: int
    update_behavior: str
    idempotency_key: str | None
    dimensions: Mapping[str, Any]


KeyPair = tuple[int, str]
# The RFC 4122 variant bits (10xx) set on a random hex digit.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
# The columns a lookup reads, in ``Measured`` order after the customer's id and the key.
_FOUND_COLUMNS = (
    "m.customer_id, m.idempotency_key, m.ref_id::text, c.ref_id, f.ref_id, m.resource_key, m.value, m.current_usage, "
    "m.timestamp, m.created_at, m.period_start, m.period_end"
)
# One index probe per pair (``LIMIT 1`` keeps the planner from hashing the whole table instead; the key is unique).
_FOUND_SQL = (
    f"SELECT {_FOUND_COLUMNS} FROM unnest(%s::bigint[], %s::text[]) AS k(customer_id, key) "
    "CROSS JOIN LATERAL (SELECT u.customer_id, u.idempotency_key, u.ref_id, u.feature_id, u.resource_key, u.value, "
    'u.current_usage, u."timestamp", u.created_at, u.period_start, u.period_end '
    f'FROM "{UsageMeasurement._meta.db_table}" u WHERE u.customer_id = k.customer_id '
    "AND u.idempotency_key = k.key AND u.idempotency_key IS NOT NULL LIMIT 1) m "
    f'JOIN "{Customer._meta.db_table}" c ON c.id = m.customer_id '
    f'JOIN "{Feature._meta.db_table}" f ON f.id = m.feature_id'
)
# Every column but ``id`` (the identity column numbers the rows).
_WRITTEN_COLUMNS = (
    "ref_id",
    "customer_id",
    "resource_key",
    "feature_id",
    "value",
    "update_behavior",
    "idempotency_key",
    "dimensions",
    "timestamp",
    "created_at",
    "current_usage",
    "period_start",
    "period_end",
)
_COLUMN_LIST = ", ".join(f'"{name}"' for name in _WRITTEN_COLUMNS)
_COPY_SQL = f'COPY "{UsageMeasurement._meta.db_table}" ({_COLUMN_LIST}) FROM STDIN (FORMAT BINARY)'
# The columns' types, for the binary format (the values are adapted in C, the server parses no text).
_COPY_TYPES = (
    "uuid",
    "int8",
    "varchar",
    "int8",
    "numeric",
    "varchar",
    "varchar",
    "jsonb",
    "timestamptz",
    "timestamptz",
    "numeric",
    "timestamptz",
    "timestamptz",
)


class _DimensionsDumper(Dumper):
    """Dimensions for a binary ``jsonb`` column, encoded as the model's ``JSONField`` encodes them
    (``DjangoJSONEncoder``: decimals as strings); the empty ones (most) as they are, without a JSON encoder call."""

    format = Format.BINARY
    oid = psycopg.adapters.types["jsonb"].oid
    encode = DjangoJSONEncoder().encode

    def dump(self, obj: Any) -> bytes:
        # The binary jsonb format: a version byte, then the JSON text.
        return b"\x01" + self.encode(dict(obj)).encode() if obj else b"\x01{}"


def new_ref_ids(count: int) -> list[str]:
    """``count`` random (version 4) UUIDs as their text: 122 random bits each, as ``uuid.uuid4`` makes them, but
    from one ``os.urandom`` call and without a ``UUID`` object per id."""
    digits = os.urandom(16 * count).hex()
    ids = []
    for start in range(0, 32 * count, 32):
        h = digits[start : start + 32]
        ids.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}")
    return ids


def measurements_by_key(pairs: Iterable[KeyPair]) -> dict[KeyPair, Measured]:
    """The stored measurement of each (customer primary key, idempotency key) pair that has one. One query."""
    pairs = list(dict.fromkeys(pairs))
    if not pairs:
        return {}
    with server_cursor() as cursor:
        cursor.execute(_FOUND_SQL, [int_array(pair[0] for pair in pairs), text_array([pair[1] for pair in pairs])])
        rows = cursor.fetchall()
    return {(row[0], row[1]): Measured(*row[2:]) for row in rows}


def insert_measurements(rows: Sequence[NewMeasurement]) -> None:
    """The rows in one insert; a taken idempotency key raises ``IntegrityError`` (the transaction is then lost). One
    ``COPY``, rows adapted in C, no per-row SQL."""
    if not rows:
        return
    with server_cursor() as cursor:
        cursor.adapters.register_dumper(None, _DimensionsDumper)
        with cursor.copy(_COPY_SQL) as copy:
            copy.set_types(_COPY_TYPES)
            for measured, customer_id, feature_id, behavior, key, dimensions in rows:
                copy.write_row(
                    (
                        UUID(measured.ref_id),
                        customer_id,
                        measured.resource_key,
                        feature_id,
                        measured.value,
                        behavior,
                        key,
                        dimensions,
                        measured.timestamp,
                        measured.created_at,
                        measured.current_usage,
                        measured.period_start,
                        measured.period_end,
                    )
                )

"""Measurement rows in plain SQL: on PostgreSQL the array lookup and the binary ``COPY`` give the same answers and
store the same rows as the ORM path every other database takes."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from catalog.models import Feature
from metering import measurements
from metering.measurements import Measured, NewMeasurement, insert_measurements, measurements_by_key
from metering.models import NEVER_RESETS, UsageMeasurement
from tests.entitlements.builders import catalog_for_entitlements, customer

pytestmark = pytest.mark.django_db

NOW = datetime(2024, 6, 15, 12, tzinfo=UTC)
START = datetime(2024, 6, 1, 9, tzinfo=UTC)


@pytest.fixture
def ids(db: None) -> dict[str, int]:
    catalog_for_entitlements()
    return {
        "customer-1": customer("customer-1").pk,
        "customer-2": customer("customer-2").pk,
        "api-calls": Feature.objects.get(ref_id="api-calls").pk,
        "storage": Feature.objects.get(ref_id="storage").pk,
    }


def rows(ids: dict[str, int], prefix: str) -> list[NewMeasurement]:
    """A mix: keyed and not, two customers, a resource, a never-resetting window, dimensions of every kind."""
    shapes: list[tuple[str, str, str, str | None, dict[str, Any], datetime | None]] = [
        ("customer-1", "api-calls", "", "k-1", {}, START + timedelta(days=30)),
        ("customer-1", "api-calls", "site-1", "k-2", {"region": "eu", "size": Decimal("1.5"), "on": True}, None),
        ("customer-2", "storage", "", None, {"n": 3}, None),
        ("customer-2", "api-calls", "", "k-1", {}, START + timedelta(days=30)),
        ("customer-2", "api-calls", "", 'tab\tand\nnewline \\ "quoted" é', {}, START + timedelta(days=30)),
    ]
    made = []
    for index, (customer_ref_id, feature_ref_id, resource, key, dimensions, end) in enumerate(shapes):
        measured = Measured(
            ref_id=str(uuid.uuid4()),
            customer_ref_id=customer_ref_id,
            feature_ref_id=feature_ref_id,
            resource_key=resource,
            value=Decimal("2.50000") if index % 2 else Decimal("-3.00001"),
            current_usage=Decimal(index * 10),
            timestamp=NOW - timedelta(hours=index),
            created_at=NOW,
            period_start=START if end is not None else NEVER_RESETS,
            period_end=end,
        )
        made.append(
            NewMeasurement(
                measured,
                ids[customer_ref_id],
                ids[feature_ref_id],
                "SET" if index == 2 else "DELTA",
                None if key is None else f"{prefix}{key}",
                dimensions,
            )
        )
    return made


# Every stored column but the row's own ids and the key (the two writes use different keys).
COMPARED = [
    field.attname
    for field in UsageMeasurement._meta.concrete_fields
    if field.attname not in ("id", "ref_id", "idempotency_key")
]


def stored(written: list[NewMeasurement]) -> list[tuple[Any, ...]]:
    by_ref_id = {str(row[0]): row[1:] for row in UsageMeasurement.objects.values_list("ref_id", *COMPARED)}
    return [by_ref_id[row.measured.ref_id] for row in written]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares the PostgreSQL path with the ORM path")
def test_the_copy_stores_the_rows_the_orm_stores(ids: dict[str, int]) -> None:
    copied, created = rows(ids, "copy-"), rows(ids, "orm-")

    insert_measurements(copied)
    measurements._insert_measurements_orm(created)

    assert stored(copied) == stored(created)
    keys = {str(ref_id): key for ref_id, key in UsageMeasurement.objects.values_list("ref_id", "idempotency_key")}
    assert [keys[row.measured.ref_id] for row in copied] == [row.idempotency_key for row in copied]
    assert UsageMeasurement.objects.get(ref_id=uuid.UUID(copied[1].measured.ref_id)).dimensions == {
        "region": "eu",
        "size": "1.5",
        "on": True,
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares the PostgreSQL path with the ORM path")
def test_the_array_lookup_finds_what_the_orm_finds(ids: dict[str, int]) -> None:
    written = rows(ids, "")
    insert_measurements(written)
    wanted = [(row.customer_id, row.idempotency_key) for row in written if row.idempotency_key is not None]
    # Pairs that cross the stored ones (the other customer's key) and keys nobody used are not found.
    wanted += [(ids["customer-1"], 'tab\tand\nnewline \\ "quoted" é'), (ids["customer-2"], "k-2"), (0, "k-1")]
    wanted += [(ids["customer-1"], f"missing-{number}") for number in range(1000)]

    found = measurements_by_key(wanted)

    assert found == measurements._measurements_by_key_orm(list(dict.fromkeys(wanted)))
    assert found == {
        (row.customer_id, row.idempotency_key): row.measured._replace(
            value=row.measured.value.quantize(Decimal("0.00001")),
            current_usage=row.measured.current_usage.quantize(Decimal("0.00001")),
        )
        for row in written
        if row.idempotency_key is not None
    }


def test_a_lookup_of_nothing_costs_no_query(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert measurements_by_key([]) == {}
        insert_measurements([])


def test_the_orm_path_reads_back_what_it_wrote(ids: dict[str, int]) -> None:
    written = rows(ids, "")
    measurements._insert_measurements_orm(written)

    found = measurements._measurements_by_key_orm([(ids["customer-2"], "k-1"), (ids["customer-1"], "k-2")])

    assert found[(ids["customer-2"], "k-1")].ref_id == written[3].measured.ref_id
    assert found[(ids["customer-1"], "k-2")].resource_key == "site-1"

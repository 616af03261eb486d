"""Measurement rows in plain SQL: the binary ``COPY`` stores every column as given, and the array lookup finds
exactly the stored pairs asked for."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from catalog.models import Feature
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


def stored(written: list[NewMeasurement]) -> list[dict[str, Any]]:
    columns = ["customer_id", "resource_key", "feature_id", "value", "update_behavior", "idempotency_key"]
    columns += ["dimensions", "timestamp", "created_at", "current_usage", "period_start", "period_end"]
    by_ref_id = {str(row["ref_id"]): row for row in UsageMeasurement.objects.values("ref_id", *columns)}
    return [by_ref_id.pop(row.measured.ref_id) | {"ref_id": row.measured.ref_id} for row in written]


def as_json(dimensions: Any) -> dict[str, Any]:
    """As the model's ``JSONField`` encodes them: decimals as their text."""
    return {key: str(value) if isinstance(value, Decimal) else value for key, value in dimensions.items()}


def test_the_copy_stores_every_column_as_given(ids: dict[str, int]) -> None:
    written = rows(ids, "copy-")

    insert_measurements(written)

    assert stored(written) == [
        {
            "ref_id": row.measured.ref_id,
            "customer_id": row.customer_id,
            "resource_key": row.measured.resource_key,
            "feature_id": row.feature_id,
            "value": row.measured.value,
            "update_behavior": row.update_behavior,
            "idempotency_key": row.idempotency_key,
            "dimensions": as_json(row.dimensions),
            "timestamp": row.measured.timestamp,
            "created_at": row.measured.created_at,
            "current_usage": row.measured.current_usage,
            "period_start": row.measured.period_start,
            "period_end": row.measured.period_end,
        }
        for row in written
    ]
    assert UsageMeasurement.objects.count() == len(written)


def test_the_array_lookup_finds_exactly_the_stored_pairs(ids: dict[str, int]) -> None:
    written = rows(ids, "")
    insert_measurements(written)
    wanted = [(row.customer_id, row.idempotency_key) for row in written if row.idempotency_key is not None]
    # Pairs that cross the stored ones (the other customer's key) and keys nobody used are not found.
    wanted += [(ids["customer-1"], 'tab\tand\nnewline \\ "quoted" é'), (ids["customer-2"], "k-2"), (0, "k-1")]
    wanted += [(ids["customer-1"], f"missing-{number}") for number in range(1000)]

    found = measurements_by_key(wanted)

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

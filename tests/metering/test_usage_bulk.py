"""The lean bulk path of usage reports: the plain-Python body reader agrees with the serializer, and a batch costs a
fixed number of queries whatever its size, with exact counts, idempotency and SET semantics inside one batch."""

import json
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from metering import services
from metering.apis.usage import _WHITESPACE, UsageReportInput, _reports, lean_reports, measurements_to_wire
from metering.measurements import Measured, measurements_by_key
from metering.models import NEVER_RESETS, UsageCounter, UsageMeasurement
from metering.services import UsageReport, usage_report
from tests.entitlements.builders import catalog_for_entitlements, customer, provision

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db: None) -> None:
    catalog_for_entitlements()
    for ref_id in ("customer-1", "customer-2", "customer-3"):
        customer(ref_id)
        provision("plan-basic", now=timezone.now() - timedelta(days=3), customer_ref_id=ref_id)


def item(value: Any, customer_ref_id: str = "customer-1", **fields: Any) -> dict[str, Any]:
    return {"customerId": customer_ref_id, "featureId": "api-calls", "value": value, **fields}


def parsed(body: dict[str, Any]) -> Any:
    """The body as the JSON parser gives it (fractional numbers as ``Decimal``)."""
    return json.loads(json.dumps(body, default=str), parse_float=Decimal)


def by_serializer(body: dict[str, Any]) -> list[UsageReport]:
    serializer = UsageReportInput(data=body)
    serializer.is_valid(raise_exception=True)
    return _reports(serializer.validated_data)


@pytest.mark.parametrize(
    "body",
    [
        {"usages": [item(1)]},
        {"usages": [item(2.5, idempotencyKey="k-1", resourceId="", updateBehavior="SET")]},
        {"usages": [item(-3, resourceId="site-1", dimensions={"region": "eu", "n": 2, "on": True})]},
        {"usages": [item(0.000015, createdAt="2024-06-30T10:00:00Z", dimensions=None, idempotencyKey=None)]},
        {"usages": [item(7, createdAt="2024-06-30T12:00:00+02:00", updateBehavior=None, extra="ignored")]},
        {"usages": [item(index, f"customer-{index % 3}") for index in range(1000)]},
        {"usages": [item(1), item(1, idempotencyKey="k"), item(1.000004), item(0.1, dimensions={"x": 0.5})]},
        {"usages": [item(1, "customer-é", resourceId="site 1", idempotencyKey="inner space")]},
        {"usages": [item(1, "a b", resourceId=""), item(1, "c\td", idempotencyKey="e f", resourceId="g h")]},
    ],
)
def test_the_lean_reader_reads_what_the_serializer_reads(body: dict[str, Any]) -> None:
    body = parsed(body)
    assert lean_reports(body) == by_serializer(body)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"usages": []},
        {"usages": [item(1)] * 1001},
        {"usages": "nope"},
        {"usages": [item(True)]},
        {"usages": [item("1")]},
        {"usages": [item(2**53)]},
        {"usages": [item(35000000000.5)]},
        {"usages": [item(1, updateBehavior="ADD")]},
        {"usages": [item(1, dimensions={"nested": {"a": 1}})]},
        {"usages": [item(1, createdAt="yesterday")]},
        {"usages": [item(1, idempotencyKey="")]},
        {"usages": [item(1, idempotencyKey=" padded ")]},
        {"usages": [item(1, "x" * 256)]},
        {"usages": [{"featureId": "api-calls", "value": 1}]},
        {"usages": [item(1), None]},
        {"usages": [item(1), item(True)]},
        {"usages": [item(1, "customer-\x00")]},
        {"usages": [item(1, resourceId="site\x00")]},
        {"usages": [item(1, idempotencyKey="k\t")]},
        {"usages": [item(1, resourceId=" ")]},
        {"usages": [item(1, "\u00a0customer-1")]},
        {"usages": [item(1, customerId=None)]},
        {"usages": [item(1, createdAt=123)]},
        {"usages": [item(1, dimensions=[])]},
        {"usages": [item(1, updateBehavior="delta")]},
        {"usages": [item(1, idempotencyKey="k" * 256)]},
        {"usages": [item(1), item(1, featureId=" api-calls"), item(1)]},
        {"usages": [item(1), item(1), item(1, resourceId="site-1\u2003")]},
        {"usages": [item(1, "\x1ccustomer-1")]},
        {"usages": [item(1, resourceId="", idempotencyKey="k\n"), item(1)]},
    ],
)
def test_anything_else_is_left_to_the_serializer(body: dict[str, Any]) -> None:
    assert lean_reports(parsed(body)) is None


def test_the_lean_reader_knows_whitespace_as_str_strip_does() -> None:
    """Its quick scan for any whitespace must see every character that ``CharField`` would trim."""
    characters = (chr(code) for code in range(sys.maxunicode + 1))
    assert [c for c in characters if c.isspace() != bool(_WHITESPACE.match(c))] == []


def test_a_batch_costs_the_same_queries_whatever_its_size(catalog: None, settings: Any) -> None:
    """With the decision cache on (as with Redis), the customers' usage windows cost no query once cached."""
    settings.ENTITLEMENT_DECISION_CACHE = True
    now = timezone.now()
    warm = [UsageReport(f"customer-{number}", "api-calls", Decimal(1)) for number in (1, 2, 3)]
    usage_report(items=warm, now=now)

    def queries(items: list[UsageReport]) -> int:
        with CaptureQueriesContext(connection) as captured:
            usage_report(items=items, now=now)
        return len(captured)

    small = [
        UsageReport(f"customer-{1 + index % 3}", "api-calls", Decimal(1), idempotency_key=f"s{index}")
        for index in range(3)
    ]
    large = [
        UsageReport(f"customer-{1 + index % 3}", "api-calls", Decimal(1), idempotency_key=f"l{index}")
        for index in range(600)
    ]

    assert queries(large) == queries(small)
    assert sum(UsageCounter.objects.values_list("value", flat=True)) == 606


def test_a_batch_applies_its_items_in_order(catalog: None) -> None:
    now = timezone.now()
    items = [
        UsageReport("customer-1", "api-calls", Decimal(5)),
        UsageReport("customer-1", "api-calls", Decimal(2), idempotency_key="twice"),
        UsageReport("customer-2", "api-calls", Decimal(4)),
        UsageReport("customer-1", "api-calls", Decimal(10), update_behavior="SET"),
        UsageReport("customer-1", "api-calls", Decimal(2), idempotency_key="twice"),
        UsageReport("customer-1", "api-calls", Decimal(1)),
    ]

    measurements = usage_report(items=items, now=now)

    assert [measurement.current_usage for measurement in measurements] == [5, 7, 4, 10, 7, 11]
    assert measurements[4] is measurements[1]
    assert dict(UsageCounter.objects.values_list("customer__ref_id", "value")) == {"customer-1": 11, "customer-2": 4}
    assert UsageMeasurement.objects.count() == 5

    (again,) = usage_report(items=[items[1]], now=now + timedelta(seconds=1))
    assert again.ref_id == measurements[1].ref_id
    assert UsageCounter.objects.get(customer__ref_id="customer-1").value == 11


@pytest.mark.parametrize("behavior", ["DELTA", "SET"])
def test_new_keys_are_not_looked_up_and_a_stored_key_fails_over_to_the_lookup(
    catalog: None, monkeypatch: pytest.MonkeyPatch, behavior: str
) -> None:
    lookups: list[int] = []

    def looked_up(pairs: Any) -> Any:
        lookups.append(1)
        return measurements_by_key(pairs)

    monkeypatch.setattr(services, "measurements_by_key", looked_up)
    now = timezone.now()
    batch = [
        UsageReport("customer-1", "api-calls", Decimal(3), update_behavior=behavior, idempotency_key="a"),
        UsageReport("customer-2", "api-calls", Decimal(4), update_behavior=behavior, idempotency_key="b"),
    ]

    first = usage_report(items=batch, now=now)
    assert lookups == []

    # Retried with one new item: the stored keys fail the optimistic insert, nothing of it is kept, and the
    # batch is counted again with the lookup.
    retried = usage_report(
        items=[*batch, UsageReport("customer-1", "api-calls", Decimal(5), idempotency_key="c")], now=now
    )
    assert lookups == [1]
    assert retried[:2] == first
    assert dict(UsageCounter.objects.values_list("customer__ref_id", "value")) == {"customer-1": 8, "customer-2": 4}
    assert UsageMeasurement.objects.count() == 3


def test_the_api_reads_large_batches_and_refuses_bad_ones_whole(api_client: APIClient, catalog: None) -> None:
    good = [item(1, f"customer-{1 + index % 3}", idempotencyKey=f"k{index}") for index in range(999)]

    response = api_client.post("/api/v1/usage", {"usages": good}, format="json")
    assert response.status_code == 200, response.content
    assert len(response.json()["data"]) == 999

    bad = api_client.post("/api/v1/usage", {"usages": [*good[:10], item(True)]}, format="json")
    assert bad.status_code == 400
    assert "usages[10].value" in bad.json()["error"]["details"]["fields"]
    assert UsageMeasurement.objects.count() == 999


def test_the_one_statement_count_answers_what_the_locked_counters_answer(catalog: None) -> None:
    """The same batches for two customers: the first's DELTA-only batches are counted in one statement, the second's
    (each with a SET item for a third customer) through the locked counters written back and the ``COPY``. The same
    answers, duplicates within and across batches included, the same counters, and every answer's value is the one
    stored."""
    now = timezone.now()
    for twin in ("twin-1", "twin-2"):
        customer(twin)
        provision("plan-basic", now=now - timedelta(days=3), customer_ref_id=twin)

    def batches(customer_ref_id: str) -> list[list[UsageReport]]:
        def report(value: int, feature: str = "api-calls", **fields: Any) -> UsageReport:
            return UsageReport(customer_ref_id, feature, Decimal(value), **fields)

        past = now - timedelta(days=40)
        return [
            [
                report(5, idempotency_key="k1"),
                report(2, idempotency_key="k2"),
                report(1),
                report(9, idempotency_key="k2"),
                report(4, idempotency_key="k4", created_at=past, dimensions={"size": Decimal("1.5")}),
            ],
            [
                report(1, idempotency_key="k1"),
                report(7, "storage", update_behavior="SET"),
                report(4, idempotency_key="k4"),
            ],
            [report(3, idempotency_key="k5"), report(1, idempotency_key="k5"), report(2, "storage")],
        ]

    def answers(customer_ref_id: str, *, locked: bool = False) -> list[list[tuple[Any, ...]]]:
        # A SET item anywhere in a batch sends the whole batch through the locked counters.
        extra = [UsageReport("customer-3", "storage", Decimal(1), update_behavior="SET")] if locked else []
        results = [usage_report(items=batch + extra, now=now)[: len(batch)] for batch in batches(customer_ref_id)]
        stored = {
            str(ref_id): usage for ref_id, usage in UsageMeasurement.objects.values_list("ref_id", "current_usage")
        }
        assert all(stored[result.ref_id] == result.current_usage for batch in results for result in batch)
        first_seen: dict[Any, int] = {}
        return [
            [(first_seen.setdefault(result.ref_id, len(first_seen)), *result[2:]) for result in batch]
            for batch in results
        ]

    one_statement = answers("twin-1")
    locked = answers("twin-2", locked=True)

    assert one_statement == locked
    counters = {
        (customer_ref_id, feature_ref_id, start): value
        for customer_ref_id, feature_ref_id, start, value in UsageCounter.objects.values_list(
            "customer__ref_id", "feature__ref_id", "period_start", "value"
        )
    }
    assert {key[1:]: value for key, value in counters.items() if key[0] == "twin-1"} == {
        key[1:]: value for key, value in counters.items() if key[0] == "twin-2"
    }
    assert UsageMeasurement.objects.filter(customer__ref_id="twin-1").count() == 7
    assert UsageMeasurement.objects.filter(customer__ref_id="twin-2").count() == 7


def test_the_wire_form_of_a_batch() -> None:
    """Moments and values shared by a batch's items are formatted once, and a time that happens to be the
    never-resets window start is still shown as a time."""
    now = datetime(2024, 6, 15, 12, 30, tzinfo=UTC)
    start, end = datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 7, 1, tzinfo=UTC)
    measured = [
        Measured("id-1", "customer-1", "api-calls", "", Decimal("2.00000"), Decimal("7.50000"), now, now, start, end),
        Measured("id-2", "customer-1", "api-calls", "site-1", Decimal("2.00000"), Decimal("9"), now, now, start, end),
        Measured(
            "id-3", "customer-2", "seats", "", Decimal("0.25000"), Decimal("3"), NEVER_RESETS, now, NEVER_RESETS, None
        ),
    ]

    wire = measurements_to_wire(measured)

    assert wire[0] == {
        "id": "id-1",
        "createdAt": "2024-06-15T12:30:00.000Z",
        "timestamp": "2024-06-15T12:30:00.000Z",
        "customerId": "customer-1",
        "featureId": "api-calls",
        "resourceId": None,
        "value": 2,
        "currentUsage": Decimal("7.5"),
        "usagePeriodStart": "2024-06-01T00:00:00.000Z",
        "usagePeriodEnd": "2024-07-01T00:00:00.000Z",
        "nextResetDate": "2024-07-01T00:00:00.000Z",
        "credit": None,
    }
    assert (wire[1]["resourceId"], wire[1]["value"], wire[1]["currentUsage"]) == ("site-1", 2, 9)
    assert wire[2]["timestamp"] == "1970-01-01T00:00:00.000Z"
    assert (wire[2]["usagePeriodStart"], wire[2]["usagePeriodEnd"], wire[2]["nextResetDate"]) == (None, None, None)
    assert wire[2]["value"] == Decimal("0.25")

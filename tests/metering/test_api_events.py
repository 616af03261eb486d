"""E1 raw events through the official Stigg client against the live server: stored, deduplicated, refused whole
when any item is bad, and aggregated into the usage that checks show (eager tasks: at once)."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import stigg
from django.utils import timezone
from rest_framework.test import APIClient

from customers.selectors import customer_get
from customers.services import customer_archive
from metering.models import Event, PendingEvent, UsageCounter
from tests.entitlements.builders import provision
from tests.metering.meter_builders import metered_catalog
from tests.wire_shapes import domain_error


@pytest.fixture
def catalog(db: None) -> None:
    """customer-1 on plan-basic; api-calls (1000 a month) counts ``api-call`` events."""
    metered_catalog(subscribed_at=timezone.now() - timedelta(days=3))


def event(key: str, name: str = "api-call", **fields: Any) -> dict[str, Any]:
    return {"customer_id": "customer-1", "event_name": name, "idempotency_key": key, **fields}


def wire_event(key: str, name: str = "api-call", **fields: Any) -> dict[str, Any]:
    return {"customerId": "customer-1", "eventName": name, "idempotencyKey": key, **fields}


def current_usage(client: stigg.Stigg, feature: str = "api-calls") -> float:
    return client.v1.customers.check_entitlement("customer-1", feature_id=feature).data.current_usage  # type: ignore[return-value]


def test_events_are_stored_and_show_as_usage_in_checks(stigg_client: stigg.Stigg, catalog: None) -> None:
    happened = datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)

    response = stigg_client.v1.events.report(
        events=[
            event("e-1", dimensions={"region": "eu", "bytes": 1.5, "cached": True}, timestamp=timezone.now()),
            event("e-2"),
            event("e-3", name="page-view", timestamp=happened),
        ]
    )

    assert response.data == {}
    assert current_usage(stigg_client) == 2
    stored = {item.idempotency_key: item for item in Event.objects.all()}
    assert set(stored) == {"e-1", "e-2", "e-3"}
    assert stored["e-1"].dimensions == {"region": "eu", "bytes": 1.5, "cached": True}
    assert stored["e-3"].timestamp == happened and stored["e-3"].event_name == "page-view"
    assert not PendingEvent.objects.exists()


def test_a_repeated_idempotency_key_counts_once(stigg_client: stigg.Stigg, catalog: None) -> None:
    stigg_client.v1.events.report(events=[event("e-1"), event("e-1"), event("e-2")])
    stigg_client.v1.events.report(events=[event("e-2"), event("e-3")])

    assert Event.objects.count() == 3
    assert current_usage(stigg_client) == 3


def test_events_of_a_resource_count_apart(stigg_client: stigg.Stigg, catalog: None) -> None:
    provision("plan-site", now=timezone.now() - timedelta(hours=1), resource_ref_id="site-1")

    stigg_client.v1.events.report(events=[event("e-1", resource_id="site-1"), event("e-2"), event("e-3")])

    assert dict(UsageCounter.objects.values_list("resource_key", "value")) == {"site-1": 1, "": 2}


def test_a_full_batch_of_1000_is_accepted(stigg_client: stigg.Stigg, catalog: None) -> None:
    stigg_client.v1.events.report(events=[event(f"e-{index}") for index in range(1000)])

    assert Event.objects.count() == 1000
    assert current_usage(stigg_client) == 1000


@pytest.mark.parametrize(
    ("bad_item", "status", "field"),
    [
        ({"customerId": "customer-1", "eventName": "api-call"}, 400, "events[1].idempotencyKey"),
        (wire_event(""), 400, "events[1].idempotencyKey"),
        (wire_event("e-9", customerId="nobody"), 404, "events[1].customerId"),
        ({"eventName": "api-call", "idempotencyKey": "e-9"}, 400, "events[1].customerId"),
        (wire_event("e-9", name=""), 400, "events[1].eventName"),
        (wire_event("e-9", dimensions=["not", "an", "object"]), 400, "events[1].dimensions"),
        (wire_event("e-9", dimensions="region=eu"), 400, "events[1].dimensions"),
        (wire_event("e-9", dimensions={"nested": {"a": 1}}), 400, "events[1].dimensions.nested"),
        (wire_event("e-9", dimensions={"list": [1]}), 400, "events[1].dimensions.list"),
        (wire_event("e-9", dimensions={"bytes": 2**53}), 400, "events[1].dimensions.bytes"),
        (wire_event("e-9", dimensions={"bytes": -1e300}), 400, "events[1].dimensions.bytes"),
        (wire_event("e-9", timestamp="yesterday"), 400, "events[1].timestamp"),
        (wire_event("e-9", timestamp=12), 400, "events[1].timestamp"),
        (wire_event("e-9", resourceId="no-such-site"), 404, "events[1].resourceId"),
        (wire_event("e-9", idempotencyKey=7), 400, "events[1].idempotencyKey"),
        (wire_event("k" * 256), 400, "events[1].idempotencyKey"),
        ("not an object", 400, "events[1]"),
    ],
)
def test_a_batch_with_one_bad_item_writes_nothing(
    stigg_client: stigg.Stigg, catalog: None, bad_item: Any, status: int, field: str
) -> None:
    with pytest.raises(stigg.APIStatusError) as raised:
        stigg_client.post(
            "/api/v1/events",
            body={"events": [wire_event("e-1"), bad_item, wire_event("e-2")]},
            cast_to=object,
        )

    assert raised.value.status_code == status
    error = raised.value.body["error"]  # type: ignore[index]
    assert error["message"].startswith(f"{field}:")
    assert error["details"]["field"] == field
    assert not Event.objects.exists()
    assert not UsageCounter.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"events": [wire_event(f"e-{index}") for index in range(1001)]}, "events: must hold 1 to 1000 events"),
        ({"events": []}, "events: must hold 1 to 1000 events"),
        ({}, "events: is required"),
        ({"events": {"customerId": "customer-1"}}, "events: is required and must be a list"),
    ],
)
def test_a_batch_of_the_wrong_size_is_refused(api_client: APIClient, catalog: None, body: Any, message: str) -> None:
    response = api_client.post("/api/v1/events", body, format="json")

    assert response.status_code == 400
    assert json.loads(response.content)["error"]["message"].startswith(message)
    assert not Event.objects.exists()


def test_an_archived_customer_cannot_report_events(stigg_client: stigg.Stigg, catalog: None) -> None:
    customer_archive(customer=customer_get("customer-1"), now=timezone.now())

    with pytest.raises(stigg.BadRequestError):
        stigg_client.v1.events.report(events=[event("e-1")])

    assert not Event.objects.exists()


def test_dimension_numbers_stay_numbers(api_client: APIClient, catalog: None) -> None:
    response = api_client.post(
        "/api/v1/events",
        data=json.dumps({"events": [wire_event("e-1", dimensions={"a": 0.1, "b": 2, "c": "2", "d": False})]}),
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert json.loads(response.content) == {"data": {}}
    dimensions = Event.objects.get().dimensions
    assert dimensions == {"a": 0.1, "b": 2, "c": "2", "d": False}
    assert [type(dimensions[key]) for key in "abcd"] == [float, int, str, bool]
    assert Decimal(str(dimensions["a"])) == Decimal("0.1")


def test_a_missing_idempotency_key_is_refused_in_the_house_error_shape(api_client: APIClient, catalog: None) -> None:
    response = api_client.post(
        "/api/v1/events", {"events": [wire_event("e-1"), {"customerId": "customer-1", "eventName": "x"}]}, format="json"
    )

    assert response.status_code == 400
    assert json.loads(response.content) == domain_error(
        "VALIDATION_ERROR", "is required", field="events[1].idempotencyKey"
    )
    assert response["x-should-retry"] == "false"
    assert not Event.objects.exists()

"""``reportEvent`` through both official SDKs: stored by REST v1's event ingestion, deduplicated by idempotency key,
aggregated into the usage a check shows; a bad batch is refused whole with a coded error, as E1 refuses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from metering.models import Event, PendingEvent, UsageCounter
from tests.metering.meter_builders import metered_catalog
from tests.sdk.runners import NodeSdk, PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)

REPORT_EVENT = "mutation ReportEvent($input: UsageEventsReportInput!) { reportEvent(events: $input) }"


@pytest.fixture
def catalog(db: None) -> None:
    """customer-1 on plan-basic since 3 days ago; api-calls (1000 a month) counts ``api-call`` events."""
    metered_catalog(subscribed_at=timezone.now() - timedelta(days=3))


def event(key: str, name: str = "api-call", **fields: Any) -> dict[str, Any]:
    return {"customerId": "customer-1", "eventName": name, "idempotencyKey": key, **fields}


def current_usage(api_client: APIClient) -> Any:
    response = api_client.get("/api/v1/customers/customer-1/entitlements/check?featureId=api-calls")
    return response.json()["data"]["currentUsage"]


def test_node_sdk_reports_events_and_an_event_sent_twice_counts_once(
    node_sdk: NodeSdk, catalog: None, api_client: APIClient
) -> None:
    result = node_sdk.run(
        """
        const first = await stigg.reportEvent(input[0]);
        const batch = await stigg.reportEvent(input);
        return { first: first === undefined ? 'undefined' : first, batch: batch === undefined ? 'undefined' : batch };
        """,
        [
            event(
                "e-1", dimensions={"region": "eu", "bytes": 1.5, "cached": True}, timestamp="2024-01-02T03:04:05.123Z"
            ),
            event("e-2"),
            event("e-3", "page-view"),
        ],
    )

    assert result == {"first": "undefined", "batch": "undefined"}
    stored = {item.idempotency_key: item for item in Event.objects.all()}
    assert set(stored) == {"e-1", "e-2", "e-3"}
    assert stored["e-1"].dimensions == {"region": "eu", "bytes": 1.5, "cached": True}
    assert stored["e-1"].timestamp == datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)
    assert stored["e-3"].event_name == "page-view"
    assert not PendingEvent.objects.exists()  # aggregated (tasks run eagerly in tests)
    # e-1 falls before the current window; e-2 counts once although e-1 was sent twice and e-3 is no api-call
    assert current_usage(api_client) == 1


def test_python_sdk_reports_events_and_the_same_batch_sent_twice_counts_once(
    python_sdk: PythonSdk, catalog: None, api_client: APIClient
) -> None:
    result = python_sdk.run(
        """
batch = generated.UsageEventsReportInput.model_validate({"usageEvents": input})
result = [client.report_event(batch), client.report_event(batch)]
""",
        [event("e-1", resourceId=None), event("e-2", dimensions={"region": "us"}), event("e-2")],
    )

    assert result == [{"reportEvent": None}, {"reportEvent": None}]
    assert sorted(Event.objects.values_list("idempotency_key", flat=True)) == ["e-1", "e-2"]
    assert not PendingEvent.objects.exists()
    assert current_usage(api_client) == 2
    assert UsageCounter.objects.get().value == 2


@pytest.mark.parametrize(
    ("bad_event", "code", "message"),
    [
        (event("e-9", customerId="nobody"), "CUSTOMER_NOT_FOUND", "events[1].customerId: no customer nobody"),
        (event(""), "VALIDATION_ERROR", "events[1].idempotencyKey: must not be blank"),
        (
            event("e-9", timestamp="0001-01-01T00:00:00Z"),
            "VALIDATION_ERROR",
            "events[1].timestamp: must be between 0002-01-01 and 9998-01-01",
        ),
        (
            event("e-9", timestamp="9999-12-31T23:59:59Z"),
            "VALIDATION_ERROR",
            "events[1].timestamp: must be between 0002-01-01 and 9998-01-01",
        ),
        (
            event("e-9", dimensions={"nested": {"a": 1}}),
            "VALIDATION_ERROR",
            "events[1].dimensions.nested: must be a string, a number or a boolean",
        ),
        (event("e-9", dimensions=[1]), "VALIDATION_ERROR", "events[1].dimensions: must be an object"),
        (
            event("e-9", resourceId="no-such-site"),
            "CUSTOMER_RESOURCE_NOT_FOUND",
            "events[1].resourceId: customer customer-1 has no resource no-such-site",
        ),
    ],
)
def test_a_batch_with_one_bad_event_is_refused_with_a_coded_error_and_writes_nothing(
    graphql: Any, catalog: None, bad_event: dict[str, Any], code: str, message: str
) -> None:
    status, body = graphql(REPORT_EVENT, {"input": {"usageEvents": [event("e-1"), bad_event]}})

    assert status == 200
    assert body["data"] == {"reportEvent": None}  # a nullable field: the error nulls it alone
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["message"]) == (code, message)
    assert not Event.objects.exists()
    assert not UsageCounter.objects.exists()


@pytest.mark.parametrize("timestamp", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_rest_refuses_the_same_out_of_range_times(api_client: APIClient, catalog: None, timestamp: str) -> None:
    """One validation for both doors: before it, E1 stored such an event and aggregation could never count it."""
    response = api_client.post("/api/v1/events", {"events": [event("e-1", timestamp=timestamp)]}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "events[0].timestamp: must be between 0002-01-01 and 9998-01-01"
    assert not Event.objects.exists()


def test_node_sdk_reports_an_unknown_customer_as_a_coded_error(node_sdk: NodeSdk, catalog: None) -> None:
    error = node_sdk.error("await stigg.reportEvent(input)", event("e-1", customerId="nobody"))

    assert error == {
        "code": "CUSTOMER_NOT_FOUND",
        "message": "Failed to report usage event: events[0].customerId: no customer nobody",
    }
    assert not Event.objects.exists()


def test_an_event_batch_costs_the_same_queries_for_3_and_30_events(graphql: Any, catalog: None) -> None:
    def events(prefix: str, count: int) -> list[dict[str, Any]]:
        return [event(f"{prefix}-{index}", ("api-call", "page-view")[index % 2]) for index in range(count)]

    graphql(REPORT_EVENT, {"input": {"usageEvents": events("warm", 2)}})  # the decision cache warmed
    counts = []
    for count in (3, 30):
        with CaptureQueriesContext(connection) as queries:
            status, body = graphql(REPORT_EVENT, {"input": {"usageEvents": events(str(count), count)}})
        assert (status, body) == (200, {"data": {"reportEvent": None}})
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert UsageCounter.objects.get().value == 1 + 2 + 15

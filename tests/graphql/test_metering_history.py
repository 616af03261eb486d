"""``usageHistory`` (v1) and ``usageHistoryV2`` through both official SDKs: REST v1's usage history (U2), the same
points, markers and series as U2 answers, in Stigg's two shapes; errors coded as U2 codes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from metering.events import EventInput, events_report
from metering.services import UsageReport, usage_report
from tests.metering.meter_builders import metered_catalog
from tests.sdk.runners import NodeSdk, PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)

SUBSCRIBED = datetime(2024, 6, 1, 9, tzinfo=UTC)
JULY_RESET = "2024-07-01T09:00:00.000Z"
RANGE = {"startDate": "2024-06-29T00:00:00.000Z", "endDate": "2024-07-03T00:00:00.000Z"}
DAYS = ["2024-06-29T00:00:00.000Z", "2024-06-30T00:00:00.000Z", "2024-07-01T00:00:00.000Z", "2024-07-02T00:00:00.000Z"]
# The usage at the end of each day of RANGE, whole and per region; a new window starts on July 1st at 09:00.
WHOLE = [2, 3, 1, 6]
BY_REGION = {"eu": [2, 2, 1, 1], "us": [0, 1, 0, 5]}
RESETS = [False, False, True, False]
HISTORY_V2 = """
query GetUsageHistoryV2($input: UsageHistoryV2Input!) {
  usageHistoryV2(input: $input) { markers { type timestamp } series { tags { key value } points { timestamp } } }
}
"""
HISTORY_V1 = """
query GetUsageHistory($usageHistoryInput: UsageHistoryInput!) {
  usageHistory(usageHistoryInput: $usageHistoryInput) { startDate usageMeasurements { date } }
}
"""


def day(number: int, month: int = 6) -> datetime:
    return datetime(2024, month, number, tzinfo=UTC)


@pytest.fixture
def catalog(db: None) -> None:
    """customer-1 on plan-basic since 2024-06-01 09:00 (api-calls reset monthly then, counting ``api-call``
    events): events and a report in June and July, with a ``region``."""
    metered_catalog(subscribed_at=SUBSCRIBED)
    moments = [
        (day(20) + timedelta(hours=10), "eu"),
        (day(20) + timedelta(hours=11), "eu"),
        (day(30) + timedelta(hours=12), "us"),
        (day(1, month=7) + timedelta(hours=10), "eu"),
    ]
    items = [
        EventInput("customer-1", "api-call", f"key-{index}", dimensions={"region": region}, timestamp=moment)
        for index, (moment, region) in enumerate(moments)
    ]
    events_report(items=items, now=day(3, month=7))
    report = UsageReport("customer-1", "api-calls", 5, created_at=day(2, month=7), dimensions={"region": "us"})
    usage_report(items=[report], now=day(2, month=7) + timedelta(hours=1))


def points(values: list[int], *, key: str = "timestamp") -> list[dict[str, Any]]:
    return [
        {key: moment, "value": value, "isResetPoint": reset}
        for moment, value, reset in zip(DAYS, values, RESETS, strict=True)
    ]


V2 = {
    "markers": [{"type": "PERIODIC_RESET", "timestamp": JULY_RESET}],
    "series": [
        {"tags": [{"key": "region", "value": region}], "points": points(values)} for region, values in BY_REGION.items()
    ],
}


def test_node_sdk_fetches_usage_history_v1_and_v2_and_an_unknown_customer_gets_the_documented_answers(
    node_sdk: NodeSdk, catalog: None
) -> None:
    result = node_sdk.run(
        """
        const range = { startDate: new Date(input.startDate), endDate: new Date(input.endDate) };
        const v1 = await stigg.fetchUsageHistory({ customerId: 'customer-1', featureId: 'api-calls', ...range });
        const v2 = await stigg.getUsageHistoryV2({
          customerId: 'customer-1', featureId: 'api-calls', groupBy: ['region'], ...input,
        });
        const unknown = await stigg.fetchUsageHistory({ customerId: 'nobody', featureId: 'api-calls', ...range });
        let failure = null;
        try { await stigg.getUsageHistoryV2({ customerId: 'nobody', featureId: 'api-calls', ...input }); }
        catch (error) { failure = { code: error.errorCode, message: error.message }; }
        const plain = JSON.parse(JSON.stringify(v2, (key, value) => (key === '__typename' ? undefined : value)));
        return { v1, v2: plain, unknown: unknown === undefined ? 'undefined' : unknown, failure };
        """,
        RANGE,
    )

    assert result == {
        "v1": points(WHOLE, key="date"),
        "v2": V2,
        "unknown": "undefined",  # fetchUsageHistory reports errors and answers undefined
        "failure": {
            "code": "CUSTOMER_NOT_FOUND",
            "message": "Failed to get usage history: customerId: no customer nobody",
        },
    }


def test_python_sdk_gets_usage_history_v1_and_v2_as_rest_v1_answers_it(
    python_sdk: PythonSdk, catalog: None, api_client: APIClient
) -> None:
    result = python_sdk.run(
        """
v1 = generated.UsageHistoryInput.model_validate(
    {"customerRefId": "customer-1", "featureRefId": "api-calls", "groupBy": ["region"], **input})
v2 = generated.UsageHistoryV2Input.model_validate({"customerId": "customer-1", "featureId": "api-calls", **input})
result = [client.get_usage_history(v1), client.get_usage_history_v_2(v2)]
""",
        RANGE,
    )

    markers = [{"type": "PERIODIC_RESET", "timestamp": JULY_RESET}]
    assert result[0] == {
        "usageHistory": {
            **RANGE,
            "markers": markers,
            "usageMeasurements": points(WHOLE, key="date"),
            "groups": [
                {"groupInfo": [{"key": "region", "value": region}], "usageMeasurements": points(values, key="date")}
                for region, values in BY_REGION.items()
            ],
        }
    }
    assert result[1] == {"usageHistoryV2": {"markers": markers, "series": [{"tags": [], "points": points(WHOLE)}]}}
    rest = api_client.get(
        "/api/v1/usage/customer-1/history/api-calls?startDate=2024-06-29T00:00:00Z&endDate=2024-07-03T00:00:00Z"
    )
    assert rest.json()["data"] == result[1]["usageHistoryV2"]


def history_v2(**fields: Any) -> dict[str, Any]:
    return {"input": {"customerId": "customer-1", "featureId": "api-calls", **RANGE, **fields}}


def history_v1(**fields: Any) -> dict[str, Any]:
    return {"usageHistoryInput": {"customerRefId": "customer-1", "featureRefId": "api-calls", **RANGE, **fields}}


@pytest.mark.parametrize(
    ("query", "variables", "code", "message"),
    [
        (HISTORY_V2, history_v2(customerId="nobody"), "CUSTOMER_NOT_FOUND", "customerId: no customer nobody"),
        (HISTORY_V1, history_v1(featureRefId="nothing"), "FEATURE_NOT_FOUND", "featureId: no feature nothing"),
        (
            HISTORY_V2,
            history_v2(featureId="seats"),
            "FEATURE_NOT_METERED",
            "featureId: feature seats is not metered; it has no usage",
        ),
        (
            HISTORY_V2,
            history_v2(resourceId="site-9"),
            "CUSTOMER_RESOURCE_NOT_FOUND",
            "resourceId: customer customer-1 has no resource site-9",
        ),
        (
            HISTORY_V2,
            history_v2(startDate="0001-01-01T00:00:00Z"),
            "INVALID_DATE_RANGE",
            "startDate: must be between 0002-01-01 and 9998-01-01",
        ),
        (
            HISTORY_V1,
            history_v1(endDate="9999-12-31T23:59:59Z"),
            "INVALID_DATE_RANGE",
            "endDate: must be between 0002-01-01 and 9998-01-01",
        ),
        (
            HISTORY_V2,
            history_v2(endDate="2024-06-01T00:00:00Z"),
            "INVALID_DATE_RANGE",
            "endDate: must be after startDate",
        ),
        (
            HISTORY_V2,
            history_v2(groupBy=["region", "plan"]),
            "UnsupportedParameter",
            "groupBy: usage history is split by one dimension at most",
        ),
        (
            HISTORY_V1,
            history_v1(resetPeriod="WEEK"),
            "UnsupportedParameter",
            "resetPeriod: usage history follows the reset period of the customer's entitlement",
        ),
    ],
)
def test_bad_history_requests_get_coded_errors(
    graphql: Any, catalog: None, query: str, variables: dict[str, Any], code: str, message: str
) -> None:
    status, body = graphql(query, variables)

    assert (status, body["data"]) == (200, None)
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["message"]) == (code, message)


def test_an_empty_group_by_and_the_options_that_change_nothing_are_accepted(graphql: Any, catalog: None) -> None:
    variables = history_v2(groupBy=[], includeInactiveSubscriptions=True, paging={"first": 10})

    status, body = graphql(HISTORY_V2, variables)

    assert status == 200 and "errors" not in body
    (series,) = body["data"]["usageHistoryV2"]["series"]
    assert [point["timestamp"] for point in series["points"]] == DAYS

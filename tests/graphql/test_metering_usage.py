"""``reportUsage`` and ``reportUsageBulk`` through both official SDKs: counted by REST v1's usage service, seen by
the entitlement check, refused whole (nothing written) when any item is bad, in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from config.wire import iso
from metering.models import UsageCounter, UsageMeasurement
from subscriptions.models import Subscription
from tests.entitlements.builders import catalog_for_entitlements, customer, provision
from tests.sdk.runners import NodeSdk, PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)

REPORT_USAGE = """
mutation ReportUsageBulk($input: ReportUsageBulkInput!) {
  reportUsageBulk(input: $input) { id customerId featureId resourceId currentUsage usagePeriodStart usagePeriodEnd
    nextResetDate timestamp credit { currencyId } }
}
"""


@pytest.fixture
def catalog(db: None) -> None:
    """customer-1 on plan-basic since 3 days ago: api-calls 1000 a month from then, storage 10 (never resets)."""
    catalog_for_entitlements()
    customer("customer-1")
    provision("plan-basic", now=timezone.now() - timedelta(days=3))
    provision("plan-site", now=timezone.now() - timedelta(hours=1), resource_ref_id="site-1")


def window() -> tuple[str, str]:
    """The current api-calls window: a month from the subscription's start (it started 3 days ago)."""
    start = Subscription.objects.get(resource_key="").start_date
    (counter,) = {counter.period_start for counter in UsageCounter.objects.filter(feature__ref_id="api-calls")}
    assert counter == start
    end = start.replace(month=start.month % 12 + 1, year=start.year + start.month // 12)
    return iso(start), iso(end)  # type: ignore[return-value]


def current_usage(api_client: APIClient, feature: str) -> Any:
    response = api_client.get(f"/api/v1/customers/customer-1/entitlements/check?featureId={feature}")
    return response.json()["data"]["currentUsage"]


def test_node_sdk_reports_usage_one_by_one_and_in_bulk_and_the_check_shows_it(
    node_sdk: NodeSdk, catalog: None, api_client: APIClient
) -> None:
    result = node_sdk.run(
        """
        const single = await stigg.reportUsage({ customerId: 'customer-1', featureId: 'api-calls', value: 3 });
        const set = await stigg.reportUsage({
          customerId: 'customer-1', featureId: 'storage', value: 7, updateBehavior: 'SET',
        });
        const bulk = await stigg.reportUsageBulk({ usages: [
          { customerId: 'customer-1', featureId: 'api-calls', value: 2, dimensions: { region: 'eu' } },
          { customerId: 'customer-1', featureId: 'api-calls', value: 0.5 },
          { customerId: 'customer-1', featureId: 'storage', value: 1, resourceId: 'site-1' },
        ] });
        return { single, set, bulk };
        """
    )

    start, end = window()
    measurements = {str(measurement.ref_id): measurement for measurement in UsageMeasurement.objects.all()}
    assert set(measurements) == {
        result["single"]["measurementId"],
        result["set"]["measurementId"],
        *(ack["measurementId"] for ack in result["bulk"]),
    }
    calls = {
        "customerId": "customer-1",
        "featureId": "api-calls",
        "usagePeriodStart": start,
        "usagePeriodEnd": end,
        "nextResetDate": end,
    }
    assert {key: value for key, value in result["single"].items() if key != "measurementId"} == {
        **calls,
        "currentUsage": 3,
    }
    assert {key: value for key, value in result["set"].items() if key != "measurementId"} == {
        "customerId": "customer-1",
        "featureId": "storage",
        "currentUsage": 7,
    }
    assert [{key: value for key, value in ack.items() if key != "measurementId"} for ack in result["bulk"]] == [
        {**calls, "currentUsage": 5},
        {**calls, "currentUsage": 5.5},
        {"customerId": "customer-1", "featureId": "storage", "resourceId": "site-1", "currentUsage": 1},
    ]
    assert measurements[result["bulk"][0]["measurementId"]].dimensions == {"region": "eu"}
    assert (current_usage(api_client, "api-calls"), current_usage(api_client, "storage")) == (5.5, 7)


def test_python_sdk_reports_usage_and_a_repeated_idempotency_key_counts_once(
    python_sdk: PythonSdk, catalog: None, api_client: APIClient
) -> None:
    result = python_sdk.run(
        """
first = client.report_usage(generated.ReportUsageInput.model_validate(input["one"]))
again = client.report_usage(generated.ReportUsageInput.model_validate(input["one"]))
bulk = client.report_usage_bulk(generated.ReportUsageBulkInput.model_validate(input["bulk"]))
result = [first, again, bulk]
""",
        {
            "one": {
                "customerId": "customer-1",
                "featureId": "api-calls",
                "value": 10,
                "idempotencyKey": "report-1",
                "createdAt": iso(timezone.now() - timedelta(hours=1)),
            },
            "bulk": {
                "usages": [
                    {"customerId": "customer-1", "featureId": "storage", "value": 4},
                    {"customerId": "customer-1", "featureId": "storage", "value": 2, "updateBehavior": "SET"},
                    {"customerId": "customer-1", "featureId": "api-calls", "value": 10, "idempotencyKey": "report-1"},
                ]
            },
        },
    )

    start, end = window()
    first = result[0]["reportUsage"]
    original = UsageMeasurement.objects.get(idempotency_key="report-1")
    assert first == {
        "id": str(original.ref_id),
        "featureId": "api-calls",
        "customerId": "customer-1",
        "resourceId": None,
        "currentUsage": 10,
        "credit": None,
        "usagePeriodStart": start,
        "usagePeriodEnd": end,
        "nextResetDate": end,
        "timestamp": iso(original.timestamp),
    }
    assert result[1]["reportUsage"] == first
    bulk = result[2]["reportUsageBulk"]
    assert [(item["featureId"], item["currentUsage"], item["usagePeriodStart"]) for item in bulk] == [
        ("storage", 4, None),
        ("storage", 2, None),
        ("api-calls", 10, start),
    ]
    assert bulk[2]["id"] == str(original.ref_id)
    assert UsageMeasurement.objects.count() == 3
    assert (current_usage(api_client, "api-calls"), current_usage(api_client, "storage")) == (10, 2)


def usage(value: Any = 1, feature: str = "api-calls", **fields: Any) -> dict[str, Any]:
    return {"customerId": "customer-1", "featureId": feature, "value": value, **fields}


@pytest.mark.parametrize(
    ("bad_item", "code", "message"),
    [
        (usage(customerId="nobody"), "CUSTOMER_NOT_FOUND", "usages[1].customerId: no customer nobody"),
        (usage(feature="no-such-feature"), "FEATURE_NOT_FOUND", "usages[1].featureId: no feature no-such-feature"),
        (
            usage(feature="seats"),
            "FEATURE_NOT_METERED",
            "usages[1].featureId: feature seats is not metered; usage cannot be reported",
        ),
        (
            usage(resourceId="no-such-site"),
            "CUSTOMER_RESOURCE_NOT_FOUND",
            "usages[1].resourceId: customer customer-1 has no resource no-such-site",
        ),
        (
            usage(createdAt="0001-01-01T00:00:00Z"),
            "VALIDATION_ERROR",
            "usages[1].createdAt: must be between 0002-01-01 and 9998-01-01",
        ),
        (
            usage(createdAt="9999-12-31T23:59:59Z"),
            "VALIDATION_ERROR",
            "usages[1].createdAt: must be between 0002-01-01 and 9998-01-01",
        ),
        (
            usage(-3, "storage", updateBehavior="SET"),
            "VALIDATION_ERROR",
            "usages[1].value: must not be negative when updateBehavior is SET (it is the new total)",
        ),
        (
            usage(2.0**53),
            "VALIDATION_ERROR",
            "usages[1].value: is out of range (whole numbers up to 2^53 - 1, fractional ones below 2^35)",
        ),
        (
            usage(dimensions={"nested": {"a": 1}}),
            "VALIDATION_ERROR",
            "usages[1].dimensions.nested: must be a string, a number or a boolean",
        ),
    ],
)
def test_a_bulk_report_with_one_bad_item_is_refused_with_a_coded_error_and_writes_nothing(
    graphql: Any, catalog: None, bad_item: dict[str, Any], code: str, message: str
) -> None:
    status, body = graphql(REPORT_USAGE, {"input": {"usages": [usage(), bad_item, usage(2)]}})

    assert status == 200
    assert body["data"] is None
    ((error,),) = (body["errors"],)
    assert (error["extensions"]["code"], error["message"]) == (code, message)
    assert not UsageMeasurement.objects.exists()
    assert not UsageCounter.objects.exists()


def test_node_sdk_reports_an_unknown_customer_or_feature_as_coded_errors(node_sdk: NodeSdk, catalog: None) -> None:
    result = node_sdk.run(
        """
        const outcomes = [];
        for (const report of input) {
          try { await stigg.reportUsage(report); outcomes.push('reported'); }
          catch (error) { outcomes.push({ code: error.errorCode, message: error.message }); }
        }
        return outcomes;
        """,
        [usage(customerId="nobody"), usage(feature="no-such-feature"), usage(-1, "storage", updateBehavior="SET")],
    )

    assert result == [
        {"code": "CUSTOMER_NOT_FOUND", "message": "Failed to report usage: usages[0].customerId: no customer nobody"},
        {
            "code": "FEATURE_NOT_FOUND",
            "message": "Failed to report usage: usages[0].featureId: no feature no-such-feature",
        },
        {
            "code": "VALIDATION_ERROR",
            "message": "Failed to report usage: usages[0].value: must not be negative when "
            "updateBehavior is SET (it is the new total)",
        },
    ]
    assert not UsageMeasurement.objects.exists()


def test_python_sdk_gets_a_coded_error_for_a_feature_that_is_not_metered(python_sdk: PythonSdk, catalog: None) -> None:
    error = python_sdk.error(
        "client.report_usage(generated.ReportUsageInput.model_validate(input))", usage(feature="sso")
    )

    assert error == {
        "message": "usages[0].featureId: feature sso is not metered; usage cannot be reported",
        "code": "FEATURE_NOT_METERED",
    }
    assert not UsageMeasurement.objects.exists()


def test_a_bulk_report_costs_the_same_queries_for_3_and_30_items(graphql: Any, catalog: None) -> None:
    def items(count: int) -> list[dict[str, Any]]:
        return [usage(1, ("api-calls", "storage")[index % 2]) for index in range(count)]

    graphql(REPORT_USAGE, {"input": {"usages": items(2)}})  # the decision cache warmed, as in steady use
    counts = []
    for count in (3, 30):
        with CaptureQueriesContext(connection) as queries:
            status, body = graphql(REPORT_USAGE, {"input": {"usages": items(count)}})
        assert status == 200 and len(body["data"]["reportUsageBulk"]) == count
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert UsageCounter.objects.get(feature__ref_id="api-calls").value == Decimal(1 + 2 + 15)


def test_node_sdk_metered_checks_see_reported_usage_through_the_sdk_cache(node_sdk: NodeSdk, catalog: None) -> None:
    """The SDK caches the customer's entitlements at the first check and moves their usage by what ``reportUsage``
    answers (``currentUsage`` and the window): the later checks are answered from that cache."""
    result = node_sdk.run(
        """
        const check = async (requestedUsage) => {
          const entitlement = await stigg.getMeteredEntitlement({
            customerId: 'customer-1', featureId: 'api-calls', options: { requestedUsage },
          });
          const { hasAccess, currentUsage, usageLimit, accessDeniedReason } = entitlement;
          return [hasAccess, currentUsage, usageLimit, accessDeniedReason || null];
        };
        const before = await check(1);
        await stigg.reportUsage({ customerId: 'customer-1', featureId: 'api-calls', value: 999 });
        const after = await check(1);
        const over = await check(2);
        await stigg.reportUsageBulk({ usages: [{ customerId: 'customer-1', featureId: 'api-calls', value: 1 }] });
        const full = await check(0);
        return { before, after, over, full };
        """
    )

    assert result == {
        "before": [True, 0, 1000, None],
        "after": [True, 999, 1000, None],
        "over": [False, 999, 1000, "RequestedUsageExceedingLimit"],
        "full": [False, 1000, 1000, "RequestedUsageExceedingLimit"],
    }

"""The edge reads answer what the GraphQL query would, for SDKs configured with ``enableEdge``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from tests.sdk.runners import NodeSdk, PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)


def _get(path: str, api_key: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"X-API-KEY": api_key} if api_key else {}
    response = Client().get(path, headers=headers)
    return response.status_code, response.json()


def test_node_sdk_with_edge_initialises_from_the_edge_configuration(node_sdk: NodeSdk) -> None:
    node_sdk.enable_edge = True
    assert node_sdk.run("return { initialised: true, events }") == {"initialised": True, "events": []}


def test_the_edge_configuration_is_the_graphql_answer(api_key: str, graphql: Any) -> None:
    status, body = _get("/v1/config/server-sdk-configuration.json", api_key)
    _, expected = graphql("query { sdkConfiguration { sentryDsn isWidgetWatermarkEnabled showWatermark } }")
    assert status == 200
    assert body == {"data": {"sdkConfiguration": expected["data"]["sdkConfiguration"]}}


def test_an_edge_read_without_a_key_is_refused_as_graphql_refuses_it(api_key: str) -> None:
    status, body = _get("/v1/config/server-sdk-configuration.json", None)
    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_an_edge_parameter_of_the_wrong_type_is_a_400_naming_it(api_key: str) -> None:
    status, body = _get("/v1/c/someone/entitlements.json?featureId=f&requestedUsage=lots", api_key)
    assert status == 400
    assert body == {
        "errors": [{"message": "requestedUsage: must be a number", "extensions": {"code": "BAD_USER_INPUT"}}]
    }
    status, body = _get("/v1/paywall.json?includeHiddenPlans=maybe", api_key)
    assert (status, body["errors"][0]["message"]) == (400, "includeHiddenPlans: must be true or false")


@pytest.fixture
def subscribed_customer(db: None) -> None:
    """``customer-1`` on ``plan-basic`` (seats, api-calls 1000 a month, support tier, storage), 3 calls used."""
    from django.utils import timezone

    from metering.services import UsageReport, usage_report
    from tests.entitlements import builders

    builders.catalog_for_entitlements()
    builders.customer("customer-1")
    builders.provision("plan-basic", now=timezone.now())
    usage_report(items=[UsageReport("customer-1", "api-calls", Decimal(3))], now=timezone.now())


def _without_read_times(value: Any) -> Any:
    """An answer without ``usageUpdatedAt``, which is the moment of the read."""
    if isinstance(value, dict):
        return {key: _without_read_times(item) for key, item in value.items() if key != "usageUpdatedAt"}
    if isinstance(value, list):
        return [_without_read_times(item) for item in value]
    return value


PYTHON_READS = """
from stigg.generated import (EntitlementOptions, FetchEntitlementQuery, FetchEntitlementsQuery,
                             GetActiveSubscriptionsInput, GetPaywallInput)
customer = FetchEntitlementsQuery(customer_id="customer-1")
options = EntitlementOptions(requested_usage=10)
reads = {
    "entitlements": client.get_entitlements(customer),
    "entitlement": client.get_entitlement(
        FetchEntitlementQuery(customer_id="customer-1", feature_id="api-calls", options=options)),
    "state": client.get_entitlements_state(customer),
    "subscriptions": client.get_active_subscriptions_list(GetActiveSubscriptionsInput(customer_id="customer-1")),
    "paywall": client.get_paywall(GetPaywallInput(product_id="product-main")),
    "every_paywall": client.get_paywall(GetPaywallInput()),
}
result = {name: read.model_dump(by_alias=True, mode="json") for name, read in reads.items()}
"""


def test_python_sdk_reads_the_same_through_the_edge_as_through_graphql(
    python_sdk: PythonSdk, subscribed_customer: None
) -> None:
    through_graphql = python_sdk.run(PYTHON_READS)
    python_sdk.enable_edge = True
    through_edge = python_sdk.run(PYTHON_READS)
    assert _without_read_times(through_edge) == _without_read_times(through_graphql)
    entitlement = through_edge["entitlement"]["entitlement"]
    assert (entitlement["isGranted"], entitlement["currentUsage"], entitlement["requestedUsage"]) == (True, 3, 10)
    assert [plan["refId"] for plan in through_edge["paywall"]["paywall"]["plans"]][:1] == ["plan-basic"]


NODE_READS = """
const entitlements = await stigg.getEntitlements({ customerId: 'customer-1' });
const calls = await stigg.getMeteredEntitlement({ customerId: 'customer-1', featureId: 'api-calls',
                                                  options: { requestedUsage: 10 } });
const subscriptions = await stigg.getActiveSubscriptionsList({ customerId: 'customer-1' });
const paywall = await stigg.getPaywall({ productId: 'product-main' });
return {
  entitlements: entitlements.map((e) => [e.feature && e.feature.id, e.hasAccess]).sort(),
  calls: [calls.hasAccess, calls.currentUsage, calls.usageLimit, calls.requestedUsage],
  subscriptions: subscriptions.map((s) => [s.id, s.status, s.plan && s.plan.id]),
  paywall: paywall.plans.map((plan) => plan.id),
};
"""


def test_node_sdk_reads_the_same_through_the_edge_as_through_graphql(
    node_sdk: NodeSdk, subscribed_customer: None
) -> None:
    through_graphql = node_sdk.run(NODE_READS)
    node_sdk.enable_edge = True
    through_edge = node_sdk.run(NODE_READS)
    assert through_edge == through_graphql
    assert through_edge["calls"] == [True, 3, 1000, 10]

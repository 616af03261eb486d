"""``paywall`` with ``customerId``: the customer and their live subscriptions (of the product asked for) come with the
plans; the subscriptions are resolved by the subscriptions app, the customer by the customers app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from catalog.services.products import product_create
from customers.services import customer_provision
from subscriptions.services.provisioning import ProvisionRequest, subscription_provision
from tests.graphql.catalog_builders import T0, build_catalog
from tests.sdk.runners import NodeSdk, PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)

Poster = Callable[..., tuple[int, dict[str, Any]]]
PAYWALL = """
query Paywall($input: GetPaywallInput!) {
  paywall(input: $input) {
    plans { refId }
    customer { __typename }
    activeSubscriptions { __typename }
    resource { __typename }
  }
}
"""


def test_a_customer_paywall_carries_the_customer_and_their_live_subscriptions(graphql: Poster) -> None:
    build_catalog()
    product_create(ref_id="product-other", display_name="Other", now=T0)
    customer_provision(ref_id="customer-1", name="One", now=T0)
    customer_provision(ref_id="customer-2", name="Two", now=T0)
    subscription_provision(
        request=ProvisionRequest(customer_ref_id="customer-1", plan_ref_id="plan-free"), now=T0, actor="test"
    )

    status, subscribed = graphql(PAYWALL, {"input": {"productId": "product-main", "customerId": "customer-1"}})
    _, unsubscribed = graphql(PAYWALL, {"input": {"customerId": "customer-2"}})
    _, other_product = graphql(PAYWALL, {"input": {"customerId": "customer-1", "productId": "product-other"}})

    assert status == 200
    assert subscribed == {
        "data": {
            "paywall": {
                "plans": [{"refId": "plan-free"}, {"refId": "plan-pro"}],
                "customer": {"__typename": "Customer"},
                "activeSubscriptions": [{"__typename": "CustomerSubscription"}],
                "resource": None,
            }
        }
    }
    assert unsubscribed["data"]["paywall"]["activeSubscriptions"] == []
    assert other_product["data"]["paywall"]["plans"] == []
    assert other_product["data"]["paywall"]["activeSubscriptions"] == []


def test_both_sdks_get_a_customer_paywall_with_its_current_subscription(
    python_sdk: PythonSdk, node_sdk: NodeSdk
) -> None:
    build_catalog()
    customer_provision(ref_id="customer-1", name="One", now=T0)
    subscription_provision(
        request=ProvisionRequest(customer_ref_id="customer-1", plan_ref_id="plan-free"), now=T0, actor="test"
    )

    python = python_sdk.run(
        "result = client.get_paywall(generated.GetPaywallInput(**input))",
        {"customerId": "customer-1", "productId": "product-main"},
    )["paywall"]
    node = node_sdk.run(
        """
        const paywall = await stigg.getPaywall({ customerId: 'customer-1', productId: 'product-main' });
        return {
          plans: paywall.plans.map((plan) => plan.id),
          customer: paywall.customer.id,
          subscriptions: paywall.activeSubscriptions.map((subscription) => [subscription.plan.id, subscription.status]),
        };
        """
    )

    assert [plan["refId"] for plan in python["plans"]] == ["plan-free", "plan-pro"]
    assert python["customer"]["refId"] == "customer-1"
    assert [(item["plan"]["refId"], item["status"]) for item in python["activeSubscriptions"]] == [
        ("plan-free", "ACTIVE")
    ]
    assert node == {
        "plans": ["plan-free", "plan-pro"],
        "customer": "customer-1",
        "subscriptions": [["plan-free", "ACTIVE"]],
    }


def test_an_unknown_customer_is_one_error_whichever_customer_fields_are_asked(graphql: Poster) -> None:
    build_catalog()

    _, answer = graphql(PAYWALL, {"input": {"productId": "product-main", "customerId": "customer-nope"}})

    assert [error["message"] for error in answer["errors"]] == ["customerId: Customer customer-nope not found"]
    assert answer["data"]["paywall"]["plans"] == [{"refId": "plan-free"}, {"refId": "plan-pro"}]
    assert answer["data"]["paywall"]["activeSubscriptions"] is None

"""Reading subscriptions through GraphQL with both official SDKs: one, a filtered page, the active ones, the
customer's subscription fields; and the query count of a list does not grow with its length."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.services.products import product_create
from config.graphql import sdk_documents
from subscriptions.models import Subscription
from subscriptions.quote import TrialOverride
from tests.sdk import install
from tests.sdk.runners import NodeSdk, PythonSdk
from tests.subscriptions.builders import (
    CATALOG_AT,
    catalog_for_subscriptions,
    customer,
    flat_fee,
    package,
    price,
    provision,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalog() -> None:
    catalog_for_subscriptions()
    customer("customer-1")


def _subscribe(count: int, *, prefix: str = "customer") -> None:
    """``count`` customers, each on plan-pro with 2 seats and an add-on (its trial skipped)."""
    for index in range(count):
        ref_id = f"{prefix}-{index}"
        customer(ref_id)
        provision(
            "plan-pro",
            now=timezone.now(),
            customer_ref_id=ref_id,
            ref_id=f"subscription-{ref_id}",
            billing_period="MONTHLY",
            unit_quantity=2,
            addons=[("addon-storage", 1)],
            trial_override=TrialOverride(is_trial=False, trial_end_date=None),
        )


def test_python_sdk_gets_one_and_lists_with_a_filter_and_paging(python_sdk: PythonSdk, catalog: None) -> None:
    _subscribe(3)
    result = python_sdk.run(
        "one = client.get_subscription(generated.GetSubscriptionInput(subscriptionId='subscription-customer-1'))\n"
        "first = client.get_subscriptions(filter=generated.SubscriptionQueryFilter(customerId={'in':"
        " ['customer-0', 'customer-2']}, status={'eq': 'ACTIVE'}), paging=generated.CursorPaging(first=1))\n"
        "page = first.subscriptions.page_info\n"
        "second = client.get_subscriptions(filter=generated.SubscriptionQueryFilter(customerId={'in':"
        " ['customer-0', 'customer-2']}), paging=generated.CursorPaging(first=1, after=page.end_cursor))\n"
        "result = [one, first, second]"
    )
    one = result[0]["getSubscription"]
    assert (one["refId"], one["status"], one["plan"]["refId"], one["pricingType"]) == (
        "subscription-customer-1",
        "ACTIVE",
        "plan-pro",
        "PAID",
    )
    assert [(addon["addon"]["refId"], addon["quantity"]) for addon in one["addons"]] == [("addon-storage", 1.0)]
    assert one["totalPrice"]["total"] == {"amount": 44.0, "currency": "USD"}
    assert [(price["price"]["billingModel"], price["usageLimit"]) for price in one["prices"]] == [
        ("FLAT_FEE", None),
        ("PER_UNIT", 2.0),
        ("FLAT_FEE", None),
    ]
    first, second = result[1]["subscriptions"], result[2]["subscriptions"]
    assert [edge["node"]["subscriptionId"] for edge in first["edges"]] == ["subscription-customer-0"]
    assert (first["pageInfo"]["hasNextPage"], first["pageInfo"]["hasPreviousPage"]) == (True, False)
    assert [edge["node"]["subscriptionId"] for edge in second["edges"]] == ["subscription-customer-2"]
    assert (second["pageInfo"]["hasNextPage"], second["pageInfo"]["hasPreviousPage"]) == (False, True)


def test_node_sdk_gets_active_subscriptions_and_the_customer(node_sdk: NodeSdk, catalog: None) -> None:
    _subscribe(1)
    result = node_sdk.run(
        """
        const full = await stigg.getActiveSubscriptions({ customerId: 'customer-0' });
        const slim = await stigg.getActiveSubscriptionsList({ customerId: 'customer-0' });
        const page = await stigg.getSubscriptions({ customerId: 'customer-0', status: 'ACTIVE' });
        const customer = await stigg.getCustomer('customer-0');
        const none = await stigg.getActiveSubscriptions({ customerId: 'customer-1' });
        return {
          full: full.map((subscription) => [subscription.id, subscription.plan.id, subscription.status,
            subscription.price && subscription.price.amount]),
          slim: slim.map((subscription) => [subscription.subscriptionId, subscription.plan.planId]),
          page: page.data.map((subscription) => subscription.subscriptionId),
          customer: customer.subscriptions.map((subscription) => [subscription.id, subscription.plan.id]),
          none,
        };
        """
    )
    assert result["full"] == [["subscription-customer-0", "plan-pro", "ACTIVE", 44]]
    assert result["slim"] == [["subscription-customer-0", "plan-pro"]]
    assert result["page"] == ["subscription-customer-0"]
    assert result["customer"] == [["subscription-customer-0", "plan-pro"]]
    assert result["none"] == []


def test_unknown_customer_for_active_subscriptions_is_customer_not_found(python_sdk: PythonSdk, catalog: None) -> None:
    error = python_sdk.error(
        "result = client.get_active_subscriptions_list(generated.GetActiveSubscriptionsInput(customerId='nobody'))"
    )
    assert error == {"message": "customerId: Customer nobody not found", "code": "CUSTOMER_NOT_FOUND"}


def _documents() -> dict[str, str]:
    return sdk_documents.python_documents(install.python_sdk_site_packages())


def _count(graphql: Any, document: str, variables: dict[str, Any]) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        status, body = graphql(document, variables)
    assert status == 200 and "errors" not in body, body
    return len(queries), body


def _items(body: dict[str, Any]) -> int:
    data = next(iter(body["data"].values()))
    return len(data["edges"] if isinstance(data, dict) else data)


@pytest.mark.parametrize(
    ("operation", "variables"),
    [
        ("GetSubscriptions", {"filter": {"status": {"eq": "ACTIVE"}}, "paging": {"first": 50}}),
        ("GetActiveSubscriptions", {"input": {"customerId": "customer-1"}}),
        ("GetActiveSubscriptionsList", {"input": {"customerId": "customer-1"}}),
    ],
)
def test_a_list_costs_the_same_queries_for_3_and_30_subscriptions(
    graphql: Any, catalog: None, operation: str, variables: dict[str, Any]
) -> None:
    document = _documents()[operation]

    def provision_for_customer_1(count: int) -> None:
        # Active subscriptions of one customer need a product each (one live subscription per slot).
        start = Subscription.objects.count()
        for index in range(start, start + count):
            product_create(ref_id=f"product-{index}", display_name=f"P{index}", now=CATALOG_AT)
            package("PLAN", f"plan-{index}", flat_fee(price("MONTHLY", "7")), product=f"product-{index}")
            provision(f"plan-{index}", now=timezone.now(), billing_period="MONTHLY")

    provision_for_customer_1(3)
    few, body = _count(graphql, document, variables)
    assert _items(body) == 3
    provision_for_customer_1(27)
    many, body = _count(graphql, document, variables)
    assert _items(body) == 30
    assert many == few

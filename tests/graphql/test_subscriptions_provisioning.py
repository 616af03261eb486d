"""Provisioning through GraphQL with both official SDKs: a subscription (V2, apply, create), a customer with
subscription params, a bulk import; unknown plans and customers get coded errors and write nothing."""

from __future__ import annotations

from typing import Any

import pytest

from customers.models import Customer
from subscriptions.models import Subscription
from tests.sdk.runners import NodeSdk, PythonSdk
from tests.subscriptions.builders import catalog_for_subscriptions, customer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalog() -> None:
    catalog_for_subscriptions()
    customer("customer-1")


def _slim(subscription: dict[str, Any]) -> dict[str, Any]:
    return {
        "refId": subscription["refId"],
        "status": subscription["status"],
        "plan": subscription["plan"]["refId"],
        "customer": subscription["customer"]["refId"],
        "pricingType": subscription["pricingType"],
        "totalPrice": subscription["totalPrice"],
        "addons": [(addon["addon"]["refId"], addon["quantity"]) for addon in subscription["addons"] or []],
        "latestInvoice": subscription["latestInvoice"]
        and {key: subscription["latestInvoice"][key] for key in ("status", "total", "billingReason", "currency")},
    }


def test_python_sdk_provisions_a_subscription(python_sdk: PythonSdk, catalog: None) -> None:
    result = python_sdk.run(
        "result = client.provision_subscription(generated.ProvisionSubscriptionInput(**input))",
        {
            "customerId": "customer-1",
            "planId": "plan-pro",
            "refId": "subscription-1",
            "billingPeriod": "MONTHLY",
            "unitQuantity": 3,
            "addons": [{"addonId": "addon-storage", "quantity": 2}],
            "skipTrial": True,
            "additionalMetaData": {"team": "blue"},
        },
    )
    provisioned = result["provisionSubscription"]
    assert provisioned["status"] == "SUCCESS"
    assert provisioned["checkoutUrl"] is None
    subscription = provisioned["subscription"]
    assert _slim(subscription) == {
        "refId": "subscription-1",
        "status": "ACTIVE",
        "plan": "plan-pro",
        "customer": "customer-1",
        "pricingType": "PAID",
        "totalPrice": {"subTotal": {"amount": 53.0, "currency": "USD"}, "total": {"amount": 53.0, "currency": "USD"}},
        "addons": [("addon-storage", 2.0)],
        "latestInvoice": {"status": "OPEN", "total": 53.0, "billingReason": "SUBSCRIPTION_CREATION", "currency": "usd"},
    }
    assert subscription["additionalMetaData"] == {"team": "blue"}
    assert Subscription.objects.get(ref_id="subscription-1").unit_quantity == 3


def test_node_sdk_provisions_a_customer_with_subscription_params(node_sdk: NodeSdk, catalog: None) -> None:
    result = node_sdk.run(
        """
        const provisioned = await stigg.provisionCustomer({
          customerId: 'customer-new', name: 'New', email: 'new@example.com',
          subscriptionParams: { planId: 'plan-basic', billingPeriod: 'MONTHLY', subscriptionId: 'subscription-new' },
        });
        const plain = await stigg.provisionCustomer({ customerId: 'customer-plain' });
        return {
          customer: provisioned.customer.id,
          strategy: provisioned.subscriptionDecisionStrategy,
          subscription: {
            id: provisioned.subscription.id, planId: provisioned.subscription.planId,
            status: provisioned.subscription.status, customerId: provisioned.subscription.customerId,
            pricingType: provisioned.subscription.pricingType,
            prices: provisioned.subscription.prices.map((price) => [price.pricingModel, price.amount, price.currency]),
          },
          plain: [plain.customer.id, plain.subscriptionDecisionStrategy, plain.subscription || null],
        };
        """
    )
    assert result == {
        "customer": "customer-new",
        "strategy": "REQUESTED_PLAN",
        "subscription": {
            "id": "subscription-new",
            "planId": "plan-basic",
            "status": "ACTIVE",
            "customerId": "customer-new",
            "pricingType": "PAID",
            "prices": [["FLAT_FEE", 10, "USD"]],
        },
        "plain": ["customer-plain", "SKIPPED_SUBSCRIPTION_CREATION", None],
    }
    assert Subscription.objects.get(ref_id="subscription-new").customer.ref_id == "customer-new"


def test_python_sdk_provisions_a_customer_and_unknown_plan_writes_nothing(python_sdk: PythonSdk, catalog: None) -> None:
    error = python_sdk.error(
        "result = client.provision_customer(generated.ProvisionCustomerInput(**input))",
        {"customerId": "customer-doomed", "subscriptionParams": {"planId": "plan-nope"}},
    )
    assert error == {"message": "planId: Plan plan-nope not found", "code": "PLAN_NOT_FOUND"}
    assert not Customer.objects.filter(ref_id="customer-doomed").exists()
    assert not Subscription.objects.exists()


def test_node_sdk_provision_for_an_unknown_customer_or_plan_is_a_coded_error(node_sdk: NodeSdk, catalog: None) -> None:
    result = node_sdk.run(
        """
        const outcome = async (params) => {
          try { await stigg.provisionSubscription(params); return 'provisioned'; }
          catch (error) {
            return [error.errorCode, error.message];
          }
        };
        return [
          await outcome({ customerId: 'customer-nobody', planId: 'plan-basic', billingPeriod: 'MONTHLY' }),
          await outcome({ customerId: 'customer-1', planId: 'plan-nope' }),
          await outcome({ customerId: 'customer-1', planId: 'plan-basic', billingPeriod: 'WEEKLY' }),
        ];
        """
    )
    assert result[0][0] == "CUSTOMER_NOT_FOUND" and "customer-nobody" in result[0][1]
    assert result[1][0] == "PLAN_NOT_FOUND" and "plan-nope" in result[1][1]
    assert result[2][0] == "BAD_USER_INPUT"
    assert not Subscription.objects.exists()


def test_python_sdk_applies_and_creates_subscriptions(python_sdk: PythonSdk, catalog: None) -> None:
    result = python_sdk.run(
        "applied = client.apply_subscription(generated.ApplySubscriptionInput(**input['apply']))\n"
        "created = client.create_subscription(generated.SubscriptionInput(**input['create']))\n"
        "result = [applied, created]",
        {
            "apply": {"customerId": "customer-1", "planId": "plan-basic", "billingPeriod": "ANNUALLY"},
            "create": {
                "customerId": "customer-1",
                "planId": "plan-pro",
                "billingPeriod": "MONTHLY",
                "unitQuantity": 2,
                "isTrial": False,
                "refId": "subscription-created",
            },
        },
    )
    applied, created = result[0]["applySubscription"]["subscription"], result[1]["createSubscription"]
    assert (applied["plan"]["refId"], applied["status"]) == ("plan-basic", "ACTIVE")
    assert (created["refId"], created["plan"]["refId"], created["status"]) == (
        "subscription-created",
        "plan-pro",
        "ACTIVE",
    )
    statuses = list(Subscription.objects.order_by("pk").values_list("plan__ref_id", "status", "cancel_reason"))
    assert statuses == [("plan-basic", "CANCELED", "UPGRADE_OR_DOWNGRADE"), ("plan-pro", "ACTIVE", None)]


def test_both_sdks_import_subscriptions_in_bulk_all_or_nothing(
    node_sdk: NodeSdk, python_sdk: PythonSdk, catalog: None
) -> None:
    customer("customer-2")
    node_sdk.run(
        """
        await stigg.importSubscriptionBulk({ subscriptions: [
          { subscriptionId: 'subscription-a', customerId: 'customer-1', planId: 'plan-basic',
            billingPeriod: 'MONTHLY' },
          { subscriptionId: 'subscription-b', customerId: 'customer-2', planId: 'plan-free' },
        ] });
        return null;
        """
    )
    error = python_sdk.error(
        "result = client.import_subscriptions_bulk(generated.ImportSubscriptionsBulkInput(**input))",
        {
            "subscriptions": [
                {
                    "subscriptionId": "subscription-c",
                    "customerId": "customer-2",
                    "planId": "plan-basic",
                    "billingPeriod": "MONTHLY",
                },
                {"subscriptionId": "subscription-d", "customerId": "customer-nobody", "planId": "plan-basic"},
            ]
        },
    )
    assert error["code"] == "CUSTOMER_NOT_FOUND"
    assert error["message"].startswith("subscriptions[1].customerId: ")
    assert list(Subscription.objects.order_by("pk").values_list("ref_id", "customer__ref_id", "status")) == [
        ("subscription-a", "customer-1", "ACTIVE"),
        ("subscription-b", "customer-2", "ACTIVE"),
    ]

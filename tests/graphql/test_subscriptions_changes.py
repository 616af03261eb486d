"""Changing subscriptions through GraphQL with both official SDKs: upgrade, scheduled downgrade and its
cancellation, cancel, migrate to latest, delegate and transfer."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog.models import Package, Product
from catalog.services.packages import package_create_draft, package_publish, package_update
from subscriptions.models import Subscription, SubscriptionScheduledUpdate
from tests.sdk.runners import NodeSdk, PythonSdk
from tests.subscriptions.builders import CATALOG_AT, catalog_for_subscriptions, customer, flat_fee, price, provision

pytestmark = pytest.mark.django_db(transaction=True)

PROVISION = """
await stigg.provisionSubscription({ customerId: 'customer-1', planId: 'plan-pro', billingPeriod: 'MONTHLY',
  unitQuantity: 4, skipTrial: true, id: 'subscription-1' });
"""


@pytest.fixture
def catalog() -> None:
    catalog_for_subscriptions()
    customer("customer-1")


def test_node_sdk_upgrades_schedules_a_downgrade_and_cancels_it(node_sdk: NodeSdk, catalog: None) -> None:
    result = node_sdk.run(
        PROVISION
        + """
        const upgraded = await stigg.updateSubscription({ subscriptionId: 'subscription-1', unitQuantity: 6 });
        const downgraded = await stigg.updateSubscription({ subscriptionId: 'subscription-1', unitQuantity: 2,
          scheduleStrategy: 'END_OF_BILLING_PERIOD' });
        const full = await stigg.getSubscription({ subscriptionId: 'subscription-1' });
        await stigg.cancelSubscriptionScheduledUpdates({ subscriptionId: 'subscription-1', status: 'Scheduled' });
        const after = await stigg.getSubscription({ subscriptionId: 'subscription-1' });
        return {
          upgraded: [upgraded.id, upgraded.status,
            upgraded.prices.map((price) => price.feature && price.feature.unitQuantity)],
          downgraded: downgraded.status,
          futureUpdates: full.futureUpdates.map((update) => [update.subscriptionScheduleType, update.scheduleStatus,
            update.targetPackage.refId, update.scheduleVariables]),
          after: after.futureUpdates,
        };
        """
    )
    assert result == {
        "upgraded": ["subscription-1", "ACTIVE", [None, 6]],
        "downgraded": "ACTIVE",
        "futureUpdates": [
            [
                "UnitAmount",
                "Scheduled",
                "plan-pro",
                {"__typename": "UnitAmountChangeVariables", "newUnitAmount": 2, "featureId": None},
            ],
        ],
        "after": [],
    }
    subscription = Subscription.objects.get(ref_id="subscription-1")
    assert subscription.unit_quantity == 6
    assert list(SubscriptionScheduledUpdate.objects.values_list("schedule_type", "status")) == [
        ("UNIT_AMOUNT", "CANCELED")
    ]


def test_python_sdk_cancels_a_subscription_at_the_end_of_its_period(python_sdk: PythonSdk, catalog: None) -> None:
    result = python_sdk.run(
        "client.provision_subscription(generated.ProvisionSubscriptionInput(customerId='customer-1',"
        " planId='plan-basic', billingPeriod='MONTHLY', refId='subscription-1'))\n"
        "canceled = client.cancel_subscription(generated.SubscriptionCancellationInput(subscriptionRefId="
        "'subscription-1', subscriptionCancellationTime='END_OF_BILLING_PERIOD'))\n"
        "now = client.cancel_subscription(generated.SubscriptionCancellationInput(subscriptionRefId="
        "'subscription-1', subscriptionCancellationTime='IMMEDIATE'))\n"
        "result = [canceled, now]"
    )
    scheduled, immediate = result[0]["cancelSubscription"], result[1]["cancelSubscription"]
    subscription = Subscription.objects.get(ref_id="subscription-1")
    assert scheduled["status"] == "ACTIVE"
    assert scheduled["cancellationDate"] is not None
    assert immediate["status"] == "CANCELED"
    assert subscription.status == "CANCELED"


def test_python_sdk_unknown_subscription_is_a_coded_error(python_sdk: PythonSdk, catalog: None) -> None:
    error = python_sdk.error(
        "result = client.cancel_subscription(generated.SubscriptionCancellationInput(subscriptionRefId='nope'))"
    )
    assert error == {"message": "Subscription nope not found", "code": "SUBSCRIPTION_NOT_FOUND"}


def _publish_basic_for_new_customers(amount: str) -> None:
    """A new version of plan-basic for new customers only: existing subscriptions stay on version 1."""
    package = Package.objects.get(ref_id="plan-basic")
    package_create_draft(package=package, now=CATALOG_AT)
    package_update(
        package=package,
        changes={"charges": {"pricing_type": "PAID", "pricing_models": [flat_fee(price("MONTHLY", amount))]}},
        now=CATALOG_AT,
    )
    package_publish(package=package, migration_type="NEW_CUSTOMERS", now=CATALOG_AT)


def test_both_sdks_migrate_a_subscription_to_the_latest_version(
    node_sdk: NodeSdk, python_sdk: PythonSdk, catalog: None
) -> None:
    customer("customer-2")
    for ref_id, customer_ref_id in (("subscription-1", "customer-1"), ("subscription-2", "customer-2")):
        provision(
            "plan-basic", now=timezone.now(), customer_ref_id=customer_ref_id, ref_id=ref_id, billing_period="MONTHLY"
        )
    _publish_basic_for_new_customers("12")
    node = node_sdk.run(
        "return await stigg.migrateSubscriptionToLatest({ subscriptionId: 'subscription-1',"
        " subscriptionMigrationTime: 'IMMEDIATE' });"
    )
    python = python_sdk.run(
        "result = client.migrate_subscription_to_latest(generated.SubscriptionMigrationInput("
        "subscriptionId='subscription-2', subscriptionMigrationTime='END_OF_BILLING_PERIOD'))"
    )
    assert node == {"subscriptionId": "subscription-1"}
    assert python == {"migrateSubscriptionToLatest": {"subscriptionId": "subscription-2"}}
    versions = dict(Subscription.objects.values_list("ref_id", "plan_version__version_number"))
    assert versions == {"subscription-1": 2, "subscription-2": 1}
    assert list(SubscriptionScheduledUpdate.objects.values_list("subscription__ref_id", "schedule_type")) == [
        ("subscription-2", "MIGRATE_TO_LATEST")
    ]


def test_node_sdk_delegates_and_transfers(node_sdk: NodeSdk, catalog: None) -> None:
    Product.objects.filter(ref_id="product-main").update(multiple_subscriptions=True)
    customer("customer-2")
    result = node_sdk.run(
        """
        await stigg.provisionSubscription({ customerId: 'customer-1', planId: 'plan-basic', billingPeriod: 'MONTHLY',
          id: 'subscription-1', resourceId: 'site-1' });
        const moved = await stigg.transferSubscriptionToResource({ subscriptionId: 'subscription-1',
          destinationResourceId: 'site-2' });
        const back = await stigg.transferSubscription({ customerId: 'customer-1', sourceResourceId: 'site-2',
          destinationResourceId: 'site-3' });
        const delegated = await stigg.delegateSubscriptionToCustomer({ subscriptionId: 'subscription-1',
          destinationCustomerId: 'customer-2' });
        return [moved.resource, back.resource, delegated.customerId];
        """
    )
    assert result == [{"id": "site-2"}, {"id": "site-3"}, "customer-2"]
    subscription = Subscription.objects.select_related("customer", "paying_customer", "resource").get()
    assert (subscription.customer.ref_id, subscription.paying_customer.ref_id) == ("customer-2", "customer-1")
    assert subscription.resource.ref_id == "site-3"

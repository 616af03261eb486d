"""Previews through GraphQL with both official SDKs: estimate a new subscription, estimate an update (with its
proration), preview a subscription (V2) and the next invoice. Nothing is written."""

from __future__ import annotations

import pytest

from subscriptions.models import Invoice, Subscription
from tests.sdk.runners import NodeSdk, PythonSdk
from tests.subscriptions.builders import catalog_for_subscriptions, customer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalog() -> None:
    catalog_for_subscriptions()
    customer("customer-1")


def test_python_sdk_estimates_and_previews(python_sdk: PythonSdk, catalog: None) -> None:
    result = python_sdk.run(
        "estimate = client.estimate_subscription(generated.EstimateSubscriptionInput(customerId='customer-1',"
        " planId='plan-basic', billingPeriod='MONTHLY'))\n"
        "preview = client.preview_subscription(generated.PreviewSubscriptionInput(customerId='customer-1',"
        " planId='plan-basic', billingPeriod='MONTHLY'))\n"
        "result = [estimate, preview]"
    )
    estimate, preview = result[0]["estimateSubscription"], result[1]["previewSubscription"]
    assert estimate["total"] == {"amount": 10.0, "currency": "USD"}
    assert estimate["subscription"]["total"] == {"amount": 10.0, "currency": "USD"}
    assert preview["immediateInvoice"]["total"] == {"amount": 10.0, "currency": "USD"}
    assert preview["recurringInvoice"]["total"] == {"amount": 10.0, "currency": "USD"}
    assert (preview["isPlanDowngrade"], preview["hasScheduledUpdates"]) == (False, False)
    assert not Subscription.objects.exists()


def test_node_sdk_estimates_an_update_with_proration_and_previews_the_next_invoice(
    node_sdk: NodeSdk, catalog: None
) -> None:
    result = node_sdk.run(
        """
        await stigg.provisionSubscription({ customerId: 'customer-1', planId: 'plan-pro', billingPeriod: 'MONTHLY',
          unitQuantity: 2, skipTrial: true, id: 'subscription-1' });
        const update = await stigg.estimateSubscriptionUpdate({ subscriptionId: 'subscription-1', unitQuantity: 4 });
        const next = await stigg.previewNextInvoice({ subscriptionId: 'subscription-1' });
        return {
          proration: update.proration && [update.proration.debit.amount > 0, update.proration.credit.amount < 0,
            update.proration.netAmount.currency],
          recurring: update.subscription && update.subscription.total.amount,
          next: [next.total.amount, next.amountDue.amount, next.lines.map((line) => line.amount.amount)],
        };
        """
    )
    assert result == {"proration": [True, True, "USD"], "recurring": 50, "next": [40, 40, [30, 10]]}
    assert Subscription.objects.get().unit_quantity == 2
    assert Invoice.objects.count() == 1

"""The product's usage-reset rule through the official client: set the rule, report usage, upgrade by provisioning
another plan, and read ``currentUsage`` back from the entitlement check (C9)."""

import pytest
import stigg

from catalog.models import Product
from subscriptions.models import Subscription
from tests.subscriptions.usage_reset_scenarios import ALWAYS, BY_PERIOD, NEVER, PRODUCT, catalog

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.parametrize(
    ("behavior", "billing_period", "resets"),
    [
        (NEVER, "ANNUALLY", False),
        (ALWAYS, "MONTHLY", True),
        (BY_PERIOD, "MONTHLY", False),
        (BY_PERIOD, "ANNUALLY", True),
    ],
)
def test_an_upgrade_carries_usage_over_or_resets_it_by_the_products_rule(
    stigg_client: stigg.Stigg, db: None, behavior: str, billing_period: str, resets: bool
) -> None:
    catalog(NEVER)
    stigg_client.v1.products.update_product(PRODUCT, usage_reset_cutoff_rule={"behavior": behavior})  # type: ignore[typeddict-item]
    assert Product.objects.get(ref_id=PRODUCT).usage_reset_behavior == behavior
    stigg_client.v1.subscriptions.provision(customer_id="customer-1", plan_id="plan-basic", billing_period="MONTHLY")
    reported = stigg_client.v1.usage.report(
        usages=[
            {"customer_id": "customer-1", "feature_id": "api-calls", "value": 7},
            {"customer_id": "customer-1", "feature_id": "exports", "value": 3},
        ]
    ).data
    assert [item.current_usage for item in reported] == [7, 3]

    upgraded = stigg_client.v1.subscriptions.provision(
        customer_id="customer-1", plan_id="plan-pro", billing_period=billing_period
    ).data

    assert upgraded.subscription is not None and upgraded.subscription.status == "ACTIVE"
    pro = Subscription.objects.get(ref_id=upgraded.subscription.id)
    calls = stigg_client.v1.customers.check_entitlement("customer-1", feature_id="api-calls").data
    exports = stigg_client.v1.customers.check_entitlement("customer-1", feature_id="exports").data
    assert (calls.is_granted, calls.usage_limit) == (True, 5000)
    assert (calls.current_usage, exports.current_usage) == ((0, 0) if resets else (7, 3))
    if resets:
        assert calls.usage_period_start is not None
        assert abs((calls.usage_period_start - pro.start_date).total_seconds()) < 0.001
    after = stigg_client.v1.usage.report(
        usages=[{"customer_id": "customer-1", "feature_id": "api-calls", "value": 2}]
    ).data
    assert after[0].current_usage == (2 if resets else 9)

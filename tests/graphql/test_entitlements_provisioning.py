"""The ``entitlements``/``entitlementsV2`` of a provisioning result: the customer's entitlements in the scope of
the subscription just provisioned (its resource's, for a per-resource product), read after the write."""

from __future__ import annotations

import pytest

from tests.entitlements.builders import catalog_for_entitlements, customer
from tests.sdk.runners import PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalog(api_key: str) -> None:
    catalog_for_entitlements()
    customer("customer-1")


def test_python_provisioning_answers_the_entitlements_of_the_subscriptions_scope(
    python_sdk: PythonSdk, catalog: None
) -> None:
    result = python_sdk.run(
        """
provisioned = [client.provision_subscription(generated.ProvisionSubscriptionInput(**item)).provision_subscription
               for item in input]
result = [[(entitlement.feature.ref_id, entitlement.resource_id, entitlement.is_granted)
           for entitlement in item.entitlements] + [(entitlement.typename__, entitlement.feature.ref_id)
           for entitlement in item.entitlements_v_2] for item in provisioned]
""",
        [
            {"customerId": "customer-1", "planId": "plan-site", "resourceId": "site-1"},
            {"customerId": "customer-1", "planId": "plan-basic"},
        ],
    )

    assert result == [
        [["site-analytics", "site-1", True], ["FeatureEntitlement", "site-analytics"]],
        [
            ["api-calls", None, True],
            ["seats", None, True],
            ["storage", None, True],
            ["support-tier", None, True],
            ["FeatureEntitlement", "api-calls"],
            ["FeatureEntitlement", "seats"],
            ["FeatureEntitlement", "storage"],
            ["FeatureEntitlement", "support-tier"],
        ],
    ]

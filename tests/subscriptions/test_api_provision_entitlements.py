"""The provision result carries the customer's runtime entitlements, answered by the one entitlement engine."""

import pytest
import stigg
from django.utils import timezone

from catalog.selectors import package_get
from catalog.services.entitlements import entitlements_create
from catalog.services.features import feature_create
from catalog.services.packages import package_create, package_publish
from catalog.services.products import product_create
from customers.services import customer_provision


@pytest.fixture
def free_plan_with_entitlements(transactional_db: None) -> None:
    now = timezone.now()
    product_create(ref_id="app", display_name="App", now=now)
    feature_create(ref_id="sso", display_name="SSO", feature_type="BOOLEAN", now=now)
    feature_create(ref_id="projects", display_name="Projects", feature_type="NUMBER", now=now)
    package_create(kind="PLAN", ref_id="free", product_ref_id="app", display_name="Free", now=now, pricing_type="FREE")
    plan = package_get("PLAN", "free")
    entitlements_create(
        package=plan,
        items=[
            {"type": "FEATURE", "target_ref_id": "sso"},
            {"type": "FEATURE", "target_ref_id": "projects", "usage_limit": 3},
        ],
        now=now,
    )
    package_publish(package=plan, migration_type="NEW_CUSTOMERS", now=now)
    customer_provision(ref_id="acme", now=now)


def test_provision_answers_the_new_entitlements(stigg_client: stigg.Stigg, free_plan_with_entitlements: None) -> None:
    result = stigg_client.v1.subscriptions.provision(customer_id="acme", plan_id="free").data

    granted = {
        entitlement.feature.id: (entitlement.type, entitlement.is_granted, entitlement.usage_limit)
        for entitlement in result.entitlements or []
    }
    assert granted == {"sso": ("FEATURE", True, None), "projects": ("FEATURE", True, 3)}

"""The provision result carries the customer's runtime entitlements, answered by the one entitlement engine."""

import pytest
import stigg
from django.utils import timezone

from catalog.selectors import package_get
from catalog.services.currencies import custom_currency_create
from catalog.services.entitlements import entitlements_create
from catalog.services.features import feature_create
from catalog.services.packages import package_create, package_publish
from catalog.services.products import product_create
from customers.services import customer_provision
from tests.credits.builders import grant


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


def test_provision_answers_credit_wallets_and_usage_as_the_entitlements_list_does(
    stigg_client: stigg.Stigg, free_plan_with_entitlements: None
) -> None:
    custom_currency_create(ref_id="tokens", display_name="Tokens", unit_plural="tokens", now=timezone.now())
    grant(50, customer_ref_id="acme", now=timezone.now())

    result = stigg_client.v1.subscriptions.provision(customer_id="acme", plan_id="free").data
    listed = stigg_client.v1.customers.retrieve_entitlements("acme").data.entitlements

    [credit] = [entitlement for entitlement in result.entitlements or [] if entitlement.type == "CREDIT"]
    assert (credit.currency.currency_id, credit.usage_limit, credit.current_usage, credit.is_granted) == (
        "tokens",
        50,
        0,
        True,
    )
    assert [item.to_dict(warnings=False) for item in result.entitlements or []] == [
        item.to_dict(warnings=False) for item in listed
    ]

"""Subscription-level custom entitlements: provisioned and replaced through the official client, answered by the
entitlement engine over the plan's, refused (and nothing written) when the catalog's rules say no."""

from typing import Any

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
from subscriptions.models import Subscription, SubscriptionEntitlement


@pytest.fixture
def free_plan(transactional_db: None) -> None:
    now = timezone.now()
    product_create(ref_id="app", display_name="App", now=now)
    feature_create(ref_id="sso", display_name="SSO", feature_type="BOOLEAN", now=now)
    feature_create(ref_id="projects", display_name="Projects", feature_type="NUMBER", now=now)
    feature_create(ref_id="members", display_name="Members", feature_type="NUMBER", now=now)
    custom_currency_create(ref_id="tokens", display_name="Tokens", now=now)
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


def limit(client: stigg.Stigg, feature_ref_id: str) -> tuple[bool, float | None, bool | None]:
    data = client.v1.customers.check_entitlement("acme", feature_id=feature_ref_id).data
    return data.is_granted, data.usage_limit, data.has_unlimited_usage


def custom_rows() -> list[tuple[str, str, int | None, bool]]:
    return [
        (row.type, row.target_ref_id, row.usage_limit, row.has_unlimited_usage)
        for row in SubscriptionEntitlement.objects.select_related("feature", "currency").order_by("pk")
    ]


def test_provisioned_custom_entitlements_override_the_plan(stigg_client: stigg.Stigg, free_plan: None) -> None:
    result = stigg_client.v1.subscriptions.provision(
        customer_id="acme",
        plan_id="free",
        id="sub-acme",
        entitlements=[
            {"type": "FEATURE", "id": "projects", "usage_limit": 50},
            {"type": "FEATURE", "id": "members", "has_unlimited_usage": True},
            {"type": "CREDIT", "id": "tokens", "amount": 100, "cadence": "MONTH"},
        ],
    ).data

    assert result.subscription is not None
    assert [(item.id, item.type) for item in result.subscription.subscription_entitlements or []] == [
        ("projects", "FEATURE"),
        ("members", "FEATURE"),
        ("tokens", "CREDIT"),
    ]
    assert limit(stigg_client, "projects") == (True, 50, False)
    assert limit(stigg_client, "members") == (True, None, True)
    assert limit(stigg_client, "sso")[0] is True
    fetched = stigg_client.v1.subscriptions.retrieve("sub-acme").data
    assert [item.id for item in fetched.subscription_entitlements or []] == ["projects", "members", "tokens"]


def test_an_update_replaces_the_custom_entitlements(stigg_client: stigg.Stigg, free_plan: None) -> None:
    stigg_client.v1.subscriptions.provision(
        customer_id="acme",
        plan_id="free",
        id="sub-acme",
        entitlements=[
            {"type": "FEATURE", "id": "projects", "usage_limit": 50},
            {"type": "FEATURE", "id": "members", "usage_limit": 5},
        ],
    )

    updated = stigg_client.v1.subscriptions.update(
        "sub-acme", entitlements=[{"type": "FEATURE", "id": "projects", "usage_limit": 1}]
    ).data

    assert [(item.id, item.type) for item in updated.subscription_entitlements or []] == [("projects", "FEATURE")]
    assert custom_rows() == [("FEATURE", "projects", 1, False)]
    assert limit(stigg_client, "projects") == (True, 1, False)
    assert limit(stigg_client, "members")[0] is False

    cleared = stigg_client.v1.subscriptions.update("sub-acme", entitlements=[]).data

    assert cleared.subscription_entitlements == []
    assert limit(stigg_client, "projects") == (True, 3, False)
    assert Subscription.objects.get(ref_id="sub-acme").invoices.count() == 0


@pytest.mark.parametrize(
    ("entitlement", "status", "field"),
    [
        ({"type": "FEATURE", "id": "nope", "usage_limit": 1}, 404, "entitlements[0].id"),
        ({"type": "FEATURE", "id": "sso", "usage_limit": 1}, 400, "entitlements[0].usageLimit"),
        ({"type": "FEATURE", "id": "projects"}, 400, "entitlements[0].usageLimit"),
        ({"type": "CREDIT", "id": "nope", "amount": 1, "cadence": "MONTH"}, 404, "entitlements[0].id"),
        ({"type": "CREDIT", "id": "tokens", "amount": 0, "cadence": "MONTH"}, 400, "entitlements[0].amount"),
    ],
    ids=["unknown-feature", "limit-on-boolean", "number-without-limit", "unknown-currency", "zero-credits"],
)
def test_bad_custom_entitlements_are_refused_and_nothing_is_written(
    stigg_client: stigg.Stigg, free_plan: None, entitlement: dict[str, Any], status: int, field: str
) -> None:
    with pytest.raises(stigg.APIStatusError) as raised:
        stigg_client.v1.subscriptions.provision(
            customer_id="acme",
            plan_id="free",
            entitlements=[entitlement],  # type: ignore[list-item]
        )

    assert (raised.value.status_code, raised.value.body["error"]["details"]["field"]) == (status, field)  # type: ignore[index]
    assert (Subscription.objects.count(), SubscriptionEntitlement.objects.count()) == (0, 0)


def test_a_refused_update_keeps_the_custom_entitlements(stigg_client: stigg.Stigg, free_plan: None) -> None:
    stigg_client.v1.subscriptions.provision(
        customer_id="acme",
        plan_id="free",
        id="sub-acme",
        entitlements=[{"type": "FEATURE", "id": "projects", "usage_limit": 50}],
    )

    with pytest.raises(stigg.BadRequestError):
        stigg_client.v1.subscriptions.update(
            "sub-acme",
            entitlements=[
                {"type": "FEATURE", "id": "members", "usage_limit": 5},
                {"type": "FEATURE", "id": "sso", "usage_limit": 1},
            ],
        )

    assert custom_rows() == [("FEATURE", "projects", 50, False)]
    assert limit(stigg_client, "projects") == (True, 50, False)

"""The paywall (beyond the contract): a product's published plans, ordered, with what each one really grants."""

import json
from decimal import Decimal
from typing import Any

import pytest
import stigg
from django.utils import timezone

from catalog.models import Product
from catalog.services.features import feature_create
from catalog.services.products import product_create


@pytest.fixture
def catalog(db: None) -> Product:
    now = timezone.now()
    product = product_create(ref_id="product-main", display_name="Main product", now=now)
    product_create(ref_id="product-other", display_name="Other product", now=now)
    feature_create(ref_id="feature-sso", display_name="SSO", feature_type="BOOLEAN", now=now)
    feature_create(ref_id="feature-seats", display_name="Seats", feature_type="NUMBER", now=now)
    feature_create(ref_id="feature-audit", display_name="Audit log", feature_type="BOOLEAN", now=now)
    return product


def paywall(client: stigg.Stigg, **params: str) -> dict[str, Any]:
    """GET /api/v1/paywall through the official client's generic transport (the SDK has no method for it)."""
    response = client.get("/api/v1/paywall", cast_to=str, options={"params": params})  # type: ignore[arg-type]
    return json.loads(response, parse_float=Decimal)


def make_plan(
    client: stigg.Stigg,
    ref_id: str,
    *,
    monthly: float | None = None,
    entitlements: list[dict[str, Any]] = (),  # type: ignore[assignment]
    publish: bool = True,
    product_id: str = "product-main",
    **fields: Any,
) -> None:
    client.v1.plans.create(
        id=ref_id,
        display_name=ref_id.removeprefix("plan-").title(),
        product_id=product_id,
        pricing_type="FREE" if monthly is None else "PAID",
        **fields,
    )
    if entitlements:
        client.v1.plans.entitlements.create(ref_id, entitlements=entitlements)  # type: ignore[arg-type]
    if monthly is not None:
        client.v1.plans.update(
            ref_id,
            charges={
                "pricing_type": "PAID",
                "pricing_models": [
                    {
                        "billing_model": "FLAT_FEE",
                        "price_periods": [{"billing_period": "MONTHLY", "price": {"amount": monthly}}],
                    }
                ],
            },
        )
    if publish:
        client.v1.plans.publish(ref_id, migration_type="NEW_CUSTOMERS")


def summary(plan: dict[str, Any]) -> tuple:
    return (
        plan["id"],
        [(item["id"], item.get("usageLimit")) for item in plan["entitlements"]],
        [(price["billingPeriod"], price["price"]["amount"], price["price"]["currency"]) for price in plan["prices"]],
    )


def test_plans_come_parents_first_then_cheaper_first(stigg_client: stigg.Stigg, catalog: Product) -> None:
    make_plan(stigg_client, "plan-business", monthly=99)
    make_plan(stigg_client, "plan-free")
    make_plan(stigg_client, "plan-starter", monthly=9.5)
    make_plan(stigg_client, "plan-enterprise", monthly=49, parent_plan_id="plan-business")
    make_plan(stigg_client, "plan-team", monthly=19, parent_plan_id="plan-starter")

    plans = paywall(stigg_client, productId="product-main")["data"]["plans"]

    assert [plan["id"] for plan in plans] == [
        "plan-free",
        "plan-starter",
        "plan-business",
        "plan-team",
        "plan-enterprise",
    ]
    assert [(plan["status"], plan["isLatest"], plan["versionNumber"]) for plan in plans] == [("PUBLISHED", True, 1)] * 5
    assert [plan["parentPlanId"] for plan in plans] == [None, None, None, "plan-starter", "plan-business"]


def test_cheaper_means_the_flat_fee_not_a_unit_price(stigg_client: stigg.Stigg, catalog: Product) -> None:
    make_plan(stigg_client, "plan-business", publish=False)
    stigg_client.v1.plans.update(
        "plan-business",
        charges={
            "pricing_type": "PAID",
            "pricing_models": [
                {
                    "billing_model": "FLAT_FEE",
                    "price_periods": [{"billing_period": "MONTHLY", "price": {"amount": 99}}],
                },
                {
                    "billing_model": "PER_UNIT",
                    "feature_id": "feature-seats",
                    "price_periods": [{"billing_period": "MONTHLY", "price": {"amount": 1}}],
                },
            ],
        },
    )
    stigg_client.v1.plans.publish("plan-business", migration_type="NEW_CUSTOMERS")
    make_plan(stigg_client, "plan-annual", publish=False)
    stigg_client.v1.plans.update(
        "plan-annual",
        charges={
            "pricing_type": "PAID",
            "pricing_models": [
                {
                    "billing_model": "FLAT_FEE",
                    "price_periods": [{"billing_period": "ANNUALLY", "price": {"amount": 600}}],
                }
            ],
        },
    )
    stigg_client.v1.plans.publish("plan-annual", migration_type="NEW_CUSTOMERS")
    make_plan(stigg_client, "plan-starter", monthly=10)

    plans = paywall(stigg_client, productId="product-main")["data"]["plans"]

    assert [plan["id"] for plan in plans] == ["plan-starter", "plan-annual", "plan-business"]


def test_children_show_the_entitlements_they_inherit(stigg_client: stigg.Stigg, catalog: Product) -> None:
    make_plan(
        stigg_client,
        "plan-starter",
        monthly=10,
        entitlements=[
            {"id": "feature-seats", "type": "FEATURE", "usage_limit": 3, "order": 1},
            {"id": "feature-sso", "type": "FEATURE", "order": 2},
        ],
    )
    make_plan(
        stigg_client,
        "plan-team",
        monthly=30,
        parent_plan_id="plan-starter",
        entitlements=[
            {"id": "feature-seats", "type": "FEATURE", "usage_limit": 10, "order": 1},
            {"id": "feature-audit", "type": "FEATURE", "order": 3},
        ],
    )
    make_plan(stigg_client, "plan-grand", monthly=60, parent_plan_id="plan-team")

    plans = paywall(stigg_client, productId="product-main")["data"]["plans"]

    assert [summary(plan)[:2] for plan in plans] == [
        ("plan-starter", [("feature-seats", 3), ("feature-sso", None)]),
        ("plan-team", [("feature-seats", 10), ("feature-sso", None), ("feature-audit", None)]),
        ("plan-grand", [("feature-seats", 10), ("feature-sso", None), ("feature-audit", None)]),
    ]
    assert [item["type"] for item in plans[1]["entitlements"]] == ["FEATURE", "FEATURE", "FEATURE"]


def test_billing_country_picks_the_country_price_and_falls_back_to_the_default(
    stigg_client: stigg.Stigg, catalog: Product
) -> None:
    make_plan(stigg_client, "plan-pro", publish=False)
    stigg_client.v1.plans.update(
        "plan-pro",
        charges={
            "pricing_type": "PAID",
            "pricing_models": [
                {
                    "billing_model": "FLAT_FEE",
                    "price_periods": [
                        {"billing_period": "MONTHLY", "price": {"amount": 19.99, "currency": "usd"}},
                        {
                            "billing_period": "MONTHLY",
                            "billing_country_code": "DE",
                            "price": {"amount": 17.5, "currency": "eur"},
                        },
                        {"billing_period": "ANNUALLY", "price": {"amount": 199, "currency": "usd"}},
                    ],
                }
            ],
        },
    )
    stigg_client.v1.plans.publish("plan-pro", migration_type="NEW_CUSTOMERS")

    default = paywall(stigg_client, productId="product-main")["data"]["plans"][0]
    germany = paywall(stigg_client, productId="product-main", billingCountryCode="DE")["data"]["plans"][0]
    lowercase = paywall(stigg_client, productId="product-main", billingCountryCode="de")["data"]["plans"][0]
    france = paywall(stigg_client, productId="product-main", billingCountryCode="FR")["data"]["plans"][0]

    assert summary(default)[2] == [("MONTHLY", Decimal("19.99"), "usd"), ("ANNUALLY", 199, "usd")]
    assert summary(germany)[2] == [("MONTHLY", Decimal("17.5"), "eur"), ("ANNUALLY", 199, "usd")]
    assert summary(lowercase)[2] == summary(germany)[2]
    assert summary(france)[2] == summary(default)[2]
    assert [price["billingCountryCode"] for price in germany["prices"]] == ["DE", None]


def test_compatible_addons_come_with_their_plan(stigg_client: stigg.Stigg, catalog: Product) -> None:
    for ref_id, publish in (("addon-storage", True), ("addon-support", True), ("addon-draft", False)):
        stigg_client.v1.addons.create(id=ref_id, display_name=ref_id, product_id="product-main", max_quantity=4)
        if publish:
            stigg_client.v1.addons.entitlements.create(
                ref_id, entitlements=[{"id": "feature-seats", "type": "FEATURE", "usage_limit": 5}]
            )
            stigg_client.v1.addons.update(
                ref_id,
                charges={
                    "pricing_type": "PAID",
                    "pricing_models": [
                        {
                            "billing_model": "FLAT_FEE",
                            "price_periods": [{"billing_period": "MONTHLY", "price": {"amount": 5}}],
                        }
                    ],
                },
            )
            stigg_client.v1.addons.publish(ref_id, migration_type="NEW_CUSTOMERS")
    make_plan(stigg_client, "plan-pro", publish=False)
    stigg_client.v1.plans.update("plan-pro", compatible_addon_ids=["addon-support", "addon-storage", "addon-draft"])
    stigg_client.v1.plans.publish("plan-pro", migration_type="NEW_CUSTOMERS")
    make_plan(stigg_client, "plan-basic")

    plans = {plan["id"]: plan for plan in paywall(stigg_client, productId="product-main")["data"]["plans"]}

    addons = plans["plan-pro"]["compatibleAddons"]
    assert sorted(addon["id"] for addon in addons) == ["addon-storage", "addon-support"]
    assert [(addon["maxQuantity"], addon["status"]) for addon in addons] == [(4, "PUBLISHED"), (4, "PUBLISHED")]
    assert [summary(addon)[1:] for addon in addons] == [
        ([("feature-seats", 5)], [("MONTHLY", 5, "usd")]),
        ([("feature-seats", 5)], [("MONTHLY", 5, "usd")]),
    ]
    assert plans["plan-pro"]["compatibleAddonIds"] == ["addon-draft", "addon-storage", "addon-support"]
    assert plans["plan-basic"]["compatibleAddons"] == []


def test_only_the_latest_published_version_of_live_plans_is_shown(stigg_client: stigg.Stigg, catalog: Product) -> None:
    make_plan(stigg_client, "plan-draft-only", publish=False)
    make_plan(stigg_client, "plan-archived")
    stigg_client.v1.plans.archive("plan-archived")
    make_plan(stigg_client, "plan-elsewhere", product_id="product-other")
    make_plan(stigg_client, "plan-pro", entitlements=[{"id": "feature-seats", "type": "FEATURE", "usage_limit": 1}])
    stigg_client.v1.plans.create_draft("plan-pro")
    stigg_client.v1.plans.update("plan-pro", display_name="Pro (next)")
    stigg_client.v1.plans.entitlements.update("feature-seats", plan_id="plan-pro", type="FEATURE", usage_limit=99)

    plans = paywall(stigg_client, productId="product-main")["data"]["plans"]

    assert [(plan["id"], plan["displayName"], plan["versionNumber"]) for plan in plans] == [("plan-pro", "Pro", 1)]
    assert summary(plans[0])[1] == [("feature-seats", 1)]


def test_an_empty_product_has_an_empty_paywall(stigg_client: stigg.Stigg, catalog: Product) -> None:
    assert paywall(stigg_client, productId="product-main") == {"data": {"plans": []}}


def test_unknown_product_is_not_found(stigg_client: stigg.Stigg, catalog: Product) -> None:
    with pytest.raises(stigg.NotFoundError) as caught:
        paywall(stigg_client, productId="product-missing")

    assert caught.value.body["error"]["code"] == "PRODUCT_NOT_FOUND"  # type: ignore[index]


def test_product_id_is_required(stigg_client: stigg.Stigg, catalog: Product) -> None:
    with pytest.raises(stigg.BadRequestError) as caught:
        paywall(stigg_client)

    assert caught.value.body["error"]["message"] == "productId: is required"  # type: ignore[index]


def test_the_paywall_needs_an_api_key(live_server: Any, catalog: Product) -> None:
    client = stigg.Stigg(api_key="wrong", base_url=live_server.url, max_retries=0)

    with pytest.raises(stigg.AuthenticationError):
        paywall(client, productId="product-main")
    client.close()

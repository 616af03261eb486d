"""A catalog for the GraphQL catalog tests, built through the catalog's services (no tests here).

``product-main``: ``plan-free`` (free: SSO, 2 seats), ``plan-pro`` (based on free: 10 seats overriding, 1000 calls,
250 credits a month; a flat fee of 20 USD a month (17 EUR in Germany), graduated tiers for seats billed yearly,
0.0004 USD a call, an overage price; a 14-day trial; compatible with both add-ons), ``addon-storage`` (5 USD a
month, 5 seats) and ``addon-extra`` (depends on storage). Its downgrade plan is ``plan-free``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from catalog import enums
from catalog.models import Package
from catalog.selectors import product_get
from catalog.services.currencies import custom_currency_create
from catalog.services.entitlements import entitlements_create
from catalog.services.features import feature_create
from catalog.services.packages import package_create, package_publish
from catalog.services.products import product_create, product_update

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
PLAN, ADDON = enums.PackageKind.PLAN, enums.PackageKind.ADDON
METER = {"aggregation": {"function": "COUNT"}, "filters": []}


def features_and_currency() -> None:
    feature_create(
        ref_id="feature-seats",
        display_name="Seats",
        feature_type="NUMBER",
        feature_units="seat",
        feature_units_plural="seats",
        metadata={"group": "team"},
        now=T0,
    )
    feature_create(ref_id="feature-sso", display_name="SSO", feature_type="BOOLEAN", now=T0)
    feature_create(
        ref_id="feature-calls",
        display_name="Calls",
        feature_type="NUMBER",
        meter_type="INCREMENTAL",
        meter=METER,
        now=T0,
    )
    custom_currency_create(
        ref_id="credits", display_name="Credits", symbol="¢", unit_singular="credit", unit_plural="credits", now=T0
    )


def flat_fee(amount: str, *, period: str = "MONTHLY", country: str | None = None, currency: str = "usd") -> dict:
    price_period: dict[str, Any] = {
        "billing_period": period,
        "price": {"amount": Decimal(amount), "currency": currency},
    }
    if country:
        price_period["billing_country_code"] = country
    return price_period


def publish(kind: str, ref_id: str) -> None:
    package_publish(package=Package.objects.get(kind=kind, ref_id=ref_id), migration_type="NEW_CUSTOMERS", now=T0)


def entitle(kind: str, ref_id: str, items: list[dict[str, Any]]) -> None:
    entitlements_create(package=Package.objects.get(kind=kind, ref_id=ref_id), items=items, now=T0)


def addon(ref_id: str, *, product_ref_id: str = "product-main", monthly: str = "5", **fields: Any) -> None:
    package_create(
        kind=ADDON,
        ref_id=ref_id,
        product_ref_id=product_ref_id,
        display_name=ref_id.removeprefix("addon-").title(),
        description=f"The {ref_id} add-on",
        charges={
            "pricing_type": "PAID",
            "pricing_models": [{"billing_model": "FLAT_FEE", "price_periods": [flat_fee(monthly)]}],
        },
        now=T0,
        **fields,
    )
    entitle(ADDON, ref_id, [{"type": "FEATURE", "target_ref_id": "feature-seats", "usage_limit": 5}])
    publish(ADDON, ref_id)


def free_plan(ref_id: str = "plan-free", *, product_ref_id: str = "product-main", **fields: Any) -> None:
    package_create(
        kind=PLAN,
        ref_id=ref_id,
        product_ref_id=product_ref_id,
        display_name=ref_id.removeprefix("plan-").title(),
        pricing_type="FREE",
        now=T0,
        **fields,
    )
    entitle(
        PLAN,
        ref_id,
        [
            {"type": "FEATURE", "target_ref_id": "feature-sso", "order": 1},
            {"type": "FEATURE", "target_ref_id": "feature-seats", "usage_limit": 2, "order": 2},
        ],
    )
    publish(PLAN, ref_id)


def pro_plan() -> None:
    package_create(
        kind=PLAN,
        ref_id="plan-pro",
        product_ref_id="product-main",
        display_name="Pro",
        description="Everything",
        metadata={"tier": "2"},
        billing_id="billing-pro",
        parent_plan_ref_id="plan-free",
        compatible_addon_ref_ids=["addon-storage", "addon-extra"],
        default_trial_config={
            "duration": Decimal(14),
            "units": "DAY",
            "budget": {"has_soft_limit": True, "limit": Decimal("25.5")},
            "trial_end_behavior": "CANCEL_SUBSCRIPTION",
        },
        charges={
            "pricing_type": "PAID",
            "overage_billing_period": "MONTHLY",
            "pricing_models": [
                {
                    "billing_model": "FLAT_FEE",
                    "price_periods": [flat_fee("20"), flat_fee("17", country="DE", currency="eur")],
                },
                {
                    "billing_model": "PER_UNIT",
                    "feature_id": "feature-seats",
                    "min_unit_quantity": 1,
                    "max_unit_quantity": 20,
                    "tiers_mode": "GRADUATED",
                    "price_periods": [
                        {
                            "billing_period": "ANNUALLY",
                            "tiers": [
                                {"up_to": Decimal(10), "unit_price": {"amount": Decimal("5")}},
                                {"unit_price": {"amount": Decimal("4")}, "flat_price": {"amount": Decimal("1")}},
                            ],
                        }
                    ],
                },
                {
                    "billing_model": "USAGE_BASED",
                    "feature_id": "feature-calls",
                    "reset_period": "MONTH",
                    "reset_configuration": {"monthly": "StartOfTheMonth"},
                    "price_periods": [
                        {
                            "billing_period": "MONTHLY",
                            "price": {"amount": Decimal("0.0004")},
                            "block_size": Decimal(100),
                        }
                    ],
                },
            ],
            "overage_pricing_models": [
                {
                    "feature_id": "feature-calls",
                    "entitlement": {"featureId": "feature-calls", "usageLimit": 1000},
                    "price_periods": [{"billing_period": "MONTHLY", "price": {"amount": Decimal("0.01")}}],
                }
            ],
        },
        now=T0,
    )
    entitle(
        PLAN,
        "plan-pro",
        [
            {
                "type": "FEATURE",
                "target_ref_id": "feature-seats",
                "usage_limit": 10,
                "has_soft_limit": True,
                "display_name_override": "Team seats",
                "hidden_from_widgets": ["CUSTOMER_PORTAL"],
                "order": 2,
            },
            {
                "type": "FEATURE",
                "target_ref_id": "feature-calls",
                "usage_limit": 1000,
                "reset_period": "MONTH",
                "order": 3,
            },
            {
                "type": "CREDIT",
                "target_ref_id": "credits",
                "amount": Decimal("250.5"),
                "cadence": "MONTH",
                "dependency_feature_ref_id": "feature-seats",
                "order": 4,
            },
        ],
    )
    publish(PLAN, "plan-pro")


def build_catalog() -> None:
    """The catalog described at the top of this module."""
    product_create(ref_id="product-main", display_name="Main", description="The product", metadata={"k": "v"}, now=T0)
    features_and_currency()
    addon("addon-storage")
    addon("addon-extra", monthly="7", dependency_ref_ids=["addon-storage"])
    free_plan()
    pro_plan()
    product_update(
        product=product_get("product-main"), changes={"product_settings": {"downgrade_plan_id": "plan-free"}}, now=T0
    )

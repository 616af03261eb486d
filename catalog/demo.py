"""A small demo catalog, loaded through the catalog services (``manage.py loaddemo``).

Product ``revvenu`` with three published plans (``free``, ``pro`` per seat with a 14-day trial, ``enterprise``
with custom pricing on top of ``pro``), a paid add-on (``extra-projects``), five features of every kind, a custom
credit currency (``ai-tokens``, granted monthly by ``pro``) and a launch coupon. Subscriptions that end fall back
to ``free``.

Idempotent: whatever already exists (by id) is left alone, so a second run creates nothing.
"""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction

from catalog import enums
from catalog.selectors import coupon_get, custom_currency_get, feature_get, package_get, product_get
from catalog.services import coupons, currencies, entitlements, features, packages, products
from config.errors import NotFound

PRODUCT_ID = "revvenu"

FEATURES: list[dict[str, Any]] = [
    {"ref_id": "sso", "display_name": "Single sign-on", "feature_type": enums.FeatureType.BOOLEAN},
    {
        "ref_id": "max-projects",
        "display_name": "Projects",
        "feature_type": enums.FeatureType.NUMBER,
        "feature_units": "project",
        "feature_units_plural": "projects",
    },
    {
        "ref_id": "api-calls",
        "display_name": "API calls",
        "feature_type": enums.FeatureType.NUMBER,
        "meter_type": enums.MeterType.INCREMENTAL,
        "feature_units": "call",
        "feature_units_plural": "calls",
        "meter": {
            "aggregation": {"function": enums.AggregationFunction.COUNT},
            "filters": [
                {"conditions": [{"field": "eventName", "operation": enums.FilterOperation.EQUALS, "value": "api_call"}]}
            ],
        },
    },
    {
        "ref_id": "support-tier",
        "display_name": "Support tier",
        "feature_type": enums.FeatureType.ENUM,
        "enum_configuration": [
            {"value": "community", "displayName": "Community"},
            {"value": "email", "displayName": "Email"},
            {"value": "priority", "displayName": "Priority"},
        ],
    },
    {
        "ref_id": "seats",
        "display_name": "Seats",
        "feature_type": enums.FeatureType.NUMBER,
        "meter_type": enums.MeterType.FLUCTUATING,
        "feature_units": "seat",
        "feature_units_plural": "seats",
    },
]

CURRENCY: dict[str, Any] = {
    "ref_id": "ai-tokens",
    "display_name": "AI tokens",
    "unit_singular": "token",
    "unit_plural": "tokens",
}

MONTHLY_RESET = {"reset_period": enums.ResetPeriod.MONTH, "reset_configuration": {"monthly": "SubscriptionStart"}}


def _feature(ref_id: str, **values: Any) -> dict[str, Any]:
    return {"type": enums.EntitlementType.FEATURE, "target_ref_id": ref_id, **values}


def _flat_monthly(amount: str) -> dict[str, Any]:
    return {
        "billing_model": enums.BillingModel.FLAT_FEE,
        "price_periods": [
            {"billing_period": enums.BillingPeriod.MONTHLY, "price": {"amount": Decimal(amount), "currency": "usd"}}
        ],
    }


# Packages in publishing order: add-on before the plan it is compatible with, parent plan before its child.
PACKAGES: list[dict[str, Any]] = [
    {
        "kind": enums.PackageKind.ADDON,
        "ref_id": "extra-projects",
        "display_name": "Extra projects",
        "description": "Ten more projects.",
        "changes": {"charges": {"pricing_type": enums.PricingType.PAID, "pricing_models": [_flat_monthly("10.00")]}},
        "entitlements": [_feature("max-projects", usage_limit=10)],
    },
    {
        "kind": enums.PackageKind.PLAN,
        "ref_id": "free",
        "display_name": "Free",
        "description": "For trying things out.",
        "changes": {"charges": {"pricing_type": enums.PricingType.FREE}},
        "entitlements": [
            _feature("max-projects", usage_limit=3),
            _feature("api-calls", usage_limit=1_000, **MONTHLY_RESET),
            _feature("support-tier", enum_values=["community"]),
            _feature("seats", usage_limit=1),
        ],
    },
    {
        "kind": enums.PackageKind.PLAN,
        "ref_id": "pro",
        "display_name": "Pro",
        "description": "For growing teams, billed per seat.",
        "changes": {
            "default_trial_config": {"duration": Decimal(14), "units": enums.TrialUnits.DAY},
            "compatible_addon_ref_ids": ["extra-projects"],
            "charges": {
                "pricing_type": enums.PricingType.PAID,
                "pricing_models": [
                    {
                        "billing_model": enums.BillingModel.PER_UNIT,
                        "feature_id": "seats",
                        "min_unit_quantity": 1,
                        "price_periods": [
                            {
                                "billing_period": enums.BillingPeriod.MONTHLY,
                                "price": {"amount": Decimal("20.00"), "currency": "usd"},
                            },
                            {
                                "billing_period": enums.BillingPeriod.ANNUALLY,
                                "price": {"amount": Decimal("200.00"), "currency": "usd"},
                            },
                        ],
                    }
                ],
            },
        },
        "entitlements": [
            _feature("max-projects", usage_limit=50),
            _feature("api-calls", usage_limit=100_000, **MONTHLY_RESET),
            _feature("support-tier", enum_values=["community", "email"]),
            {
                "type": enums.EntitlementType.CREDIT,
                "target_ref_id": "ai-tokens",
                "amount": Decimal(1000),
                "cadence": enums.CreditCadence.MONTH,
            },
        ],
    },
    {
        "kind": enums.PackageKind.PLAN,
        "ref_id": "enterprise",
        "display_name": "Enterprise",
        "description": "Everything in Pro, with SSO and priority support; priced by contract.",
        "changes": {"parent_plan_ref_id": "pro", "charges": {"pricing_type": enums.PricingType.CUSTOM}},
        "entitlements": [
            _feature("sso"),
            _feature("max-projects", has_unlimited_usage=True),
            _feature("api-calls", has_unlimited_usage=True),
            _feature("support-tier", enum_values=["priority"]),
        ],
    },
]

COUPON: dict[str, Any] = {
    "ref_id": "launch-20",
    "name": "Launch: 20% off for 3 months",
    "percent_off": Decimal(20),
    "duration_in_months": 3,
}


def _ensure(find: Callable[[], object], label: str, create: Callable[[], object], created: list[str]) -> None:
    """Create the object unless ``find`` (a selector) finds it."""
    try:
        find()
    except NotFound:
        create()
        created.append(label)


@transaction.atomic
def demo_catalog_load(*, now: datetime) -> list[str]:
    """Create whatever part of the demo catalog is missing, through the services; return what was created.

    All or nothing (one transaction). Objects already present under a demo id are kept as they are.
    """
    created: list[str] = []
    _ensure(
        lambda: product_get(PRODUCT_ID),
        f"product {PRODUCT_ID}",
        lambda: products.product_create(ref_id=PRODUCT_ID, display_name="Revvenu", now=now),
        created,
    )
    for spec in FEATURES:
        _ensure(
            partial(feature_get, spec["ref_id"]),
            f"feature {spec['ref_id']}",
            partial(features.feature_create, now=now, **spec),
            created,
        )
    _ensure(
        lambda: custom_currency_get(CURRENCY["ref_id"]),
        f"currency {CURRENCY['ref_id']}",
        lambda: currencies.custom_currency_create(now=now, **CURRENCY),
        created,
    )
    for spec in PACKAGES:
        _ensure(
            partial(package_get, spec["kind"], spec["ref_id"]),
            f"{spec['kind'].lower()} {spec['ref_id']}",
            partial(_package_create, spec, now=now),
            created,
        )
    _ensure(
        lambda: coupon_get(COUPON["ref_id"]),
        f"coupon {COUPON['ref_id']}",
        lambda: coupons.coupon_create(now=now, **COUPON),
        created,
    )
    product = product_get(PRODUCT_ID)
    if product.downgrade_plan_id is None:
        products.product_update(
            product=product,
            changes={
                "product_settings": {
                    "subscription_end_setup": enums.SubscriptionEndSetup.DOWNGRADE_TO_FREE,
                    "downgrade_plan_id": "free",
                }
            },
            now=now,
        )
        created.append("product settings (downgrade to free)")
    return created


def _package_create(spec: dict[str, Any], *, now: datetime) -> None:
    version = packages.package_create(
        kind=spec["kind"],
        ref_id=spec["ref_id"],
        product_ref_id=PRODUCT_ID,
        display_name=spec["display_name"],
        description=spec["description"],
        now=now,
    )
    package = version.package
    packages.package_update(package=package, changes=spec["changes"], now=now)
    entitlements.entitlements_create(package=package, items=spec["entitlements"], now=now)
    packages.package_publish(package=package, migration_type=enums.MigrationType.NEW_CUSTOMERS, now=now)

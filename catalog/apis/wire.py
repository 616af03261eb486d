"""Catalog objects as the Stigg client parses them (contract §2.5, §2.6)."""

from collections.abc import Iterable
from typing import Any

from catalog import enums
from catalog.models import (
    Coupon,
    CustomCurrency,
    Feature,
    PackageEntitlement,
    PackageVersion,
    Price,
    Product,
)
from config.wire import iso, number


def product_to_wire(product: Product) -> dict[str, Any]:
    return {
        "id": product.ref_id,
        "displayName": product.display_name,
        "description": product.description,
        "metadata": product.metadata or {},
        "multipleSubscriptions": product.multiple_subscriptions,
        "status": product.status,
        "productSettings": {
            "subscriptionCancellationTime": product.subscription_cancellation_time,
            "subscriptionEndSetup": product.subscription_end_setup,
            "subscriptionStartSetup": product.subscription_start_setup,
            "downgradePlanId": product.downgrade_plan.ref_id if product.downgrade_plan else None,
            "subscriptionStartPlanId": (
                product.subscription_start_plan.ref_id if product.subscription_start_plan else None
            ),
            "prorateAtEndOfBillingPeriod": product.prorate_at_end_of_billing_period,
        },
        "usageResetCutoffRule": {"behavior": product.usage_reset_behavior},
        "createdAt": iso(product.created_at),
        "updatedAt": iso(product.updated_at),
    }


def feature_to_wire(feature: Feature) -> dict[str, Any]:
    transformation = feature.unit_transformation
    return {
        "id": feature.ref_id,
        "displayName": feature.display_name,
        "description": feature.description,
        "featureType": feature.feature_type,
        "meterType": feature.meter_type,
        "featureStatus": feature.status,
        "featureUnits": feature.feature_units,
        "featureUnitsPlural": feature.feature_units_plural,
        "metadata": feature.metadata or {},
        "enumConfiguration": feature.enum_configuration,
        "meter": feature.meter,
        "unitTransformation": (
            {**transformation, "round": transformation.get("round") or enums.RoundMode.DOWN} if transformation else None
        ),
        "archivedAt": iso(feature.archived_at),
        "createdAt": iso(feature.created_at),
        "updatedAt": iso(feature.updated_at),
    }


def _reset_configuration(anchor: str | None) -> dict[str, str] | None:
    return {"accordingTo": anchor} if anchor else None


def entitlements_in_display_order(entitlements: Iterable[PackageEntitlement]) -> list[PackageEntitlement]:
    """By ``order``, unordered ones last, then creation: the same on every database (NULLs sort apart otherwise)."""
    return sorted(entitlements, key=lambda item: (item.order is None, item.order or 0, item.pk or 0))


def entitlement_to_wire(entitlement: PackageEntitlement) -> dict[str, Any]:
    common = {
        "id": entitlement.target_ref_id,
        "type": entitlement.type,
        "behavior": entitlement.behavior,
        "isGranted": entitlement.is_granted,
        "hiddenFromWidgets": entitlement.hidden_from_widgets or [],
        "description": entitlement.description,
        "displayNameOverride": entitlement.display_name_override,
        "hasSoftLimit": entitlement.has_soft_limit,
        "isCustom": entitlement.is_custom,
        "order": number(entitlement.order) if entitlement.order is not None else None,
        "createdAt": iso(entitlement.created_at),
        "updatedAt": iso(entitlement.updated_at),
    }
    if entitlement.type == enums.EntitlementType.CREDIT:
        return {
            **common,
            "amount": number(entitlement.amount),
            "cadence": entitlement.cadence,
            "dependencyFeatureId": entitlement.dependency_feature.ref_id if entitlement.dependency_feature else None,
        }
    return {
        **common,
        "enumValues": entitlement.enum_values,
        "hasUnlimitedUsage": entitlement.has_unlimited_usage,
        "usageLimit": entitlement.usage_limit,
        "resetPeriod": entitlement.reset_period,
        "resetPeriodConfiguration": _reset_configuration(entitlement.reset_anchor),
    }


def _trial_to_wire(version: PackageVersion) -> dict[str, Any] | None:
    if not version.has_trial:
        return None
    budget = None
    if version.trial_budget_limit is not None:
        budget = {
            "hasSoftLimit": bool(version.trial_budget_has_soft_limit),
            "limit": number(version.trial_budget_limit),
        }
    return {
        "duration": version.trial_duration,
        "units": version.trial_units,
        "trialEndBehavior": version.trial_end_behavior,
        "budget": budget,
    }


def package_to_wire(version: PackageVersion) -> dict[str, Any]:
    """A plan or add-on as one of its versions (the shown one: the newest)."""
    package = version.package
    body: dict[str, Any] = {
        "id": package.ref_id,
        "displayName": version.display_name,
        "description": version.description,
        "productId": package.product.ref_id,
        "status": version.status,
        "versionNumber": version.version_number,
        "isLatest": version.is_latest,
        "metadata": version.metadata or {},
        "billingId": version.billing_id,
        "pricingType": version.pricing_type,
        "entitlements": [
            {"id": entitlement.target_ref_id, "type": entitlement.type}
            for entitlement in entitlements_in_display_order(version.entitlements.all())
        ],
        "createdAt": iso(package.created_at),
        "updatedAt": iso(version.updated_at),
    }
    if package.kind == enums.PackageKind.PLAN:
        body["parentPlanId"] = version.parent_plan.ref_id if version.parent_plan else None
        body["compatibleAddonIds"] = sorted(addon.ref_id for addon in version.compatible_addons.all())
        body["defaultTrialConfig"] = _trial_to_wire(version)
    else:
        body["maxQuantity"] = version.max_quantity
        body["dependencies"] = sorted(addon.ref_id for addon in version.dependencies.all())
    return body


def _money_to_wire(money: dict[str, str] | None) -> dict[str, Any] | None:
    if not money:
        return None
    return {"amount": number(money["amount"]), "currency": money["currency"]}


def price_to_wire(price: Price, *, include_used_in_subscriptions: bool) -> dict[str, Any]:
    """One wire ``Charge``: a price point of a pricing model."""
    body: dict[str, Any] = {
        "id": f"price-{price.pk}",
        "billingModel": price.billing_model,
        "billingCadence": price.billing_cadence,
        "billingPeriod": price.billing_period,
        "billingCountryCode": price.billing_country_code,
        "billingId": price.billing_id,
        "featureId": price.feature.ref_id if price.feature else None,
        "minUnitQuantity": price.min_unit_quantity,
        "maxUnitQuantity": price.max_unit_quantity,
        "blockSize": number(price.block_size),
        "price": {"amount": number(price.amount), "currency": price.currency} if price.amount is not None else None,
        "tiers": [
            {
                "upTo": number(tier["upTo"]),
                "unitPrice": _money_to_wire(tier.get("unitPrice")),
                "flatPrice": _money_to_wire(tier.get("flatPrice")),
            }
            for tier in price.tiers
        ]
        if price.tiers
        else None,
        "tiersMode": price.tiers_mode,
        "creditGrantCadence": price.credit_grant_cadence,
        "creditRate": {
            "amount": number(price.credit_rate_amount),
            "currencyId": price.credit_rate_currency.ref_id,
            "costFormula": price.credit_rate_cost_formula,
        }
        if price.credit_rate_currency
        else None,
        "topUpCustomCurrencyId": price.top_up_currency.ref_id if price.top_up_currency else None,
        "crmId": None,
        "crmLinkUrl": None,
        "createdAt": iso(price.created_at),
    }
    if include_used_in_subscriptions:
        # Subscriptions arrive with their own app; until then no price is in use.
        body["usedInSubscriptions"] = False
    return body


def prices_to_wire(prices: Iterable[Price], *, kind: str) -> list[dict[str, Any]]:
    return [price_to_wire(price, include_used_in_subscriptions=kind == enums.PackageKind.PLAN) for price in prices]


def coupon_to_wire(coupon: Coupon) -> dict[str, Any]:
    return {
        "id": coupon.ref_id,
        "name": coupon.name,
        "description": coupon.description,
        "metadata": coupon.metadata or {},
        "type": coupon.type,
        "status": coupon.status,
        "source": coupon.source,
        "percentOff": number(coupon.percent_off),
        "amountsOff": [{"amount": number(item.amount), "currency": item.currency} for item in coupon.amounts_off.all()]
        if coupon.type == enums.CouponType.FIXED
        else None,
        "durationInMonths": coupon.duration_in_months,
        "billingId": coupon.billing_id,
        "billingLinkUrl": None,
        "createdAt": iso(coupon.created_at),
        "updatedAt": iso(coupon.updated_at),
    }


def custom_currency_to_wire(currency: CustomCurrency) -> dict[str, Any]:
    units = None
    if currency.unit_singular or currency.unit_plural:
        units = {"singular": currency.unit_singular, "plural": currency.unit_plural}
    return {
        "id": currency.ref_id,
        "displayName": currency.display_name,
        "description": currency.description,
        "metadata": currency.metadata or {},
        "symbol": currency.symbol,
        "units": units,
        "archivedAt": iso(currency.archived_at),
        "createdAt": iso(currency.created_at),
        "updatedAt": iso(currency.updated_at),
    }

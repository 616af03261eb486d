"""``mockPaywall`` (GetMockPaywall, Python SDK): the paywall's plans in the widget-preview shapes ``PaywallPlan``,
``PaywallAddon``, ``PaywallPrice``, ``PaywallProduct`` and ``PaywallBasePlan``, resolved from the same rows as
``Plan``/``Addon``/``Price``/``Product``. Their ``entitlements`` are ``Entitlement``s as a customer would see them
granted; they have no model, so they are answered as dicts, as is the price's ``EntitlementFeature``."""

from __future__ import annotations

from typing import Any

from ariadne import ObjectType, QueryType
from graphql import GraphQLResolveInfo

from catalog.apis.graphql import packages, prices
from catalog.apis.graphql.entitlements import feature_entitlements
from catalog.apis.graphql.paywall import paywall_packages
from catalog.apis.graphql.values import bind_attributes, entitlement_feature
from catalog.models import PackageEntitlement, PackageVersion, Price

query = QueryType()
paywall_plan = ObjectType("PaywallPlan")
paywall_addon = ObjectType("PaywallAddon")
paywall_price = ObjectType("PaywallPrice")
paywall_product = ObjectType("PaywallProduct")
paywall_base_plan = ObjectType("PaywallBasePlan")


@query.field("mockPaywall")
def resolve_mock_paywall(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    return {"plans": [item.version for item in paywall_packages(info, input)], "configuration": None}


def granted_entitlement(entitlement: PackageEntitlement) -> dict[str, Any]:
    """An ``Entitlement`` answer for a feature entitlement of a package: what it would grant."""
    return {
        "isGranted": entitlement.is_granted,
        "usageLimit": entitlement.usage_limit,
        "hasUnlimitedUsage": entitlement.has_unlimited_usage,
        "hasSoftLimit": entitlement.has_soft_limit,
        "resetPeriod": entitlement.reset_period,
        "hiddenFromWidgets": list(entitlement.hidden_from_widgets or []),
        "displayNameOverride": entitlement.display_name_override,
        "enumValues": entitlement.enum_values,
        # A feature entitlement names its feature (constraint entitlement_target_matches_type); the column is nullable.
        "feature": entitlement_feature(entitlement.feature),  # type: ignore[arg-type]
    }


def resolve_entitlements(parent: PackageVersion, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    return [granted_entitlement(item) for item in packages.resolve_entitlements(parent, info)]


@paywall_plan.field("inheritedEntitlements")
def resolve_inherited_entitlements(parent: PackageVersion, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    inherited = packages.resolve_inherited_package_entitlements(parent, info)
    return [granted_entitlement(item) for item in feature_entitlements(inherited)]


@paywall_plan.field("product")
def resolve_product(parent: PackageVersion, info: GraphQLResolveInfo) -> Any:
    return packages.resolve_product(parent, info)


@paywall_plan.field("basePlan")
def resolve_base_plan(parent: PackageVersion, info: GraphQLResolveInfo) -> PackageVersion | None:
    return packages.resolve_base_plan(parent, info)


# The fields these types share with ``Plan``/``Addon`` resolve the same way from the same rows.
SHARED_FIELDS = {
    "refId": packages.resolve_ref_id,
    "additionalMetaData": packages.resolve_metadata,
    "packageEntitlements": packages.resolve_package_entitlements,
    "prices": packages.resolve_prices,
    "entitlements": resolve_entitlements,
}
for package_type in (paywall_plan, paywall_addon):
    for name, resolver in SHARED_FIELDS.items():
        package_type.set_field(name, resolver)
    bind_attributes(package_type, packages.COMMON_ATTRIBUTES)
paywall_plan.set_field("inheritedPackageEntitlements", packages.resolve_inherited_package_entitlements)
paywall_plan.set_field("compatibleAddons", packages.resolve_compatible_addons)
paywall_plan.set_field("compatiblePackageGroups", packages.resolve_compatible_package_groups)
paywall_plan.set_field("defaultTrialConfig", packages.resolve_default_trial_config)
paywall_addon.set_field("dependencies", packages.resolve_dependencies)
bind_attributes(paywall_addon, {"maxQuantity": "max_quantity"})
paywall_addon.set_field("hiddenFromWidgets", packages.resolve_hidden_from_widgets)

paywall_base_plan.set_field("refId", packages.resolve_ref_id)
bind_attributes(paywall_base_plan, {"displayName": "display_name"})

bind_attributes(paywall_product, {"refId": "ref_id", "displayName": "display_name"})
paywall_product.set_field("additionalMetaData", lambda parent, _: parent.metadata or {})

for name, price_resolver in prices.PRICE_FIELDS.items():
    paywall_price.set_field(name, price_resolver)


@paywall_price.field("feature")
def resolve_price_feature(parent: Price, _: Any) -> dict[str, Any] | None:
    return entitlement_feature(parent.feature) if parent.feature else None


bindables = [query, paywall_plan, paywall_addon, paywall_price, paywall_product, paywall_base_plan]

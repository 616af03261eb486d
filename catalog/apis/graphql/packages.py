"""``Plan`` and ``Addon``, both resolved from ``PackageVersion`` rows, and ``DefaultTrialConfig``.

Nested lists go through ``catalog.apis.graphql.loaders``: a list of versions costs a fixed number of queries once
primed (see that module). Inside a paywall the prices are the paywall's localized ones (it remembers them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ariadne import ObjectType
from graphql import GraphQLResolveInfo

from catalog.apis.graphql import loaders
from catalog.apis.graphql.entitlements import feature_entitlements
from catalog.apis.graphql.ids import object_id
from catalog.apis.graphql.values import bind_attributes
from catalog.models import PackageEntitlement, PackageVersion, Price, Product
from catalog.paywall import entitlement_target, entitlements_over_chain

plan = ObjectType("Plan")
addon = ObjectType("Addon")


def resolve_id(parent: PackageVersion, _: Any) -> str:
    return object_id("package-version", parent.pk)


def resolve_ref_id(parent: PackageVersion, info: GraphQLResolveInfo) -> str:
    return loaders.version_package(info, parent).ref_id


def resolve_metadata(parent: PackageVersion, _: Any) -> dict[str, Any]:
    return parent.metadata or {}


def resolve_hidden_from_widgets(*_: Any) -> list[str]:
    # Our catalog hides no plan or add-on from any widget.
    return []


def resolve_entitlements(parent: PackageVersion, info: GraphQLResolveInfo) -> list[PackageEntitlement]:
    return feature_entitlements(loaders.version_entitlements(info, parent))


def resolve_package_entitlements(parent: PackageVersion, info: GraphQLResolveInfo) -> list[PackageEntitlement]:
    return loaders.version_entitlements(info, parent)


def resolve_prices(parent: PackageVersion, info: GraphQLResolveInfo) -> list[Price]:
    return [price for price in loaders.version_prices(info, parent) if not price.is_overage]


def resolve_overage_prices(parent: PackageVersion, info: GraphQLResolveInfo) -> list[Price]:
    return [price for price in loaders.version_prices(info, parent) if price.is_overage]


COMMON_FIELDS: dict[str, Callable[..., Any]] = {
    "id": resolve_id,
    "refId": resolve_ref_id,
    "additionalMetaData": resolve_metadata,
    "hiddenFromWidgets": resolve_hidden_from_widgets,
    "entitlements": resolve_entitlements,
    "packageEntitlements": resolve_package_entitlements,
    "prices": resolve_prices,
    "overagePrices": resolve_overage_prices,
}
COMMON_ATTRIBUTES = {"displayName": "display_name", "billingId": "billing_id", "pricingType": "pricing_type"}
for package_type in (plan, addon):
    for name, resolver in COMMON_FIELDS.items():
        package_type.set_field(name, resolver)
    bind_attributes(package_type, COMMON_ATTRIBUTES)
    # ``description`` is the model's own attribute.

bind_attributes(plan, {"versionNumber": "version_number"})
bind_attributes(addon, {"maxQuantity": "max_quantity"})


@plan.field("product")
def resolve_product(parent: PackageVersion, info: GraphQLResolveInfo) -> Product:
    return loaders.package_product(info, loaders.version_package(info, parent))


@plan.field("basePlan")
def resolve_base_plan(parent: PackageVersion, info: GraphQLResolveInfo) -> PackageVersion | None:
    return loaders.latest_version(info, parent.parent_plan_id)


@plan.field("inheritedEntitlements")
def resolve_inherited_entitlements(parent: PackageVersion, info: GraphQLResolveInfo) -> list[PackageEntitlement]:
    return feature_entitlements(resolve_inherited_package_entitlements(parent, info))


@plan.field("inheritedPackageEntitlements")
def resolve_inherited_package_entitlements(
    parent: PackageVersion, info: GraphQLResolveInfo
) -> list[PackageEntitlement]:
    """What the plan gets from its parent chain and does not grant itself (its own entitlement overrides)."""
    own = {entitlement_target(entitlement) for entitlement in loaders.version_entitlements(info, parent)}
    inherited = entitlements_over_chain(loaders.plan_ancestors(info, parent))
    return [entitlement for entitlement in inherited if entitlement_target(entitlement) not in own]


@plan.field("compatibleAddons")
def resolve_compatible_addons(parent: PackageVersion, info: GraphQLResolveInfo) -> list[PackageVersion]:
    return loaders.compatible_addons(info, parent)


@plan.field("compatiblePackageGroups")
def resolve_compatible_package_groups(*_: Any) -> list[dict[str, Any]]:
    # Our catalog has no add-on groups.
    return []


@plan.field("awsMarketplacePlanDimension")
def resolve_aws_marketplace_plan_dimension(*_: Any) -> None:
    return None


@plan.field("defaultTrialConfig")
def resolve_default_trial_config(parent: PackageVersion, _: Any) -> dict[str, Any] | None:
    if not parent.has_trial:
        return None
    budget = None
    if parent.trial_budget_limit is not None:
        budget = {"limit": parent.trial_budget_limit}
    return {
        "duration": parent.trial_duration,
        "units": parent.trial_units,
        "trialEndBehavior": parent.trial_end_behavior,
        "budget": budget,
    }


@addon.field("dependencies")
def resolve_dependencies(parent: PackageVersion, info: GraphQLResolveInfo) -> list[PackageVersion]:
    return loaders.addon_dependencies(info, parent)


bindables = [plan, addon]

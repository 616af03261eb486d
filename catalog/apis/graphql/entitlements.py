"""What a plan or add-on grants: ``PackageEntitlement`` (feature entitlements, the SDKs' older shape) and the union
``PackageEntitlementUnion`` of ``PackageFeatureEntitlement`` and ``PackageCreditEntitlement``, all resolved from
``PackageEntitlement`` rows (their feature, currency and dependency feature are loaded with them)."""

from __future__ import annotations

from typing import Any

from ariadne import ObjectType, UnionType

from catalog import enums
from catalog.apis.graphql.ids import object_id
from catalog.models import CustomCurrency, Feature, PackageEntitlement

package_entitlement = ObjectType("PackageEntitlement")
feature_entitlement = ObjectType("PackageFeatureEntitlement")
credit_entitlement = ObjectType("PackageCreditEntitlement")
entitlement_union = UnionType("PackageEntitlementUnion")


@entitlement_union.type_resolver
def resolve_entitlement_type(parent: PackageEntitlement, *_: Any) -> str:
    if parent.type == enums.EntitlementType.CREDIT:
        return "PackageCreditEntitlement"
    return "PackageFeatureEntitlement"


def feature_entitlements(entitlements: list[PackageEntitlement]) -> list[PackageEntitlement]:
    """The feature entitlements of a list (``PackageEntitlement`` has a non-null feature: no credits there)."""
    return [entitlement for entitlement in entitlements if entitlement.type == enums.EntitlementType.FEATURE]


def resolve_id(parent: PackageEntitlement, _: Any) -> str:
    return object_id("entitlement", parent.pk)


def resolve_feature(parent: PackageEntitlement, _: Any) -> Feature | None:
    return parent.feature


def resolve_feature_id(parent: PackageEntitlement, _: Any) -> str:
    return parent.feature.ref_id if parent.feature else ""


def resolve_is_granted(parent: PackageEntitlement, _: Any) -> bool:
    return parent.is_granted


def resolve_usage_limit(parent: PackageEntitlement, _: Any) -> int | None:
    return parent.usage_limit


def resolve_has_unlimited_usage(parent: PackageEntitlement, _: Any) -> bool:
    return parent.has_unlimited_usage


def resolve_has_soft_limit(parent: PackageEntitlement, _: Any) -> bool:
    return parent.has_soft_limit


def resolve_reset_period(parent: PackageEntitlement, _: Any) -> str | None:
    return parent.reset_period


def resolve_hidden_from_widgets(parent: PackageEntitlement, _: Any) -> list[str]:
    return list(parent.hidden_from_widgets or [])


def resolve_is_custom(parent: PackageEntitlement, _: Any) -> bool:
    return parent.is_custom


def resolve_display_name_override(parent: PackageEntitlement, _: Any) -> str | None:
    return parent.display_name_override


def resolve_enum_values(parent: PackageEntitlement, _: Any) -> list[str] | None:
    return parent.enum_values


COMMON_FIELDS = {
    "isGranted": resolve_is_granted,
    "hasSoftLimit": resolve_has_soft_limit,
    "hiddenFromWidgets": resolve_hidden_from_widgets,
    "isCustom": resolve_is_custom,
    "displayNameOverride": resolve_display_name_override,
}
FEATURE_FIELDS = {
    **COMMON_FIELDS,
    "feature": resolve_feature,
    "featureId": resolve_feature_id,
    "usageLimit": resolve_usage_limit,
    "hasUnlimitedUsage": resolve_has_unlimited_usage,
    "resetPeriod": resolve_reset_period,
    "enumValues": resolve_enum_values,
}
# ``behavior`` (stored as the enum spells it: Increment, Override), ``description``, ``order``, ``amount`` and
# ``cadence`` are the model's own attributes.
for name, resolver in FEATURE_FIELDS.items():
    package_entitlement.set_field(name, resolver)
    feature_entitlement.set_field(name, resolver)
feature_entitlement.set_field("id", resolve_id)
for name, resolver in COMMON_FIELDS.items():
    credit_entitlement.set_field(name, resolver)
credit_entitlement.set_field("id", resolve_id)


@credit_entitlement.field("customCurrency")
def resolve_custom_currency(parent: PackageEntitlement, _: Any) -> CustomCurrency | None:
    return parent.currency


@credit_entitlement.field("customCurrencyId")
def resolve_custom_currency_id(parent: PackageEntitlement, _: Any) -> str:
    return parent.currency.ref_id if parent.currency else ""


@credit_entitlement.field("dependencyFeature")
def resolve_dependency_feature(parent: PackageEntitlement, _: Any) -> Feature | None:
    return parent.dependency_feature


bindables = [package_entitlement, feature_entitlement, credit_entitlement, entitlement_union]

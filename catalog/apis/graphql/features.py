"""``Feature``, ``CustomCurrency`` and ``SlimCustomCurrency``, resolved from ``Feature`` and ``CustomCurrency`` rows."""

from __future__ import annotations

from typing import Any

from ariadne import ObjectType

from catalog.apis.graphql.values import meter_type
from catalog.models import CustomCurrency, Feature

feature = ObjectType("Feature")
custom_currency = ObjectType("CustomCurrency")
slim_custom_currency = ObjectType("SlimCustomCurrency")


@feature.field("refId")
def resolve_feature_ref_id(parent: Feature, _: Any) -> str:
    return parent.ref_id


@feature.field("displayName")
def resolve_feature_display_name(parent: Feature, _: Any) -> str:
    return parent.display_name


@feature.field("featureType")
def resolve_feature_type(parent: Feature, _: Any) -> str:
    return parent.feature_type


@feature.field("meterType")
def resolve_feature_meter_type(parent: Feature, _: Any) -> str:
    return meter_type(parent.meter_type)


@feature.field("featureUnits")
def resolve_feature_units(parent: Feature, _: Any) -> str | None:
    return parent.feature_units


@feature.field("featureUnitsPlural")
def resolve_feature_units_plural(parent: Feature, _: Any) -> str | None:
    return parent.feature_units_plural


@feature.field("additionalMetaData")
def resolve_feature_metadata(parent: Feature, _: Any) -> dict[str, Any]:
    return parent.metadata or {}


def resolve_currency_id(parent: CustomCurrency, _: Any) -> str:
    return parent.ref_id


def resolve_currency_display_name(parent: CustomCurrency, _: Any) -> str:
    return parent.display_name


def resolve_currency_units(parent: CustomCurrency, _: Any) -> dict[str, str | None] | None:
    if not (parent.unit_singular or parent.unit_plural):
        return None
    return {"singular": parent.unit_singular, "plural": parent.unit_plural}


for currency_type in (custom_currency, slim_custom_currency):
    currency_type.set_field("currencyId", resolve_currency_id)
    currency_type.set_field("displayName", resolve_currency_display_name)
    currency_type.set_field("units", resolve_currency_units)
    # ``symbol`` is the model's own attribute.

bindables = [feature, custom_currency, slim_custom_currency]

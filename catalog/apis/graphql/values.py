"""Our stored values as Stigg's GraphQL enums spell them (REST v1 spells some differently)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, overload

from ariadne import ObjectType

from catalog import enums
from catalog.models import Feature

METER_TYPES: dict[str, str] = {
    enums.MeterType.NONE: "None",
    enums.MeterType.FLUCTUATING: "Fluctuating",
    enums.MeterType.INCREMENTAL: "Incremental",
}


def meter_type(value: str) -> str:
    return METER_TYPES[value]


def currency_code(value: str) -> str:
    """Our currencies are lowercase ISO codes; the ``Currency`` enum's names are uppercase."""
    return value.upper()


@overload
def money(amount: Decimal | str, currency: str) -> dict[str, Any]: ...
@overload
def money(amount: None, currency: str) -> None: ...
@overload
def money(amount: Decimal | str | None, currency: str) -> dict[str, Any] | None: ...
def money(amount: Decimal | str | None, currency: str) -> dict[str, Any] | None:
    """A ``Money`` answer (a dict: the type has no model); None without an amount."""
    if amount is None:
        return None
    return {"amount": Decimal(amount), "currency": currency_code(currency)}


def money_of(stored: dict[str, str] | None) -> dict[str, Any] | None:
    """``Money`` from the JSON a tier stores (``{"amount": "1.5", "currency": "usd"}``)."""
    return money(stored["amount"], stored["currency"]) if stored else None


def entitlement_feature(feature: Feature) -> dict[str, Any]:
    """An ``EntitlementFeature`` answer."""
    transformation = feature.unit_transformation
    return {
        "refId": feature.ref_id,
        "displayName": feature.display_name,
        "description": feature.description,
        "featureType": feature.feature_type,
        "meterType": meter_type(feature.meter_type),
        "featureUnits": feature.feature_units,
        "featureUnitsPlural": feature.feature_units_plural,
        "additionalMetaData": feature.metadata or {},
        "unitTransformation": (
            {"divide": transformation["divide"], "round": transformation.get("round") or "DOWN"}
            if transformation
            else None
        ),
    }


def bind_attributes(object_type: ObjectType, fields: dict[str, str]) -> None:
    """Resolve each GraphQL field (camelCase) from the model attribute of the snake_case name given."""
    for field_name, attribute in fields.items():
        object_type.set_field(field_name, _attribute_resolver(attribute))


def _attribute_resolver(attribute: str) -> Any:
    def resolve(parent: Any, _: Any) -> Any:
        return getattr(parent, attribute)

    return resolve

"""``Price`` (a price point of a plan or add-on) and ``PriceTier``, resolved from ``Price`` rows (feature and
currencies loaded with them). ``Money`` and ``CreditRate`` have no model: they are answered as dicts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ariadne import ObjectType

from catalog.apis.graphql.values import money, money_of
from catalog.models import CustomCurrency, Feature, Price

price_type = ObjectType("Price")


def resolve_billing_model(parent: Price, _: Any) -> str:
    return parent.billing_model


def resolve_billing_period(parent: Price, _: Any) -> str:
    return parent.billing_period


def resolve_billing_cadence(parent: Price, _: Any) -> str:
    return parent.billing_cadence


def resolve_billing_country_code(parent: Price, _: Any) -> str | None:
    return parent.billing_country_code


def resolve_billing_id(parent: Price, _: Any) -> str | None:
    return parent.billing_id


def resolve_min_unit_quantity(parent: Price, _: Any) -> int | None:
    return parent.min_unit_quantity


def resolve_max_unit_quantity(parent: Price, _: Any) -> int | None:
    return parent.max_unit_quantity


def resolve_block_size(parent: Price, _: Any) -> Decimal | None:
    return parent.block_size


def resolve_tiers_mode(parent: Price, _: Any) -> str | None:
    return parent.tiers_mode


def resolve_price(parent: Price, _: Any) -> dict[str, Any] | None:
    return money(parent.amount, parent.currency)


def resolve_tiers(parent: Price, _: Any) -> list[dict[str, Any]] | None:
    if not parent.tiers:
        return None
    return [
        {
            "upTo": Decimal(tier["upTo"]) if tier.get("upTo") is not None else None,
            "unitPrice": money_of(tier.get("unitPrice")),
            "flatPrice": money_of(tier.get("flatPrice")),
        }
        for tier in parent.tiers
    ]


def resolve_feature(parent: Price, _: Any) -> Feature | None:
    return parent.feature


def resolve_credit_rate(parent: Price, _: Any) -> dict[str, Any] | None:
    currency = parent.credit_rate_currency
    if currency is None:
        return None
    return {"amount": parent.credit_rate_amount, "currencyId": currency.ref_id, "customCurrencyId": currency.ref_id}


def resolve_custom_currency(parent: Price, _: Any) -> CustomCurrency | None:
    """The custom currency a credit-based price is about: the one it tops up, else the one it charges credits in."""
    return parent.top_up_currency or parent.credit_rate_currency


def resolve_top_up_custom_currency_id(parent: Price, _: Any) -> str | None:
    return parent.top_up_currency.ref_id if parent.top_up_currency else None


PRICE_FIELDS = {
    "billingModel": resolve_billing_model,
    "billingPeriod": resolve_billing_period,
    "billingCadence": resolve_billing_cadence,
    "billingCountryCode": resolve_billing_country_code,
    "billingId": resolve_billing_id,
    "minUnitQuantity": resolve_min_unit_quantity,
    "maxUnitQuantity": resolve_max_unit_quantity,
    "blockSize": resolve_block_size,
    "tiersMode": resolve_tiers_mode,
    "price": resolve_price,
    "tiers": resolve_tiers,
    "feature": resolve_feature,
    "creditRate": resolve_credit_rate,
    "customCurrency": resolve_custom_currency,
    "topUpCustomCurrencyId": resolve_top_up_custom_currency_id,
}
for name, resolver in PRICE_FIELDS.items():
    price_type.set_field(name, resolver)

bindables = [price_type]

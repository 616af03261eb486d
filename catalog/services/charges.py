"""A version's pricing: ``Charges`` in (pricing models with price periods), flat ``Price`` rows stored.

Setting charges replaces the version's whole pricing, as the contract's PATCH does.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from catalog import enums
from catalog.errors import InvalidCatalogInput
from catalog.models import Feature, PackageVersion, Price
from catalog.selectors import custom_currency_get, feature_get
from catalog.services.entitlements import resolve_reset_anchor

DEFAULT_CURRENCY = "usd"
FEATURE_PRICED_MODELS = {enums.BillingModel.PER_UNIT, enums.BillingModel.USAGE_BASED}


def _amount(value: Decimal | None, *, field: str, allow_zero: bool = True) -> Decimal | None:
    if value is None:
        return None
    if value < 0 or (not allow_zero and value == 0):
        raise InvalidCatalogInput("must be 0 or more" if allow_zero else "must be greater than 0", field=field)
    return value


def _money_json(money: Mapping[str, Any] | None, *, field: str, currency: str) -> dict[str, str] | None:
    if not money:
        return None
    amount = _amount(money["amount"], field=f"{field}.amount")
    return {"amount": str(amount), "currency": money.get("currency") or currency}


def _tiers(tiers: Sequence[Mapping[str, Any]] | None, *, path: str, currency: str) -> list[dict] | None:
    if not tiers:
        return None
    rows: list[dict] = []
    previous_up_to: Decimal | None = None
    for index, tier in enumerate(tiers):
        tier_path = f"{path}.tiers[{index}]"
        up_to = tier.get("up_to")
        is_last = index == len(tiers) - 1
        if up_to is None and not is_last:
            raise InvalidCatalogInput("may be null only on the last tier", field=f"{tier_path}.upTo")
        if up_to is not None and (up_to <= 0 or (previous_up_to is not None and up_to <= previous_up_to)):
            raise InvalidCatalogInput(
                "must be positive and greater than the previous tier's", field=f"{tier_path}.upTo"
            )
        if not tier.get("unit_price") and not tier.get("flat_price"):
            raise InvalidCatalogInput("needs a unitPrice or a flatPrice", field=tier_path)
        rows.append(
            {
                "upTo": None if up_to is None else str(up_to),
                "unitPrice": _money_json(tier.get("unit_price"), field=f"{tier_path}.unitPrice", currency=currency),
                "flatPrice": _money_json(tier.get("flat_price"), field=f"{tier_path}.flatPrice", currency=currency),
            }
        )
        previous_up_to = up_to
    return rows


def _tier_currency(tiers: Sequence[Mapping[str, Any]] | None) -> str | None:
    for tier in tiers or []:
        for money in (tier.get("unit_price"), tier.get("flat_price")):
            if money and money.get("currency"):
                return money["currency"]
    return None


def _priced_feature(model: Mapping[str, Any], *, path: str, billing_model: str | None) -> Feature | None:
    ref_id = model.get("feature_id")
    if not ref_id:
        if billing_model in FEATURE_PRICED_MODELS or billing_model is None:
            raise InvalidCatalogInput(
                f"is required for {billing_model or 'overage'} pricing", field=f"{path}.featureId"
            )
        return None
    feature = feature_get(ref_id, field=f"{path}.featureId")
    if feature.feature_type != enums.FeatureType.NUMBER:
        raise InvalidCatalogInput(f"feature {ref_id} must be a NUMBER feature", field=f"{path}.featureId")
    if (billing_model in (enums.BillingModel.USAGE_BASED, None)) and not feature.is_metered:
        raise InvalidCatalogInput(f"feature {ref_id} must be metered for usage pricing", field=f"{path}.featureId")
    return feature


def _price_rows(
    version: PackageVersion, model: Mapping[str, Any], *, index: int, is_overage: bool, path: str, now: datetime
) -> list[Price]:
    billing_model = enums.BillingModel.USAGE_BASED if is_overage else model["billing_model"]
    feature = _priced_feature(model, path=path, billing_model=None if is_overage else billing_model)
    minimum, maximum = model.get("min_unit_quantity"), model.get("max_unit_quantity")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise InvalidCatalogInput("must not exceed maxUnitQuantity", field=f"{path}.minUnitQuantity")
    tiers_mode = model.get("tiers_mode")
    top_up_ref = model.get("top_up_custom_currency_id")
    top_up = custom_currency_get(top_up_ref, field=f"{path}.topUpCustomCurrencyId") if top_up_ref else None
    reset_period = model.get("reset_period")
    reset_anchor = resolve_reset_anchor(reset_period, model.get("reset_configuration") or {}, path=f"{path}.")
    overage_entitlement = None
    if is_overage:
        overage_entitlement = model.get("entitlement") or model.get("credit_entitlement")
    periods = model.get("price_periods") or []
    if not periods:
        raise InvalidCatalogInput("needs at least one price period", field=f"{path}.pricePeriods")
    seen: set[tuple[str, str | None]] = set()
    rows = []
    for period_index, period in enumerate(periods):
        period_path = f"{path}.pricePeriods[{period_index}]"
        key = (period["billing_period"], period.get("billing_country_code"))
        if key in seen:
            raise InvalidCatalogInput("is listed twice for the same country", field=f"{period_path}.billingPeriod")
        seen.add(key)
        price = period.get("price")
        currency = (price or {}).get("currency") or _tier_currency(period.get("tiers")) or DEFAULT_CURRENCY
        tiers = _tiers(period.get("tiers"), path=period_path, currency=currency)
        if tiers_mode and not tiers:
            raise InvalidCatalogInput(f"are required with tiersMode {tiers_mode}", field=f"{period_path}.tiers")
        if tiers and not tiers_mode:
            raise InvalidCatalogInput("is required when tiers are given", field=f"{path}.tiersMode")
        credit_rate = period.get("credit_rate")
        if not price and not tiers and not credit_rate:
            raise InvalidCatalogInput("needs a price, tiers or a creditRate", field=period_path)
        rows.append(
            Price(
                version=version,
                pricing_model_index=index,
                is_overage=is_overage,
                billing_model=billing_model,
                billing_cadence=model.get("billing_cadence") or enums.BillingCadence.RECURRING,
                feature=feature,
                min_unit_quantity=minimum,
                max_unit_quantity=maximum,
                tiers_mode=tiers_mode,
                reset_period=reset_period,
                reset_anchor=reset_anchor,
                top_up_currency=top_up,
                billing_period=period["billing_period"],
                billing_country_code=period.get("billing_country_code"),
                currency=currency,
                amount=_amount(price["amount"], field=f"{period_path}.price.amount") if price else None,
                block_size=_amount(period.get("block_size"), field=f"{period_path}.blockSize", allow_zero=False),
                tiers=tiers,
                credit_grant_cadence=period.get("credit_grant_cadence"),
                credit_rate_amount=(
                    _amount(credit_rate["amount"], field=f"{period_path}.creditRate.amount", allow_zero=False)
                    if credit_rate
                    else None
                ),
                credit_rate_currency=(
                    custom_currency_get(credit_rate["currency_id"], field=f"{period_path}.creditRate.currencyId")
                    if credit_rate
                    else None
                ),
                credit_rate_cost_formula=(credit_rate or {}).get("cost_formula"),
                overage_entitlement=overage_entitlement,
                created_at=now,
            )
        )
    return rows


def _minimum_spend(items: Sequence[Mapping[str, Any]] | None) -> list[dict] | None:
    if items is None:
        return None
    result = []
    for index, item in enumerate(items):
        minimum = item["minimum"]
        amount = _amount(minimum["amount"], field=f"charges.minimumSpend[{index}].minimum.amount")
        result.append(
            {
                "billingPeriod": item["billing_period"],
                "amount": str(amount),
                "currency": minimum.get("currency") or DEFAULT_CURRENCY,
            }
        )
    return result


def charges_replace(*, version: PackageVersion, charges: Mapping[str, Any], now: datetime) -> None:
    """Validate and store a whole ``Charges`` object on a draft version (the caller holds the version's lock)."""
    pricing_type = charges["pricing_type"]
    models = charges.get("pricing_models") or []
    overage_models = charges.get("overage_pricing_models") or []
    if pricing_type == enums.PricingType.FREE and (models or overage_models):
        raise InvalidCatalogInput("must be empty for a FREE package", field="charges.pricingModels")
    rows: list[Price] = []
    for index, model in enumerate(models):
        rows += _price_rows(
            version, model, index=index, is_overage=False, path=f"charges.pricingModels[{index}]", now=now
        )
    for index, model in enumerate(overage_models):
        rows += _price_rows(
            version, model, index=index, is_overage=True, path=f"charges.overagePricingModels[{index}]", now=now
        )
    version.prices.all().delete()
    Price.objects.bulk_create(rows)
    version.pricing_type = pricing_type
    version.minimum_spend = _minimum_spend(charges.get("minimum_spend"))
    version.overage_billing_period = charges.get("overage_billing_period")
    if charges.get("billing_id"):
        version.billing_id = charges["billing_id"]


def copy_prices(source: PackageVersion, target: PackageVersion, *, now: datetime) -> None:
    copies = []
    # In creation order, so the copies keep the rows' relative order whichever ordering a reader uses.
    for price in source.prices.order_by("pk"):
        price.pk = None
        price.version = target
        price.created_at = now
        copies.append(price)
    Price.objects.bulk_create(copies)

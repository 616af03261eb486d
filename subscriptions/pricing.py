"""The pricing engine: what a set of price points costs for one billing period. Pure: no ORM, no clock.

Amounts are ``Decimal`` throughout. Intermediate amounts keep every digit; each invoice line, the discount and the
tax are quantized once, with ``catalog.money.quantize_to_minor_unit`` (one rounding rule), and the totals are
sums of quantized amounts, so ``total == subtotal - discount + tax`` holds exactly.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from catalog import enums
from catalog.money import PRICE_DECIMAL_PLACES, ROUNDING, quantize_to_minor_unit
from subscriptions.periods import add_months

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
UNIT_PRICE_EXPONENT = Decimal(1).scaleb(-PRICE_DECIMAL_PLACES)
SECOND = timedelta(seconds=1)
QUANTITY_PRICED_MODELS = frozenset({enums.BillingModel.PER_UNIT, enums.BillingModel.USAGE_BASED})


@dataclass(frozen=True)
class Tier:
    """One price tier; ``up_to`` ``None`` means unbounded."""

    up_to: Decimal | None
    unit_price: Decimal | None
    flat_price: Decimal | None


@dataclass(frozen=True)
class PricePoint:
    """One price of a package version for one billing period (and country), as the engine sees it."""

    billing_model: str
    billing_period: str
    currency: str
    amount: Decimal | None
    tiers_mode: str | None
    tiers: tuple[Tier, ...]
    block_size: Decimal | None
    feature_ref_id: str | None
    description: str
    min_unit_quantity: int | None
    max_unit_quantity: int | None


@dataclass(frozen=True)
class CouponTerms:
    """A coupon's discount: a percentage, or fixed amounts per currency; for some months, or forever (``None``)."""

    ref_id: str
    name: str
    percent_off: Decimal | None
    amounts_off: dict[str, Decimal]
    duration_in_months: int | None


@dataclass(frozen=True)
class ChargeItem:
    price: PricePoint
    quantity: Decimal
    description: str


@dataclass(frozen=True)
class InvoiceLine:
    """``unit_price`` is the full-period price of one unit; ``amount`` is the (possibly prorated) charged amount."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class InvoiceDraft:
    currency: str
    lines: tuple[InvoiceLine, ...]
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    period_start: datetime
    period_end: datetime
    coupon_ref_id: str | None
    tax_percentage: Decimal | None


def _tier_cost(tier: Tier, quantity: Decimal) -> Decimal:
    return (tier.unit_price or ZERO) * quantity + (tier.flat_price or ZERO)


def _volume_amount(tiers: Sequence[Tier], quantity: Decimal) -> Decimal:
    """The whole quantity at the tier it falls in; beyond the last bounded tier, at the last tier."""
    for tier in tiers:
        if tier.up_to is None or quantity <= tier.up_to:
            return _tier_cost(tier, quantity)
    return _tier_cost(tiers[-1], quantity)


def _graduated_amount(tiers: Sequence[Tier], quantity: Decimal) -> Decimal:
    """Each slice at its own tier's unit price, plus the flat price of every tier reached.

    A tier is reached when the quantity goes past the previous tier's bound; the last tier takes everything above
    the previous bound even when it has a bound of its own.
    """
    total = ZERO
    lower = ZERO
    for index, tier in enumerate(tiers):
        if quantity <= lower:
            break
        is_last = index == len(tiers) - 1
        upper = quantity if tier.up_to is None or is_last else min(quantity, tier.up_to)
        total += _tier_cost(tier, upper - lower)
        if tier.up_to is None:
            break
        lower = tier.up_to
    return total


def charge_amount(price: PricePoint, quantity: Decimal) -> Decimal:
    """What ``quantity`` costs for a full period at ``price``, unrounded.

    FLAT_FEE: the amount whatever the quantity. PER_UNIT and USAGE_BASED: with tiers, VOLUME or GRADUATED on the
    raw quantity (nothing for a zero quantity); otherwise the amount per unit, or per started block when the price
    has a block size. Other models (MINIMUM_SPEND, CREDIT_BASED) are not charged per period: zero.
    """
    if quantity < 0:
        raise ValueError(f"quantity must not be negative, got {quantity}")
    if price.billing_model == enums.BillingModel.FLAT_FEE:
        return price.amount or ZERO
    if price.billing_model not in QUANTITY_PRICED_MODELS:
        return ZERO
    if price.tiers:
        if quantity == 0:
            return ZERO
        if price.tiers_mode == enums.TiersMode.GRADUATED:
            return _graduated_amount(price.tiers, quantity)
        return _volume_amount(price.tiers, quantity)
    units = Decimal(math.ceil(quantity / price.block_size)) if price.block_size else quantity
    return (price.amount or ZERO) * units


def proration_factor(*, period_start: datetime, period_end: datetime, effective_at: datetime) -> Decimal:
    """The share of the period left at ``effective_at``, counted in whole seconds, clamped to ``[0, 1]``."""
    total_seconds = (period_end - period_start) // SECOND
    if total_seconds <= 0:
        raise ValueError("the period must end after it starts")
    remaining_seconds = (period_end - effective_at) // SECOND
    remaining_seconds = max(0, min(total_seconds, remaining_seconds))
    return Decimal(remaining_seconds) / Decimal(total_seconds)


def coupon_applies(*, coupon: CouponTerms, applied_at: datetime, period_start: datetime) -> bool:
    """Whether a coupon applied at ``applied_at`` still discounts the period starting at ``period_start``."""
    if coupon.duration_in_months is None:
        return True
    return period_start < add_months(applied_at, coupon.duration_in_months, anchor_day=applied_at.day)


def _unit_price(price: PricePoint, quantity: Decimal, full_amount: Decimal) -> Decimal:
    """The full-period price of one unit: the flat fee itself, else the full amount over the quantity."""
    if price.billing_model == enums.BillingModel.FLAT_FEE:
        return full_amount
    if quantity == 0:
        first_tier_price = price.tiers[0].unit_price if price.tiers else None
        return price.amount if price.amount is not None else (first_tier_price or ZERO)
    return (full_amount / quantity).quantize(UNIT_PRICE_EXPONENT, rounding=ROUNDING)


def _discount(coupon: CouponTerms | None, subtotal: Decimal, currency: str) -> tuple[Decimal, str | None]:
    """The discount and the coupon that gave it (``None`` when the coupon has no terms for this currency)."""
    if coupon is None:
        return ZERO, None
    if coupon.percent_off is not None:
        return quantize_to_minor_unit(subtotal * coupon.percent_off / HUNDRED, currency), coupon.ref_id
    amount_off = coupon.amounts_off.get(currency)
    if amount_off is None:
        return ZERO, None
    return min(quantize_to_minor_unit(amount_off, currency), subtotal), coupon.ref_id


def invoice_draft(
    *,
    items: Sequence[ChargeItem],
    currency: str,
    coupon: CouponTerms | None,
    tax_percentage: Decimal | None,
    period_start: datetime,
    period_end: datetime,
    proration: Decimal = ONE,
) -> InvoiceDraft:
    """The invoice for one period: a line per item (full amount times ``proration``, quantized), the coupon's
    discount on the subtotal (capped at it), then tax on what remains.

    Every item must be priced in ``currency`` (``ValueError`` otherwise: callers validate currencies first).
    The caller decides whether the coupon still applies (``coupon_applies``) and passes ``None`` when it does not.
    """
    if not ZERO <= proration <= ONE:
        raise ValueError(f"proration must be between 0 and 1, got {proration}")
    lines = []
    for item in items:
        if item.price.currency != currency:
            raise ValueError(f"{item.description} is priced in {item.price.currency}, not {currency}")
        full_amount = charge_amount(item.price, item.quantity)
        lines.append(
            InvoiceLine(
                description=item.description,
                quantity=item.quantity,
                unit_price=_unit_price(item.price, item.quantity, full_amount),
                amount=quantize_to_minor_unit(full_amount * proration, currency),
                currency=currency,
            )
        )
    subtotal = quantize_to_minor_unit(sum((line.amount for line in lines), ZERO), currency)
    discount, coupon_ref_id = _discount(coupon, subtotal, currency)
    tax = ZERO
    if tax_percentage:
        tax = quantize_to_minor_unit((subtotal - discount) * tax_percentage / HUNDRED, currency)
    return InvoiceDraft(
        currency=currency,
        lines=tuple(lines),
        subtotal=subtotal,
        discount=discount,
        tax=tax,
        total=subtotal - discount + tax,
        period_start=period_start,
        period_end=period_end,
        coupon_ref_id=coupon_ref_id,
        tax_percentage=tax_percentage,
    )

"""Quotes: from catalog rows to the pricing engine. Used by the preview endpoint and by the subscription lifecycle
(the invoices of provisioning and of each renewal), so a preview and the real invoice are the same computation.

What one period's invoice holds:

* the plan's recurring prices for the billing period (a country's price point over the default), billed in
  advance: FLAT_FEE once, PER_UNIT on the unit quantity. USAGE_BASED prices are billed in arrears from metering and
  are left out here, as are MINIMUM_SPEND (a true-up at period end) and CREDIT_BASED (credit consumption);
* each add-on's in-advance prices times the add-on quantity: an add-on's flat fee is per add-on instance, and its
  per-unit prices count add-on instances as units;
* nothing else. An invoice with nothing billed in advance (a FREE or CUSTOM plan without priced add-ons, a plan
  priced only by usage) is an empty zero invoice in usd; otherwise the invoice is in the prices' one currency.

Per-unit quantities: when the plan has a single PER_UNIT price, ``unit_quantity`` prices it (falling back to the
quantity given for its feature); with several, each takes the quantity given for its feature.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from functools import partial

from catalog import enums
from catalog.errors import CouponNotFound
from catalog.models import Coupon, PackageVersion, Price
from catalog.paywall import localized_prices
from catalog.selectors import coupon_get, package_get, package_latest_published_version
from config.errors import InvalidInput
from customers.errors import CouponNotActive
from customers.selectors import customer_get
from subscriptions import periods
from subscriptions.errors import (
    AddonDependencyMissing,
    AddonNotPublished,
    IncompatibleAddon,
    MixedCurrencies,
    PlanNotPublished,
)
from subscriptions.pricing import (
    ChargeItem,
    CouponTerms,
    InvoiceDraft,
    PricePoint,
    Tier,
    coupon_applies,
    invoice_draft,
)

DEFAULT_CURRENCY = "usd"
ONE = Decimal(1)
BILLED_IN_ADVANCE = frozenset({enums.BillingModel.FLAT_FEE, enums.BillingModel.PER_UNIT})


@dataclass(frozen=True)
class QuoteInput:
    plan_version: PackageVersion
    billing_period: str | None
    billing_country_code: str | None
    unit_quantity: int | None
    feature_quantities: Mapping[str, Decimal]  # featureId → quantity
    addons: Sequence[tuple[PackageVersion, int]]  # add-on version, quantity
    coupon: Coupon | None
    tax_percentage: Decimal | None


@dataclass(frozen=True)
class _Charge:
    """A price to bill with its quantity (``None`` when the input gives none) and the wire field it comes from."""

    point: PricePoint
    quantity: Decimal | None
    field: str


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _money_amount(money: Mapping[str, str] | None) -> Decimal | None:
    return _decimal(money["amount"]) if money else None


def _price_point(price: Price, version: PackageVersion) -> PricePoint:
    description = version.display_name
    if price.feature is not None:
        description = f"{version.display_name} - {price.feature.display_name}"
    return PricePoint(
        billing_model=price.billing_model,
        billing_period=price.billing_period,
        currency=price.currency,
        amount=price.amount,
        tiers_mode=price.tiers_mode,
        tiers=tuple(
            Tier(
                up_to=_decimal(tier.get("upTo")),
                unit_price=_money_amount(tier.get("unitPrice")),
                flat_price=_money_amount(tier.get("flatPrice")),
            )
            for tier in price.tiers or []
        ),
        block_size=price.block_size,
        feature_ref_id=price.feature.ref_id if price.feature is not None else None,
        description=description,
        min_unit_quantity=price.min_unit_quantity,
        max_unit_quantity=price.max_unit_quantity,
    )


def _recurring_prices(version: PackageVersion) -> list[Price]:
    # Prices prefetched with their feature (the renewal job prefetches them for a whole chunk) save the query.
    prefetched = "prices" in getattr(version, "_prefetched_objects_cache", {})
    prices = version.prices.all() if prefetched else version.prices.select_related("feature")
    return [
        price for price in prices if not price.is_overage and price.billing_cadence == enums.BillingCadence.RECURRING
    ]


def price_points(version: PackageVersion, *, billing_period: str, billing_country_code: str | None) -> list[PricePoint]:
    """The version's recurring, non-overage prices for one billing period, one per pricing model: the country's
    price point when it has one, else the default. One query."""
    prices = localized_prices(_recurring_prices(version), billing_country_code)
    return [_price_point(price, version) for price in prices if price.billing_period == billing_period]


def coupon_terms(coupon: Coupon) -> CouponTerms:
    """The engine's view of a coupon (reads its amounts off: prefetch ``amounts_off`` to save the query)."""
    return CouponTerms(
        ref_id=coupon.ref_id,
        name=coupon.name,
        percent_off=coupon.percent_off,
        amounts_off={row.currency: row.amount for row in coupon.amounts_off.all()},
        duration_in_months=coupon.duration_in_months,
    )


def quantity_bought(*, unit_quantity: int | None, feature_quantity: object, single_per_unit: bool) -> Decimal | None:
    """How many units of a plan's price are bought: ``unit_quantity`` prices the plan's single PER_UNIT price,
    anything else is priced by its feature's own quantity (``charges``)."""
    if single_per_unit and unit_quantity is not None:
        return Decimal(unit_quantity)
    return _decimal(feature_quantity)


def _plan_quantity(quote: QuoteInput, point: PricePoint, *, single_per_unit: bool) -> tuple[Decimal | None, str]:
    feature_quantity = quote.feature_quantities.get(point.feature_ref_id) if point.feature_ref_id else None
    quantity = quantity_bought(
        unit_quantity=quote.unit_quantity, feature_quantity=feature_quantity, single_per_unit=single_per_unit
    )
    if single_per_unit and (quote.unit_quantity is not None or quantity is None):
        return quantity, "unitQuantity"
    return quantity, f"charges[{point.feature_ref_id}]"


def _charges(quote: QuoteInput) -> list[_Charge]:
    """Everything billed in advance for one period, in plan-then-add-ons order. Without a billing period nothing
    can be priced (validation requires one whenever something has a price)."""
    if quote.billing_period is None:
        return []
    points_of = partial(
        price_points, billing_period=quote.billing_period, billing_country_code=quote.billing_country_code
    )
    plan_points = [point for point in points_of(quote.plan_version) if point.billing_model in BILLED_IN_ADVANCE]
    single_per_unit = sum(point.billing_model == enums.BillingModel.PER_UNIT for point in plan_points) == 1
    charges = []
    for point in plan_points:
        if point.billing_model == enums.BillingModel.FLAT_FEE:
            charges.append(_Charge(point=point, quantity=ONE, field="planId"))
        else:
            quantity, field = _plan_quantity(quote, point, single_per_unit=single_per_unit)
            charges.append(_Charge(point=point, quantity=quantity, field=field))
    for index, (addon_version, addon_quantity) in enumerate(quote.addons):
        for point in points_of(addon_version):
            if point.billing_model not in BILLED_IN_ADVANCE:
                continue
            if point.billing_model == enums.BillingModel.FLAT_FEE:
                # An add-on's flat fee is charged per add-on instance.
                point = replace(point, billing_model=enums.BillingModel.PER_UNIT)
            charges.append(_Charge(point=point, quantity=Decimal(addon_quantity), field=f"addons[{index}]"))
    return charges


def _check_currencies(charges: Sequence[_Charge]) -> str:
    """The one currency of the charges (usd when there are none); ``MixedCurrencies`` when they differ."""
    if not charges:
        return DEFAULT_CURRENCY
    currency = charges[0].point.currency
    for charge in charges[1:]:
        if charge.point.currency != currency:
            raise MixedCurrencies(
                f"{charge.point.description} is priced in {charge.point.currency}, the rest in {currency}",
                field=charge.field,
            )
    return currency


def _check_quantity(charge: _Charge) -> Decimal:
    point, quantity = charge.point, charge.quantity
    if quantity is None:
        raise InvalidInput(f"a quantity is required for per-unit feature {point.feature_ref_id}", field=charge.field)
    if quantity < 0:
        raise InvalidInput("must be 0 or more", field=charge.field)
    return quantity


def _validate_addons(quote: QuoteInput) -> None:
    version = quote.plan_version
    compatible = {package.pk for package in version.compatible_addons.all()}
    chosen = [addon_version.package_id for addon_version, _ in quote.addons]
    for index, (addon_version, quantity) in enumerate(quote.addons):
        ref_id = addon_version.package.ref_id
        id_field = f"addons[{index}].id"
        if addon_version.package_id in chosen[:index]:
            raise InvalidInput(f"add-on {ref_id} is listed twice", field=id_field)
        if addon_version.package_id not in compatible:
            raise IncompatibleAddon(
                f"add-on {ref_id} is not compatible with plan {version.package.ref_id}", field=id_field
            )
        if quantity < 1:
            raise InvalidInput("must be at least 1", field=f"addons[{index}].quantity")
        if addon_version.max_quantity is not None and quantity > addon_version.max_quantity:
            raise InvalidInput(
                f"add-on {ref_id} allows at most {addon_version.max_quantity}", field=f"addons[{index}].quantity"
            )
        dependencies = addon_version.dependencies.all()
        missing = sorted(dependency.ref_id for dependency in dependencies if dependency.pk not in chosen)
        if missing:
            raise AddonDependencyMissing(f"add-on {ref_id} requires add-on(s) {', '.join(missing)}", field=id_field)
        prices = _recurring_prices(addon_version)
        if prices and quote.billing_period is None:
            raise InvalidInput(f"is required: add-on {ref_id} is priced", field="billingPeriod")
        if prices and not any(price.billing_period == quote.billing_period for price in prices):
            raise InvalidInput(f"add-on {ref_id} has no {quote.billing_period} price", field=id_field)


def validate_quote_input(quote: QuoteInput) -> None:
    """Refuse a quote a new subscription (or a change) cannot be made of; raises ``InvalidInput`` subclasses naming
    the wire field: a PAID plan without (or without a price for) its billing period, per-unit quantities missing,
    negative or outside the price's bounds, add-ons incompatible, over their maximum, listed twice or missing
    their dependencies, an archived coupon (``COUPON_NOT_ACTIVE``), mixed currencies, a tax outside 0 to 100.
    Reads only."""
    version = quote.plan_version
    plan_ref_id = version.package.ref_id
    if quote.tax_percentage is not None and not Decimal(0) <= quote.tax_percentage <= Decimal(100):
        raise InvalidInput("must be between 0 and 100", field="billingInformation.taxPercentage")
    if version.pricing_type == enums.PricingType.PAID:
        if quote.billing_period is None:
            raise InvalidInput(f"is required: plan {plan_ref_id} is PAID", field="billingPeriod")
        if not price_points(
            version, billing_period=quote.billing_period, billing_country_code=quote.billing_country_code
        ):
            raise InvalidInput(f"plan {plan_ref_id} has no {quote.billing_period} price", field="billingPeriod")
    _validate_addons(quote)
    if quote.coupon is not None and quote.coupon.status != enums.CouponStatus.ACTIVE:
        raise CouponNotActive(f"coupon {quote.coupon.ref_id} is archived", field="appliedCoupon.couponId")
    charges = _charges(quote)
    for charge in charges:
        quantity = _check_quantity(charge)
        minimum, maximum = charge.point.min_unit_quantity, charge.point.max_unit_quantity
        if minimum is not None and quantity < minimum:
            raise InvalidInput(f"must be at least {minimum} for {charge.point.description}", field=charge.field)
        if maximum is not None and quantity > maximum:
            raise InvalidInput(f"must be at most {maximum} for {charge.point.description}", field=charge.field)
    _check_currencies(charges)


def quote_period(
    quote: QuoteInput,
    *,
    period_start: datetime,
    period_end: datetime,
    proration: Decimal = ONE,
    coupon_applied_at: datetime | None = None,
) -> InvoiceDraft:
    """The invoice of one period (see the module docstring for what it holds), times ``proration``.

    The coupon discounts it unless it applied at ``coupon_applied_at`` and has run out by ``period_start``
    (no ``coupon_applied_at``: it applies). Does not re-check acceptance rules (compatibility, bounds, coupon
    status), so renewals of what was accepted earlier keep working; still raises ``InvalidInput`` for a missing
    per-unit quantity and ``MixedCurrencies``. Reads only.
    """
    charges = _charges(quote)
    items = [
        ChargeItem(price=charge.point, quantity=_check_quantity(charge), description=charge.point.description)
        for charge in charges
    ]
    currency = _check_currencies(charges)
    terms = coupon_terms(quote.coupon) if quote.coupon is not None else None
    if (
        terms is not None
        and coupon_applied_at is not None
        and not coupon_applies(coupon=terms, applied_at=coupon_applied_at, period_start=period_start)
    ):
        terms = None
    return invoice_draft(
        items=items,
        currency=currency,
        coupon=terms,
        tax_percentage=quote.tax_percentage,
        period_start=period_start,
        period_end=period_end,
        proration=proration,
    )


# Preview (S6): what a new subscription would be invoiced, without writing anything.


@dataclass(frozen=True)
class TrialOverride:
    is_trial: bool
    trial_end_date: datetime | None


@dataclass(frozen=True)
class SubscriptionPreview:
    immediate_invoice: InvoiceDraft
    recurring_invoice: InvoiceDraft
    billing_period_start: datetime
    billing_period_end: datetime
    coupon: CouponTerms | None
    # Whose credit balance would pay the invoices: the paying customer when another one pays, else the customer.
    payer_customer_id: int


def published_version(kind: str, ref_id: str, *, field: str) -> PackageVersion:
    package = package_get(kind, ref_id, field=field)
    version = package_latest_published_version(package)
    error = PlanNotPublished if kind == enums.PackageKind.PLAN else AddonNotPublished
    label = "plan" if kind == enums.PackageKind.PLAN else "add-on"
    if package.archived_at is not None:
        raise error(f"{label} {ref_id} is archived", field=field)
    if version is None:
        raise error(f"{label} {ref_id} has no published version", field=field)
    return version


def resolve_coupon(coupon_ref_id: str | None, customer_coupon: Coupon | None) -> Coupon | None:
    """The coupon named in the request, else the customer's own coupon while it is active."""
    if coupon_ref_id is None:
        if customer_coupon is not None and customer_coupon.status == enums.CouponStatus.ACTIVE:
            return customer_coupon
        return None
    try:
        return coupon_get(coupon_ref_id)
    except CouponNotFound as error:
        raise CouponNotFound(f"Coupon {coupon_ref_id} not found", field="appliedCoupon.couponId") from error


def trial_end_for(version: PackageVersion, start: datetime, trial_override: TrialOverride | None) -> datetime | None:
    """When the trial a new subscription gets would end: the override's date, else the plan's default trial."""
    field = "trialOverrideConfiguration.trialEndDate"
    if trial_override is not None and not trial_override.is_trial:
        return None
    if trial_override is not None and trial_override.trial_end_date is not None:
        if trial_override.trial_end_date <= start:
            raise InvalidInput("must be after the start date", field=field)
        return trial_override.trial_end_date
    if version.trial_duration is not None:  # ``has_trial``, spelled so that the type narrows
        return periods.trial_end(start=start, duration=version.trial_duration, units=version.trial_units)
    if trial_override is not None:
        raise InvalidInput(f"is required: plan {version.package.ref_id} has no default trial", field=field)
    return None


def subscription_preview(
    *,
    customer_ref_id: str,
    plan_ref_id: str,
    billing_period: str | None,
    billing_country_code: str | None,
    unit_quantity: int | None,
    feature_quantities: Mapping[str, Decimal],
    addons: Sequence[tuple[str, int]],
    coupon_ref_id: str | None,
    coupon_start_date: datetime | None,
    tax_percentage: Decimal | None,
    start_date: datetime | None,
    trial_override: TrialOverride | None,
    now: datetime,
    paying_customer_ref_id: str | None = None,
) -> SubscriptionPreview:
    """What a new subscription to the plan's latest published version would be invoiced. Writes nothing.

    The immediate invoice covers the first billing period from ``start_date`` (default ``now``); during a trial it
    is a zero invoice over the trial, and billing is anchored at the trial's end. The recurring invoice is the
    full period after the immediate one (a coupon that has run out by then no longer discounts it). A plan
    without billing period is ranged monthly. ``paying_customer_ref_id``: another customer who would pay (its
    credit balance is the one the invoices would use). Errors: 404 for an unknown or archived customer, paying
    customer, plan, add-on or coupon; 400 ``PLAN_NOT_PUBLISHED``/``ADDON_NOT_PUBLISHED`` and every
    ``validate_quote_input`` error.
    """
    customer = customer_get(customer_ref_id, field="customerId")
    payer = customer
    if paying_customer_ref_id and paying_customer_ref_id != customer.ref_id:
        payer = customer_get(paying_customer_ref_id, field="payingCustomerId")
    version = published_version(enums.PackageKind.PLAN, plan_ref_id, field="planId")
    addon_versions = []
    for index, (addon_ref_id, quantity) in enumerate(addons):
        addon_version = published_version(enums.PackageKind.ADDON, addon_ref_id, field=f"addons[{index}].id")
        addon_versions.append((addon_version, quantity))
    quote = QuoteInput(
        plan_version=version,
        billing_period=billing_period,
        billing_country_code=billing_country_code,
        unit_quantity=unit_quantity,
        feature_quantities=feature_quantities,
        addons=addon_versions,
        coupon=resolve_coupon(coupon_ref_id, customer.coupon),
        tax_percentage=tax_percentage,
    )
    validate_quote_input(quote)
    start = start_date or now
    ranged_period = billing_period or enums.BillingPeriod.MONTHLY
    coupon_applied_at = coupon_start_date or start
    trial_ends = trial_end_for(version, start, trial_override)
    # Billing is anchored at the start, or at the trial's end when there is a trial.
    anchor = trial_ends or start
    recurring_start = trial_ends or periods.next_billing_boundary(
        anchor=anchor, billing_period=ranged_period, after=anchor
    )
    recurring_end = periods.next_billing_boundary(anchor=anchor, billing_period=ranged_period, after=recurring_start)
    recurring = quote_period(
        quote, period_start=recurring_start, period_end=recurring_end, coupon_applied_at=coupon_applied_at
    )
    if trial_ends is None:
        immediate = quote_period(
            quote, period_start=start, period_end=recurring_start, coupon_applied_at=coupon_applied_at
        )
    else:
        immediate = invoice_draft(
            items=(),
            currency=recurring.currency,
            coupon=None,
            tax_percentage=tax_percentage,
            period_start=start,
            period_end=trial_ends,
        )
    return SubscriptionPreview(
        immediate_invoice=immediate,
        recurring_invoice=recurring,
        billing_period_start=immediate.period_start,
        billing_period_end=immediate.period_end,
        coupon=coupon_terms(quote.coupon) if quote.coupon is not None else None,
        payer_customer_id=payer.pk,
    )

"""The pricing engine as a pure table: every billing model and tier mode, coupons, tax and proration, exactly."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscriptions.pricing import (
    ChargeItem,
    CouponTerms,
    InvoiceDraft,
    InvoiceLine,
    PricePoint,
    Tier,
    charge_amount,
    coupon_applies,
    invoice_draft,
    proration_factor,
)

D = Decimal
JAN_1 = datetime(2027, 1, 1, tzinfo=UTC)
JAN_31 = datetime(2027, 1, 31, tzinfo=UTC)
FEB_1 = datetime(2027, 2, 1, tzinfo=UTC)


def price(
    billing_model: str,
    amount: str | None = None,
    *,
    tiers: tuple[Tier, ...] = (),
    tiers_mode: str | None = None,
    block_size: str | None = None,
    currency: str = "usd",
    description: str = "Pro",
) -> PricePoint:
    return PricePoint(
        billing_model=billing_model,
        billing_period="MONTHLY",
        currency=currency,
        amount=None if amount is None else D(amount),
        tiers_mode=tiers_mode,
        tiers=tiers,
        block_size=None if block_size is None else D(block_size),
        feature_ref_id=None if billing_model == "FLAT_FEE" else "feature-seats",
        description=description,
        min_unit_quantity=None,
        max_unit_quantity=None,
    )


def tier(up_to: int | None, unit: str | None = None, flat: str | None = None) -> Tier:
    return Tier(
        up_to=None if up_to is None else D(up_to),
        unit_price=None if unit is None else D(unit),
        flat_price=None if flat is None else D(flat),
    )


THREE_TIERS = (tier(10, "5"), tier(50, "4", flat="10"), tier(None, "3"))
BOUNDED_TIERS = (tier(10, "2"), tier(20, "1"))
FLAT_FIRST_TIERS = (tier(1, flat="100"), tier(None, "0.5"))
FLAT = price("FLAT_FEE", "19.99")
SEATS = price("PER_UNIT", "10", description="Pro - Seats")


def coupon(
    *, percent_off: str | None = None, amounts_off: dict[str, str] | None = None, months: int | None = None
) -> CouponTerms:
    return CouponTerms(
        ref_id="coupon-launch",
        name="Launch",
        percent_off=None if percent_off is None else D(percent_off),
        amounts_off={currency: D(amount) for currency, amount in (amounts_off or {}).items()},
        duration_in_months=months,
    )


@pytest.mark.parametrize(
    ("point", "quantity", "expected"),
    [
        (FLAT, "1", "19.99"),
        (FLAT, "0", "19.99"),
        (FLAT, "7", "19.99"),
        (price("FLAT_FEE"), "1", "0"),
        (SEATS, "3", "30"),
        (SEATS, "0", "0"),
        (SEATS, "2.5", "25.0"),
        (price("PER_UNIT", "5", block_size="10"), "25", "15"),
        (price("PER_UNIT", "5", block_size="10"), "20", "10"),
        (price("PER_UNIT", "5", block_size="10"), "1", "5"),
        (price("PER_UNIT", "5", block_size="10"), "0", "0"),
        (price("USAGE_BASED", "0.0004"), "12345", "4.938"),
        (price("USAGE_BASED", "2", block_size="1000"), "1001", "4"),
        (price("PER_UNIT", tiers=THREE_TIERS, tiers_mode="VOLUME"), "0", "0"),
        (price("PER_UNIT", tiers=THREE_TIERS, tiers_mode="VOLUME"), "1", "5"),
        (price("PER_UNIT", tiers=THREE_TIERS, tiers_mode="VOLUME"), "10", "50"),
        (price("PER_UNIT", tiers=THREE_TIERS, tiers_mode="VOLUME"), "11", "54"),
        (price("PER_UNIT", tiers=THREE_TIERS, tiers_mode="VOLUME"), "50", "210"),
        (price("PER_UNIT", tiers=THREE_TIERS, tiers_mode="VOLUME"), "51", "153"),
        (price("PER_UNIT", tiers=BOUNDED_TIERS, tiers_mode="VOLUME"), "25", "25"),
        (price("PER_UNIT", tiers=THREE_TIERS, tiers_mode="GRADUATED"), "0", "0"),
        (price("PER_UNIT", tiers=THREE_TIERS, tiers_mode="GRADUATED"), "5", "25"),
        (price("PER_UNIT", tiers=THREE_TIERS, tiers_mode="GRADUATED"), "10", "50"),
        (price("PER_UNIT", tiers=THREE_TIERS, tiers_mode="GRADUATED"), "11", "64"),
        (price("PER_UNIT", tiers=THREE_TIERS, tiers_mode="GRADUATED"), "50", "220"),
        (price("PER_UNIT", tiers=THREE_TIERS, tiers_mode="GRADUATED"), "51", "223"),
        (price("PER_UNIT", tiers=BOUNDED_TIERS, tiers_mode="GRADUATED"), "25", "35"),
        (price("PER_UNIT", tiers=FLAT_FIRST_TIERS, tiers_mode="GRADUATED"), "1", "100"),
        (price("PER_UNIT", tiers=FLAT_FIRST_TIERS, tiers_mode="GRADUATED"), "3", "101.0"),
        (price("USAGE_BASED", tiers=THREE_TIERS, tiers_mode="GRADUATED"), "10.5", "62.0"),
        (price("MINIMUM_SPEND", "100"), "1", "0"),
        (price("CREDIT_BASED", "50"), "1", "0"),
    ],
)
def test_charge_amount(point: PricePoint, quantity: str, expected: str) -> None:
    assert charge_amount(point, D(quantity)) == D(expected)


def test_charge_amount_refuses_a_negative_quantity() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        charge_amount(SEATS, D(-1))


@pytest.mark.parametrize(
    ("period_start", "period_end", "effective_at", "expected"),
    [
        (JAN_1, JAN_31, datetime(2027, 1, 16, tzinfo=UTC), "0.5"),
        (FEB_1, datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 2, 15, tzinfo=UTC), "0.5"),
        (JAN_1, JAN_31, JAN_1, "1"),
        (JAN_1, JAN_31, JAN_1 - timedelta(days=3), "1"),
        (JAN_1, JAN_31, JAN_31, "0"),
        (JAN_1, JAN_31, JAN_31 + timedelta(seconds=1), "0"),
        # By the second: 6.1 s left of 10 s counts as 6 s.
        (JAN_1, JAN_1 + timedelta(seconds=10), JAN_1 + timedelta(seconds=3, milliseconds=900), "0.6"),
        (JAN_1, JAN_1 + timedelta(seconds=3), JAN_1 + timedelta(seconds=1), "0.6666666666666666666666666667"),
        (JAN_1, JAN_31, JAN_31 - timedelta(seconds=1), D(1) / D(30 * 86400)),
    ],
)
def test_proration_factor(
    period_start: datetime, period_end: datetime, effective_at: datetime, expected: str | Decimal
) -> None:
    factor = proration_factor(period_start=period_start, period_end=period_end, effective_at=effective_at)
    assert factor == D(expected)


def test_proration_factor_refuses_an_empty_period() -> None:
    with pytest.raises(ValueError, match="must end after it starts"):
        proration_factor(period_start=JAN_1, period_end=JAN_1, effective_at=JAN_1)


def draft(
    items: list[ChargeItem],
    *,
    currency: str = "usd",
    coupon_terms: CouponTerms | None = None,
    tax: str | None = None,
    proration: str = "1",
) -> InvoiceDraft:
    return invoice_draft(
        items=items,
        currency=currency,
        coupon=coupon_terms,
        tax_percentage=None if tax is None else D(tax),
        period_start=JAN_1,
        period_end=FEB_1,
        proration=D(proration),
    )


FLAT_ITEM = ChargeItem(price=FLAT, quantity=D(1), description="Pro")
SEATS_ITEM = ChargeItem(price=SEATS, quantity=D(3), description="Pro - Seats")


def test_invoice_lines_subtotal_and_total() -> None:
    invoice = draft([FLAT_ITEM, SEATS_ITEM])
    assert invoice == InvoiceDraft(
        currency="usd",
        lines=(
            InvoiceLine(description="Pro", quantity=D(1), unit_price=D("19.99"), amount=D("19.99"), currency="usd"),
            InvoiceLine(description="Pro - Seats", quantity=D(3), unit_price=D(10), amount=D("30.00"), currency="usd"),
        ),
        subtotal=D("49.99"),
        discount=D(0),
        tax=D(0),
        total=D("49.99"),
        period_start=JAN_1,
        period_end=FEB_1,
        coupon_ref_id=None,
        tax_percentage=None,
    )


@pytest.mark.parametrize(
    ("coupon_terms", "tax", "discount", "expected_tax", "total", "coupon_ref_id"),
    [
        # 25 % of 49.99 = 12.4975 → 12.50; 10 % tax on 37.49 = 3.749 → 3.75.
        (coupon(percent_off="25"), "10", "12.50", "3.75", "41.24", "coupon-launch"),
        (coupon(percent_off="100"), "10", "49.99", "0.00", "0.00", "coupon-launch"),
        # Fixed 20 usd; 17 % tax on 29.99 = 5.0983 → 5.10.
        (coupon(amounts_off={"usd": "20", "eur": "18"}), "17", "20.00", "5.10", "35.09", "coupon-launch"),
        # Capped at the subtotal.
        (coupon(amounts_off={"usd": "100"}), "17", "49.99", "0.00", "0.00", "coupon-launch"),
        # No amount in this currency: no discount.
        (coupon(amounts_off={"eur": "20"}), None, "0", "0", "49.99", None),
        (None, "8.25", "0", "4.12", "54.11", None),
        (None, "0", "0", "0", "49.99", None),
    ],
)
def test_invoice_discount_and_tax(
    coupon_terms: CouponTerms | None,
    tax: str | None,
    discount: str,
    expected_tax: str,
    total: str,
    coupon_ref_id: str | None,
) -> None:
    invoice = draft([FLAT_ITEM, SEATS_ITEM], coupon_terms=coupon_terms, tax=tax)
    assert (invoice.subtotal, invoice.discount, invoice.tax, invoice.total) == (
        D("49.99"),
        D(discount),
        D(expected_tax),
        D(total),
    )
    assert invoice.coupon_ref_id == coupon_ref_id
    assert invoice.tax_percentage == (None if tax is None else D(tax))


def test_prorated_lines_round_half_up_once_per_line() -> None:
    invoice = draft([FLAT_ITEM, SEATS_ITEM], proration="0.5")
    # 19.99 / 2 = 9.995 → 10.00 (half up); the unit price stays the full-period price.
    assert [(line.amount, line.unit_price) for line in invoice.lines] == [(D("10.00"), D("19.99")), (D("15.00"), D(10))]
    assert (invoice.subtotal, invoice.total) == (D("25.00"), D("25.00"))


def test_zero_decimal_currency_rounds_to_whole_units() -> None:
    yen = ChargeItem(price=price("FLAT_FEE", "1000", currency="jpy"), quantity=D(1), description="Pro")
    invoice = draft([yen], currency="jpy", proration=str(D(1) / D(3)), coupon_terms=coupon(percent_off="15"), tax="10")
    # 333.33… → 333; 15 % = 49.95 → 50; 10 % of 283 = 28.3 → 28.
    assert (invoice.subtotal, invoice.discount, invoice.tax, invoice.total) == (D(333), D(50), D(28), D(311))


def test_unit_price_of_tiers_and_blocks_is_the_average_per_unit() -> None:
    graduated = ChargeItem(
        price=price("PER_UNIT", tiers=THREE_TIERS, tiers_mode="GRADUATED"), quantity=D(11), description="Seats"
    )
    blocks = ChargeItem(price=price("PER_UNIT", "5", block_size="10"), quantity=D(25), description="Seats")
    nothing = ChargeItem(price=price("PER_UNIT", "5", block_size="10"), quantity=D(0), description="Seats")
    invoice = draft([graduated, blocks, nothing])
    assert [(line.quantity, line.unit_price, line.amount) for line in invoice.lines] == [
        (D(11), D("5.818182"), D("64.00")),
        (D(25), D("0.6"), D("15.00")),
        (D(0), D(5), D("0.00")),
    ]


def test_empty_invoice_is_zero() -> None:
    invoice = draft([], tax="20", coupon_terms=coupon(percent_off="50"))
    assert (invoice.lines, invoice.subtotal, invoice.discount, invoice.tax, invoice.total) == ((), 0, 0, 0, 0)


def test_items_in_another_currency_are_refused() -> None:
    euro = ChargeItem(price=price("FLAT_FEE", "10", currency="eur"), quantity=D(1), description="Extra")
    with pytest.raises(ValueError, match="priced in eur, not usd"):
        draft([FLAT_ITEM, euro])


def test_proration_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        draft([FLAT_ITEM], proration="1.5")


@pytest.mark.parametrize(
    ("months", "applied_at", "period_start", "expected"),
    [
        (None, JAN_1, datetime(2040, 1, 1, tzinfo=UTC), True),
        (3, JAN_31, JAN_31, True),
        (3, JAN_31, datetime(2027, 3, 31, tzinfo=UTC), True),
        (3, JAN_31, datetime(2027, 4, 29, 23, 59, 59, tzinfo=UTC), True),
        (3, JAN_31, datetime(2027, 4, 30, tzinfo=UTC), False),
        (1, datetime(2028, 1, 31, tzinfo=UTC), datetime(2028, 2, 28, tzinfo=UTC), True),
        (1, datetime(2028, 1, 31, tzinfo=UTC), datetime(2028, 2, 29, tzinfo=UTC), False),
        (12, JAN_1, datetime(2028, 1, 1, tzinfo=UTC), False),
    ],
)
def test_coupon_applies(months: int | None, applied_at: datetime, period_start: datetime, expected: bool) -> None:
    terms = coupon(percent_off="10", months=months)
    assert coupon_applies(coupon=terms, applied_at=applied_at, period_start=period_start) is expected


# Properties.

money = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
quantities = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def graduated_prices(draw: st.DrawFn) -> PricePoint:
    bounds = sorted(set(draw(st.lists(st.integers(min_value=1, max_value=1000), min_size=0, max_size=4))))
    last_bound = draw(st.one_of(st.none(), st.integers(min_value=1001, max_value=2000)))
    tiers = tuple(
        Tier(up_to=None if up_to is None else D(up_to), unit_price=draw(money), flat_price=draw(st.none() | money))
        for up_to in [*bounds, last_bound]
    )
    return price("PER_UNIT", tiers=tiers, tiers_mode="GRADUATED")


@given(point=graduated_prices(), first=quantities, second=quantities)
def test_graduated_is_non_negative_and_monotone(point: PricePoint, first: Decimal, second: Decimal) -> None:
    low, high = sorted((first, second))
    assert D(0) <= charge_amount(point, low) <= charge_amount(point, high)


billing_models = st.sampled_from(["FLAT_FEE", "PER_UNIT", "USAGE_BASED"])


@st.composite
def charge_items(draw: st.DrawFn) -> ChargeItem:
    billing_model = draw(billing_models)
    point = price(billing_model, str(draw(money)), block_size=draw(st.sampled_from([None, "10", "0.5"])))
    return ChargeItem(price=point, quantity=draw(quantities), description=billing_model)


proration_factors = st.decimals(min_value=0, max_value=1, places=6, allow_nan=False, allow_infinity=False)
coupons = st.one_of(
    st.none(),
    st.decimals(min_value="0.01", max_value=100, places=2).map(lambda percent: coupon(percent_off=str(percent))),
    money.map(lambda amount: coupon(amounts_off={"usd": str(amount or 1)})),
)
taxes = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=3))


@given(items=st.lists(charge_items(), max_size=5), factor=proration_factors)
def test_prorated_amounts_never_exceed_the_full_amounts(items: list[ChargeItem], factor: Decimal) -> None:
    full = draft(items)
    prorated = draft(items, proration=str(factor))
    for full_line, prorated_line in zip(full.lines, prorated.lines, strict=True):
        assert D(0) <= prorated_line.amount <= full_line.amount
    assert prorated.subtotal <= full.subtotal


@given(
    items=st.lists(charge_items(), max_size=5),
    factor=proration_factors,
    coupon_terms=coupons,
    tax=taxes,
)
def test_total_is_subtotal_minus_discount_plus_tax(
    items: list[ChargeItem], factor: Decimal, coupon_terms: CouponTerms | None, tax: Decimal | None
) -> None:
    invoice = draft(items, proration=str(factor), coupon_terms=coupon_terms, tax=None if tax is None else str(tax))
    assert invoice.total == invoice.subtotal - invoice.discount + invoice.tax
    assert invoice.subtotal == sum((line.amount for line in invoice.lines), D(0))
    assert D(0) <= invoice.discount <= invoice.subtotal
    assert invoice.tax >= 0
    assert invoice.total >= 0

"""Quotes from real catalog rows (built through the catalog services): price points, period invoices, validation."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from catalog.models import Coupon, Package, PackageVersion
from catalog.selectors import coupon_get, package_latest_published_version
from catalog.services.coupons import coupon_archive, coupon_create
from catalog.services.features import feature_create
from catalog.services.packages import package_create
from catalog.services.products import product_create
from config.errors import InvalidInput
from subscriptions.errors import AddonDependencyMissing, IncompatibleAddon, MixedCurrencies
from subscriptions.pricing import CouponTerms, InvoiceLine, PricePoint, Tier
from subscriptions.quote import (
    QuoteInput,
    coupon_terms,
    price_points,
    quote_period,
    validate_quote_input,
)

D = Decimal
T0 = datetime(2027, 1, 31, 10, tzinfo=UTC)
FEB_28 = datetime(2027, 2, 28, 10, tzinfo=UTC)
MAR_31 = datetime(2027, 3, 31, 10, tzinfo=UTC)
METER = {"aggregation": {"function": "COUNT"}, "filters": []}


def money(amount: str, currency: str = "usd") -> dict[str, Any]:
    return {"amount": D(amount), "currency": currency}


def flat_fee(*periods: dict[str, Any]) -> dict[str, Any]:
    return {"billing_model": "FLAT_FEE", "price_periods": list(periods)}


def period(billing_period: str, amount: str, currency: str = "usd", country: str | None = None) -> dict[str, Any]:
    result = {"billing_period": billing_period, "price": money(amount, currency)}
    if country:
        result["billing_country_code"] = country
    return result


def addon(ref_id: str, *models: dict[str, Any], **fields: Any) -> None:
    package_create(
        kind="ADDON",
        ref_id=ref_id,
        product_ref_id="product-main",
        display_name=ref_id.removeprefix("addon-").title(),
        charges={"pricing_type": "PAID" if models else "FREE", "pricing_models": list(models)},
        status="PUBLISHED",
        now=T0,
        **fields,
    )


def plan(ref_id: str, *models: dict[str, Any], pricing_type: str = "PAID", **fields: Any) -> None:
    package_create(
        kind="PLAN",
        ref_id=ref_id,
        product_ref_id="product-main",
        display_name=ref_id.removeprefix("plan-").title(),
        charges={"pricing_type": pricing_type, "pricing_models": list(models)},
        status="PUBLISHED",
        now=T0,
        **fields,
    )


@pytest.fixture
def catalog(db: None) -> None:
    product_create(ref_id="product-main", display_name="Main", now=T0)
    feature_create(ref_id="feature-seats", display_name="Seats", feature_type="NUMBER", now=T0)
    feature_create(ref_id="feature-projects", display_name="Projects", feature_type="NUMBER", now=T0)
    feature_create(
        ref_id="feature-calls",
        display_name="Calls",
        feature_type="NUMBER",
        meter_type="INCREMENTAL",
        meter=METER,
        now=T0,
    )
    addon("addon-storage", flat_fee(period("MONTHLY", "5"), period("ANNUALLY", "50")), max_quantity=3)
    addon("addon-support", flat_fee(period("MONTHLY", "20")), dependency_ref_ids=["addon-storage"])
    addon("addon-euro", flat_fee(period("MONTHLY", "4", "eur")))
    addon("addon-annual-only", flat_fee(period("ANNUALLY", "100")))
    addon("addon-free")
    addon("addon-other", flat_fee(period("MONTHLY", "1")))
    plan(
        "plan-pro",
        flat_fee(period("MONTHLY", "19.99"), period("ANNUALLY", "199"), period("MONTHLY", "17", "eur", "DE")),
        {
            "billing_model": "PER_UNIT",
            "feature_id": "feature-seats",
            "min_unit_quantity": 1,
            "max_unit_quantity": 20,
            "price_periods": [period("MONTHLY", "10"), period("MONTHLY", "9", "eur", "DE")],
        },
        {
            "billing_model": "USAGE_BASED",
            "feature_id": "feature-calls",
            "price_periods": [period("MONTHLY", "0.01")],
        },
        compatible_addon_ref_ids=["addon-storage", "addon-support", "addon-euro", "addon-annual-only", "addon-free"],
    )
    plan(
        "plan-team",
        {
            "billing_model": "PER_UNIT",
            "feature_id": "feature-seats",
            "tiers_mode": "GRADUATED",
            "price_periods": [
                {
                    "billing_period": "MONTHLY",
                    "tiers": [
                        {"up_to": D(10), "unit_price": money("5")},
                        {"unit_price": money("4"), "flat_price": money("10")},
                    ],
                }
            ],
        },
        {
            "billing_model": "PER_UNIT",
            "feature_id": "feature-projects",
            "tiers_mode": "VOLUME",
            "price_periods": [
                {
                    "billing_period": "MONTHLY",
                    "tiers": [{"up_to": D(5), "unit_price": money("3")}, {"unit_price": money("2")}],
                }
            ],
        },
    )
    plan("plan-free", pricing_type="FREE", compatible_addon_ref_ids=["addon-storage"])
    coupon_create(ref_id="coupon-half", name="Half off", percent_off=D(50), duration_in_months=1, now=T0)
    coupon_create(
        ref_id="coupon-ten",
        name="Ten off",
        amounts_off=[{"currency": "usd", "amount": D(10)}, {"currency": "eur", "amount": D(9)}],
        now=T0,
    )


def version(ref_id: str, kind: str = "PLAN") -> PackageVersion:
    found = package_latest_published_version(Package.objects.get(kind=kind, ref_id=ref_id))
    assert found is not None
    return found


def quote(
    plan_ref_id: str = "plan-pro",
    *,
    billing_period: str | None = "MONTHLY",
    country: str | None = None,
    unit_quantity: int | None = None,
    feature_quantities: Mapping[str, Decimal] | None = None,
    addons: Sequence[tuple[str, int]] = (),
    coupon: Coupon | None = None,
    tax_percentage: Decimal | None = None,
) -> QuoteInput:
    return QuoteInput(
        plan_version=version(plan_ref_id),
        billing_period=billing_period,
        billing_country_code=country,
        unit_quantity=unit_quantity,
        feature_quantities=feature_quantities or {},
        addons=[(version(ref_id, "ADDON"), quantity) for ref_id, quantity in addons],
        coupon=coupon,
        tax_percentage=tax_percentage,
    )


def line(description: str, quantity: str, unit_price: str, amount: str, currency: str = "usd") -> InvoiceLine:
    return InvoiceLine(
        description=description, quantity=D(quantity), unit_price=D(unit_price), amount=D(amount), currency=currency
    )


def point(billing_model: str, amount: str, currency: str = "usd", **fields: Any) -> PricePoint:
    defaults: dict[str, Any] = {
        "billing_period": "MONTHLY",
        "tiers_mode": None,
        "tiers": (),
        "block_size": None,
        "feature_ref_id": None,
        "description": "Pro",
        "min_unit_quantity": None,
        "max_unit_quantity": None,
    }
    return PricePoint(billing_model=billing_model, currency=currency, amount=D(amount), **{**defaults, **fields})


def test_price_points_pick_the_period_and_the_country(catalog: None) -> None:
    seats = {"feature_ref_id": "feature-seats", "description": "Pro - Seats", "min_unit_quantity": 1}
    calls = {"feature_ref_id": "feature-calls", "description": "Pro - Calls"}
    pro = version("plan-pro")
    assert price_points(pro, billing_period="MONTHLY", billing_country_code=None) == [
        point("FLAT_FEE", "19.99"),
        point("PER_UNIT", "10", **seats, max_unit_quantity=20),
        point("USAGE_BASED", "0.01", **calls),
    ]
    assert price_points(pro, billing_period="MONTHLY", billing_country_code="de") == [
        point("FLAT_FEE", "17", "eur"),
        point("PER_UNIT", "9", "eur", **seats, max_unit_quantity=20),
        point("USAGE_BASED", "0.01", **calls),
    ]
    assert price_points(pro, billing_period="ANNUALLY", billing_country_code="FR") == [
        point("FLAT_FEE", "199", billing_period="ANNUALLY")
    ]


def test_price_points_carry_tiers_as_decimals(catalog: None) -> None:
    seats, projects = price_points(version("plan-team"), billing_period="MONTHLY", billing_country_code=None)
    assert (seats.tiers_mode, seats.tiers) == (
        "GRADUATED",
        (Tier(up_to=D(10), unit_price=D(5), flat_price=None), Tier(up_to=None, unit_price=D(4), flat_price=D(10))),
    )
    assert (projects.tiers_mode, projects.feature_ref_id) == ("VOLUME", "feature-projects")


def test_flat_and_per_unit_quote_leaves_usage_to_metering(catalog: None) -> None:
    invoice = quote_period(quote(unit_quantity=3, tax_percentage=D(20)), period_start=T0, period_end=FEB_28)
    assert invoice.lines == (line("Pro", "1", "19.99", "19.99"), line("Pro - Seats", "3", "10", "30.00"))
    assert (invoice.currency, invoice.subtotal, invoice.discount, invoice.tax, invoice.total) == (
        "usd",
        D("49.99"),
        0,
        D("10.00"),
        D("59.99"),
    )
    assert (invoice.period_start, invoice.period_end, invoice.tax_percentage) == (T0, FEB_28, D(20))


def test_country_price_points_are_billed_in_their_currency(catalog: None) -> None:
    invoice = quote_period(quote(country="DE", unit_quantity=2), period_start=T0, period_end=FEB_28)
    assert invoice.lines == (line("Pro", "1", "17", "17.00", "eur"), line("Pro - Seats", "2", "9", "18.00", "eur"))
    assert (invoice.currency, invoice.total) == ("eur", D("35.00"))


def test_add_ons_are_charged_per_instance(catalog: None) -> None:
    subject = quote(unit_quantity=1, addons=[("addon-storage", 2), ("addon-support", 1), ("addon-free", 1)])
    validate_quote_input(subject)
    invoice = quote_period(subject, period_start=T0, period_end=FEB_28)
    assert invoice.lines == (
        line("Pro", "1", "19.99", "19.99"),
        line("Pro - Seats", "1", "10", "10.00"),
        line("Storage", "2", "5", "10.00"),
        line("Support", "1", "20", "20.00"),
    )
    assert invoice.total == D("59.99")


def test_tiered_quantities_come_from_the_features(catalog: None) -> None:
    quantities = {"feature-seats": D(12), "feature-projects": D(6)}
    subject = quote("plan-team", feature_quantities=quantities, unit_quantity=99)
    validate_quote_input(subject)
    invoice = quote_period(subject, period_start=T0, period_end=FEB_28)
    # Seats graduated: 10 x 5 + 2 x 4 + 10 = 68; projects volume: 6 x 2 = 12.
    assert [(item.description, item.quantity, item.amount) for item in invoice.lines] == [
        ("Team - Seats", D(12), D("68.00")),
        ("Team - Projects", D(6), D("12.00")),
    ]
    assert invoice.total == D("80.00")


def test_single_per_unit_price_falls_back_to_its_feature_quantity(catalog: None) -> None:
    invoice = quote_period(quote(feature_quantities={"feature-seats": D(4)}), period_start=T0, period_end=FEB_28)
    assert invoice.lines[1] == line("Pro - Seats", "4", "10", "40.00")


def test_proration_applies_to_every_line(catalog: None) -> None:
    invoice = quote_period(
        quote(unit_quantity=3, addons=[("addon-storage", 1)]), period_start=T0, period_end=FEB_28, proration=D("0.5")
    )
    assert [item.amount for item in invoice.lines] == [D("10.00"), D("15.00"), D("2.50")]
    assert invoice.total == D("27.50")


def test_percent_coupon_runs_out_after_its_months(catalog: None) -> None:
    subject = quote(unit_quantity=3, coupon=coupon_get("coupon-half"))
    first = quote_period(subject, period_start=T0, period_end=FEB_28, coupon_applied_at=T0)
    second = quote_period(subject, period_start=FEB_28, period_end=MAR_31, coupon_applied_at=T0)
    assert (first.discount, first.total, first.coupon_ref_id) == (D("25.00"), D("24.99"), "coupon-half")
    assert (second.discount, second.total, second.coupon_ref_id) == (0, D("49.99"), None)
    # Without an application date the coupon applies.
    assert quote_period(subject, period_start=FEB_28, period_end=MAR_31).discount == D("25.00")


def test_fixed_coupon_uses_the_invoice_currency(catalog: None) -> None:
    ten = coupon_get("coupon-ten")
    usd = quote_period(quote(unit_quantity=1, coupon=ten), period_start=T0, period_end=FEB_28)
    eur = quote_period(quote(unit_quantity=1, country="DE", coupon=ten), period_start=T0, period_end=FEB_28)
    assert (usd.discount, usd.total) == (D("10.00"), D("19.99"))
    assert (eur.discount, eur.total) == (D("9.00"), D("17.00"))


def test_free_plan_gives_an_empty_zero_invoice(catalog: None) -> None:
    subject = quote("plan-free", billing_period=None)
    validate_quote_input(subject)
    invoice = quote_period(subject, period_start=T0, period_end=FEB_28)
    assert (invoice.currency, invoice.lines, invoice.subtotal, invoice.total) == ("usd", (), 0, 0)


def test_free_plan_with_a_priced_add_on(catalog: None) -> None:
    subject = quote("plan-free", addons=[("addon-storage", 3)])
    validate_quote_input(subject)
    assert quote_period(subject, period_start=T0, period_end=FEB_28).total == D("15.00")


def test_coupon_terms(catalog: None) -> None:
    assert coupon_terms(coupon_get("coupon-half")) == CouponTerms(
        ref_id="coupon-half", name="Half off", percent_off=D(50), amounts_off={}, duration_in_months=1
    )
    assert coupon_terms(coupon_get("coupon-ten")) == CouponTerms(
        ref_id="coupon-ten",
        name="Ten off",
        percent_off=None,
        amounts_off={"usd": D(10), "eur": D(9)},
        duration_in_months=None,
    )


def archived_coupon() -> Coupon:
    return coupon_archive(coupon=coupon_get("coupon-half"), now=T0)


INVALID_QUOTES: list[tuple[str, dict[str, Any], type[InvalidInput], str, str, str]] = [
    ("paid plan without period", {"unit_quantity": 1, "billing_period": None}, InvalidInput, "VALIDATION_ERROR",
     "billingPeriod", "is required: plan plan-pro is PAID"),
    ("no price for the period", {"plan_ref_id": "plan-team", "billing_period": "ANNUALLY"}, InvalidInput,
     "VALIDATION_ERROR", "billingPeriod", "plan plan-team has no ANNUALLY price"),
    ("missing unit quantity", {}, InvalidInput, "VALIDATION_ERROR", "unitQuantity",
     "a quantity is required for per-unit feature feature-seats"),
    ("below the minimum", {"unit_quantity": 0}, InvalidInput, "VALIDATION_ERROR", "unitQuantity",
     "must be at least 1 for Pro - Seats"),
    ("above the maximum", {"unit_quantity": 21}, InvalidInput, "VALIDATION_ERROR", "unitQuantity",
     "must be at most 20 for Pro - Seats"),
    ("feature quantity above the maximum", {"feature_quantities": {"feature-seats": D(25)}}, InvalidInput,
     "VALIDATION_ERROR", "charges[feature-seats]", "must be at most 20 for Pro - Seats"),
    ("several per-unit prices need feature quantities",
     {"plan_ref_id": "plan-team", "unit_quantity": 3, "feature_quantities": {"feature-seats": D(2)}}, InvalidInput,
     "VALIDATION_ERROR", "charges[feature-projects]", "a quantity is required for per-unit feature feature-projects"),
    ("add-on over its maximum", {"unit_quantity": 1, "addons": [("addon-storage", 4)]}, InvalidInput,
     "VALIDATION_ERROR", "addons[0].quantity", "add-on addon-storage allows at most 3"),
    ("add-on quantity zero", {"unit_quantity": 1, "addons": [("addon-storage", 0)]}, InvalidInput,
     "VALIDATION_ERROR", "addons[0].quantity", "must be at least 1"),
    ("incompatible add-on", {"unit_quantity": 1, "addons": [("addon-other", 1)]}, IncompatibleAddon,
     "INCOMPATIBLE_ADDON", "addons[0].id", "add-on addon-other is not compatible with plan plan-pro"),
    ("add-on listed twice", {"unit_quantity": 1, "addons": [("addon-storage", 1), ("addon-storage", 1)]},
     InvalidInput, "VALIDATION_ERROR", "addons[1].id", "add-on addon-storage is listed twice"),
    ("missing dependency", {"unit_quantity": 1, "addons": [("addon-support", 1)]}, AddonDependencyMissing,
     "ADDON_DEPENDENCY_MISSING", "addons[0].id", "add-on addon-support requires add-on(s) addon-storage"),
    ("add-on without a price for the period", {"unit_quantity": 1, "addons": [("addon-annual-only", 1)]},
     InvalidInput, "VALIDATION_ERROR", "addons[0].id", "add-on addon-annual-only has no MONTHLY price"),
    ("priced add-on on a free plan without period",
     {"plan_ref_id": "plan-free", "billing_period": None, "addons": [("addon-storage", 1)]}, InvalidInput,
     "VALIDATION_ERROR", "billingPeriod", "is required: add-on addon-storage is priced"),
    ("mixed currencies", {"unit_quantity": 1, "addons": [("addon-euro", 1)]}, MixedCurrencies, "MIXED_CURRENCIES",
     "addons[0]", "Euro is priced in eur, the rest in usd"),
    ("mixed currencies abroad", {"unit_quantity": 1, "country": "DE", "addons": [("addon-storage", 1)]},
     MixedCurrencies, "MIXED_CURRENCIES", "addons[0]", "Storage is priced in usd, the rest in eur"),
    ("tax above 100", {"unit_quantity": 1, "tax_percentage": D("100.5")}, InvalidInput, "VALIDATION_ERROR",
     "billingInformation.taxPercentage", "must be between 0 and 100"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "error_class", "code", "field", "message"),
    [case[1:] for case in INVALID_QUOTES],
    ids=[case[0] for case in INVALID_QUOTES],
)
def test_invalid_quotes_name_the_field(
    catalog: None, arguments: dict[str, Any], error_class: type[InvalidInput], code: str, field: str, message: str
) -> None:
    with pytest.raises(error_class) as raised:
        validate_quote_input(quote(**arguments))
    assert (raised.value.code, raised.value.status, raised.value.field) == (code, 400, field)
    assert raised.value.message == f"{field}: {message}"


def test_archived_coupon_is_refused(catalog: None) -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_quote_input(quote(unit_quantity=1, coupon=archived_coupon()))
    assert (raised.value.code, raised.value.field) == ("COUPON_NOT_ACTIVE", "appliedCoupon.couponId")


def test_renewal_quotes_skip_acceptance_rules(catalog: None) -> None:
    """A coupon archived after it was applied, or quantities now out of bounds, still renew."""
    subject = quote(unit_quantity=25, coupon=archived_coupon())
    invoice = quote_period(subject, period_start=T0, period_end=FEB_28)
    assert (invoice.subtotal, invoice.discount) == (D("269.99"), D("135.00"))


def test_quote_period_still_needs_per_unit_quantities(catalog: None) -> None:
    with pytest.raises(InvalidInput) as raised:
        quote_period(quote(), period_start=T0, period_end=FEB_28)
    assert raised.value.field == "unitQuantity"
    with pytest.raises(MixedCurrencies):
        quote_period(quote(unit_quantity=1, addons=[("addon-euro", 1)]), period_start=T0, period_end=FEB_28)

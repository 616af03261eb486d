"""S6 ``POST /api/v1/subscriptions/preview`` through the official Stigg client against the live server."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import stigg
from django.apps import apps
from django.db import connection
from django.utils import timezone

from catalog.models import Coupon
from catalog.services.coupons import coupon_create
from catalog.services.features import feature_create
from catalog.services.packages import package_create
from catalog.services.products import product_create
from customers.models import Customer
from subscriptions.services.balance import customer_balance_adjust
from tests.support.factories import make_customer

D = Decimal
T0 = datetime(2027, 1, 31, 10, tzinfo=UTC)
START = "2027-01-31T10:00:00.000Z"
FEB_28 = "2027-02-28T10:00:00.000Z"
MAR_31 = "2027-03-31T10:00:00.000Z"


def money(amount: str, currency: str = "usd") -> dict[str, Any]:
    return {"amount": D(amount), "currency": currency}


def period(billing_period: str, amount: str, currency: str = "usd", country: str | None = None) -> dict[str, Any]:
    result = {"billing_period": billing_period, "price": money(amount, currency)}
    if country:
        result["billing_country_code"] = country
    return result


def flat_fee(*periods: dict[str, Any]) -> dict[str, Any]:
    return {"billing_model": "FLAT_FEE", "price_periods": list(periods)}


def package(kind: str, ref_id: str, *models: dict[str, Any], status: str = "PUBLISHED", **fields: Any) -> None:
    package_create(
        kind=kind,
        ref_id=ref_id,
        product_ref_id="product-main",
        display_name=ref_id.split("-", 1)[1].title(),
        charges={"pricing_type": "PAID" if models else "FREE", "pricing_models": list(models)},
        status=status,
        now=T0,
        **fields,
    )


@pytest.fixture
def catalog(db: None) -> None:
    product_create(ref_id="product-main", display_name="Main", now=T0)
    feature_create(ref_id="feature-seats", display_name="Seats", feature_type="NUMBER", now=T0)
    feature_create(ref_id="feature-projects", display_name="Projects", feature_type="NUMBER", now=T0)
    package("ADDON", "addon-storage", flat_fee(period("MONTHLY", "5"), period("ANNUALLY", "50")), max_quantity=3)
    package("ADDON", "addon-support", flat_fee(period("MONTHLY", "20")), dependency_ref_ids=["addon-storage"])
    package("ADDON", "addon-other", flat_fee(period("MONTHLY", "1")))
    package("ADDON", "addon-draft", flat_fee(period("MONTHLY", "1")), status="DRAFT")
    seats = {
        "billing_model": "PER_UNIT",
        "feature_id": "feature-seats",
        "min_unit_quantity": 1,
        "max_unit_quantity": 20,
        "price_periods": [period("MONTHLY", "10"), period("ANNUALLY", "100"), period("MONTHLY", "9", "eur", "DE")],
    }
    package(
        "PLAN",
        "plan-pro",
        flat_fee(period("MONTHLY", "19.99"), period("ANNUALLY", "199"), period("MONTHLY", "17", "eur", "DE")),
        seats,
        compatible_addon_ref_ids=["addon-storage", "addon-support", "addon-draft"],
    )
    package("PLAN", "plan-basic", flat_fee(period("MONTHLY", "9")))
    package(
        "PLAN",
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
    package(
        "PLAN",
        "plan-trial",
        flat_fee(period("MONTHLY", "30")),
        default_trial_config={"duration": D(14), "units": "DAY"},
    )
    package("PLAN", "plan-free")
    package("PLAN", "plan-draft", flat_fee(period("MONTHLY", "5")), status="DRAFT")
    coupon_create(ref_id="coupon-half", name="Half off", percent_off=D(50), duration_in_months=1, now=T0)
    coupon_create(ref_id="coupon-ten", name="Ten off", amounts_off=[{"currency": "usd", "amount": D(10)}], now=T0)
    make_customer(ref_id="customer-1")
    make_customer(ref_id="customer-gone", archived_at=T0)


def preview(client: stigg.Stigg, **arguments: Any) -> dict[str, Any]:
    """The preview as the server sent it, numbers parsed exactly."""
    arguments = {"customer_id": "customer-1", "plan_id": "plan-pro", "start_date": T0, **arguments}
    response = client.v1.subscriptions.with_raw_response.preview(**arguments)
    return json.loads(response.text(), parse_float=Decimal)["data"]


def line(description: str, sub_total: str, unit_price: str, quantity: str, currency: str = "usd") -> dict[str, Any]:
    return {
        "currency": currency,
        "description": description,
        "subTotal": D(sub_total),
        "unitPrice": D(unit_price),
        "quantity": D(quantity),
    }


def invoice(
    lines: list[dict[str, Any]],
    *,
    start: str,
    end: str,
    sub_total: str,
    total: str | None = None,
    discount: str = "0",
    tax: str = "0",
    currency: str = "usd",
    discount_details: dict[str, Any] | None = None,
    discounts: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    return {
        "subTotal": D(sub_total),
        "total": D(total or sub_total),
        "discount": D(discount),
        "tax": D(tax),
        "currency": currency,
        "billingPeriodRange": {"start": start, "end": end},
        "discountDetails": discount_details,
        "discounts": list(discounts),
        "lines": lines,
    }


def immediate(lines: list[dict[str, Any]], *, amount_due: str | None = None, **fields: Any) -> dict[str, Any]:
    """The immediate invoice: an invoice with ``amountDue``, what the payer's credit balance leaves to collect."""
    result = invoice(lines, **fields)
    return {**result, "amountDue": D(amount_due) if amount_due is not None else result["total"]}


def no_balance(currency: str = "usd") -> dict[str, Any]:
    return {
        "currency": currency,
        "startingBalance": 0,
        "appliedToInvoice": 0,
        "credited": 0,
        "endingBalance": 0,
    }


def row_counts() -> dict[str, int]:
    """Rows per table, to show that a refused preview wrote nothing."""
    tables = set(connection.introspection.table_names())
    return {model._meta.label: model.objects.count() for model in apps.get_models() if model._meta.db_table in tables}


def test_flat_and_per_unit_preview(catalog: None, stigg_client: stigg.Stigg) -> None:
    data = preview(stigg_client, billing_period="MONTHLY", unit_quantity=3)
    lines = [line("Pro", "19.99", "19.99", "1"), line("Pro - Seats", "30", "10", "3")]
    assert data == {
        "immediateInvoice": immediate(lines, start=START, end=FEB_28, sub_total="49.99"),
        "recurringInvoice": invoice(lines, start=FEB_28, end=MAR_31, sub_total="49.99"),
        "billingPeriodRange": {"start": START, "end": FEB_28},
        "isPlanDowngrade": False,
        "hasScheduledUpdates": False,
        "freeItems": [],
        "customerBalance": no_balance(),
    }


def test_the_client_parses_the_preview(catalog: None, stigg_client: stigg.Stigg) -> None:
    result = stigg_client.v1.subscriptions.preview(
        customer_id="customer-1", plan_id="plan-basic", billing_period="MONTHLY", start_date=T0
    ).data
    assert (result.immediate_invoice.total, result.immediate_invoice.sub_total) == (9, 9)
    assert result.immediate_invoice.billing_period_range.start == T0
    assert result.recurring_invoice.lines[0].description == "Basic"
    assert result.billing_period_range.end == datetime(2027, 2, 28, 10, tzinfo=UTC)
    assert (result.is_plan_downgrade, result.has_scheduled_updates, result.free_items) == (False, False, [])


def test_annual_flat_fee(catalog: None, stigg_client: stigg.Stigg) -> None:
    data = preview(stigg_client, billing_period="ANNUALLY", unit_quantity=2)
    assert data["immediateInvoice"] == immediate(
        [line("Pro", "199", "199", "1"), line("Pro - Seats", "200", "100", "2")],
        start=START,
        end="2028-01-31T10:00:00.000Z",
        sub_total="399",
    )
    assert data["recurringInvoice"]["billingPeriodRange"] == {
        "start": "2028-01-31T10:00:00.000Z",
        "end": "2029-01-31T10:00:00.000Z",
    }


def test_per_unit_quantity_from_billable_features_or_charges(catalog: None, stigg_client: stigg.Stigg) -> None:
    from_features = preview(
        stigg_client, billing_period="MONTHLY", billable_features=[{"feature_id": "feature-seats", "quantity": 4}]
    )
    from_charges = preview(
        stigg_client, billing_period="MONTHLY", charges=[{"id": "feature-seats", "quantity": 4, "type": "FEATURE"}]
    )
    assert from_features["immediateInvoice"]["lines"][1] == line("Pro - Seats", "40", "10", "4")
    assert from_charges == from_features


def test_tiered_prices(catalog: None, stigg_client: stigg.Stigg) -> None:
    data = preview(
        stigg_client,
        plan_id="plan-team",
        billing_period="MONTHLY",
        billable_features=[{"feature_id": "feature-seats", "quantity": 12}],
        charges=[{"id": "feature-projects", "quantity": 6, "type": "FEATURE"}],
    )
    # Seats graduated: 10 x 5 + 2 x 4 + 10 flat = 68; projects volume: 6 x 2 = 12.
    assert data["immediateInvoice"] == immediate(
        [line("Team - Seats", "68", "5.666667", "12"), line("Team - Projects", "12", "2", "6")],
        start=START,
        end=FEB_28,
        sub_total="80",
    )


def test_add_ons(catalog: None, stigg_client: stigg.Stigg) -> None:
    data = preview(
        stigg_client,
        billing_period="MONTHLY",
        unit_quantity=1,
        addons=[{"id": "addon-storage", "quantity": 2}, {"id": "addon-support", "quantity": 1}],
    )
    assert data["immediateInvoice"]["lines"] == [
        line("Pro", "19.99", "19.99", "1"),
        line("Pro - Seats", "10", "10", "1"),
        line("Storage", "10", "5", "2"),
        line("Support", "20", "20", "1"),
    ]
    assert (data["immediateInvoice"]["total"], data["recurringInvoice"]["total"]) == (D("59.99"), D("59.99"))


def test_percent_coupon_runs_out(catalog: None, stigg_client: stigg.Stigg) -> None:
    data = preview(stigg_client, billing_period="MONTHLY", unit_quantity=3, applied_coupon={"coupon_id": "coupon-half"})
    lines = [line("Pro", "19.99", "19.99", "1"), line("Pro - Seats", "30", "10", "3")]
    assert data["immediateInvoice"] == immediate(
        lines,
        start=START,
        end=FEB_28,
        sub_total="49.99",
        discount="25",
        total="24.99",
        discount_details={"code": "coupon-half", "percentage": 50, "fixedAmount": None},
        discounts=[{"amount": 25, "currency": "usd", "description": "Half off"}],
    )
    # One month only: the next period pays in full.
    assert data["recurringInvoice"] == invoice(lines, start=FEB_28, end=MAR_31, sub_total="49.99")


def test_fixed_coupon_and_tax(catalog: None, stigg_client: stigg.Stigg) -> None:
    data = preview(
        stigg_client,
        plan_id="plan-basic",
        billing_period="MONTHLY",
        applied_coupon={"coupon_id": "coupon-ten"},
        billing_information={"tax_percentage": 17.5},
    )
    # 10 off a 9 subtotal is capped at 9; tax on nothing is nothing.
    assert data["immediateInvoice"]["discountDetails"] == {"code": "coupon-ten", "percentage": None, "fixedAmount": 10}
    assert [data["immediateInvoice"][key] for key in ("subTotal", "discount", "tax", "total")] == [9, 9, 0, 0]
    taxed = preview(
        stigg_client, billing_period="MONTHLY", unit_quantity=3, billing_information={"tax_percentage": 17.5}
    )
    # 17.5 % of 49.99 = 8.74825 → 8.75.
    assert [taxed["immediateInvoice"][key] for key in ("subTotal", "discount", "tax", "total")] == [
        D("49.99"),
        0,
        D("8.75"),
        D("58.74"),
    ]
    with_both = preview(
        stigg_client,
        billing_period="MONTHLY",
        unit_quantity=3,
        applied_coupon={"coupon_id": "coupon-ten"},
        billing_information={"tax_percentage": 20},
    )
    # (49.99 - 10) x 20 % = 7.998 → 8.00.
    assert [with_both["immediateInvoice"][key] for key in ("subTotal", "discount", "tax", "total")] == [
        D("49.99"),
        10,
        8,
        D("47.99"),
    ]


def test_customer_coupon_applies_when_none_is_named(catalog: None, stigg_client: stigg.Stigg) -> None:
    Customer.objects.filter(ref_id="customer-1").update(coupon=Coupon.objects.get(ref_id="coupon-ten"))
    data = preview(stigg_client, plan_id="plan-basic", billing_period="MONTHLY")
    assert data["immediateInvoice"]["discountDetails"]["code"] == "coupon-ten"


def test_country_price_points(catalog: None, stigg_client: stigg.Stigg) -> None:
    data = preview(stigg_client, billing_period="MONTHLY", unit_quantity=2, billing_country_code="DE")
    assert data["immediateInvoice"] == immediate(
        [line("Pro", "17", "17", "1", "eur"), line("Pro - Seats", "18", "9", "2", "eur")],
        start=START,
        end=FEB_28,
        sub_total="35",
        currency="eur",
    )
    elsewhere = preview(stigg_client, billing_period="MONTHLY", unit_quantity=2, billing_country_code="FR")
    assert (elsewhere["immediateInvoice"]["currency"], elsewhere["immediateInvoice"]["total"]) == ("usd", D("39.99"))


def test_default_trial_gives_a_zero_immediate_invoice(catalog: None, stigg_client: stigg.Stigg) -> None:
    data = preview(stigg_client, plan_id="plan-trial", billing_period="MONTHLY")
    trial_end = "2027-02-14T10:00:00.000Z"
    assert data["immediateInvoice"] == immediate([], start=START, end=trial_end, sub_total="0")
    assert data["recurringInvoice"] == invoice(
        [line("Trial", "30", "30", "1")], start=trial_end, end="2027-03-14T10:00:00.000Z", sub_total="30"
    )
    assert data["billingPeriodRange"] == {"start": START, "end": trial_end}


def test_trial_override(catalog: None, stigg_client: stigg.Stigg) -> None:
    no_trial = preview(
        stigg_client, plan_id="plan-trial", billing_period="MONTHLY", trial_override_configuration={"is_trial": False}
    )
    assert (no_trial["immediateInvoice"]["total"], no_trial["billingPeriodRange"]["end"]) == (30, FEB_28)
    ends_later = preview(
        stigg_client,
        plan_id="plan-basic",
        billing_period="MONTHLY",
        trial_override_configuration={"is_trial": True, "trial_end_date": datetime(2027, 2, 10, tzinfo=UTC)},
    )
    assert ends_later["immediateInvoice"]["total"] == 0
    assert ends_later["billingPeriodRange"] == {"start": START, "end": "2027-02-10T00:00:00.000Z"}
    assert ends_later["recurringInvoice"]["billingPeriodRange"] == {
        "start": "2027-02-10T00:00:00.000Z",
        "end": "2027-03-10T00:00:00.000Z",
    }


def credit(customer_ref_id: str, amount: str, currency: str = "usd") -> None:
    customer_balance_adjust(
        customer_id=Customer.objects.get(ref_id=customer_ref_id).pk,
        currency=currency,
        amount=D(amount),
        reason="goodwill",
        actor="test",
        now=T0,
        request_key=f"{customer_ref_id}-{amount}-{currency}",
    )


@pytest.mark.parametrize(
    ("balance", "amount_due", "applied", "ending"),
    [("20", "29.99", "20", "0"), ("100", "0", "49.99", "50.01")],
)
def test_the_customers_credit_balance_pays_the_immediate_invoice_first(
    catalog: None, stigg_client: stigg.Stigg, balance: str, amount_due: str, applied: str, ending: str
) -> None:
    credit("customer-1", balance)
    credit("customer-1", "500", "eur")
    before = row_counts()

    data = preview(stigg_client, billing_period="MONTHLY", unit_quantity=3)

    lines = [line("Pro", "19.99", "19.99", "1"), line("Pro - Seats", "30", "10", "3")]
    assert data["immediateInvoice"] == immediate(
        lines, start=START, end=FEB_28, sub_total="49.99", amount_due=amount_due
    )
    assert data["customerBalance"] == {
        "currency": "usd",
        "startingBalance": D(balance),
        "appliedToInvoice": D(applied),
        "credited": 0,
        "endingBalance": D(ending),
    }
    assert "amountDue" not in data["recurringInvoice"]
    assert row_counts() == before


def test_the_paying_customers_balance_pays_for_a_delegated_preview(catalog: None, stigg_client: stigg.Stigg) -> None:
    make_customer(ref_id="customer-payer")
    credit("customer-payer", "30")
    credit("customer-1", "5")

    data = preview(stigg_client, billing_period="MONTHLY", unit_quantity=3, paying_customer_id="customer-payer")

    assert data["immediateInvoice"]["amountDue"] == D("19.99")
    assert data["customerBalance"]["startingBalance"] == 30


def test_free_plan_and_default_start(catalog: None, stigg_client: stigg.Stigg) -> None:
    before = timezone.now()
    data = stigg_client.v1.subscriptions.preview(customer_id="customer-1", plan_id="plan-free").data
    after = timezone.now()
    immediate = data.immediate_invoice
    assert (immediate.total, immediate.sub_total, immediate.currency, immediate.lines) == (0, 0, "usd", [])
    start = immediate.billing_period_range.start
    assert before - timedelta(milliseconds=1) <= start <= after


OMITTED = object()
INVALID_PREVIEWS: list[tuple[str, dict[str, Any], type[stigg.APIStatusError], str, str]] = [
    ("paid plan without billing period", {"unit_quantity": 1, "billing_period": OMITTED}, stigg.BadRequestError,
     "VALIDATION_ERROR", "billingPeriod"),
    ("unknown plan", {"plan_id": "plan-nope"}, stigg.NotFoundError, "PLAN_NOT_FOUND", "planId"),
    ("draft-only plan", {"plan_id": "plan-draft"}, stigg.BadRequestError, "PLAN_NOT_PUBLISHED", "planId"),
    ("unknown customer", {"customer_id": "customer-nope"}, stigg.NotFoundError, "CUSTOMER_NOT_FOUND", "customerId"),
    ("archived customer", {"customer_id": "customer-gone"}, stigg.NotFoundError, "CUSTOMER_NOT_FOUND",
     "customerId"),
    ("unknown paying customer", {"unit_quantity": 1, "paying_customer_id": "customer-nope"}, stigg.NotFoundError,
     "CUSTOMER_NOT_FOUND", "payingCustomerId"),
    ("incompatible add-on", {"unit_quantity": 1, "addons": [{"id": "addon-other", "quantity": 1}]},
     stigg.BadRequestError, "INCOMPATIBLE_ADDON", "addons[0].id"),
    ("unknown add-on", {"unit_quantity": 1, "addons": [{"id": "addon-nope", "quantity": 1}]}, stigg.NotFoundError,
     "ADDON_NOT_FOUND", "addons[0].id"),
    ("unpublished add-on", {"unit_quantity": 1, "addons": [{"id": "addon-draft", "quantity": 1}]},
     stigg.BadRequestError, "ADDON_NOT_PUBLISHED", "addons[0].id"),
    ("add-on over its maximum", {"unit_quantity": 1, "addons": [{"id": "addon-storage", "quantity": 4}]},
     stigg.BadRequestError, "VALIDATION_ERROR", "addons[0].quantity"),
    ("add-on dependency missing", {"unit_quantity": 1, "addons": [{"id": "addon-support", "quantity": 1}]},
     stigg.BadRequestError, "ADDON_DEPENDENCY_MISSING", "addons[0].id"),
    ("unit quantity over the maximum", {"unit_quantity": 21}, stigg.BadRequestError, "VALIDATION_ERROR",
     "unitQuantity"),
    ("missing unit quantity", {}, stigg.BadRequestError, "VALIDATION_ERROR", "unitQuantity"),
    ("unknown coupon", {"unit_quantity": 1, "applied_coupon": {"coupon_id": "coupon-nope"}}, stigg.NotFoundError,
     "COUPON_NOT_FOUND", "appliedCoupon.couponId"),
    ("ad-hoc discount", {"unit_quantity": 1, "applied_coupon": {"discount": {"percent_off": 10}}},
     stigg.BadRequestError, "VALIDATION_ERROR", "appliedCoupon.discount"),
    ("credit charge", {"unit_quantity": 1, "charges": [{"id": "credits", "quantity": 5, "type": "CREDIT"}]},
     stigg.BadRequestError, "VALIDATION_ERROR", "charges[0].type"),
    ("feature given twice", {"billable_features": [{"feature_id": "feature-seats", "quantity": 1}],
     "charges": [{"id": "feature-seats", "quantity": 2, "type": "FEATURE"}]}, stigg.BadRequestError,
     "VALIDATION_ERROR", "charges[0]"),
    ("trial end before the start",
     {"unit_quantity": 1, "trial_override_configuration": {"is_trial": True, "trial_end_date": T0}},
     stigg.BadRequestError, "VALIDATION_ERROR", "trialOverrideConfiguration.trialEndDate"),
    ("trial without an end on a plan without a trial",
     {"unit_quantity": 1, "trial_override_configuration": {"is_trial": True}}, stigg.BadRequestError,
     "VALIDATION_ERROR", "trialOverrideConfiguration.trialEndDate"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "error_class", "code", "field"),
    [case[1:] for case in INVALID_PREVIEWS],
    ids=[case[0] for case in INVALID_PREVIEWS],
)
def test_invalid_previews_name_the_field_and_write_nothing(
    catalog: None,
    stigg_client: stigg.Stigg,
    arguments: dict[str, Any],
    error_class: type[stigg.APIStatusError],
    code: str,
    field: str,
) -> None:
    arguments = {"billing_period": "MONTHLY", **arguments}
    arguments = {key: value for key, value in arguments.items() if value is not OMITTED}
    counts = row_counts()
    with pytest.raises(error_class) as raised:
        preview(stigg_client, **arguments)
    error = raised.value.body["error"]
    assert (error["code"], error["details"]["field"]) == (code, field)
    assert error["message"].startswith(f"{field}: ")
    assert row_counts() == counts


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"billing_information": {"tax_percentage": 150}}, "billingInformation.taxPercentage"),
        ({"billing_period": "WEEKLY"}, "billingPeriod"),
        ({"unit_quantity": -1}, "unitQuantity"),
        ({"addons": [{"id": "addon-storage", "quantity": 0}]}, "addons[0].quantity"),
        ({"billable_features": [{"feature_id": "feature-seats", "quantity": -2}]}, "billableFeatures[0].quantity"),
    ],
)
def test_malformed_previews_name_the_field(
    catalog: None, stigg_client: stigg.Stigg, arguments: dict[str, Any], field: str
) -> None:
    counts = row_counts()
    with pytest.raises(stigg.BadRequestError) as raised:
        preview(stigg_client, **arguments)
    error = raised.value.body["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert list(error["details"]["fields"]) == [field]
    assert row_counts() == counts

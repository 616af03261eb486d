"""Subscriptions S1, S2, S4, S5 and I2 through the official Stigg client against the live server."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import stigg
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Product
from config.wire import iso
from customers.models import CustomerResource
from customers.services import customer_archive
from subscriptions.models import Invoice, Subscription, SubscriptionStatusEvent
from subscriptions.selectors import customer_balance
from tests.subscriptions.builders import catalog_for_subscriptions, customer, provision
from tests.support.api_errors import error_code
from tests.wire_shapes import domain_error

D = Decimal


@pytest.fixture
def catalog(db: None) -> None:
    catalog_for_subscriptions()
    customer("customer-1")


def raw(response: Any) -> dict[str, Any]:
    """The ``data`` the server sent, numbers parsed exactly."""
    return json.loads(response.text(), parse_float=Decimal)["data"]


def written() -> tuple[int, int, int, int]:
    return (
        Subscription.objects.count(),
        Invoice.objects.count(),
        SubscriptionStatusEvent.objects.count(),
        CustomerResource.objects.count(),
    )


# --- S1 provision ---------------------------------------------------------------------------------------------------


def test_provision_returns_the_result_with_the_subscription(stigg_client: stigg.Stigg, catalog: None) -> None:
    result = stigg_client.v1.subscriptions.provision(
        customer_id="customer-1",
        plan_id="plan-pro",
        id="sub-pro",
        billing_period="MONTHLY",
        unit_quantity=3,
        addons=[{"id": "addon-storage", "quantity": 2}],
        trial_override_configuration={"is_trial": False},
        metadata={"source": "test"},
    ).data

    subscription = Subscription.objects.get()
    assert (result.id, result.status, result.is_scheduled, result.entitlements) == ("sub-pro", "SUCCESS", False, [])
    assert result.subscription is not None
    data = result.subscription
    assert (data.id, data.customer_id, data.plan_id, data.status) == ("sub-pro", "customer-1", "plan-pro", "ACTIVE")
    assert (data.pricing_type, data.payment_collection, data.metadata) == ("PAID", "NOT_REQUIRED", {"source": "test"})
    assert (iso(data.current_billing_period_start), iso(data.current_billing_period_end)) == (
        iso(subscription.current_period_start),
        iso(subscription.current_period_end),
    )
    assert [(addon.id, addon.quantity) for addon in data.addons or []] == [("addon-storage", 2)]
    assert data.latest_invoice is not None
    assert (data.latest_invoice.status, data.latest_invoice.billing_reason, data.latest_invoice.total) == (
        "OPEN",
        "SUBSCRIPTION_CREATION",
        53,
    )


def test_provision_of_a_trial_and_of_a_later_start(stigg_client: stigg.Stigg, catalog: None) -> None:
    trial = stigg_client.v1.subscriptions.provision(
        customer_id="customer-1", plan_id="plan-pro", billing_period="MONTHLY", unit_quantity=1
    ).data.subscription
    start = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    later = stigg_client.v1.subscriptions.provision(
        customer_id="customer-1", plan_id="plan-free", start_date=start
    ).data

    assert trial is not None
    assert (trial.status, trial.trial is not None and trial.trial.trial_end_behavior) == ("IN_TRIAL", "CONVERT_TO_PAID")
    assert iso(trial.trial_end_date) == iso(Subscription.objects.get(plan__ref_id="plan-pro").trial_end_date)
    assert trial.latest_invoice is None
    assert later.is_scheduled is True
    assert later.subscription is not None
    assert (later.subscription.status, later.subscription.start_date) == ("NOT_STARTED", start)


def test_provision_retried_with_the_same_id_returns_the_same_subscription(
    stigg_client: stigg.Stigg, catalog: None
) -> None:
    first = stigg_client.v1.subscriptions.provision(
        customer_id="customer-1", plan_id="plan-basic", id="sub-1", billing_period="MONTHLY"
    ).data
    second = stigg_client.v1.subscriptions.provision(
        customer_id="customer-1", plan_id="plan-basic", id="sub-1", billing_period="MONTHLY"
    ).data

    assert first.subscription == second.subscription
    assert written()[:2] == (1, 1)


@pytest.mark.parametrize(
    ("arguments", "status", "code"),
    [
        ({"plan_id": "plan-basic"}, 400, "VALIDATION_ERROR"),
        ({"plan_id": "plan-nope", "billing_period": "MONTHLY"}, 404, "PLAN_NOT_FOUND"),
        ({"plan_id": "plan-draft", "billing_period": "MONTHLY"}, 400, "PLAN_NOT_PUBLISHED"),
        (
            {"plan_id": "plan-basic", "billing_period": "MONTHLY", "addons": [{"id": "addon-storage", "quantity": 1}]},
            400,
            "INCOMPATIBLE_ADDON",
        ),
        (
            {"plan_id": "plan-pro", "billing_period": "MONTHLY", "addons": [{"id": "addon-storage", "quantity": 4}]},
            400,
            "VALIDATION_ERROR",
        ),
        ({"plan_id": "plan-pro", "billing_period": "MONTHLY", "unit_quantity": 21}, 400, "VALIDATION_ERROR"),
        (
            {"plan_id": "plan-basic", "billing_period": "MONTHLY", "applied_coupon": {"coupon_id": "coupon-nope"}},
            404,
            "COUPON_NOT_FOUND",
        ),
        (
            {
                "plan_id": "plan-basic",
                "billing_period": "MONTHLY",
                "start_date": datetime(2030, 1, 2, tzinfo=UTC),
                "cancellation_date": datetime(2030, 1, 1, tzinfo=UTC),
            },
            400,
            "VALIDATION_ERROR",
        ),
        (
            {"plan_id": "plan-basic", "billing_period": "MONTHLY", "customer_id": "customer-nope"},
            404,
            "CUSTOMER_NOT_FOUND",
        ),
        ({"plan_id": "plan-basic", "billing_period": "MONTHLY", "resource_id": "site-1"}, 400, "VALIDATION_ERROR"),
        (
            {"plan_id": "plan-basic", "billing_period": "MONTHLY", "price_overrides": [{"amount": 1}]},
            400,
            "VALIDATION_ERROR",
        ),
        ({"plan_id": "plan-basic", "billing_period": "WEEKLY"}, 400, "VALIDATION_ERROR"),
    ],
    ids=[
        "paid-plan-without-billing-period",
        "unknown-plan",
        "draft-only-plan",
        "incompatible-addon",
        "addon-over-max-quantity",
        "quantity-over-max",
        "unknown-coupon",
        "end-date-before-start",
        "unknown-customer",
        "resource-on-single-subscription-product",
        "unsupported-price-overrides",
        "unknown-billing-period",
    ],
)
def test_bad_provision_input_gets_a_4xx_and_writes_nothing(
    stigg_client: stigg.Stigg, catalog: None, arguments: dict[str, Any], status: int, code: str
) -> None:
    arguments = {"customer_id": "customer-1", **arguments}

    with pytest.raises(stigg.APIStatusError) as raised:
        stigg_client.v1.subscriptions.provision(**arguments)

    assert (raised.value.status_code, error_code(raised.value)) == (status, code)
    assert written() == (0, 0, 0, 0)


def test_provision_without_a_resource_on_a_multiple_subscriptions_product_gets_a_400_and_writes_nothing(
    stigg_client: stigg.Stigg, catalog: None
) -> None:
    Product.objects.filter(ref_id="product-main").update(multiple_subscriptions=True)
    before = written()

    with pytest.raises(stigg.BadRequestError) as raised:
        stigg_client.v1.subscriptions.provision(customer_id="customer-1", plan_id="plan-free")

    assert raised.value.body == domain_error(
        "VALIDATION_ERROR",
        "is required: product product-main allows multiple subscriptions per customer",
        field="resourceId",
    )
    assert written() == before


def test_provision_for_an_archived_customer_is_not_found_and_writes_nothing(
    stigg_client: stigg.Stigg, catalog: None
) -> None:
    customer_archive(customer=customer("customer-1"), now=timezone.now())

    with pytest.raises(stigg.NotFoundError) as raised:
        stigg_client.v1.subscriptions.provision(customer_id="customer-1", plan_id="plan-free")

    assert error_code(raised.value) == "CUSTOMER_NOT_FOUND"
    assert written() == (0, 0, 0, 0)


# --- S2 retrieve ----------------------------------------------------------------------------------------------------


def test_retrieve_shows_prices_addons_coupon_latest_invoice_and_periods(
    stigg_client: stigg.Stigg, catalog: None
) -> None:
    stigg_client.v1.subscriptions.provision(
        customer_id="customer-1",
        plan_id="plan-pro",
        id="sub-pro",
        billing_period="MONTHLY",
        unit_quantity=2,
        addons=[{"id": "addon-storage", "quantity": 1}],
        applied_coupon={"coupon_id": "coupon-half"},
        trial_override_configuration={"is_trial": False},
    )
    subscription = Subscription.objects.get()
    invoice = Invoice.objects.get()

    data = raw(stigg_client.v1.subscriptions.with_raw_response.retrieve("sub-pro"))

    assert data == {
        "id": "sub-pro",
        "customerId": "customer-1",
        "planId": "plan-pro",
        "resourceId": None,
        "status": "ACTIVE",
        "pricingType": "PAID",
        "paymentCollection": "NOT_REQUIRED",
        "paymentCollectionMethod": None,
        "billingId": None,
        "startDate": iso(subscription.start_date),
        "billingCycleAnchor": iso(subscription.start_date),
        "currentBillingPeriodStart": iso(subscription.current_period_start),
        "currentBillingPeriodEnd": iso(subscription.current_period_end),
        "trialEndDate": None,
        "trial": None,
        "cancellationDate": None,
        "effectiveEndDate": None,
        "endDate": None,
        "cancelReason": None,
        "metadata": {},
        "addons": [{"id": "addon-storage", "quantity": 1}],
        "prices": [
            {
                "addonId": None,
                "amount": 30,
                "baseCharge": True,
                "billingCountryCode": None,
                "blockSize": None,
                "currency": "usd",
                "featureId": None,
                "tiers": None,
            },
            {
                "addonId": None,
                "amount": 5,
                "baseCharge": False,
                "billingCountryCode": None,
                "blockSize": None,
                "currency": "usd",
                "featureId": "feature-seats",
                "tiers": None,
            },
            {
                "addonId": "addon-storage",
                "amount": 4,
                "baseCharge": True,
                "billingCountryCode": None,
                "blockSize": None,
                "currency": "usd",
                "featureId": None,
                "tiers": None,
            },
        ],
        "coupons": [
            {"id": "coupon-half", "name": "Half off", "status": "ACTIVE", "percentOff": 50, "amountsOff": None}
        ],
        "latestInvoice": {
            "billingId": f"invoice-{invoice.pk}",
            "createdAt": iso(invoice.created_at),
            "requiresAction": False,
            "status": "OPEN",
            "amountDue": 22,
            "billingReason": "SUBSCRIPTION_CREATION",
            "currency": "usd",
            "pdfUrl": None,
            "total": 22,
        },
        "futureUpdates": [],
        "subscriptionEntitlements": [],
        "budget": None,
        "minimumSpend": None,
        "payingCustomerId": None,
        "contractId": None,
        "createdAt": iso(subscription.created_at),
    }
    parsed = stigg_client.v1.subscriptions.retrieve("sub-pro").data
    assert (parsed.coupons[0].status, parsed.prices[1].feature_id) == ("ACTIVE", "feature-seats")  # type: ignore[index]


def test_retrieve_of_an_unknown_subscription_is_not_found(stigg_client: stigg.Stigg, catalog: None) -> None:
    with pytest.raises(stigg.NotFoundError) as raised:
        stigg_client.v1.subscriptions.retrieve("sub-nope")

    assert error_code(raised.value) == "SUBSCRIPTION_NOT_FOUND"


# --- S4 list --------------------------------------------------------------------------------------------------------


def test_list_pages_through_everything_in_creation_order(stigg_client: stigg.Stigg, catalog: None) -> None:
    for index in range(5):
        customer(f"customer-{index + 2}")
        stigg_client.v1.subscriptions.provision(
            customer_id=f"customer-{index + 2}", plan_id="plan-free", id=f"sub-{index}"
        )

    first_page = stigg_client.v1.subscriptions.list(limit=2)
    every = [item.id for item in stigg_client.v1.subscriptions.list(limit=2)]

    assert [item.id for item in first_page.data] == ["sub-0", "sub-1"]
    assert every == ["sub-0", "sub-1", "sub-2", "sub-3", "sub-4"]


def test_list_filters(stigg_client: stigg.Stigg, catalog: None) -> None:
    customer("customer-2")
    create = stigg_client.v1.subscriptions.provision
    create(customer_id="customer-1", plan_id="plan-basic", id="basic-1", billing_period="MONTHLY")
    create(customer_id="customer-1", plan_id="plan-free", id="free-1")
    create(customer_id="customer-2", plan_id="plan-pro", id="pro-2", billing_period="MONTHLY", unit_quantity=1)
    create(customer_id="customer-2", plan_id="plan-basic", id="basic-2", billing_period="MONTHLY")
    created_at = Subscription.objects.get(ref_id="free-1").created_at

    def ids(**filters: Any) -> list[str]:
        return [item.id for item in stigg_client.v1.subscriptions.list(**filters)]

    assert ids(customer_id="customer-1") == ["basic-1", "free-1"]
    assert ids(plan_id="plan-basic") == ["basic-1", "basic-2"]
    assert ids(pricing_type=["FREE"]) == ["free-1"]
    assert ids(status=["ACTIVE", "IN_TRIAL"]) == ["free-1", "pro-2", "basic-2"]
    assert ids(status=["CANCELED"], customer_id="customer-1") == ["basic-1"]
    assert ids(created_at={"gte": created_at}) == ["free-1", "pro-2", "basic-2"]
    assert ids(customer_id="customer-nope") == []
    with pytest.raises(stigg.BadRequestError):
        stigg_client.v1.subscriptions.list(status=["LIVE"])  # type: ignore[list-item]


def test_list_filters_by_resource(stigg_client: stigg.Stigg, catalog: None) -> None:
    Product.objects.filter(ref_id="product-main").update(multiple_subscriptions=True)
    for resource in ("site-1", "site-2"):
        stigg_client.v1.subscriptions.provision(
            customer_id="customer-1", plan_id="plan-free", id=f"free-{resource}", resource_id=resource
        )

    listed = list(stigg_client.v1.subscriptions.list(resource_id="site-2"))

    assert [(item.id, item.resource_id) for item in listed] == [("free-site-2", "site-2")]


# --- S5 cancel ------------------------------------------------------------------------------------------------------


@pytest.fixture
def basic(stigg_client: stigg.Stigg, catalog: None) -> Subscription:
    stigg_client.v1.subscriptions.provision(
        customer_id="customer-1", plan_id="plan-basic", id="sub-basic", billing_period="MONTHLY"
    )
    return Subscription.objects.get(ref_id="sub-basic")


def test_cancel_immediately(stigg_client: stigg.Stigg, basic: Subscription) -> None:
    data = stigg_client.v1.subscriptions.cancel("sub-basic", cancellation_time="IMMEDIATE").data

    assert (data.status, data.cancel_reason) == ("CANCELED", "Immediate")
    assert data.effective_end_date == data.cancellation_date == data.end_date


def test_cancel_immediately_with_prorate_credits_the_unused_time(stigg_client: stigg.Stigg, catalog: None) -> None:
    with time_machine.travel(datetime(2027, 3, 1, tzinfo=UTC), tick=False):
        stigg_client.v1.subscriptions.provision(
            customer_id="customer-1", plan_id="plan-basic", id="sub-basic", billing_period="MONTHLY"
        )
    with time_machine.travel(datetime(2027, 3, 16, 12, tzinfo=UTC), tick=False):
        data = stigg_client.v1.subscriptions.cancel("sub-basic", cancellation_time="IMMEDIATE", prorate=True).data

    assert (data.status, data.cancel_reason) == ("CANCELED", "Immediate")
    # Half of March of 10 a month.
    customer_id = Subscription.objects.get().customer_id
    assert customer_balance(customer_id=customer_id, currency="usd") == D(5)


def test_cancel_at_the_end_of_the_billing_period(stigg_client: stigg.Stigg, basic: Subscription) -> None:
    data = stigg_client.v1.subscriptions.cancel("sub-basic", cancellation_time="END_OF_BILLING_PERIOD").data

    assert (data.status, data.cancel_reason) == ("ACTIVE", None)
    assert iso(data.cancellation_date) == iso(data.current_billing_period_end) == iso(basic.current_period_end)


def test_cancel_on_a_specific_date(stigg_client: stigg.Stigg, basic: Subscription) -> None:
    end_date = (timezone.now() + timedelta(days=7)).replace(microsecond=0)

    data = stigg_client.v1.subscriptions.cancel("sub-basic", cancellation_time="SPECIFIC_DATE", end_date=end_date).data

    assert (data.status, data.cancellation_date, data.end_date) == ("ACTIVE", end_date, end_date)


def test_cancel_revoking_entitlements_ends_now(stigg_client: stigg.Stigg, basic: Subscription) -> None:
    data = stigg_client.v1.subscriptions.cancel(
        "sub-basic", cancellation_time="END_OF_BILLING_PERIOD", cancellation_action="REVOKE_ENTITLEMENTS"
    ).data

    assert data.status == "CANCELED"


def test_cancel_with_an_empty_body_follows_the_product_setting(stigg_client: stigg.Stigg, basic: Subscription) -> None:
    data = stigg_client.v1.subscriptions.cancel("sub-basic").data

    assert (data.status, iso(data.cancellation_date)) == ("ACTIVE", iso(basic.current_period_end))


def test_cancel_refusals(stigg_client: stigg.Stigg, basic: Subscription) -> None:
    with pytest.raises(stigg.BadRequestError) as missing_date:
        stigg_client.v1.subscriptions.cancel("sub-basic", cancellation_time="SPECIFIC_DATE")
    stigg_client.v1.subscriptions.cancel("sub-basic", cancellation_time="IMMEDIATE")
    with pytest.raises(stigg.ConflictError) as ended:
        stigg_client.v1.subscriptions.cancel("sub-basic", cancellation_time="IMMEDIATE")
    with pytest.raises(stigg.NotFoundError):
        stigg_client.v1.subscriptions.cancel("sub-nope")

    assert error_code(missing_date.value) == "VALIDATION_ERROR"
    assert error_code(ended.value) == "ILLEGAL_SUBSCRIPTION_TRANSITION"
    assert ended.value.response.headers["x-should-retry"] == "false"


# --- I2 invoice paid ------------------------------------------------------------------------------------------------


def test_mark_the_latest_invoice_paid_once(stigg_client: stigg.Stigg, basic: Subscription) -> None:
    result = stigg_client.v1.subscriptions.invoice.mark_as_paid("sub-basic").data

    with pytest.raises(stigg.ConflictError) as again:
        stigg_client.v1.subscriptions.invoice.mark_as_paid("sub-basic")

    assert result.id == "sub-basic"
    assert error_code(again.value) == "INVOICE_NOT_OPEN"
    latest = stigg_client.v1.subscriptions.retrieve("sub-basic").data.latest_invoice
    assert latest is not None
    assert (latest.status, latest.amount_due) == ("PAID", 0)


def test_a_list_page_takes_the_same_number_of_queries_however_many_subscriptions_it_holds(
    api_client: Any, catalog: None
) -> None:
    def queries_for_a_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = api_client.get("/api/v1/subscriptions", {"limit": 100})
        assert response.status_code == 200
        return len(captured)

    provision(
        "plan-pro",
        now=timezone.now(),
        billing_period="MONTHLY",
        unit_quantity=1,
        addons=[("addon-storage", 1)],
        coupon_ref_id="coupon-half",
    )
    small = queries_for_a_page()
    for index in range(2, 6):
        customer(f"customer-{index}")
        provision(
            "plan-pro",
            now=timezone.now(),
            customer_ref_id=f"customer-{index}",
            billing_period="MONTHLY",
            unit_quantity=1,
            addons=[("addon-storage", 1), ("addon-support", 1)],
            coupon_ref_id="coupon-half",
        )

    assert queries_for_a_page() == small


def test_provision_prices_seats_from_charges_and_localizes_by_country(stigg_client: stigg.Stigg, catalog: None) -> None:
    customer("customer-2")

    seats = stigg_client.v1.subscriptions.provision(
        customer_id="customer-1",
        plan_id="plan-pro",
        billing_period="MONTHLY",
        charges=[{"id": "feature-seats", "quantity": 4, "type": "FEATURE"}],
        trial_override_configuration={"is_trial": False},
    ).data.subscription
    german = raw(
        stigg_client.v1.subscriptions.with_raw_response.provision(
            customer_id="customer-2", plan_id="plan-basic", billing_period="MONTHLY", billing_country_code="DE"
        )
    )["subscription"]

    assert seats is not None and seats.latest_invoice is not None
    assert (seats.latest_invoice.total, seats.latest_invoice.currency) == (50, "usd")
    assert Subscription.objects.get(customer__ref_id="customer-1").feature_quantities.get().quantity == 4
    assert (german["latestInvoice"]["total"], german["latestInvoice"]["currency"]) == (9, "eur")
    assert [(item["amount"], item["currency"], item["billingCountryCode"]) for item in german["prices"]] == [
        (9, "eur", "DE")
    ]

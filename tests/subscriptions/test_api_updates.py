"""S3 update, S7 migrate, S8/S9 cancel scheduled updates through the official Stigg client against the live
server, and the update preview (``POST /api/v1/subscriptions/{id}/preview``, not in the contract) with a raw client.

Time is frozen at the middle of March (``time_machine``, without ticking), so the proration is exactly half."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import stigg
import time_machine
from rest_framework.test import APIClient

from catalog.models import Package
from catalog.services.packages import package_create_draft, package_publish, package_update
from config.wire import iso
from subscriptions.models import (
    Invoice,
    Subscription,
    SubscriptionAddon,
    SubscriptionFeatureQuantity,
    SubscriptionScheduledUpdate,
)
from subscriptions.quote import TrialOverride
from subscriptions.selectors import customer_balance
from subscriptions.services.cancellation import subscription_cancel
from tests.subscriptions.builders import CATALOG_AT, catalog_for_subscriptions, customer, flat_fee, price, provision
from tests.support.api_errors import error_code
from tests.wire_shapes import domain_error, validation_error

D = Decimal
NO_TRIAL = TrialOverride(is_trial=False, trial_end_date=None)
START = datetime(2027, 3, 1, tzinfo=UTC)
MID = datetime(2027, 3, 16, 12, tzinfo=UTC)
APRIL = datetime(2027, 4, 1, tzinfo=UTC)
SEATS = "feature-seats"


@pytest.fixture
def catalog(db: None) -> None:
    catalog_for_subscriptions()
    customer("customer-1")


@pytest.fixture
def subscription(catalog: None) -> Subscription:
    """sub-pro: plan-pro monthly from March 1 with 4 seats and one storage add-on (30 + 4 x 5 + 4 = 54 a month)."""
    return provision(
        "plan-pro",
        now=START,
        ref_id="sub-pro",
        billing_period="MONTHLY",
        unit_quantity=4,
        addons=[("addon-storage", 1)],
        trial_override=NO_TRIAL,
    )


@pytest.fixture(autouse=True)
def mid_march() -> Iterator[None]:
    with time_machine.travel(MID, tick=False):
        yield


def seats(quantity: int) -> list[dict[str, Any]]:
    return [{"id": SEATS, "quantity": quantity, "type": "FEATURE"}]


def written() -> tuple[Any, ...]:
    return (
        list(Subscription.objects.order_by("pk").values()),
        list(SubscriptionAddon.objects.order_by("pk").values()),
        list(SubscriptionFeatureQuantity.objects.order_by("pk").values()),
        list(SubscriptionScheduledUpdate.objects.order_by("pk").values()),
        Invoice.objects.count(),
    )


# --- S3 update ------------------------------------------------------------------------------------------------------


def test_an_upgrade_is_applied_and_invoiced(stigg_client: stigg.Stigg, subscription: Subscription) -> None:
    data = stigg_client.v1.subscriptions.update(
        "sub-pro", charges=seats(6), addons=[{"id": "addon-storage", "quantity": 2}], metadata={"k": "v"}
    ).data

    assert (data.id, data.metadata, data.future_updates) == ("sub-pro", {"k": "v"}, [])
    assert [(addon.id, addon.quantity) for addon in data.addons or []] == [("addon-storage", 2)]
    assert data.latest_invoice is not None
    # Half a month of 2 more seats (5 each) and one more storage (4).
    assert (data.latest_invoice.billing_reason, data.latest_invoice.total) == ("SUBSCRIPTION_UPDATE", 7)
    assert (data.current_billing_period_start, data.current_billing_period_end) == (START, APRIL)


def test_a_downgrade_is_scheduled_and_shown_in_future_updates(
    stigg_client: stigg.Stigg, subscription: Subscription
) -> None:
    data = stigg_client.v1.subscriptions.update("sub-pro", charges=seats(2), addons=[]).data

    assert [
        (update.scheduled_execution_time, update.schedule_status, update.subscription_schedule_type)
        for update in data.future_updates or []
    ] == [(APRIL, "SCHEDULED", "UNIT_AMOUNT"), (APRIL, "SCHEDULED", "ADDON")]
    assert {update.target_package.id for update in data.future_updates or []} == {"plan-pro"}  # type: ignore[union-attr]
    assert [(addon.id, addon.quantity) for addon in data.addons or []] == [("addon-storage", 1)]
    assert data.latest_invoice is not None and data.latest_invoice.billing_reason == "SUBSCRIPTION_CREATION"


def test_an_immediate_downgrade_and_extra_unit_quantity(stigg_client: stigg.Stigg, subscription: Subscription) -> None:
    stigg_client.v1.subscriptions.update("sub-pro", schedule_strategy="IMMEDIATE", extra_body={"unitQuantity": 1})

    stored = Subscription.objects.get()
    assert (stored.unit_quantity, Invoice.objects.count(), SubscriptionScheduledUpdate.objects.count()) == (1, 1, 0)


def test_a_scheduled_cancellation_is_set_and_cleared_with_null(
    stigg_client: stigg.Stigg, subscription: Subscription
) -> None:
    ends = datetime(2027, 6, 1, tzinfo=UTC)

    scheduled = stigg_client.v1.subscriptions.update("sub-pro", cancellation_date=ends).data
    cleared = stigg_client.v1.subscriptions.update("sub-pro", cancellation_date=None).data

    assert (scheduled.cancellation_date, scheduled.effective_end_date, scheduled.status) == (ends, ends, "ACTIVE")
    assert (cleared.cancellation_date, cleared.effective_end_date) == (None, None)


def test_the_coupon_is_applied_by_billing_information_and_removed_by_applied_coupon(
    stigg_client: stigg.Stigg, subscription: Subscription
) -> None:
    added = stigg_client.v1.subscriptions.update("sub-pro", billing_information={"coupon_id": "coupon-half"}).data
    stigg_client.v1.subscriptions.future_update.cancel_schedule("sub-pro")
    provisioned_with_coupon = provision(
        "plan-basic", now=START, ref_id="sub-basic", billing_period="MONTHLY", coupon_ref_id="coupon-half"
    )
    removed = stigg_client.v1.subscriptions.update("sub-basic", applied_coupon={"coupon_id": None}).data

    assert [(update.subscription_schedule_type) for update in added.future_updates or []] == ["COUPON"]
    assert removed.coupons == []
    assert removed.latest_invoice is not None
    assert (removed.latest_invoice.billing_reason, removed.latest_invoice.total) == ("SUBSCRIPTION_UPDATE", D("2.5"))
    assert provisioned_with_coupon.coupon is not None


@pytest.mark.parametrize(
    ("arguments", "status", "code"),
    [
        ({"addons": [{"id": "addon-nope", "quantity": 1}]}, 404, "ADDON_NOT_FOUND"),
        ({"addons": [{"id": "addon-storage", "quantity": 4}]}, 400, "VALIDATION_ERROR"),
        ({"charges": [{"id": SEATS, "quantity": 21, "type": "FEATURE"}]}, 400, "VALIDATION_ERROR"),
        ({"applied_coupon": {"coupon_id": "coupon-nope"}}, 404, "COUPON_NOT_FOUND"),
        ({"billing_period": "WEEKLY"}, 400, "VALIDATION_ERROR"),
        ({"price_overrides": [{"amount": 1}]}, 400, "VALIDATION_ERROR"),
        ({"promotion_code": "SAVE10"}, 400, "VALIDATION_ERROR"),
        ({"billing_cycle_anchor": "NOW"}, 400, "VALIDATION_ERROR"),
        ({"trial_end_date": datetime(2027, 3, 20, tzinfo=UTC)}, 400, "VALIDATION_ERROR"),
    ],
    ids=[
        "unknown-addon",
        "addon-over-max",
        "quantity-over-max",
        "unknown-coupon",
        "unknown-billing-period",
        "price-overrides",
        "promotion-code",
        "new-billing-cycle",
        "trial-end-outside-a-trial",
    ],
)
def test_bad_update_input_gets_a_4xx_and_writes_nothing(
    stigg_client: stigg.Stigg, subscription: Subscription, arguments: dict[str, Any], status: int, code: str
) -> None:
    before = written()

    with pytest.raises(stigg.APIStatusError) as raised:
        stigg_client.v1.subscriptions.update("sub-pro", metadata={"changed": "yes"}, **arguments)

    assert (raised.value.status_code, error_code(raised.value)) == (status, code)
    assert written() == before


@pytest.mark.parametrize("path", ["/api/v1/subscriptions/sub-pro", "/api/v1/subscriptions/sub-pro/preview"])
@pytest.mark.parametrize("field", ["entitlements", "addons", "charges"])
def test_a_null_list_item_is_400_naming_it_and_writes_nothing(
    api_client: APIClient, subscription: Subscription, path: str, field: str
) -> None:
    before = written()
    call = api_client.patch if path.endswith("sub-pro") else api_client.post

    response = call(path, {"metadata": {"changed": "yes"}, field: [None]}, format="json")

    assert response.status_code == 400
    assert response.json() == validation_error({f"{field}[0]": ["This field may not be null."]})
    assert written() == before


def test_a_billing_period_on_a_free_plan_is_refused(stigg_client: stigg.Stigg, catalog: None) -> None:
    provision("plan-free", now=START, ref_id="sub-free")
    before = written()

    with pytest.raises(stigg.BadRequestError) as raised:
        stigg_client.v1.subscriptions.update("sub-free", billing_period="MONTHLY")

    assert raised.value.body == domain_error(
        "VALIDATION_ERROR", "plan plan-free is FREE: it has no billing period to change", field="billingPeriod"
    )
    assert written() == before


def test_a_cancelled_subscription_is_a_conflict(stigg_client: stigg.Stigg, subscription: Subscription) -> None:
    subscription_cancel(subscription=subscription, now=MID, actor="test", cancellation_time="IMMEDIATE")
    before = written()

    with pytest.raises(stigg.ConflictError) as raised:
        stigg_client.v1.subscriptions.update("sub-pro", charges=seats(5))

    assert raised.value.body == {
        "error": {
            "code": "SUBSCRIPTION_NOT_UPDATABLE",
            "message": "subscription sub-pro is CANCELED and cannot be updated",
            "details": {"status": "CANCELED"},
        }
    }
    assert raised.value.response.headers["x-should-retry"] == "false"
    assert written() == before


def test_an_unknown_subscription_is_not_found(stigg_client: stigg.Stigg, catalog: None) -> None:
    with pytest.raises(stigg.NotFoundError) as raised:
        stigg_client.v1.subscriptions.update("sub-nope", metadata={})

    assert error_code(raised.value) == "SUBSCRIPTION_NOT_FOUND"


# --- S8 / S9 --------------------------------------------------------------------------------------------------------


def test_cancelling_scheduled_updates(stigg_client: stigg.Stigg, subscription: Subscription) -> None:
    stigg_client.v1.subscriptions.update("sub-pro", charges=seats(2))

    cancelled = stigg_client.v1.subscriptions.future_update.cancel_schedule("sub-pro").data
    again = stigg_client.v1.subscriptions.future_update.cancel_schedule("sub-pro").data

    assert (cancelled.id, again.id) == ("sub-pro", "sub-pro")
    assert stigg_client.v1.subscriptions.retrieve("sub-pro").data.future_updates == []
    assert list(SubscriptionScheduledUpdate.objects.values_list("status", "finished_by")) == [("CANCELED", "api")]


def test_cancelling_pending_payment_updates_changes_nothing(
    stigg_client: stigg.Stigg, subscription: Subscription
) -> None:
    stigg_client.v1.subscriptions.update("sub-pro", charges=seats(2))
    before = written()

    data = stigg_client.v1.subscriptions.future_update.cancel_pending_payment("sub-pro").data

    assert data.id == "sub-pro"
    assert written() == before


def test_cancelling_updates_of_an_unknown_subscription_is_not_found(stigg_client: stigg.Stigg, catalog: None) -> None:
    with pytest.raises(stigg.NotFoundError):
        stigg_client.v1.subscriptions.future_update.cancel_schedule("sub-nope")
    with pytest.raises(stigg.NotFoundError):
        stigg_client.v1.subscriptions.future_update.cancel_pending_payment("sub-nope")


# --- S7 migrate -----------------------------------------------------------------------------------------------------


def publish_basic_at(amount: str) -> None:
    package = Package.objects.get(ref_id="plan-basic")
    package_create_draft(package=package, now=CATALOG_AT)
    charges = {"pricing_type": "PAID", "pricing_models": [flat_fee(price("MONTHLY", amount))]}
    package_update(package=package, changes={"charges": charges}, now=CATALOG_AT)
    package_publish(package=package, migration_type="NEW_CUSTOMERS", now=CATALOG_AT)


def test_migrate_now_and_at_the_end_of_the_period(stigg_client: stigg.Stigg, catalog: None) -> None:
    provision("plan-basic", now=START, ref_id="sub-now", billing_period="MONTHLY")
    customer("customer-2")
    provision("plan-basic", now=START, ref_id="sub-later", billing_period="MONTHLY", customer_ref_id="customer-2")
    publish_basic_at("12")

    now = stigg_client.v1.subscriptions.migrate("sub-now").data
    later = stigg_client.v1.subscriptions.migrate("sub-later", subscription_migration_time="END_OF_BILLING_PERIOD").data

    assert now.latest_invoice is not None
    assert (now.latest_invoice.billing_reason, now.latest_invoice.total, now.future_updates) == (
        "SUBSCRIPTION_UPDATE",
        1,
        [],
    )
    assert now.prices is not None and now.prices[0].amount == 12
    assert [
        (update.subscription_schedule_type, update.scheduled_execution_time) for update in later.future_updates or []
    ] == [("MIGRATE_TO_LATEST", APRIL)]
    assert later.prices is not None and later.prices[0].amount == 10
    assert dict(Subscription.objects.values_list("ref_id", "plan_version__version_number")) == {
        "sub-now": 2,
        "sub-later": 1,
    }


def test_migrate_refusals(stigg_client: stigg.Stigg, api_client: APIClient, subscription: Subscription) -> None:
    with pytest.raises(stigg.NotFoundError):
        stigg_client.v1.subscriptions.migrate("sub-nope")
    response = api_client.post(
        "/api/v1/subscriptions/sub-pro/migrate", {"subscriptionMigrationTime": "TOMORROW"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == validation_error({"subscriptionMigrationTime": ['"TOMORROW" is not a valid choice.']})


# --- the update preview ---------------------------------------------------------------------------------------------


def preview(api_client: APIClient, ref_id: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api_client.post(f"/api/v1/subscriptions/{ref_id}/preview", body, format="json")
    assert response.status_code == 200, response.content
    return json.loads(response.content, parse_float=Decimal)["data"]


def test_the_preview_of_an_upgrade_is_what_the_update_invoices(
    api_client: APIClient, subscription: Subscription
) -> None:
    body = {"charges": seats(6), "addons": [{"id": "addon-storage", "quantity": 2}]}
    before = written()

    data = preview(api_client, "sub-pro", body)

    assert written() == before
    assert data == {
        "immediateInvoice": {
            "subTotal": 7,
            "total": 7,
            "discount": 0,
            "tax": 0,
            "currency": "usd",
            "billingPeriodRange": {"start": iso(MID), "end": iso(APRIL)},
            "discountDetails": None,
            "discounts": [],
            "amountDue": 7,
            "lines": [
                {
                    "currency": "usd",
                    "description": "Unused time on Pro",
                    "subTotal": -15,
                    "unitPrice": 30,
                    "quantity": 1,
                },
                {
                    "currency": "usd",
                    "description": "Unused time on Pro - Seats",
                    "subTotal": -10,
                    "unitPrice": 5,
                    "quantity": 4,
                },
                {
                    "currency": "usd",
                    "description": "Unused time on Storage",
                    "subTotal": -2,
                    "unitPrice": 4,
                    "quantity": 1,
                },
                {
                    "currency": "usd",
                    "description": "Remaining time on Pro",
                    "subTotal": 15,
                    "unitPrice": 30,
                    "quantity": 1,
                },
                {
                    "currency": "usd",
                    "description": "Remaining time on Pro - Seats",
                    "subTotal": 15,
                    "unitPrice": 5,
                    "quantity": 6,
                },
                {
                    "currency": "usd",
                    "description": "Remaining time on Storage",
                    "subTotal": 4,
                    "unitPrice": 4,
                    "quantity": 2,
                },
            ],
        },
        "recurringInvoice": {
            "subTotal": 68,
            "total": 68,
            "discount": 0,
            "tax": 0,
            "currency": "usd",
            "billingPeriodRange": {"start": iso(APRIL), "end": iso(datetime(2027, 5, 1, tzinfo=UTC))},
            "discountDetails": None,
            "discounts": [],
            "lines": [
                {"currency": "usd", "description": "Pro", "subTotal": 30, "unitPrice": 30, "quantity": 1},
                {"currency": "usd", "description": "Pro - Seats", "subTotal": 30, "unitPrice": 5, "quantity": 6},
                {"currency": "usd", "description": "Storage", "subTotal": 8, "unitPrice": 4, "quantity": 2},
            ],
        },
        "billingPeriodRange": {"start": iso(START), "end": iso(APRIL)},
        "isPlanDowngrade": False,
        "hasScheduledUpdates": False,
        "freeItems": [],
        "proration": {"prorationDate": iso(MID), "credit": -27, "debit": 34, "net": 7, "currency": "usd"},
        "effectiveAt": iso(MID),
        "customerBalance": {
            "currency": "usd",
            "startingBalance": 0,
            "appliedToInvoice": 0,
            "credited": 0,
            "endingBalance": 0,
        },
    }
    response = api_client.patch("/api/v1/subscriptions/sub-pro", body, format="json")
    assert response.status_code == 200
    assert Invoice.objects.filter(billing_reason="SUBSCRIPTION_UPDATE").get().total == D(7)


def test_the_preview_of_a_downgrade(api_client: APIClient, subscription: Subscription) -> None:
    data = preview(api_client, "sub-pro", {"charges": seats(2)})

    assert (data["isPlanDowngrade"], data["hasScheduledUpdates"], data["effectiveAt"]) == (True, True, iso(APRIL))
    assert (data["immediateInvoice"]["total"], data["immediateInvoice"]["lines"]) == (0, [])
    assert (data["recurringInvoice"]["total"], data["recurringInvoice"]["billingPeriodRange"]["start"]) == (
        44,
        iso(APRIL),
    )
    # At the end of the period nothing is left to prorate.
    assert data["proration"] == {"prorationDate": iso(APRIL), "credit": 0, "debit": 0, "net": 0, "currency": "usd"}
    assert SubscriptionScheduledUpdate.objects.count() == 0


def test_the_preview_refuses_what_the_update_refuses(api_client: APIClient, subscription: Subscription) -> None:
    response = api_client.post(
        "/api/v1/subscriptions/sub-pro/preview", {"addons": [{"id": "addon-nope", "quantity": 1}]}, format="json"
    )
    unknown = api_client.post("/api/v1/subscriptions/sub-nope/preview", {}, format="json")

    assert response.status_code == 404
    assert response.json() == domain_error("ADDON_NOT_FOUND", "Add-on addon-nope not found", field="addons[0].id")
    assert unknown.status_code == 404


def test_an_immediate_reduction_is_credited_to_the_balance_the_preview_announces(
    stigg_client: stigg.Stigg, api_client: APIClient, subscription: Subscription
) -> None:
    body = {"charges": seats(2), "scheduleStrategy": "IMMEDIATE"}

    data = preview(api_client, "sub-pro", body)
    updated = stigg_client.v1.subscriptions.update("sub-pro", charges=seats(2), schedule_strategy="IMMEDIATE").data

    # Two seats fewer (5 each) for half a month: 5 credited, nothing invoiced.
    assert data["proration"]["net"] == -5
    assert (data["immediateInvoice"]["total"], data["immediateInvoice"]["amountDue"]) == (0, 0)
    assert data["customerBalance"] == {
        "currency": "usd",
        "startingBalance": 0,
        "appliedToInvoice": 0,
        "credited": 5,
        "endingBalance": 5,
    }
    assert updated.latest_invoice is not None and updated.latest_invoice.billing_reason == "SUBSCRIPTION_CREATION"
    assert customer_balance(customer_id=subscription.customer_id, currency="usd") == D(5)
    # An upgrade back: 2 more seats for half a month (5), paid whole by the balance.
    upgrade = preview(api_client, "sub-pro", {"charges": seats(4)})
    upgraded = stigg_client.v1.subscriptions.update("sub-pro", charges=seats(4)).data
    assert (upgrade["immediateInvoice"]["amountDue"], upgrade["customerBalance"]["endingBalance"]) == (0, 0)
    assert upgraded.latest_invoice is not None
    assert (upgraded.latest_invoice.total, upgraded.latest_invoice.amount_due, upgraded.latest_invoice.status) == (
        5,
        0,
        "PAID",
    )

"""Provisioning (S1) against the database: terms, periods, first invoice, and the provisioning rules 1 to 5."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from catalog.models import Product
from config.errors import InvalidInput
from customers.models import CustomerResource
from customers.services import customer_update
from subscriptions.errors import DuplicateSubscriptionId, InvalidSubscriptionInput, TrialNotAvailable
from subscriptions.models import Invoice, Subscription, SubscriptionStatusEvent
from subscriptions.quote import TrialOverride
from subscriptions.services.cancellation import subscription_cancel
from subscriptions.services.provision_terms import ProvisionRequest
from subscriptions.services.provisioning import subscription_provision
from tests.subscriptions.builders import catalog_for_subscriptions, customer, provision, reload, statuses

pytestmark = pytest.mark.django_db

D = Decimal
NOW = datetime(2024, 1, 31, 10, tzinfo=UTC)
LATER = NOW + timedelta(days=3)
NO_TRIAL = TrialOverride(is_trial=False, trial_end_date=None)


@pytest.fixture(autouse=True)
def catalog() -> None:
    catalog_for_subscriptions()
    customer("customer-1")


def invoices_of(subscription: Subscription) -> list[tuple[str, str, datetime, datetime, Decimal, Decimal, Decimal]]:
    return list(
        Invoice.objects.filter(subscription=subscription)
        .order_by("pk")
        .values_list("billing_reason", "status", "period_start", "period_end", "subtotal", "discount", "total")
    )


# --- terms, periods and the first invoice ---------------------------------------------------------------------------


def test_paid_subscription_starts_active_with_its_first_period_and_invoice() -> None:
    subscription = provision(
        "plan-pro",
        now=NOW,
        billing_period="MONTHLY",
        unit_quantity=3,
        addons=[("addon-storage", 2)],
        trial_override=NO_TRIAL,
        metadata={"source": "test"},
    )

    assert (subscription.status, subscription.is_trial, subscription.currency) == ("ACTIVE", False, "usd")
    assert (subscription.start_date, subscription.billing_cycle_anchor) == (NOW, NOW)
    assert (subscription.current_period_start, subscription.current_period_end) == (
        NOW,
        datetime(2024, 2, 29, 10, tzinfo=UTC),
    )
    assert subscription.metadata == {"source": "test"}
    assert subscription.ref_id.startswith("subscription-plan-pro-")
    assert [(row.addon.ref_id, row.quantity) for row in subscription.addons.all()] == [("addon-storage", 2)]
    invoice = Invoice.objects.get(subscription=subscription)
    assert invoices_of(subscription) == [
        ("SUBSCRIPTION_CREATION", "OPEN", NOW, datetime(2024, 2, 29, 10, tzinfo=UTC), D("53"), D("0"), D("53"))
    ]
    assert invoice.idempotency_key == f"creation:{subscription.pk}"
    assert [(line.description, line.quantity, line.amount) for line in invoice.lines.all()] == [
        ("Pro", D(1), D("30")),
        ("Pro - Seats", D(3), D("15")),
        ("Storage", D(2), D("8")),
    ]
    assert list(SubscriptionStatusEvent.objects.values_list("from_status", "to_status", "reason", "actor")) == [
        (None, "ACTIVE", "provisioned", "test")
    ]


def test_free_subscription_has_no_period_and_no_invoice() -> None:
    subscription = provision("plan-free", now=NOW)

    assert (subscription.status, subscription.billing_period, subscription.currency) == ("ACTIVE", None, None)
    assert (subscription.current_period_start, subscription.current_period_end) == (None, None)
    assert Invoice.objects.count() == 0


def test_plan_trial_comes_from_its_default_config_and_is_not_invoiced() -> None:
    subscription = provision("plan-pro", now=NOW, billing_period="MONTHLY", unit_quantity=1)

    trial_end = NOW + timedelta(days=14)
    assert (subscription.status, subscription.is_trial, subscription.trial_end_date) == ("IN_TRIAL", True, trial_end)
    assert subscription.trial_end_behavior == "CONVERT_TO_PAID"
    assert (subscription.current_period_start, subscription.current_period_end) == (NOW, trial_end)
    assert subscription.billing_cycle_anchor == trial_end
    assert subscription.currency == "usd"
    assert Invoice.objects.count() == 0


def test_trial_override_sets_the_end_date_and_behaviour() -> None:
    trial_end = NOW + timedelta(days=3)

    subscription = provision(
        "plan-basic",
        now=NOW,
        billing_period="MONTHLY",
        trial_override=TrialOverride(is_trial=True, trial_end_date=trial_end),
        trial_end_behavior="CANCEL_SUBSCRIPTION",
    )

    assert (subscription.status, subscription.trial_end_date) == ("IN_TRIAL", trial_end)
    assert subscription.trial_end_behavior == "CANCEL_SUBSCRIPTION"


def test_trial_override_without_a_date_on_a_plan_without_trial_is_refused_and_writes_nothing() -> None:
    with pytest.raises(InvalidInput) as raised:
        provision(
            "plan-basic",
            now=NOW,
            billing_period="MONTHLY",
            trial_override=TrialOverride(is_trial=True, trial_end_date=None),
        )

    assert raised.value.field == "trialOverrideConfiguration.trialEndDate"
    assert Subscription.objects.count() == 0


def test_start_in_the_future_is_not_started_and_not_invoiced() -> None:
    start = NOW + timedelta(days=10)

    result = subscription_provision(
        request=ProvisionRequest(
            customer_ref_id="customer-1", plan_ref_id="plan-basic", billing_period="MONTHLY", start_date=start
        ),
        now=NOW,
        actor="test",
    )

    subscription = result.subscription
    assert (subscription.status, result.is_scheduled) == ("NOT_STARTED", True)
    assert (subscription.current_period_start, subscription.current_period_end) == (
        start,
        datetime(2024, 3, 10, 10, tzinfo=UTC),
    )
    assert Invoice.objects.count() == 0


def test_start_in_the_past_is_backdated_to_the_period_containing_now() -> None:
    start = datetime(2023, 11, 30, 8, tzinfo=UTC)

    subscription = provision("plan-basic", now=NOW, billing_period="MONTHLY", start_date=start)

    assert (subscription.status, subscription.start_date, subscription.billing_cycle_anchor) == ("ACTIVE", start, start)
    period = (datetime(2024, 1, 30, 8, tzinfo=UTC), datetime(2024, 2, 29, 8, tzinfo=UTC))
    assert (subscription.current_period_start, subscription.current_period_end) == period
    assert invoices_of(subscription) == [("SUBSCRIPTION_CREATION", "OPEN", *period, D(10), D(0), D(10))]


def test_annual_subscription_has_a_year_long_period() -> None:
    subscription = provision("plan-basic", now=NOW, billing_period="ANNUALLY")

    assert subscription.current_period_end == datetime(2025, 1, 31, 10, tzinfo=UTC)
    assert invoices_of(subscription)[0][4:] == (D(100), D(0), D(100))


def test_coupon_and_tax_apply_to_the_first_invoice() -> None:
    subscription = provision(
        "plan-basic", now=NOW, billing_period="MONTHLY", coupon_ref_id="coupon-half", tax_percentage=D("20")
    )

    invoice = Invoice.objects.get(subscription=subscription)
    assert (invoice.subtotal, invoice.discount, invoice.tax, invoice.total) == (D(10), D(5), D(1), D(6))
    assert (invoice.coupon_ref_id, subscription.coupon_applied_at) == ("coupon-half", NOW)


def test_the_customers_coupon_applies_when_none_is_named() -> None:
    customer_update(customer=customer("customer-1"), changes={"coupon_ref_id": "coupon-half"}, now=NOW)

    subscription = provision("plan-basic", now=NOW, billing_period="MONTHLY")

    assert subscription.coupon.ref_id == "coupon-half"  # type: ignore[union-attr]
    assert Invoice.objects.get().discount == D(5)


def test_cancellation_date_is_stored_and_must_follow_the_start() -> None:
    subscription = provision("plan-basic", now=NOW, billing_period="MONTHLY", cancellation_date=LATER)

    assert (subscription.cancellation_date, subscription.effective_end_date) == (LATER, LATER)
    with pytest.raises(InvalidSubscriptionInput):
        provision("plan-basic", now=NOW, billing_period="MONTHLY", cancellation_date=NOW)
    assert Subscription.objects.count() == 1


def test_client_given_id_is_idempotent_for_the_same_request_and_a_conflict_otherwise() -> None:
    customer("customer-2")

    first = provision("plan-basic", now=NOW, billing_period="MONTHLY", ref_id="sub-1")
    again = provision("plan-basic", now=LATER, billing_period="MONTHLY", ref_id="sub-1")

    assert again.pk == first.pk
    assert Subscription.objects.count() == 1
    assert Invoice.objects.count() == 1
    with pytest.raises(DuplicateSubscriptionId):
        provision("plan-basic", now=LATER, billing_period="MONTHLY", ref_id="sub-1", customer_ref_id="customer-2")
    assert Subscription.objects.count() == 1


# --- the provisioning rules -----------------------------------------------------------------------------------------


def test_rule_1_a_trial_of_another_plan_runs_beside_the_paid_subscription() -> None:
    provision("plan-basic", now=NOW, billing_period="MONTHLY")

    provision("plan-pro", now=LATER, billing_period="MONTHLY", unit_quantity=1)

    assert statuses() == [("plan-basic", "ACTIVE", None), ("plan-pro", "IN_TRIAL", None)]


def test_rule_2_subscribing_to_the_plan_in_trial_creates_a_paid_subscription_and_ends_the_trial() -> None:
    provision("plan-basic", now=NOW, billing_period="MONTHLY")
    trial = provision("plan-pro", now=NOW, billing_period="MONTHLY", unit_quantity=1)

    paid = provision("plan-pro", now=LATER, billing_period="MONTHLY", unit_quantity=2)

    assert (paid.status, paid.is_trial) == ("ACTIVE", False)
    assert statuses() == [
        ("plan-basic", "CANCELED", "UPGRADE_OR_DOWNGRADE"),
        ("plan-pro", "CANCELED", "TRIAL_CONVERTED"),
        ("plan-pro", "ACTIVE", None),
    ]
    assert reload(trial).effective_end_date == LATER
    assert invoices_of(paid)[0][4:] == (D(40), D(0), D(40))


def test_rule_3_a_new_subscription_replaces_the_live_one_now() -> None:
    basic = provision("plan-basic", now=NOW, billing_period="MONTHLY")

    provision("plan-free", now=LATER)

    assert statuses() == [("plan-basic", "CANCELED", "UPGRADE_OR_DOWNGRADE"), ("plan-free", "ACTIVE", None)]
    basic = reload(basic)
    assert (basic.cancellation_date, basic.effective_end_date, basic.end_date) == (LATER, LATER, LATER)
    assert list(basic.status_events.values_list("from_status", "to_status", "reason")) == [
        (None, "ACTIVE", "provisioned"),
        ("ACTIVE", "CANCELED", "UPGRADE_OR_DOWNGRADE"),
    ]


def test_rule_3_a_later_start_schedules_the_end_of_the_live_one() -> None:
    basic = provision("plan-basic", now=NOW, billing_period="MONTHLY")
    start = NOW + timedelta(days=20)

    pro = provision("plan-pro", now=LATER, billing_period="MONTHLY", unit_quantity=1, start_date=start)

    basic = reload(basic)
    assert (pro.status, pro.is_trial) == ("NOT_STARTED", True)
    assert (basic.status, basic.cancellation_date, basic.replaced_by_id) == ("ACTIVE", None, None)
    free = provision("plan-free", now=LATER, start_date=start)
    basic = reload(basic)
    assert (basic.status, basic.cancellation_date, basic.replaced_by_id) == ("ACTIVE", start, free.pk)


def test_rule_3_a_newer_later_start_cancels_the_one_waiting_and_moves_the_scheduled_end() -> None:
    basic = provision("plan-basic", now=NOW, billing_period="MONTHLY")
    first = provision("plan-free", now=NOW, start_date=NOW + timedelta(days=20))

    second = provision("plan-free", now=LATER, start_date=NOW + timedelta(days=10))

    assert (reload(first).status, reload(first).cancel_reason) == ("CANCELED", "UPGRADE_OR_DOWNGRADE")
    basic = reload(basic)
    assert (basic.cancellation_date, basic.replaced_by_id) == (NOW + timedelta(days=10), second.pk)


def test_rule_4_one_trial_per_customer_and_product() -> None:
    trial = provision("plan-pro", now=NOW, billing_period="MONTHLY", unit_quantity=1)
    provision("plan-free", now=LATER)
    subscription_cancel(subscription=trial, now=LATER, actor="test", cancellation_time="IMMEDIATE")

    again = provision("plan-pro", now=LATER, billing_period="MONTHLY", unit_quantity=1)

    assert (again.status, again.is_trial) == ("ACTIVE", False)
    with pytest.raises(TrialNotAvailable):
        provision(
            "plan-trial-cancel",
            now=LATER,
            billing_period="MONTHLY",
            trial_override=TrialOverride(is_trial=True, trial_end_date=None),
        )
    assert Subscription.objects.count() == 3


def test_rule_4_a_plan_already_paid_for_is_not_trialled_and_the_trial_can_be_skipped() -> None:
    paid = provision("plan-pro", now=NOW, billing_period="MONTHLY", unit_quantity=1, trial_override=NO_TRIAL)

    again = provision("plan-pro", now=LATER, billing_period="ANNUALLY", unit_quantity=1)

    assert (paid.is_trial, again.status, again.is_trial) == (False, "ACTIVE", False)
    assert statuses() == [("plan-pro", "CANCELED", "UPGRADE_OR_DOWNGRADE"), ("plan-pro", "ACTIVE", None)]


def test_rule_5_multiple_subscriptions_per_resource_need_a_resource_and_replace_per_resource() -> None:
    Product.objects.filter(ref_id="product-main").update(multiple_subscriptions=True)

    with pytest.raises(InvalidSubscriptionInput) as raised:
        provision("plan-basic", now=NOW, billing_period="MONTHLY")
    assert raised.value.field == "resourceId"
    provision("plan-basic", now=NOW, billing_period="MONTHLY", resource_ref_id="site-1")
    provision("plan-basic", now=NOW, billing_period="MONTHLY", resource_ref_id="site-2")
    provision("plan-free", now=LATER, resource_ref_id="site-1")

    rows = Subscription.objects.order_by("pk").values_list(
        "resource__ref_id", "plan__ref_id", "status", "cancel_reason"
    )
    assert list(rows) == [
        ("site-1", "plan-basic", "CANCELED", "UPGRADE_OR_DOWNGRADE"),
        ("site-2", "plan-basic", "ACTIVE", None),
        ("site-1", "plan-free", "ACTIVE", None),
    ]
    assert sorted(CustomerResource.objects.values_list("ref_id", flat=True)) == ["site-1", "site-2"]


def test_rule_5_a_single_subscription_product_takes_no_resource() -> None:
    with pytest.raises(InvalidSubscriptionInput) as raised:
        provision("plan-basic", now=NOW, billing_period="MONTHLY", resource_ref_id="site-1")

    assert raised.value.field == "resourceId"
    assert (Subscription.objects.count(), CustomerResource.objects.count()) == (0, 0)

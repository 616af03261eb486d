"""Cancelling (S5), the product's end setup, the customer-archive hook, marking invoices paid, the state machine."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from customers.services import customer_archive
from subscriptions import states
from subscriptions.errors import IllegalSubscriptionTransition, InvalidSubscriptionInput, InvoiceNotOpen
from subscriptions.models import Invoice, Subscription, SubscriptionStatusEvent
from subscriptions.quote import TrialOverride
from subscriptions.services.cancellation import subscription_cancel
from subscriptions.services.invoices import invoice_mark_paid
from subscriptions.services.provisioning import apply_end_setup
from tests.subscriptions.builders import (
    catalog_for_subscriptions,
    customer,
    provision,
    reload,
    set_end_setup,
    statuses,
)

pytestmark = pytest.mark.django_db

D = Decimal
NOW = datetime(2024, 1, 31, 10, tzinfo=UTC)
LATER = NOW + timedelta(days=3)
PERIOD_END = datetime(2024, 2, 29, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def catalog() -> None:
    catalog_for_subscriptions()
    customer("customer-1")


@pytest.fixture
def basic() -> Subscription:
    return provision("plan-basic", now=NOW, billing_period="MONTHLY")


def event_count() -> int:
    return SubscriptionStatusEvent.objects.count()


def test_immediate_cancel_ends_now_without_a_downgrade_when_the_product_cancels(basic: Subscription) -> None:
    cancelled = subscription_cancel(subscription=basic, now=LATER, actor="test", cancellation_time="IMMEDIATE")

    assert (cancelled.status, cancelled.cancel_reason) == ("CANCELED", "Immediate")
    assert (cancelled.cancellation_date, cancelled.effective_end_date, cancelled.end_date) == (LATER, LATER, LATER)
    assert statuses() == [("plan-basic", "CANCELED", "Immediate")]
    assert list(cancelled.status_events.values_list("from_status", "to_status", "actor").order_by("pk"))[-1] == (
        "ACTIVE",
        "CANCELED",
        "test",
    )


def test_immediate_cancel_downgrades_to_the_free_plan(basic: Subscription) -> None:
    set_end_setup(downgrade_to_free=True)

    subscription_cancel(subscription=basic, now=LATER, actor="test", cancellation_time="IMMEDIATE")

    assert statuses() == [("plan-basic", "CANCELED", "Immediate"), ("plan-free", "ACTIVE", None)]
    free = Subscription.objects.get(plan__ref_id="plan-free")
    assert (free.downgraded_from_id, free.start_date) == (basic.pk, LATER)
    assert list(free.status_events.values_list("reason", flat=True)) == ["downgrade (product end setup)"]


def test_revoking_entitlements_ends_now_whatever_the_time_and_skips_the_downgrade(basic: Subscription) -> None:
    set_end_setup(downgrade_to_free=True)

    subscription_cancel(
        subscription=basic,
        now=LATER,
        actor="test",
        cancellation_time="END_OF_BILLING_PERIOD",
        cancellation_action="REVOKE_ENTITLEMENTS",
    )

    assert statuses() == [("plan-basic", "CANCELED", "Immediate")]


def test_end_of_billing_period_is_the_products_default_and_keeps_the_subscription_live(basic: Subscription) -> None:
    events = event_count()

    scheduled = subscription_cancel(subscription=basic, now=LATER, actor="test")

    assert (scheduled.status, scheduled.cancel_reason) == ("ACTIVE", None)
    assert (scheduled.cancellation_date, scheduled.effective_end_date, scheduled.end_date) == (
        PERIOD_END,
        PERIOD_END,
        PERIOD_END,
    )
    assert event_count() == events


def test_a_trial_cancelled_at_period_end_ends_with_its_trial() -> None:
    trial = provision("plan-pro", now=NOW, billing_period="MONTHLY", unit_quantity=1)

    scheduled = subscription_cancel(subscription=trial, now=LATER, actor="test")

    assert (scheduled.status, scheduled.cancellation_date) == ("IN_TRIAL", NOW + timedelta(days=14))


def test_a_subscription_without_billing_period_ends_now_at_period_end() -> None:
    free = provision("plan-free", now=NOW)

    cancelled = subscription_cancel(
        subscription=free, now=LATER, actor="test", cancellation_time="END_OF_BILLING_PERIOD"
    )

    assert cancelled.status == "CANCELED"


def test_specific_date_schedules_the_end_and_scheduling_again_moves_it(basic: Subscription) -> None:
    first = LATER + timedelta(days=40)
    second = LATER + timedelta(days=5)

    subscription_cancel(subscription=basic, now=LATER, actor="test", cancellation_time="SPECIFIC_DATE", end_date=first)
    moved = subscription_cancel(
        subscription=basic, now=LATER, actor="test", cancellation_time="SPECIFIC_DATE", end_date=second
    )

    assert (moved.status, moved.cancellation_date, moved.end_date) == ("ACTIVE", second, second)


@pytest.mark.parametrize(
    ("end_date", "message"),
    [
        (None, "endDate: is required with cancellationTime SPECIFIC_DATE"),
        (NOW - timedelta(days=1), "endDate: must be after the subscription's start date"),
        (NOW + timedelta(days=1), "endDate: must be in the future"),
    ],
)
def test_specific_date_needs_a_future_end_date_after_the_start(
    basic: Subscription, end_date: datetime | None, message: str
) -> None:
    events = event_count()

    with pytest.raises(InvalidSubscriptionInput) as raised:
        subscription_cancel(
            subscription=basic, now=LATER, actor="test", cancellation_time="SPECIFIC_DATE", end_date=end_date
        )

    assert raised.value.message == message
    assert (reload(basic).cancellation_date, reload(basic).status, event_count()) == (None, "ACTIVE", events)


def test_cancelling_an_ended_subscription_is_a_coded_conflict_that_writes_nothing(basic: Subscription) -> None:
    subscription_cancel(subscription=basic, now=LATER, actor="test", cancellation_time="IMMEDIATE")
    events = event_count()

    with pytest.raises(IllegalSubscriptionTransition) as raised:
        subscription_cancel(subscription=basic, now=LATER, actor="test", cancellation_time="IMMEDIATE")

    assert (raised.value.code, raised.value.status) == ("ILLEGAL_SUBSCRIPTION_TRANSITION", 409)
    assert (event_count(), reload(basic).cancellation_date) == (events, LATER)


def test_cancelling_a_subscription_waiting_to_start_releases_the_one_it_was_to_replace(basic: Subscription) -> None:
    start = NOW + timedelta(days=10)
    pending = provision("plan-free", now=NOW, start_date=start)
    assert reload(basic).cancellation_date == start

    subscription_cancel(subscription=pending, now=LATER, actor="test", cancellation_time="END_OF_BILLING_PERIOD")

    basic = reload(basic)
    assert (reload(pending).status, basic.status, basic.cancellation_date, basic.replaced_by_id) == (
        "CANCELED",
        "ACTIVE",
        None,
        None,
    )


def test_archiving_the_customer_cancels_its_subscriptions_without_downgrade(basic: Subscription) -> None:
    set_end_setup(downgrade_to_free=True)
    trial = provision("plan-pro", now=NOW, billing_period="MONTHLY", unit_quantity=1)
    pending = provision(
        "plan-trial-cancel",
        now=NOW,
        billing_period="MONTHLY",
        start_date=LATER + timedelta(days=1),
        trial_override=TrialOverride(is_trial=False, trial_end_date=None),
    )

    customer_archive(customer=basic.customer, now=LATER)

    assert statuses() == [
        ("plan-basic", "CANCELED", "CustomerArchived"),
        ("plan-pro", "CANCELED", "CustomerArchived"),
        ("plan-trial-cancel", "CANCELED", "CustomerArchived"),
    ]
    assert {reload(row).effective_end_date for row in (basic, trial, pending)} == {LATER}


def test_archiving_twice_cancels_once(basic: Subscription) -> None:
    customer_archive(customer=basic.customer, now=LATER)
    events = event_count()

    customer_archive(customer=basic.customer, now=LATER + timedelta(days=1))

    assert event_count() == events


# --- invoices -------------------------------------------------------------------------------------------------------


def test_mark_paid_pays_the_latest_open_invoice_once(basic: Subscription) -> None:
    invoice = invoice_mark_paid(subscription=basic, now=LATER)

    assert (invoice.status, invoice.paid_at, invoice.total) == ("PAID", LATER, D(10))
    with pytest.raises(InvoiceNotOpen):
        invoice_mark_paid(subscription=basic, now=LATER)
    assert Invoice.objects.get().paid_at == LATER


def test_mark_paid_without_an_invoice_is_a_conflict() -> None:
    free = provision("plan-free", now=NOW)

    with pytest.raises(InvoiceNotOpen) as raised:
        invoice_mark_paid(subscription=free, now=LATER)

    assert raised.value.status == 409


# --- the state machine ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("from_status", "allowed"),
    [
        ("NOT_STARTED", {"ACTIVE", "IN_TRIAL", "CANCELED"}),
        ("IN_TRIAL", {"ACTIVE", "CANCELED"}),
        ("PAYMENT_PENDING", {"ACTIVE", "CANCELED"}),
        ("ACTIVE", {"CANCELED"}),
        ("CANCELED", set()),
        ("EXPIRED", set()),
    ],
)
def test_transition_map(from_status: str, allowed: set[str]) -> None:
    every_status = {"NOT_STARTED", "IN_TRIAL", "PAYMENT_PENDING", "ACTIVE", "CANCELED", "EXPIRED"}

    assert {status for status in every_status if states.can_transition(from_status, status)} == allowed


def test_an_illegal_transition_is_refused_and_writes_nothing(basic: Subscription) -> None:
    events = event_count()

    with pytest.raises(IllegalSubscriptionTransition) as raised:
        states.subscription_transition(
            subscription_id=basic.pk, to_status="IN_TRIAL", reason="test", actor="test", now=LATER
        )

    assert raised.value.details == {"from": "ACTIVE", "to": "IN_TRIAL"}
    assert (reload(basic).status, reload(basic).updated_at, event_count()) == ("ACTIVE", NOW, events)


def test_the_end_setup_of_one_subscription_runs_once(basic: Subscription) -> None:
    set_end_setup(downgrade_to_free=True)
    ended = subscription_cancel(subscription=basic, now=LATER, actor="test", cancellation_time="IMMEDIATE")
    free = Subscription.objects.get(plan__ref_id="plan-free")
    subscription_cancel(subscription=free, now=LATER, actor="test", cancellation_time="IMMEDIATE")

    again = apply_end_setup(ended=ended, now=LATER, actor="test")

    assert again is None
    assert Subscription.objects.filter(plan__ref_id="plan-free").count() == 1

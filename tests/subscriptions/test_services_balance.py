"""The customer credit balance: a cheaper change mid-period credits it, later invoices use it first, operators
correct it; every movement once.

sub-pro: plan-pro monthly from March 1, 2027 with 4 seats (30 + 4 x 5 = 50 a month); changes are made at the
middle of March, when exactly half of the period is left."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from config.errors import InvalidInput
from subscriptions.models import CustomerBalance, CustomerBalanceTransaction, Invoice, Subscription
from subscriptions.quote import TrialOverride
from subscriptions.selectors import customer_balance
from subscriptions.services.balance import customer_balance_adjust
from subscriptions.services.cancellation import subscription_cancel
from subscriptions.services.lifecycle import subscription_renew, subscriptions_renew
from subscriptions.services.ownership import subscription_delegate
from subscriptions.services.update_requests import UpdateRequest
from subscriptions.services.updates import (
    change_balance_outcome,
    subscription_update,
    subscription_update_preview,
)
from tests.subscriptions.builders import catalog_for_subscriptions, customer, provision

pytestmark = pytest.mark.django_db

D = Decimal
START = datetime(2027, 3, 1, tzinfo=UTC)
MID = datetime(2027, 3, 16, 12, tzinfo=UTC)
APRIL = datetime(2027, 4, 1, tzinfo=UTC)
NO_TRIAL = TrialOverride(is_trial=False, trial_end_date=None)
IMMEDIATELY = "IMMEDIATE"


@pytest.fixture
def subscription(db: None) -> Subscription:
    catalog_for_subscriptions()
    customer("customer-1")
    return provision(
        "plan-pro", now=START, ref_id="sub-pro", billing_period="MONTHLY", unit_quantity=4, trial_override=NO_TRIAL
    )


def balance(customer_ref_id: str = "customer-1") -> Decimal:
    row = CustomerBalance.objects.filter(customer__ref_id=customer_ref_id, currency="usd").first()
    return row.amount if row is not None else D(0)


def ledger() -> list[tuple[str, str, Decimal, Decimal]]:
    return list(
        CustomerBalanceTransaction.objects.order_by("pk").values_list(
            "customer__ref_id", "kind", "amount", "balance_after"
        )
    )


def downgrade(subscription: Subscription, seats: int, *, at: datetime = MID) -> Subscription:
    request = UpdateRequest(unit_quantity=seats, schedule_strategy=IMMEDIATELY)
    return subscription_update(subscription_id=subscription.pk, request=request, now=at, actor="test")


def test_an_immediate_reduction_credits_the_unused_rest_of_the_period(subscription: Subscription) -> None:
    downgrade(subscription, 2)

    # Two seats fewer (5 each) for half a month.
    assert ledger() == [("customer-1", "PRORATION_CREDIT", D(5), D(5))]
    assert customer_balance(customer_id=subscription.customer_id, currency="usd") == D(5)
    assert Invoice.objects.filter(billing_reason="SUBSCRIPTION_UPDATE").count() == 0


def test_the_renewal_uses_the_balance_first_and_collects_the_rest(subscription: Subscription) -> None:
    downgrade(subscription, 2)

    subscription_renew(subscription_id=subscription.pk, now=APRIL)
    subscription_renew(subscription_id=subscription.pk, now=APRIL)

    renewal = Invoice.objects.get(billing_reason="BILLING_CYCLE")
    assert (renewal.total, renewal.balance_applied, renewal.amount_due) == (D(40), D(5), D(35))
    assert (renewal.status, renewal.collection_status) == ("OPEN", "PENDING")
    assert ledger()[1:] == [("customer-1", "INVOICE_APPLIED", D(-5), D(0))]
    assert balance() == 0


def test_the_bulk_renewal_uses_the_balance_too(subscription: Subscription) -> None:
    customer("customer-2")
    other = provision(
        "plan-basic", now=START, customer_ref_id="customer-2", billing_period="MONTHLY", trial_override=NO_TRIAL
    )
    downgrade(subscription, 2)

    renewed = subscriptions_renew(subscription_ids=[subscription.pk, other.pk], now=APRIL)

    assert renewed == 2
    invoices = Invoice.objects.filter(billing_reason="BILLING_CYCLE").order_by("subscription_id")
    assert [(invoice.total, invoice.balance_applied) for invoice in invoices] == [(D(40), D(5)), (D(10), D(0))]
    assert (balance("customer-1"), balance("customer-2")) == (D(0), D(0))


def test_an_invoice_the_balance_covers_whole_is_paid_at_once(subscription: Subscription) -> None:
    customer_balance_adjust(
        customer_id=subscription.customer_id,
        currency="usd",
        amount=D(100),
        reason="goodwill",
        actor="admin:ops",
        now=MID,
        request_key="form-1",
    )

    # Two more seats for half a month: 5.
    subscription_update(subscription_id=subscription.pk, request=UpdateRequest(unit_quantity=6), now=MID, actor="t")

    invoice = Invoice.objects.get(billing_reason="SUBSCRIPTION_UPDATE")
    assert (invoice.total, invoice.balance_applied, invoice.status, invoice.collection_status) == (
        D(5),
        D(5),
        "PAID",
        "NOT_REQUIRED",
    )
    assert invoice.paid_at == MID
    assert balance() == D(95)


def test_the_preview_shows_what_the_update_does_to_the_balance(subscription: Subscription) -> None:
    request = UpdateRequest(unit_quantity=2, schedule_strategy=IMMEDIATELY)

    preview = subscription_update_preview(subscription_id=subscription.pk, request=request, now=MID)
    outcome = change_balance_outcome(preview)
    subscription_update(subscription_id=subscription.pk, request=request, now=MID, actor="test")

    assert (outcome.starting, outcome.applied, outcome.credited, outcome.ending) == (D(0), D(0), D(5), D(5))
    assert balance() == outcome.ending


def test_a_scheduled_reduction_credits_nothing_now_and_nothing_at_the_period_end(subscription: Subscription) -> None:
    request = UpdateRequest(unit_quantity=2)  # END_OF_BILLING_PERIOD by default

    subscription_update(subscription_id=subscription.pk, request=request, now=MID, actor="test")

    assert ledger() == []


def test_a_delegated_subscription_credits_and_charges_the_paying_customer(subscription: Subscription) -> None:
    customer("customer-2")
    subscription_delegate(subscription_id=subscription.pk, target_customer_ref_id="customer-2", now=MID, actor="t")

    downgrade(subscription, 2)
    subscription_renew(subscription_id=subscription.pk, now=APRIL)

    assert [(ref_id, kind) for ref_id, kind, _, _ in ledger()] == [
        ("customer-1", "PRORATION_CREDIT"),
        ("customer-1", "INVOICE_APPLIED"),
    ]
    assert (balance("customer-1"), balance("customer-2")) == (D(0), D(0))


def test_an_adjustment_is_made_once_per_form_and_never_below_zero(subscription: Subscription) -> None:
    def adjust(amount: str, key: str) -> object:
        return customer_balance_adjust(
            customer_id=subscription.customer_id,
            currency="usd",
            amount=D(amount),
            reason="correction",
            actor="admin:ops",
            now=MID,
            request_key=key,
        )

    adjust("12.345", "form-1")
    adjust("12.345", "form-1")
    with pytest.raises(InvalidInput) as raised:
        adjust("-20", "form-2")

    assert raised.value.field == "amount"  # type: ignore[attr-defined]
    assert ledger() == [("customer-1", "ADJUSTMENT", D("12.35"), D("12.35"))]
    assert balance() == D("12.35")


def test_a_prorated_immediate_cancellation_credits_the_unused_rest_of_the_period(subscription: Subscription) -> None:
    subscription_cancel(subscription=subscription, now=MID, actor="test", cancellation_time="IMMEDIATE", prorate=True)

    # Half of March of 50 a month.
    assert ledger() == [("customer-1", "PRORATION_CREDIT", D(25), D(25))]
    assert Subscription.objects.get(pk=subscription.pk).status == "CANCELED"


def test_a_cancellation_without_prorate_or_at_the_period_end_credits_nothing(subscription: Subscription) -> None:
    customer("customer-2")
    other = provision(
        "plan-basic", now=START, customer_ref_id="customer-2", billing_period="MONTHLY", trial_override=NO_TRIAL
    )

    subscription_cancel(subscription=subscription, now=MID, actor="test", cancellation_time="IMMEDIATE")
    subscription_cancel(
        subscription=other, now=MID, actor="test", cancellation_time="END_OF_BILLING_PERIOD", prorate=True
    )

    assert ledger() == []

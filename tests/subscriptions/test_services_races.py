"""Races with real threads on PostgreSQL: provisioning serialises per customer, jobs renew and invoice once."""

from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from config.errors import InvalidInput
from customers.models import Customer
from subscriptions import tasks
from subscriptions.errors import SubscriptionSlotTaken
from subscriptions.models import LIVE_STATUSES, CustomerBalanceTransaction, Invoice, Subscription
from subscriptions.selectors import customer_balance
from subscriptions.services.balance import customer_balance_adjust
from subscriptions.services.lifecycle import subscription_renew
from subscriptions.services.ownership import subscription_delegate
from subscriptions.services.provision_terms import ProvisionRequest
from subscriptions.services.provisioning import subscription_provision
from tests.races import THREADS, race
from tests.subscriptions.builders import catalog_for_subscriptions, customer, provision

pytestmark = [
    pytest.mark.django_db(transaction=True),
]

NOW = datetime(2027, 1, 31, 10, tzinfo=UTC)
RENEWAL_DUE = datetime(2027, 3, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def catalog() -> None:
    catalog_for_subscriptions()
    customer("customer-1")


def test_concurrent_provisions_for_one_customer_and_product_leave_one_live_subscription() -> None:
    plans = ["plan-basic", "plan-free"]

    def provision_one(index: int) -> Subscription:
        request = ProvisionRequest(
            customer_ref_id="customer-1",
            plan_ref_id=plans[index % 2],
            billing_period="MONTHLY" if index % 2 == 0 else None,
        )
        return subscription_provision(request=request, now=NOW, actor="test").subscription

    results, errors = race(provision_one)

    assert errors == []
    assert len(results) == THREADS
    assert Subscription.objects.filter(status__in=LIVE_STATUSES).count() == 1
    assert sorted(Subscription.objects.values_list("status", "cancel_reason")) == sorted(
        [("ACTIVE", None)] + [("CANCELED", "UPGRADE_OR_DOWNGRADE")] * (THREADS - 1)
    )


def test_concurrent_provisions_with_one_id_make_one_subscription() -> None:
    def provision_one(index: int) -> Subscription:
        return provision("plan-basic", now=NOW, billing_period="MONTHLY", ref_id="sub-1")

    results, errors = race(provision_one)

    assert errors == []
    assert {subscription.pk for subscription in results} == {Subscription.objects.get().pk}
    assert Invoice.objects.count() == 1


def test_parallel_renewals_renew_and_invoice_once() -> None:
    subscription = provision("plan-basic", now=NOW, billing_period="MONTHLY")

    results, errors = race(lambda index: subscription_renew(subscription_id=subscription.pk, now=RENEWAL_DUE))

    assert errors == []
    assert sorted(results) == [0] * (THREADS - 1) + [1]
    assert Invoice.objects.filter(billing_reason="BILLING_CYCLE").count() == 1
    assert Subscription.objects.get().current_period_end == datetime(2027, 3, 31, 10, tzinfo=UTC)


def test_parallel_ticks_renew_and_invoice_once() -> None:
    subscriptions = [provision("plan-basic", now=NOW, billing_period="MONTHLY")]
    for index in range(2, 5):
        customer(f"customer-{index}")
        subscriptions.append(
            provision("plan-basic", now=NOW, billing_period="MONTHLY", customer_ref_id=f"customer-{index}")
        )

    with time_machine.travel(RENEWAL_DUE, tick=False):
        _, errors = race(lambda index: call_command("tick", stdout=StringIO()))

    assert errors == []
    assert Invoice.objects.filter(billing_reason="BILLING_CYCLE").count() == len(subscriptions)
    assert set(Subscription.objects.values_list("current_period_end", flat=True)) == {
        datetime(2027, 3, 31, 10, tzinfo=UTC)
    }


def test_parallel_sweeps_renew_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tasks, "CHUNK_SIZE", 1)
    for index in range(2, 6):
        customer(f"customer-{index}")
        provision("plan-basic", now=NOW, billing_period="MONTHLY", customer_ref_id=f"customer-{index}")

    with time_machine.travel(RENEWAL_DUE, tick=False):
        _, errors = race(lambda index: tasks.sweep_renewals())

    assert errors == []
    assert Invoice.objects.filter(billing_reason="BILLING_CYCLE").count() == 4


def test_concurrent_debits_never_take_the_balance_below_zero_and_one_key_credits_once() -> None:
    customer_id = Customer.objects.get(ref_id="customer-1").pk

    def adjust(amount: str, key: str) -> object:
        return customer_balance_adjust(
            customer_id=customer_id,
            currency="usd",
            amount=Decimal(amount),
            reason="race",
            actor="test",
            now=NOW,
            request_key=key,
        )

    credited, credit_errors = race(lambda index: adjust("10", "top-up"))
    debited, debit_errors = race(lambda index: adjust("-3", f"debit-{index}"))

    assert (len(credited), credit_errors) == (THREADS, [])
    assert len(debited) == 3
    assert [type(error) for error in debit_errors] == [InvalidInput] * (THREADS - 3)
    assert customer_balance(customer_id=customer_id, currency="usd") == Decimal(1)
    ledger = CustomerBalanceTransaction.objects.filter(customer_id=customer_id)
    assert sum(row.amount for row in ledger) == Decimal(1)
    assert sorted(row.balance_after for row in ledger) == [Decimal(1), Decimal(4), Decimal(7), Decimal(10)]


def test_concurrent_delegations_into_one_slot_move_one_subscription() -> None:
    customer("customer-2")
    customer("customer-3")
    first = provision("plan-basic", now=NOW, billing_period="MONTHLY", customer_ref_id="customer-1")
    second = provision("plan-basic", now=NOW, billing_period="MONTHLY", customer_ref_id="customer-2")
    subscriptions = [first, second]

    def delegate(index: int) -> Subscription:
        return subscription_delegate(
            subscription_id=subscriptions[index % 2].pk, target_customer_ref_id="customer-3", now=NOW, actor="test"
        )

    results, errors = race(delegate)

    assert {type(error) for error in errors} <= {SubscriptionSlotTaken}
    moved = Subscription.objects.filter(customer__ref_id="customer-3")
    assert moved.count() == 1
    assert (len(results), len(errors)) == (THREADS // 2, THREADS // 2)  # errors: every request for the one that stayed
    assert moved.get().paying_customer is not None

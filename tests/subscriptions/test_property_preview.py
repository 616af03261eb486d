"""Property: the update preview's immediate total is what making the update invoices, and its credit balance outcome
is what making the update does to the balance (a cheaper change credits it, an invoice uses it first), for random
seat, add-on and coupon changes (and schedule strategies), with or without a balance to start with, at random
moments of a monthly or annual period.

Each example provisions inside a savepoint that is rolled back, so the catalog is built once per test."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.services.coupons import coupon_create
from subscriptions.models import CustomerBalanceTransaction, Invoice, SubscriptionScheduledUpdate
from subscriptions.quote import TrialOverride
from subscriptions.selectors import customer_balance
from subscriptions.services.balance import customer_balance_adjust
from subscriptions.services.update_requests import UpdateRequest
from subscriptions.services.updates import change_balance_outcome, subscription_update, subscription_update_preview
from tests.subscriptions.builders import CATALOG_AT, catalog_for_subscriptions, customer, provision

pytestmark = pytest.mark.django_db

D = Decimal
START = datetime(2027, 1, 31, 10, tzinfo=UTC)
PERIOD_DAYS = {"MONTHLY": 28, "ANNUALLY": 365}  # the first period from January 31, 2027
COUPONS = [None, "coupon-half", "coupon-ten"]


@pytest.fixture
def catalog(db: None) -> None:
    catalog_for_subscriptions()
    coupon_create(
        ref_id="coupon-ten", name="Ten off", amounts_off=[{"currency": "usd", "amount": D(10)}], now=CATALOG_AT
    )
    customer("customer-1")


def addons(storage: int, support: bool) -> list[tuple[str, int]]:
    return [("addon-storage", storage)] * (storage > 0) + [("addon-support", 1)] * support


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    billing_period = draw(st.sampled_from(["MONTHLY", "ANNUALLY"]))
    storage_options = st.integers(0, 3)
    initial = {
        "billing_period": billing_period,
        "unit_quantity": draw(st.integers(1, 20)),
        "addons": addons(draw(storage_options), draw(st.booleans())) if billing_period == "MONTHLY" else [],
        "coupon_ref_id": draw(st.sampled_from(COUPONS)),
    }
    change: dict[str, Any] = {"schedule_strategy": draw(st.sampled_from(["END_OF_BILLING_PERIOD", "IMMEDIATE", None]))}
    if draw(st.booleans()):
        change["unit_quantity"] = draw(st.integers(1, 20))
    if billing_period == "MONTHLY" and draw(st.booleans()):
        change["addons"] = addons(draw(storage_options), draw(st.booleans()))
    if draw(st.booleans()):
        change["coupon_ref_id"] = draw(st.sampled_from(COUPONS))
    seconds = draw(st.integers(0, PERIOD_DAYS[billing_period] * 86400 - 1))
    starting_balance = draw(st.sampled_from([D(0), D("3.33"), D(1000)]))
    return {"initial": initial, "change": change, "at": START + timedelta(seconds=seconds), "balance": starting_balance}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_the_preview_total_is_what_the_update_invoices(catalog: None, scenario: dict[str, Any]) -> None:
    with transaction.atomic():
        subscription = provision(
            "plan-pro",
            now=START,
            trial_override=TrialOverride(is_trial=False, trial_end_date=None),
            **scenario["initial"],
        )
        request = UpdateRequest(**scenario["change"])
        at = scenario["at"]

        if scenario["balance"]:
            customer_balance_adjust(
                customer_id=subscription.customer_id,
                currency="usd",
                amount=scenario["balance"],
                reason="starting balance",
                actor="test",
                now=START,
                request_key=f"start-{subscription.pk}",
            )

        preview = subscription_update_preview(subscription_id=subscription.pk, request=request, now=at)
        outcome = change_balance_outcome(preview)
        subscription_update(subscription_id=subscription.pk, request=request, now=at, actor="test")

        invoiced = Invoice.objects.filter(subscription=subscription, billing_reason="SUBSCRIPTION_UPDATE")
        assert preview.immediate_invoice.total == sum((invoice.total for invoice in invoiced), D(0))
        assert preview.immediate_invoice.total >= 0
        assert outcome.amount_due(preview.immediate_invoice.total) == sum(
            (invoice.amount_due for invoice in invoiced), D(0)
        )
        credited = CustomerBalanceTransaction.objects.filter(kind="PRORATION_CREDIT", subscription=subscription)
        assert outcome.credited == sum((row.amount for row in credited), D(0))
        assert outcome.ending == customer_balance(customer_id=subscription.customer_id, currency="usd")
        if preview.proration is not None and not preview.deferred and preview.proration.net.total < 0:
            assert outcome.credited == -preview.proration.net.total > 0
        scheduled = SubscriptionScheduledUpdate.objects.filter(subscription=subscription).count()
        assert scheduled == (len(preview.changed_groups) if preview.deferred else 0)
        transaction.set_rollback(True)

"""Renewing a sweeper's chunk in one transaction (``lifecycle.subscriptions_renew``), and its fallback to one
transaction per subscription when something in the chunk fails."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from subscriptions.models import Invoice, Subscription
from subscriptions.quote import TrialOverride
from subscriptions.services.cancellation import subscription_cancel
from subscriptions.services.common import renewal_key
from subscriptions.services.lifecycle import subscriptions_renew
from tests.subscriptions.builders import catalog_for_subscriptions, customer, provision, reload

pytestmark = pytest.mark.django_db

D = Decimal
NO_TRIAL = TrialOverride(is_trial=False, trial_end_date=None)
JANUARY = datetime(2027, 1, 10, tzinfo=UTC)
FEBRUARY = datetime(2027, 2, 10, tzinfo=UTC)
MARCH = datetime(2027, 3, 10, tzinfo=UTC)
RENEWED_AT = datetime(2027, 2, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def catalog() -> None:
    catalog_for_subscriptions()
    for number in range(1, 7):
        customer(f"customer-{number}")


def monthly(number: int, plan: str = "plan-basic", at: datetime = JANUARY, **fields: object) -> Subscription:
    return provision(plan, now=at, customer_ref_id=f"customer-{number}", billing_period="MONTHLY", **fields)


def renewals(subscription: Subscription) -> list[tuple[datetime, datetime, Decimal]]:
    return list(
        Invoice.objects.filter(subscription=subscription, billing_reason="BILLING_CYCLE")
        .order_by("pk")
        .values_list("period_start", "period_end", "total")
    )


def periods(subscription: Subscription) -> tuple[datetime | None, datetime | None]:
    subscription = reload(subscription)
    return subscription.current_period_start, subscription.current_period_end


def test_a_chunk_renews_its_due_subscriptions_once_on_their_own_terms() -> None:
    basic = monthly(1)
    # 30 + 3 seats at 5 + 2 storage add-ons at 4 = 53, half off for the coupon's first two months.
    pro = monthly(
        2,
        "plan-pro",
        unit_quantity=3,
        addons=[("addon-storage", 2)],
        coupon_ref_id="coupon-half",
        trial_override=NO_TRIAL,
    )
    not_due_yet = monthly(3, at=datetime(2027, 1, 20, tzinfo=UTC))
    ended = monthly(4)
    subscription_cancel(subscription=ended, now=JANUARY, actor="test", cancellation_time="IMMEDIATE")
    ids = [basic.pk, pro.pk, not_due_yet.pk, ended.pk, 999_999]

    assert subscriptions_renew(subscription_ids=ids, now=RENEWED_AT) == 2
    assert subscriptions_renew(subscription_ids=ids, now=RENEWED_AT) == 0

    assert renewals(basic) == [(FEBRUARY, MARCH, D(10))]
    assert renewals(pro) == [(FEBRUARY, MARCH, D("26.50"))]
    assert renewals(not_due_yet) == renewals(ended) == []
    assert (periods(basic), periods(pro)) == ((FEBRUARY, MARCH), (FEBRUARY, MARCH))


def test_a_chunk_takes_the_same_queries_whatever_its_size() -> None:
    one = [monthly(1).pk]
    four = [monthly(number).pk for number in range(2, 6)]

    with CaptureQueriesContext(connection) as for_one:
        assert subscriptions_renew(subscription_ids=one, now=RENEWED_AT) == 1
    with CaptureQueriesContext(connection) as for_four:
        assert subscriptions_renew(subscription_ids=four, now=RENEWED_AT) == 4

    assert len(for_one) == len(for_four)


def test_a_late_chunk_catches_up_every_missed_period() -> None:
    behind = monthly(1)
    current = monthly(2, at=datetime(2027, 3, 20, tzinfo=UTC))

    assert subscriptions_renew(subscription_ids=[behind.pk, current.pk], now=datetime(2027, 4, 15, tzinfo=UTC)) == 3

    assert [row[0] for row in renewals(behind)] == [FEBRUARY, MARCH, datetime(2027, 4, 10, tzinfo=UTC)]
    assert renewals(current) == []


def test_a_refusal_in_a_chunk_falls_back_to_one_by_one_and_leaves_only_that_one_due() -> None:
    basic = monthly(1)
    pro = monthly(2, "plan-pro", unit_quantity=3, trial_override=NO_TRIAL)
    other = monthly(3)
    # A per-unit price without its quantity: quoting it is refused (stored rows the API could not produce).
    Subscription.objects.filter(pk=pro.pk).update(unit_quantity=None)

    assert subscriptions_renew(subscription_ids=[basic.pk, pro.pk, other.pk], now=RENEWED_AT) == 2

    assert renewals(basic) == renewals(other) == [(FEBRUARY, MARCH, D(10))]
    assert renewals(pro) == []
    assert periods(pro) == (JANUARY, FEBRUARY)


def test_a_taken_invoice_key_falls_back_and_keeps_the_existing_invoice() -> None:
    first = monthly(1)
    second = monthly(2)
    existing = Invoice.objects.create(
        subscription=first,
        billing_reason="BILLING_CYCLE",
        period_start=FEBRUARY,
        period_end=MARCH,
        currency="usd",
        subtotal=D(7),
        discount=D(0),
        tax=D(0),
        total=D(7),
        idempotency_key=renewal_key(first, FEBRUARY),
        created_at=JANUARY,
    )

    assert subscriptions_renew(subscription_ids=[first.pk, second.pk], now=RENEWED_AT) == 2

    assert list(Invoice.objects.filter(subscription=first, billing_reason="BILLING_CYCLE")) == [existing]
    assert renewals(second) == [(FEBRUARY, MARCH, D(10))]
    assert periods(first) == periods(second) == (FEBRUARY, MARCH)

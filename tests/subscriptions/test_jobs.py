"""The lifecycle jobs, driven the way production drives them: travel in time, then ``manage.py tick``.

``tick`` runs every sweeper of ``config.jobs`` in-process; the sweepers enqueue their chunks on commit, so each
tick runs inside ``django_capture_on_commit_callbacks(execute=True)`` (the test's transaction never commits).
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from subscriptions import tasks
from subscriptions.models import Invoice, Subscription
from subscriptions.quote import TrialOverride
from subscriptions.services.cancellation import subscription_cancel
from subscriptions.services.lifecycle import subscription_renew
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
NO_TRIAL = TrialOverride(is_trial=False, trial_end_date=None)
Tick = Callable[[datetime], None]


@pytest.fixture(autouse=True)
def catalog() -> None:
    catalog_for_subscriptions()
    customer("customer-1")


@pytest.fixture
def tick(django_capture_on_commit_callbacks: Callable) -> Tick:
    def run(at: datetime) -> None:
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            call_command("tick", stdout=StringIO())

    return run


def provision_at(at: datetime, plan: str, **fields: object) -> Subscription:
    with time_machine.travel(at, tick=False):
        return provision(plan, now=timezone.now(), **fields)


def periods_of(subscription: Subscription) -> tuple[datetime | None, datetime | None]:
    subscription = reload(subscription)
    return subscription.current_period_start, subscription.current_period_end


def invoiced(subscription: Subscription) -> list[tuple[str, datetime, datetime, Decimal]]:
    return list(
        Invoice.objects.filter(subscription=subscription)
        .order_by("pk")
        .values_list("billing_reason", "period_start", "period_end", "total")
    )


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# --- renewals -------------------------------------------------------------------------------------------------------


def test_monthly_periods_anchored_on_january_31_in_a_common_year(tick: Tick) -> None:
    subscription = provision_at(utc(2027, 1, 31, 10), "plan-basic", billing_period="MONTHLY")
    assert periods_of(subscription) == (utc(2027, 1, 31, 10), utc(2027, 2, 28, 10))

    tick(utc(2027, 2, 28, 9, 59, 59))
    assert periods_of(subscription) == (utc(2027, 1, 31, 10), utc(2027, 2, 28, 10))
    tick(utc(2027, 2, 28, 10))
    assert periods_of(subscription) == (utc(2027, 2, 28, 10), utc(2027, 3, 31, 10))
    tick(utc(2027, 3, 31, 10))
    assert periods_of(subscription) == (utc(2027, 3, 31, 10), utc(2027, 4, 30, 10))

    assert invoiced(subscription) == [
        ("SUBSCRIPTION_CREATION", utc(2027, 1, 31, 10), utc(2027, 2, 28, 10), D(10)),
        ("BILLING_CYCLE", utc(2027, 2, 28, 10), utc(2027, 3, 31, 10), D(10)),
        ("BILLING_CYCLE", utc(2027, 3, 31, 10), utc(2027, 4, 30, 10), D(10)),
    ]
    assert Invoice.objects.filter(subscription=subscription).last().idempotency_key == (  # type: ignore[union-attr]
        f"renewal:{subscription.pk}:2027-03-31T10:00:00+00:00"
    )


def test_monthly_periods_anchored_on_january_31_in_a_leap_year(tick: Tick) -> None:
    subscription = provision_at(utc(2028, 1, 31, 10), "plan-basic", billing_period="MONTHLY")

    tick(utc(2028, 2, 29, 10))
    assert periods_of(subscription) == (utc(2028, 2, 29, 10), utc(2028, 3, 31, 10))
    tick(utc(2028, 3, 31, 10))

    assert [row[1] for row in invoiced(subscription)] == [
        utc(2028, 1, 31, 10),
        utc(2028, 2, 29, 10),
        utc(2028, 3, 31, 10),
    ]


def test_annual_periods_from_february_29(tick: Tick) -> None:
    subscription = provision_at(utc(2028, 2, 29, 12), "plan-basic", billing_period="ANNUALLY")
    assert periods_of(subscription) == (utc(2028, 2, 29, 12), utc(2029, 2, 28, 12))

    tick(utc(2029, 2, 28, 12))
    tick(utc(2030, 2, 28, 12))

    assert periods_of(subscription) == (utc(2030, 2, 28, 12), utc(2031, 2, 28, 12))
    assert [row[3] for row in invoiced(subscription)] == [D(100), D(100), D(100)]


def test_ticking_twice_renews_and_invoices_once(tick: Tick) -> None:
    subscription = provision_at(utc(2027, 1, 31, 10), "plan-basic", billing_period="MONTHLY")

    tick(utc(2027, 3, 1))
    tick(utc(2027, 3, 1))

    assert periods_of(subscription) == (utc(2027, 2, 28, 10), utc(2027, 3, 31, 10))
    assert len(invoiced(subscription)) == 2


def test_the_renewal_service_called_twice_renews_once() -> None:
    subscription = provision_at(utc(2027, 1, 31, 10), "plan-basic", billing_period="MONTHLY")

    first = subscription_renew(subscription_id=subscription.pk, now=utc(2027, 3, 1))
    second = subscription_renew(subscription_id=subscription.pk, now=utc(2027, 3, 1))

    assert (first, second) == (1, 0)
    assert len(invoiced(subscription)) == 2


def test_a_late_tick_catches_up_every_missed_period(tick: Tick) -> None:
    subscription = provision_at(utc(2027, 1, 31, 10), "plan-basic", billing_period="MONTHLY")

    tick(utc(2027, 5, 1))

    assert periods_of(subscription) == (utc(2027, 4, 30, 10), utc(2027, 5, 31, 10))
    assert [row[1] for row in invoiced(subscription)] == [
        utc(2027, 1, 31, 10),
        utc(2027, 2, 28, 10),
        utc(2027, 3, 31, 10),
        utc(2027, 4, 30, 10),
    ]


def test_the_coupon_discounts_renewals_only_while_it_lasts(tick: Tick) -> None:
    subscription = provision_at(
        utc(2027, 1, 31, 10), "plan-basic", billing_period="MONTHLY", coupon_ref_id="coupon-half"
    )

    tick(utc(2027, 3, 31, 10))

    assert [(row[1], row[3]) for row in invoiced(subscription)] == [
        (utc(2027, 1, 31, 10), D(5)),
        (utc(2027, 2, 28, 10), D(5)),
        (utc(2027, 3, 31, 10), D(10)),
    ]


def test_the_sweeper_fans_out_chunks_of_ids_on_commit(
    django_capture_on_commit_callbacks: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "CHUNK_SIZE", 2)
    for index in range(5):
        customer(f"customer-{index + 2}")
        provision_at(utc(2027, 1, 1), "plan-basic", billing_period="MONTHLY", customer_ref_id=f"customer-{index + 2}")
    delivered: list[list[int]] = []
    monkeypatch.setattr(tasks.renew_subscriptions, "delay", delivered.append)

    with time_machine.travel(utc(2027, 2, 2), tick=False), django_capture_on_commit_callbacks(execute=True) as queued:
        found = tasks.sweep_renewals()

    ids = list(Subscription.objects.order_by("pk").values_list("pk", flat=True))
    assert (found, len(queued)) == (5, 3)
    assert delivered == [ids[0:2], ids[2:4], ids[4:5]]


# --- trials ---------------------------------------------------------------------------------------------------------


def test_a_trial_converts_to_paid_exactly_at_its_end_and_bills_from_there(tick: Tick) -> None:
    subscription = provision_at(utc(2027, 1, 31, 10), "plan-pro", billing_period="MONTHLY", unit_quantity=2)
    trial_end = utc(2027, 2, 14, 10)

    tick(trial_end - timedelta(seconds=1))
    assert reload(subscription).status == "IN_TRIAL"
    tick(trial_end)

    subscription = reload(subscription)
    assert (subscription.status, subscription.is_trial, subscription.billing_cycle_anchor) == (
        "ACTIVE",
        False,
        trial_end,
    )
    assert periods_of(subscription) == (trial_end, utc(2027, 3, 14, 10))
    assert invoiced(subscription) == [("BILLING_CYCLE", trial_end, utc(2027, 3, 14, 10), D(40))]
    assert subscription.trial_end_date == trial_end


def test_a_one_month_trial_from_january_31_ends_on_the_month_end_boundary(tick: Tick) -> None:
    subscription = provision_at(
        utc(2027, 1, 31, 10),
        "plan-basic",
        billing_period="MONTHLY",
        trial_override=TrialOverride(is_trial=True, trial_end_date=utc(2027, 2, 28, 10)),
    )

    tick(utc(2027, 2, 28, 10))
    tick(utc(2027, 3, 28, 10))

    assert reload(subscription).status == "ACTIVE"
    assert [row[1:3] for row in invoiced(subscription)] == [
        (utc(2027, 2, 28, 10), utc(2027, 3, 28, 10)),
        (utc(2027, 3, 28, 10), utc(2027, 4, 28, 10)),
    ]


def test_a_converted_trial_replaces_the_paid_subscription_beside_it(tick: Tick) -> None:
    provision_at(utc(2027, 1, 1), "plan-basic", billing_period="MONTHLY")
    provision_at(utc(2027, 1, 2), "plan-pro", billing_period="MONTHLY", unit_quantity=1)

    tick(utc(2027, 1, 16))

    assert statuses() == [("plan-basic", "CANCELED", "UPGRADE_OR_DOWNGRADE"), ("plan-pro", "ACTIVE", None)]


def test_a_trial_that_cancels_ends_with_trial_ended_and_downgrades(tick: Tick) -> None:
    set_end_setup(downgrade_to_free=True)
    subscription = provision_at(utc(2027, 1, 31, 10), "plan-trial-cancel", billing_period="MONTHLY")

    tick(utc(2027, 2, 28, 10))

    assert statuses() == [("plan-trial-cancel", "CANCELED", "TRIAL_ENDED"), ("plan-free", "ACTIVE", None)]
    assert reload(subscription).effective_end_date == utc(2027, 2, 28, 10)
    assert Invoice.objects.count() == 0


# --- scheduled ends and starts --------------------------------------------------------------------------------------


def test_a_cancellation_at_period_end_ends_the_subscription_then_and_does_not_renew_it(tick: Tick) -> None:
    set_end_setup(downgrade_to_free=True)
    subscription = provision_at(utc(2027, 1, 31, 10), "plan-basic", billing_period="MONTHLY")
    subscription_cancel(subscription=subscription, now=utc(2027, 2, 10), actor="test")

    tick(utc(2027, 2, 28, 9))
    assert reload(subscription).status == "ACTIVE"
    tick(utc(2027, 2, 28, 10))

    assert statuses() == [("plan-basic", "CANCELED", "ScheduledCancellation"), ("plan-free", "ACTIVE", None)]
    assert Subscription.objects.get(plan__ref_id="plan-free").start_date == utc(2027, 2, 28, 10)
    assert len(invoiced(subscription)) == 1


def test_a_later_start_activates_invoices_and_replaces_the_live_subscription(tick: Tick) -> None:
    basic = provision_at(utc(2027, 1, 1), "plan-basic", billing_period="MONTHLY")
    start = utc(2027, 1, 20)
    pro = provision_at(
        utc(2027, 1, 5),
        "plan-pro",
        billing_period="MONTHLY",
        unit_quantity=1,
        start_date=start,
        trial_override=NO_TRIAL,
    )

    tick(start - timedelta(seconds=1))
    assert statuses() == [("plan-basic", "ACTIVE", None), ("plan-pro", "NOT_STARTED", None)]
    tick(start)

    assert statuses() == [("plan-basic", "CANCELED", "UPGRADE_OR_DOWNGRADE"), ("plan-pro", "ACTIVE", None)]
    assert reload(basic).effective_end_date == start
    assert invoiced(pro) == [("SUBSCRIPTION_CREATION", start, utc(2027, 2, 20), D(35))]


def test_a_later_trial_start_begins_the_trial(tick: Tick) -> None:
    pro = provision_at(
        utc(2027, 1, 1), "plan-pro", billing_period="MONTHLY", unit_quantity=1, start_date=utc(2027, 1, 10)
    )

    tick(utc(2027, 1, 10))

    assert (reload(pro).status, reload(pro).trial_end_date) == ("IN_TRIAL", utc(2027, 1, 24))
    assert Invoice.objects.count() == 0

"""Updating subscriptions in place (S3) against the database: upgrades invoiced now, downgrades scheduled and run at
the period end by ``tick``, what applies at once, superseding and cancelling scheduled updates, refusals that write
nothing, and (on PostgreSQL) concurrent ticks running a scheduled update once."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from catalog.errors import AddonNotFound, CouponNotFound
from config.errors import InvalidInput
from subscriptions import tasks
from subscriptions.errors import IncompatibleAddon, SubscriptionNotUpdatable
from subscriptions.models import (
    Invoice,
    InvoiceLine,
    Subscription,
    SubscriptionAddon,
    SubscriptionFeatureQuantity,
    SubscriptionScheduledUpdate,
    SubscriptionStatusEvent,
)
from subscriptions.quote import TrialOverride
from subscriptions.selectors import customer_balance
from subscriptions.services.cancellation import subscription_cancel
from subscriptions.services.lifecycle import subscription_renew
from subscriptions.services.scheduled_updates import scheduled_updates_cancel, subscription_run_scheduled_updates
from subscriptions.services.update_requests import UpdateRequest
from subscriptions.services.updates import subscription_update
from tests.subscriptions.builders import catalog_for_subscriptions, customer, provision, reload

pytestmark = pytest.mark.django_db

D = Decimal
NO_TRIAL = TrialOverride(is_trial=False, trial_end_date=None)
START = datetime(2027, 3, 1, tzinfo=UTC)
# Half of March (31 days) is left.
MID = datetime(2027, 3, 16, 12, tzinfo=UTC)
APRIL = datetime(2027, 4, 1, tzinfo=UTC)
MAY = datetime(2027, 5, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def catalog() -> None:
    catalog_for_subscriptions()
    customer("customer-1")


def pro(**fields: Any) -> Subscription:
    """plan-pro, monthly from March 1: 30 a month plus 5 a seat."""
    defaults: dict[str, Any] = {"billing_period": "MONTHLY", "unit_quantity": 2, "trial_override": NO_TRIAL}
    return provision("plan-pro", now=START, **{**defaults, **fields})


def update(subscription: Subscription, *, at: datetime = MID, **fields: Any) -> Subscription:
    return subscription_update(subscription_id=subscription.pk, request=UpdateRequest(**fields), now=at, actor="test")


def update_invoices(subscription: Subscription) -> list[tuple[datetime, datetime, Decimal, Decimal, Decimal]]:
    return list(
        Invoice.objects.filter(subscription=subscription, billing_reason="SUBSCRIPTION_UPDATE")
        .order_by("pk")
        .values_list("period_start", "period_end", "subtotal", "discount", "total")
    )


def lines(invoice: Invoice) -> list[tuple[str, Decimal, Decimal]]:
    return [(line.description, line.quantity, line.amount) for line in invoice.lines.all()]


def scheduled(subscription: Subscription) -> list[tuple[str, str, datetime, dict[str, Any]]]:
    return list(
        SubscriptionScheduledUpdate.objects.filter(subscription=subscription)
        .order_by("pk")
        .values_list("schedule_type", "status", "execute_at", "payload")
    )


def terms(subscription: Subscription) -> tuple[Any, ...]:
    subscription = reload(subscription)
    return (
        subscription.unit_quantity,
        sorted((row.addon.ref_id, row.quantity) for row in subscription.addons.select_related("addon")),
        subscription.coupon.ref_id if subscription.coupon else None,
        subscription.billing_period,
        subscription.current_period_start,
        subscription.current_period_end,
    )


def tick(at: datetime, capture: Callable) -> None:
    """``manage.py tick`` at ``at``. The test's transaction never commits, so the sweepers' chunks run when the
    capture ends, after every sweeper has selected: a renewal gated by a due update is picked up by the next tick
    (in production each sweeper commits, and its chunks run, before the next one selects)."""
    with time_machine.travel(at, tick=False), capture(execute=True):
        call_command("tick", stdout=StringIO())


# --- upgrades: applied now, the proration invoiced ------------------------------------------------------------------


def test_more_seats_apply_now_with_a_prorated_invoice() -> None:
    subscription = pro()

    update(subscription, unit_quantity=4)

    assert terms(subscription) == (4, [], None, "MONTHLY", START, APRIL)
    invoice = Invoice.objects.get(subscription=subscription, billing_reason="SUBSCRIPTION_UPDATE")
    assert update_invoices(subscription) == [(MID, APRIL, D(5), D(0), D(5))]
    assert lines(invoice) == [
        ("Unused time on Pro", D(1), D(-15)),
        ("Unused time on Pro - Seats", D(2), D(-5)),
        ("Remaining time on Pro", D(1), D(15)),
        ("Remaining time on Pro - Seats", D(4), D(10)),
    ]
    assert invoice.idempotency_key.startswith(f"update:{subscription.pk}:2027-03-01T00:00:00+00:00:")
    assert scheduled(subscription) == []


def test_charges_replace_the_unit_quantity() -> None:
    subscription = pro()

    update(subscription, feature_quantities={"feature-seats": D(3)})

    subscription = reload(subscription)
    assert subscription.unit_quantity is None
    assert list(subscription.feature_quantities.values_list("feature__ref_id", "quantity")) == [("feature-seats", D(3))]
    assert update_invoices(subscription) == [(MID, APRIL, D("2.5"), D(0), D("2.5"))]


def test_an_added_add_on_is_an_upgrade_at_its_latest_version() -> None:
    subscription = pro()

    update(subscription, addons=[("addon-storage", 2)])

    assert terms(subscription)[1] == [("addon-storage", 2)]
    assert update_invoices(subscription) == [(MID, APRIL, D(4), D(0), D(4))]
    row = SubscriptionAddon.objects.get(subscription=subscription)
    assert row.addon_version.is_latest


def test_removing_the_coupon_is_an_upgrade() -> None:
    subscription = pro(coupon_ref_id="coupon-half")

    update(subscription, coupon_ref_id=None)

    assert terms(subscription)[2] is None
    assert reload(subscription).coupon_applied_at is None
    assert update_invoices(subscription) == [(MID, APRIL, D(0), D(-10), D(10))]


def test_monthly_to_annually_applies_now_for_the_annual_period_from_the_same_anchor() -> None:
    subscription = pro()

    update(subscription, billing_period="ANNUALLY")

    next_year = datetime(2028, 3, 1, tzinfo=UTC)
    assert terms(subscription)[3:] == ("ANNUALLY", START, next_year)
    # 300 + 2 x 50 a year for the 350.5 of 366 days left (each line rounded), less half of March's 30 + 2 x 5.
    assert update_invoices(subscription) == [(MID, next_year, D("363.07"), D(0), D("363.07"))]
    assert D("287.30") + D("95.77") - D(20) == D("363.07")


def test_a_higher_tax_is_invoiced_for_the_rest_of_the_period() -> None:
    subscription = pro()

    update(subscription, tax_percentage=D(20))

    assert reload(subscription).tax_percentage == D(20)
    invoice = Invoice.objects.get(billing_reason="SUBSCRIPTION_UPDATE")
    assert (invoice.subtotal, invoice.tax, invoice.total, invoice.tax_percentage) == (D(0), D(4), D(4), D(20))


def test_the_update_invoice_is_keyed_by_the_state_it_changed() -> None:
    subscription = pro()

    update(subscription, unit_quantity=4)
    update(subscription, unit_quantity=4)
    update(subscription, unit_quantity=5)

    keys = list(Invoice.objects.filter(billing_reason="SUBSCRIPTION_UPDATE").values_list("idempotency_key", flat=True))
    assert len(keys) == 2
    assert keys[1].startswith(f"update:{subscription.pk}:{MID.isoformat()}:")
    assert update_invoices(subscription)[1][4] == D("2.5")


# --- downgrades: scheduled, run at the period end -------------------------------------------------------------------


def test_fewer_seats_are_scheduled_for_the_end_of_the_period() -> None:
    subscription = pro(unit_quantity=4)

    update(subscription, unit_quantity=2)

    assert terms(subscription)[0] == 4
    assert update_invoices(subscription) == []
    assert scheduled(subscription) == [
        ("UNIT_AMOUNT", "SCHEDULED", APRIL, {"unit_quantity": 2, "feature_quantities": {}})
    ]


def test_a_scheduled_downgrade_runs_at_the_period_end_before_the_renewal(
    django_capture_on_commit_callbacks: Callable,
) -> None:
    subscription = pro(unit_quantity=4, addons=[("addon-storage", 2)])
    update(subscription, unit_quantity=2, addons=[("addon-storage", 1)])

    tick(datetime(2027, 3, 31, 23, 59, 59, tzinfo=UTC), django_capture_on_commit_callbacks)
    assert terms(subscription)[:2] == (4, [("addon-storage", 2)])
    tick(APRIL, django_capture_on_commit_callbacks)
    assert terms(subscription) == (2, [("addon-storage", 1)], None, "MONTHLY", START, APRIL)
    tick(APRIL, django_capture_on_commit_callbacks)

    assert terms(subscription) == (2, [("addon-storage", 1)], None, "MONTHLY", APRIL, MAY)
    assert [row[:3] for row in scheduled(subscription)] == [
        ("UNIT_AMOUNT", "DONE", APRIL),
        ("ADDON", "DONE", APRIL),
    ]
    renewal = Invoice.objects.get(subscription=subscription, billing_reason="BILLING_CYCLE")
    assert (renewal.period_start, renewal.total) == (APRIL, D(44))
    assert update_invoices(subscription) == []


def test_running_scheduled_updates_twice_runs_them_once() -> None:
    subscription = pro(unit_quantity=4)
    update(subscription, unit_quantity=2)

    first = subscription_run_scheduled_updates(subscription_id=subscription.pk, now=APRIL)
    second = subscription_run_scheduled_updates(subscription_id=subscription.pk, now=APRIL)

    assert (first, second) == (1, 0)
    assert terms(subscription)[0] == 2


def test_the_sweeper_fans_out_due_subscriptions_after_commit(django_capture_on_commit_callbacks: Callable) -> None:
    subscription = pro(unit_quantity=4)
    update(subscription, unit_quantity=2)

    with time_machine.travel(datetime(2027, 3, 31, 23, 59, tzinfo=UTC), tick=False):
        assert tasks.sweep_scheduled_updates() == 0
    with time_machine.travel(APRIL, tick=False):
        with django_capture_on_commit_callbacks() as callbacks:
            assert tasks.sweep_scheduled_updates() == 1
        assert (len(callbacks), terms(subscription)[0]) == (1, 4)
        callbacks[0]()
    assert terms(subscription)[0] == 2


def test_the_renewal_waits_for_a_scheduled_update_due_by_the_period_end() -> None:
    subscription = pro(unit_quantity=4)
    update(subscription, unit_quantity=2)

    assert subscription_renew(subscription_id=subscription.pk, now=APRIL) == 0
    subscription_run_scheduled_updates(subscription_id=subscription.pk, now=APRIL)
    assert subscription_renew(subscription_id=subscription.pk, now=APRIL) == 1

    assert Invoice.objects.get(billing_reason="BILLING_CYCLE").total == D(40)


def test_adding_a_coupon_is_a_downgrade_that_applies_from_the_next_period(
    django_capture_on_commit_callbacks: Callable,
) -> None:
    subscription = pro()

    update(subscription, coupon_ref_id="coupon-half")
    tick(APRIL, django_capture_on_commit_callbacks)
    tick(APRIL, django_capture_on_commit_callbacks)

    subscription = reload(subscription)
    assert (subscription.coupon.ref_id, subscription.coupon_applied_at) == ("coupon-half", APRIL)  # type: ignore[union-attr]
    renewal = Invoice.objects.get(subscription=subscription, billing_reason="BILLING_CYCLE")
    assert (renewal.discount, renewal.total) == (D(20), D(20))


def test_an_immediate_downgrade_applies_now_and_is_not_invoiced_but_credited() -> None:
    subscription = pro(unit_quantity=4)

    update(subscription, unit_quantity=2, schedule_strategy="IMMEDIATE")

    assert terms(subscription)[0] == 2
    assert update_invoices(subscription) == []
    assert scheduled(subscription) == []
    assert customer_balance(customer_id=subscription.customer_id, currency="usd") > 0  # amounts: test_services_balance


def test_end_of_billing_month_on_an_annual_subscription(django_capture_on_commit_callbacks: Callable) -> None:
    subscription = pro(billing_period="ANNUALLY", unit_quantity=4)

    update(subscription, unit_quantity=2, schedule_strategy="END_OF_BILLING_MONTH")

    assert [row[:3] for row in scheduled(subscription)] == [("UNIT_AMOUNT", "SCHEDULED", APRIL)]
    tick(APRIL, django_capture_on_commit_callbacks)
    assert terms(subscription)[0] == 2
    # Inside the annual period the change is a credit, which is not paid out.
    assert update_invoices(subscription) == []
    assert not Invoice.objects.filter(billing_reason="BILLING_CYCLE").exists()


def test_annually_to_monthly_waits_for_the_end_of_the_year(django_capture_on_commit_callbacks: Callable) -> None:
    subscription = pro(billing_period="ANNUALLY")
    next_year = datetime(2028, 3, 1, tzinfo=UTC)

    update(subscription, billing_period="MONTHLY")
    assert [row[:3] for row in scheduled(subscription)] == [("BILLING_PERIOD", "SCHEDULED", next_year)]
    tick(next_year, django_capture_on_commit_callbacks)
    tick(next_year, django_capture_on_commit_callbacks)

    assert terms(subscription)[3:] == ("MONTHLY", next_year, datetime(2028, 4, 1, tzinfo=UTC))
    renewal = Invoice.objects.get(billing_reason="BILLING_CYCLE")
    assert (renewal.period_start, renewal.total) == (next_year, D(40))


def test_a_later_request_for_a_field_supersedes_its_scheduled_update() -> None:
    subscription = pro(unit_quantity=4, addons=[("addon-storage", 2)])
    update(subscription, unit_quantity=2)
    update(subscription, addons=[("addon-storage", 1)])

    update(subscription, unit_quantity=4)

    assert [row[:2] for row in scheduled(subscription)] == [
        ("UNIT_AMOUNT", "CANCELED"),
        ("ADDON", "SCHEDULED"),
    ]
    assert terms(subscription)[0] == 4
    assert update_invoices(subscription) == []


def test_cancelling_scheduled_updates() -> None:
    subscription = pro(unit_quantity=4)
    update(subscription, unit_quantity=2)

    cancelled = scheduled_updates_cancel(subscription_id=subscription.pk, status="SCHEDULED", now=MID, actor="test")
    again = scheduled_updates_cancel(subscription_id=subscription.pk, status="SCHEDULED", now=MID, actor="test")
    pending_payment = scheduled_updates_cancel(
        subscription_id=subscription.pk, status="PENDING_PAYMENT", now=MID, actor="test"
    )

    assert (cancelled, again, pending_payment) == (1, 0, 0)
    assert [row[:2] for row in scheduled(subscription)] == [("UNIT_AMOUNT", "CANCELED")]
    assert subscription_run_scheduled_updates(subscription_id=subscription.pk, now=APRIL) == 0
    assert terms(subscription)[0] == 4


def test_scheduled_updates_of_a_subscription_that_ends_first_are_cancelled(
    django_capture_on_commit_callbacks: Callable,
) -> None:
    subscription = pro(unit_quantity=4)
    update(subscription, unit_quantity=2)
    subscription_cancel(subscription=subscription, now=MID, actor="test", cancellation_time="END_OF_BILLING_PERIOD")

    tick(APRIL, django_capture_on_commit_callbacks)

    assert reload(subscription).status == "CANCELED"
    assert [row[:2] for row in scheduled(subscription)] == [("UNIT_AMOUNT", "CANCELED")]


def test_a_scheduled_update_the_catalog_no_longer_allows_fails() -> None:
    subscription = pro(unit_quantity=4)
    update(subscription, unit_quantity=2)
    SubscriptionScheduledUpdate.objects.update(payload={"unit_quantity": 50, "feature_quantities": {}})

    subscription_run_scheduled_updates(subscription_id=subscription.pk, now=APRIL)

    row = SubscriptionScheduledUpdate.objects.get()
    assert (row.status, row.outcome) == ("FAILED", "unitQuantity: must be at most 20 for Pro - Seats")
    assert terms(subscription)[0] == 4
    assert subscription_renew(subscription_id=subscription.pk, now=APRIL) == 1


# --- what applies at once -------------------------------------------------------------------------------------------


def test_metadata_is_replaced_whole_and_nothing_is_invoiced() -> None:
    subscription = pro(metadata={"a": "1", "b": "2"})

    update(subscription, metadata={"c": "3"})

    subscription = reload(subscription)
    assert (subscription.metadata, subscription.updated_at) == ({"c": "3"}, MID)
    assert update_invoices(subscription) == []


def test_a_cancellation_date_is_set_and_cleared() -> None:
    subscription = pro()
    ends = datetime(2027, 6, 1, tzinfo=UTC)

    update(subscription, cancellation_date=ends)
    set_ = reload(subscription)
    update(subscription, cancellation_date=None)
    cleared = reload(subscription)

    assert (set_.cancellation_date, set_.effective_end_date, set_.end_date) == (ends, ends, ends)
    assert (cleared.cancellation_date, cleared.effective_end_date, cleared.end_date) == (None, None, None)


def test_a_trial_is_extended_and_its_changes_are_not_invoiced() -> None:
    trial = provision("plan-pro", now=START, billing_period="MONTHLY", unit_quantity=2)
    extended = datetime(2027, 3, 20, tzinfo=UTC)

    update(trial, trial_end_date=extended, unit_quantity=1, addons=[("addon-support", 1)])

    trial = reload(trial)
    assert (trial.status, trial.trial_end_date, trial.billing_cycle_anchor) == ("IN_TRIAL", extended, extended)
    assert (trial.current_period_start, trial.current_period_end, trial.unit_quantity) == (START, extended, 1)
    assert not Invoice.objects.exists()
    assert scheduled(trial) == []


# --- refusals write nothing -----------------------------------------------------------------------------------------


def written() -> tuple[Any, ...]:
    return (
        list(Subscription.objects.order_by("pk").values()),
        list(SubscriptionAddon.objects.order_by("pk").values()),
        list(SubscriptionFeatureQuantity.objects.order_by("pk").values()),
        list(SubscriptionScheduledUpdate.objects.order_by("pk").values()),
        Invoice.objects.count(),
        InvoiceLine.objects.count(),
        SubscriptionStatusEvent.objects.count(),
    )


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"addons": [("addon-nope", 1)]}, AddonNotFound, "addons[0].id: Add-on addon-nope not found"),
        ({"addons": [("addon-other", 1)]}, IncompatibleAddon, "addons[0].id: add-on addon-other is not compatible"),
        ({"addons": [("addon-storage", 4)]}, InvalidInput, "addons[0].quantity: add-on addon-storage allows at most 3"),
        ({"unit_quantity": 21}, InvalidInput, "unitQuantity: must be at most 20 for Pro - Seats"),
        ({"coupon_ref_id": "coupon-nope"}, CouponNotFound, "appliedCoupon.couponId: Coupon coupon-nope not found"),
        ({"billing_period": "WEEKLY"}, InvalidInput, "billingPeriod: plan plan-pro has no WEEKLY price"),
        ({"cancellation_date": START}, InvalidInput, "cancellationDate: must be in the future"),
        ({"trial_end_date": APRIL}, InvalidInput, "trialEndDate: subscription sub-1 is not in a trial"),
    ],
    ids=[
        "unknown-addon",
        "incompatible-addon",
        "addon-over-max",
        "quantity-over-max",
        "unknown-coupon",
        "unpriced-period",
        "past-cancellation",
        "not-in-trial",
    ],
)
def test_refused_updates_write_nothing(fields: dict[str, Any], error: type[Exception], message: str) -> None:
    subscription = pro(ref_id="sub-1", unit_quantity=4)
    update(subscription, unit_quantity=3)
    before = written()

    with pytest.raises(error) as raised:
        update(subscription, metadata={"changed": "yes"}, **fields)

    assert str(raised.value).startswith(message)
    assert written() == before


def test_a_billing_period_on_a_free_plan_is_refused() -> None:
    subscription = provision("plan-free", now=START)
    before = written()

    with pytest.raises(InvalidInput) as raised:
        update(subscription, billing_period="MONTHLY")

    assert str(raised.value) == "billingPeriod: plan plan-free is FREE: it has no billing period to change"
    assert written() == before


def test_a_cancelled_subscription_cannot_be_updated() -> None:
    subscription = pro()
    subscription_cancel(subscription=subscription, now=MID, actor="test", cancellation_time="IMMEDIATE")
    before = written()

    with pytest.raises(SubscriptionNotUpdatable):
        update(subscription, unit_quantity=3)

    assert written() == before


# --- races (PostgreSQL) ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_ticks_run_a_due_scheduled_update_once() -> None:
    subscriptions = [pro(unit_quantity=4)]
    for index in range(2, 5):
        customer(f"customer-{index}")
        subscriptions.append(pro(unit_quantity=4, customer_ref_id=f"customer-{index}"))
    for subscription in subscriptions:
        update(subscription, unit_quantity=2)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            call_command("tick", stdout=StringIO())
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    with time_machine.travel(APRIL, tick=False):
        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    assert list(SubscriptionScheduledUpdate.objects.values_list("status", flat=True)) == ["DONE"] * 4
    assert set(Subscription.objects.values_list("unit_quantity", "current_period_end")) == {(2, MAY)}
    assert list(Invoice.objects.filter(billing_reason="BILLING_CYCLE").values_list("total", flat=True)) == [D(40)] * 4

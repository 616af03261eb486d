"""Migrating subscriptions to the latest plan and add-on versions (S7's service, also used by batch migrations)."""

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

from catalog.models import Package
from catalog.services.packages import package_create_draft, package_publish, package_update
from config.errors import InvalidInput
from subscriptions.errors import IncompatibleAddon, SubscriptionNotUpdatable
from subscriptions.models import Invoice, Subscription, SubscriptionAddon, SubscriptionScheduledUpdate
from subscriptions.quote import TrialOverride
from subscriptions.selectors import customer_balance
from subscriptions.services.cancellation import subscription_cancel
from subscriptions.services.migration import subscription_migrate_to_latest
from tests.subscriptions.builders import (
    CATALOG_AT,
    catalog_for_subscriptions,
    customer,
    flat_fee,
    per_seat,
    price,
    provision,
    reload,
)

pytestmark = pytest.mark.django_db

D = Decimal
NO_TRIAL = TrialOverride(is_trial=False, trial_end_date=None)
START = datetime(2027, 3, 1, tzinfo=UTC)
MID = datetime(2027, 3, 16, 12, tzinfo=UTC)  # half of March left
APRIL = datetime(2027, 4, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def catalog() -> None:
    catalog_for_subscriptions()
    customer("customer-1")


def publish(ref_id: str, *models: dict[str, Any], **changes: Any) -> int:
    """Publish a new version of a plan or add-on for new customers; returns its version number."""
    package = Package.objects.get(ref_id=ref_id)
    package_create_draft(package=package, now=CATALOG_AT)
    if models:
        changes["charges"] = {"pricing_type": "PAID", "pricing_models": list(models)}
    package_update(package=package, changes=changes, now=CATALOG_AT)
    return package_publish(package=package, migration_type="NEW_CUSTOMERS", now=CATALOG_AT).version_number


def basic() -> Subscription:
    return provision("plan-basic", now=START, billing_period="MONTHLY")


def migrate(subscription: Subscription, *, at: datetime = MID, when: str = "IMMEDIATE") -> Subscription:
    return subscription_migrate_to_latest(subscription_id=subscription.pk, now=at, when=when, actor="test")


def update_invoices(subscription: Subscription) -> list[tuple[datetime, Decimal, list[tuple[str, Decimal]]]]:
    return [
        (invoice.period_start, invoice.total, [(line.description, line.amount) for line in invoice.lines.all()])
        for invoice in Invoice.objects.filter(subscription=subscription, billing_reason="SUBSCRIPTION_UPDATE")
    ]


def version_of(subscription: Subscription) -> int:
    return reload(subscription).plan_version.version_number


def test_an_immediate_migration_moves_to_the_latest_version_and_invoices_the_difference() -> None:
    subscription = basic()
    publish("plan-basic", flat_fee(price("MONTHLY", "12"), price("ANNUALLY", "120")))

    migrated = migrate(subscription)

    assert (migrated.plan_version.version_number, version_of(subscription)) == (2, 2)
    assert update_invoices(subscription) == [
        (MID, D(1), [("Unused time on Basic", D(-5)), ("Remaining time on Basic", D(6))])
    ]
    assert reload(subscription).updated_at == MID


def test_migrating_twice_migrates_and_invoices_once() -> None:
    subscription = basic()
    publish("plan-basic", flat_fee(price("MONTHLY", "12")))

    migrate(subscription)
    again = migrate(subscription, at=datetime(2027, 3, 20, tzinfo=UTC))

    assert again.updated_at == MID
    assert len(update_invoices(subscription)) == 1


def test_a_subscription_on_the_latest_version_is_returned_unchanged() -> None:
    subscription = basic()

    unchanged = migrate(subscription)

    assert (unchanged.pk, unchanged.updated_at, version_of(subscription)) == (subscription.pk, START, 1)
    assert update_invoices(subscription) == []


def test_a_cheaper_version_is_migrated_to_without_an_invoice_and_the_difference_is_credited() -> None:
    subscription = basic()
    publish("plan-basic", flat_fee(price("MONTHLY", "8")))

    migrate(subscription)
    migrate(subscription)

    assert version_of(subscription) == 2
    assert update_invoices(subscription) == []
    # 2 a month less for half of March.
    assert customer_balance(customer_id=subscription.customer_id, currency="usd") == Decimal(1)


def test_add_ons_move_to_their_latest_version_too() -> None:
    subscription = provision(
        "plan-pro",
        now=START,
        billing_period="MONTHLY",
        unit_quantity=1,
        addons=[("addon-storage", 2)],
        trial_override=NO_TRIAL,
    )
    publish("addon-storage", flat_fee(price("MONTHLY", "6")), max_quantity=3)

    migrate(subscription)

    row = SubscriptionAddon.objects.get(subscription=subscription)
    assert (row.addon_version.version_number, row.quantity, version_of(subscription)) == (2, 2, 1)
    assert [(period_start, total) for period_start, total, _ in update_invoices(subscription)] == [(MID, D(2))]


def test_a_migration_at_the_end_of_the_period_is_scheduled_and_run_then(
    django_capture_on_commit_callbacks: Callable,
) -> None:
    subscription = basic()
    publish("plan-basic", flat_fee(price("MONTHLY", "12")))

    migrate(subscription, when="END_OF_BILLING_PERIOD")
    migrate(subscription, when="END_OF_BILLING_PERIOD")

    assert version_of(subscription) == 1
    assert list(SubscriptionScheduledUpdate.objects.values_list("schedule_type", "status", "execute_at")) == [
        ("MIGRATE_TO_LATEST", "SCHEDULED", APRIL)
    ]
    for _ in range(2):
        with time_machine.travel(APRIL, tick=False), django_capture_on_commit_callbacks(execute=True):
            call_command("tick", stdout=StringIO())
    assert version_of(subscription) == 2
    assert SubscriptionScheduledUpdate.objects.get().status == "DONE"
    renewal = Invoice.objects.get(billing_reason="BILLING_CYCLE")
    assert (renewal.period_start, renewal.total) == (APRIL, D(12))
    assert update_invoices(subscription) == []


def test_an_immediate_migration_supersedes_a_scheduled_one() -> None:
    subscription = basic()
    publish("plan-basic", flat_fee(price("MONTHLY", "12")))
    migrate(subscription, when="END_OF_BILLING_PERIOD")

    migrate(subscription)

    assert version_of(subscription) == 2
    assert SubscriptionScheduledUpdate.objects.get().status == "CANCELED"


def test_an_ended_subscription_is_not_migrated() -> None:
    subscription = basic()
    publish("plan-basic", flat_fee(price("MONTHLY", "12")))
    subscription_cancel(subscription=subscription, now=MID, actor="test", cancellation_time="IMMEDIATE")

    with pytest.raises(SubscriptionNotUpdatable):
        migrate(subscription)

    assert version_of(subscription) == 1


def test_a_latest_version_the_subscription_cannot_have_is_refused_and_nothing_is_written() -> None:
    subscription = provision(
        "plan-pro",
        now=START,
        billing_period="MONTHLY",
        unit_quantity=1,
        addons=[("addon-storage", 1)],
        trial_override=NO_TRIAL,
    )
    publish(
        "plan-pro",
        flat_fee(price("MONTHLY", "30")),
        per_seat(price("MONTHLY", "5")),
        compatible_addon_ref_ids=["addon-support"],
    )

    with pytest.raises(IncompatibleAddon):
        migrate(subscription)

    assert (version_of(subscription), reload(subscription).updated_at) == (1, START)
    assert (update_invoices(subscription), SubscriptionScheduledUpdate.objects.count()) == ([], 0)


def test_an_unknown_migration_time_is_refused_and_nothing_is_written() -> None:
    subscription = basic()
    publish("plan-basic", flat_fee(price("MONTHLY", "12")))

    with pytest.raises(InvalidInput):
        migrate(subscription, when="TOMORROW")

    assert (version_of(subscription), SubscriptionScheduledUpdate.objects.count()) == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_concurrent_migrations_of_one_subscription_migrate_and_invoice_once() -> None:
    subscription = basic()
    publish("plan-basic", flat_fee(price("MONTHLY", "12")))
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            migrate(subscription)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert version_of(subscription) == 2
    assert len(update_invoices(subscription)) == 1

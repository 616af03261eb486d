"""The product's usage-reset rule on plan changes, end to end through the real services: usage reported before a
plan change (an upgrade now, a scheduled downgrade run at the period end, a billing-period update now or at the
period end), checked after it through the entitlement selector and engine, and reported again after it."""

from datetime import timedelta

import pytest

from catalog import enums
from catalog.models import Product
from catalog.services.packages import package_create_draft, package_publish
from catalog.services.products import product_update
from subscriptions.enums import CancelReason
from subscriptions.enums import SubscriptionStatus as Status
from subscriptions.models import Subscription
from subscriptions.quote import TrialOverride
from subscriptions.services import lifecycle
from subscriptions.services.cancellation import subscription_cancel
from subscriptions.services.provision_terms import ProvisionRequest
from subscriptions.services.provisioning import subscription_provision
from subscriptions.services.update_requests import UpdateRequest
from subscriptions.services.updates import subscription_update
from tests.subscriptions.usage_reset_scenarios import (
    ALWAYS,
    BY_PERIOD,
    CHANGES,
    NEVER,
    PRODUCT,
    START,
    catalog,
    checked,
    plan,
    provision,
    report,
)
from tests.support.clock import Tick

pytestmark = pytest.mark.django_db


# Does usage start again at zero? By the change, for each rule.
RESETS = {
    "upgrade now": {NEVER: False, ALWAYS: True, BY_PERIOD: False},
    "upgrade now to annual": {NEVER: False, ALWAYS: True, BY_PERIOD: True},
    "scheduled downgrade": {NEVER: False, ALWAYS: True, BY_PERIOD: False},
    "scheduled downgrade to monthly": {NEVER: False, ALWAYS: True, BY_PERIOD: True},
    "billing period update now": {NEVER: False, ALWAYS: True, BY_PERIOD: True},
    "billing period downgrade at period end": {NEVER: False, ALWAYS: True, BY_PERIOD: True},
}


@pytest.mark.parametrize("behavior", [NEVER, ALWAYS, BY_PERIOD])
@pytest.mark.parametrize("change", list(CHANGES))
def test_usage_across_a_plan_change_follows_the_products_rule(change: str, behavior: str, tick: Tick) -> None:
    catalog(behavior)
    scenario = CHANGES[change](tick)
    resets = RESETS[change][behavior]
    at = scenario.checked_at
    calls = checked("api-calls", now=at)
    month_start = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)

    # The calendar month's counter goes on, or a new one starts at the change.
    assert calls.is_granted
    assert calls.current_usage == (0 if resets else 7)
    assert calls.usage_period is not None
    assert calls.usage_period.start == (scenario.changed_at if resets else month_start)
    # A level never resets.
    assert checked("storage", now=at).current_usage == 4
    # Usage reported after the change counts where the check reads it.
    report(at, **{"api-calls": 2})
    assert checked("api-calls", now=at).current_usage == (2 if resets else 9)
    # Later windows are the usual ones.
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    later = checked("api-calls", now=next_month)
    assert later.usage_period is not None
    assert (later.usage_period.start, later.current_usage) == (next_month, 0)


@pytest.mark.parametrize("behavior", [NEVER, ALWAYS, BY_PERIOD])
@pytest.mark.parametrize("change", ["upgrade now", "upgrade now to annual", "billing period update now"])
def test_windows_from_the_subscription_start_carry_over_or_restart_at_the_change(
    change: str, behavior: str, tick: Tick
) -> None:
    catalog(behavior)
    scenario = CHANGES[change](tick)
    resets = RESETS[change][behavior]

    exports = checked("exports", now=scenario.checked_at)

    assert exports.usage_period is not None
    assert exports.current_usage == (0 if resets else 3)
    # Carried over: the window of the first subscription's start (March 10 to April 10) goes on.
    assert exports.usage_period.start == (scenario.changed_at if resets else START)
    if not resets:
        assert exports.usage_period.end == START.replace(month=4)


def test_a_migration_to_a_newer_version_of_the_plan_carries_usage_over() -> None:
    catalog(ALWAYS)
    subscription = provision("plan-basic", "MONTHLY", now=START)
    report(START + timedelta(days=2), **{"api-calls": 7})
    draft = package_create_draft(package=subscription.plan, now=START + timedelta(days=3))
    package_publish(package=draft.package, migration_type=enums.MigrationType.NEW_CUSTOMERS, now=START)
    subscription_update(
        subscription_id=subscription.pk,
        request=UpdateRequest(migrate_to_latest=True),
        now=START + timedelta(days=4),
        actor="test",
    )
    subscription.refresh_from_db()
    assert subscription.plan_version.version_number == 2

    assert checked("api-calls", now=START + timedelta(days=5)).current_usage == 7


def test_the_default_rule_is_billing_period_change() -> None:
    assert Product._meta.get_field("usage_reset_behavior").default == BY_PERIOD


def test_a_scheduled_downgrade_whose_predecessor_ended_first_still_follows_the_rule() -> None:
    catalog(ALWAYS)
    old = provision("plan-pro", "MONTHLY", now=START)
    period_end = old.current_period_end
    assert period_end is not None
    report(period_end - timedelta(days=5), **{"api-calls": 7})
    new = provision("plan-basic", "MONTHLY", now=period_end - timedelta(days=4), start_date=period_end)

    # The scheduled end runs before the start (another worker, another order of jobs).
    lifecycle.subscription_end_scheduled(subscription_id=old.pk, now=period_end + timedelta(minutes=1))
    lifecycle.subscription_start(subscription_id=new.pk, now=period_end + timedelta(minutes=2))

    new.refresh_from_db()
    assert (new.status, new.usage_reset_at) == (Status.ACTIVE, period_end)
    assert checked("api-calls", now=period_end + timedelta(days=1)).current_usage == 0


@pytest.mark.parametrize(("behavior", "resets"), [(ALWAYS, True), (BY_PERIOD, False), (NEVER, False)])
def test_the_end_setups_downgrade_plan_is_a_plan_change(behavior: str, resets: bool) -> None:
    catalog(behavior)
    plan("plan-free", 100, {"pricing_type": enums.PricingType.FREE, "pricing_models": []})
    settings = {
        "subscription_cancellation_time": "IMMEDIATE",
        "subscription_end_setup": "DOWNGRADE_TO_FREE",
        "subscription_start_setup": "PLAN_SELECTION",
        "downgrade_plan_id": "plan-free",
    }
    product_update(product=Product.objects.get(ref_id=PRODUCT), changes={"product_settings": settings}, now=START)
    paid = provision("plan-pro", "MONTHLY", now=START)
    report(START + timedelta(days=2), **{"api-calls": 7})
    cancelled_at = START + timedelta(days=10)

    subscription_cancel(subscription=paid, now=cancelled_at, actor="test")

    free = Subscription.objects.get(downgraded_from=paid)
    assert (free.plan.ref_id, free.status) == ("plan-free", Status.ACTIVE)
    calls = checked("api-calls", now=cancelled_at + timedelta(days=1))
    assert (calls.usage_limit, calls.current_usage) == (100, 0 if resets else 7)


def test_a_trial_converted_to_its_plan_carries_usage_over() -> None:
    catalog(ALWAYS)
    trialled = subscription_provision(
        request=ProvisionRequest(
            customer_ref_id="customer-1",
            plan_ref_id="plan-pro",
            billing_period="MONTHLY",
            trial_override=TrialOverride(is_trial=True, trial_end_date=START + timedelta(days=14)),
        ),
        now=START,
        actor="test",
    ).subscription
    assert trialled.status == Status.IN_TRIAL
    report(START + timedelta(days=2), **{"api-calls": 7, "exports": 3})

    paid = provision("plan-pro", "MONTHLY", now=START + timedelta(days=5))

    trialled.refresh_from_db()
    assert trialled.cancel_reason == CancelReason.TRIAL_CONVERTED
    assert (paid.usage_anchor, paid.usage_reset_at) == (START, None)
    at = START + timedelta(days=6)
    assert (checked("api-calls", now=at).current_usage, checked("exports", now=at).current_usage) == (7, 3)


def test_a_backdated_upgrade_resets_usage_when_it_is_made() -> None:
    catalog(ALWAYS)
    provision("plan-basic", "MONTHLY", now=START)
    report(START + timedelta(days=6), **{"api-calls": 7})
    made_at = START + timedelta(days=10)

    upgraded = provision("plan-pro", "MONTHLY", now=made_at, start_date=START + timedelta(days=5))

    assert (upgraded.start_date, upgraded.usage_reset_at) == (START + timedelta(days=5), made_at)
    calls = checked("api-calls", now=made_at + timedelta(days=1))
    assert calls.usage_period is not None
    assert (calls.usage_period.start, calls.current_usage) == (made_at, 0)

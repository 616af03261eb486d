"""The product's usage-reset rule on plan changes, end to end through the real services: usage reported before a
plan change (an upgrade now, a scheduled downgrade run at the period end, a billing-period update now or at the
period end), checked after it through the entitlement selector and engine, and reported again after it."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from catalog import enums
from catalog.models import Product
from catalog.services.entitlements import entitlements_create
from catalog.services.features import feature_create
from catalog.services.packages import package_create, package_create_draft, package_publish
from catalog.services.products import product_create, product_update
from customers.services import customer_provision
from entitlements.evaluation import Decision, check, usage_windows
from entitlements.selectors import customer_grants, feature_info
from metering.selectors import counter_period_start, current_usage
from metering.services import UsageReport, usage_report
from subscriptions.enums import CancelReason, ScheduleStatus
from subscriptions.enums import SubscriptionStatus as Status
from subscriptions.models import Subscription, SubscriptionScheduledUpdate
from subscriptions.quote import TrialOverride
from subscriptions.services import lifecycle
from subscriptions.services.cancellation import subscription_cancel
from subscriptions.services.provision_terms import ProvisionRequest
from subscriptions.services.provisioning import subscription_provision
from subscriptions.services.update_requests import UpdateRequest
from subscriptions.services.updates import subscription_update

D = Decimal
CATALOG_AT = datetime(2024, 1, 1, tzinfo=UTC)
START = datetime(2024, 3, 10, 9, tzinfo=UTC)
PRODUCT = "product-main"
NEVER, ALWAYS, BY_PERIOD = "NEVER_RESET", "ALWAYS_RESET", "BILLING_PERIOD_CHANGE"

pytestmark = pytest.mark.django_db


def _prices(monthly: str, annually: str) -> dict[str, Any]:
    return {
        "pricing_type": enums.PricingType.PAID,
        "pricing_models": [
            {
                "billing_model": enums.BillingModel.FLAT_FEE,
                "price_periods": [
                    {"billing_period": "MONTHLY", "price": {"amount": D(monthly), "currency": "usd"}},
                    {"billing_period": "ANNUALLY", "price": {"amount": D(annually), "currency": "usd"}},
                ],
            }
        ],
    }


def _entitlements(calls: int) -> list[dict[str, Any]]:
    feature = enums.EntitlementType.FEATURE
    return [
        # Calendar months: only a reset moment can start a new counter mid-month.
        {
            "type": feature,
            "target_ref_id": "api-calls",
            "usage_limit": calls,
            "reset_period": "MONTH",
            "reset_configuration": {"monthly": "StartOfTheMonth"},
        },
        # Months from the subscription start: a new subscription has its own start.
        {
            "type": feature,
            "target_ref_id": "exports",
            "usage_limit": calls,
            "reset_period": "MONTH",
            "reset_configuration": {"monthly": "SubscriptionStart"},
        },
        # A level: never resets.
        {"type": feature, "target_ref_id": "storage", "usage_limit": 100},
    ]


def _plan(ref_id: str, calls: int, charges: dict[str, Any]) -> None:
    version = package_create(
        kind="PLAN", ref_id=ref_id, product_ref_id=PRODUCT, display_name=ref_id, charges=charges, now=CATALOG_AT
    )
    entitlements_create(package=version.package, items=_entitlements(calls), now=CATALOG_AT)
    package_publish(package=version.package, migration_type=enums.MigrationType.NEW_CUSTOMERS, now=CATALOG_AT)


def catalog(behavior: str) -> None:
    product = product_create(ref_id=PRODUCT, display_name="Main", now=CATALOG_AT)
    product_update(product=product, changes={"usage_reset_behavior": behavior}, now=CATALOG_AT)
    for ref_id, meter in (("api-calls", "INCREMENTAL"), ("exports", "INCREMENTAL"), ("storage", "FLUCTUATING")):
        feature_create(ref_id=ref_id, display_name=ref_id, feature_type="NUMBER", meter_type=meter, now=CATALOG_AT)
    _plan("plan-basic", 1000, _prices("10", "100"))
    _plan("plan-pro", 5000, _prices("30", "300"))
    customer_provision(ref_id="customer-1", name="Customer", now=CATALOG_AT)


def provision(plan: str, billing_period: str, *, now: datetime, start_date: datetime | None = None) -> Subscription:
    request = ProvisionRequest(
        customer_ref_id="customer-1", plan_ref_id=plan, billing_period=billing_period, start_date=start_date
    )
    return subscription_provision(request=request, now=now, actor="test").subscription


def report(now: datetime, **values: int) -> None:
    usage_report(items=[UsageReport("customer-1", feature, D(value)) for feature, value in values.items()], now=now)


def checked(feature: str, *, now: datetime) -> Decision:
    """A check as the API makes it: the grants, the feature's window, its counter there, the engine's decision."""
    grants = customer_grants(customer_ref_id="customer-1", resource_ref_id=None, now=now)
    window = usage_windows(grants, now=now)[feature]
    usage = current_usage(
        customer_ref_id="customer-1",
        resource_ref_id=None,
        feature_ref_id=feature,
        period_start=counter_period_start(window),
    )
    return check(grants, feature=feature_info(feature), now=now, current_usage=usage)


Tick = Callable[[datetime], None]


@pytest.fixture
def tick(django_capture_on_commit_callbacks: Callable) -> Tick:
    """``manage.py tick`` at a moment; the sweepers enqueue on commit, which the test's transaction never reaches."""

    def run(at: datetime) -> None:
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            call_command("tick", stdout=StringIO())

    return run


@dataclass(frozen=True)
class Scenario:
    reported_at: datetime  # usage reported before the change
    changed_at: datetime  # when the plan change takes effect
    checked_at: datetime  # usage checked (and reported again) after it


def upgrade_now(tick: Tick, old_period: str, new_period: str) -> Scenario:
    """Provisioning another plan of the product now: the live subscription is replaced."""
    provision("plan-basic", old_period, now=START)
    report(START + timedelta(days=2), **{"api-calls": 7, "exports": 3, "storage": 4})
    changed_at = START + timedelta(days=10, hours=3)
    new = provision("plan-pro", new_period, now=changed_at)
    assert new.status == Status.ACTIVE
    return Scenario(START + timedelta(days=2), changed_at, changed_at + timedelta(days=5))


def scheduled_downgrade(tick: Tick, old_period: str, new_period: str) -> Scenario:
    """A cheaper plan provisioned to start at the end of the current period, started by the job then."""
    old = provision("plan-pro", old_period, now=START)
    period_end = old.current_period_end
    assert period_end is not None
    report(period_end - timedelta(days=5), **{"api-calls": 7, "exports": 3, "storage": 4})
    new = provision("plan-basic", new_period, now=period_end - timedelta(days=4), start_date=period_end)
    assert new.status == Status.NOT_STARTED
    tick(period_end + timedelta(minutes=1))
    new.refresh_from_db()
    old.refresh_from_db()
    assert (new.status, old.status, old.cancel_reason) == (
        Status.ACTIVE,
        Status.CANCELED,
        CancelReason.UPGRADE_OR_DOWNGRADE,
    )
    return Scenario(period_end - timedelta(days=5), period_end, period_end + timedelta(days=5))


def billing_period_update_now(tick: Tick) -> Scenario:
    """S3 from monthly to annual (it costs more: applied now, in place)."""
    subscription = provision("plan-basic", "MONTHLY", now=START)
    report(START + timedelta(days=2), **{"api-calls": 7, "exports": 3, "storage": 4})
    changed_at = START + timedelta(days=10, hours=3)
    subscription_update(
        subscription_id=subscription.pk, request=UpdateRequest(billing_period="ANNUALLY"), now=changed_at, actor="test"
    )
    subscription.refresh_from_db()
    assert subscription.billing_period == "ANNUALLY"
    return Scenario(START + timedelta(days=2), changed_at, changed_at + timedelta(days=5))


def billing_period_downgrade_at_period_end(tick: Tick) -> Scenario:
    """S3 from annual to monthly (it costs less: scheduled for the period end, run there by the job, in place)."""
    subscription = provision("plan-basic", "ANNUALLY", now=START)
    period_end = subscription.current_period_end
    assert period_end == datetime(2025, 3, 10, 9, tzinfo=UTC)
    subscription_update(
        subscription_id=subscription.pk,
        request=UpdateRequest(billing_period="MONTHLY"),
        now=period_end - timedelta(days=80),
        actor="test",
    )
    assert SubscriptionScheduledUpdate.objects.get().status == ScheduleStatus.SCHEDULED
    report(period_end - timedelta(days=5), **{"api-calls": 7, "exports": 3, "storage": 4})
    tick(period_end + timedelta(minutes=1))
    subscription.refresh_from_db()
    assert (subscription.billing_period, subscription.status) == ("MONTHLY", Status.ACTIVE)
    assert SubscriptionScheduledUpdate.objects.get().status == ScheduleStatus.DONE
    return Scenario(period_end - timedelta(days=5), period_end, period_end + timedelta(days=5))


CHANGES: dict[str, Callable[[Tick], Scenario]] = {
    "upgrade now": lambda tick: upgrade_now(tick, "MONTHLY", "MONTHLY"),
    "upgrade now to annual": lambda tick: upgrade_now(tick, "MONTHLY", "ANNUALLY"),
    "scheduled downgrade": lambda tick: scheduled_downgrade(tick, "MONTHLY", "MONTHLY"),
    "scheduled downgrade to monthly": lambda tick: scheduled_downgrade(tick, "ANNUALLY", "MONTHLY"),
    "billing period update now": billing_period_update_now,
    "billing period downgrade at period end": billing_period_downgrade_at_period_end,
}
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
    _plan("plan-free", 100, {"pricing_type": enums.PricingType.FREE, "pricing_models": []})
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

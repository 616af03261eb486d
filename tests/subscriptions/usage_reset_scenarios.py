"""The usage-reset scenarios: a product whose plans meter usage, and plan changes made through the real services
(an upgrade now, a scheduled downgrade run at the period end, a billing-period update now or at the period end),
each answering when usage was reported, when the change took effect and when to check. Shared by the services'
and the API's usage-reset tests and by usage history."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from catalog import enums
from catalog.services.entitlements import entitlements_create
from catalog.services.features import feature_create
from catalog.services.packages import package_create, package_publish
from catalog.services.products import product_create, product_update
from customers.services import customer_provision
from entitlements.evaluation import Decision, check, usage_windows
from entitlements.selectors import customer_grants, feature_info
from metering.selectors import counter_period_start, current_usage
from metering.services import UsageReport, usage_report
from subscriptions.enums import CancelReason, ScheduleStatus
from subscriptions.enums import SubscriptionStatus as Status
from subscriptions.models import Subscription, SubscriptionScheduledUpdate
from subscriptions.services.provision_terms import ProvisionRequest
from subscriptions.services.provisioning import subscription_provision
from subscriptions.services.update_requests import UpdateRequest
from subscriptions.services.updates import subscription_update
from tests.support.clock import Tick

D = Decimal
CATALOG_AT = datetime(2024, 1, 1, tzinfo=UTC)
START = datetime(2024, 3, 10, 9, tzinfo=UTC)
PRODUCT = "product-main"
NEVER, ALWAYS, BY_PERIOD = "NEVER_RESET", "ALWAYS_RESET", "BILLING_PERIOD_CHANGE"


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


def plan(ref_id: str, calls: int, charges: dict[str, Any]) -> None:
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
    plan("plan-basic", 1000, _prices("10", "100"))
    plan("plan-pro", 5000, _prices("30", "300"))
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

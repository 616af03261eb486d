"""RECURRING grants from CREDIT entitlements of plans, add-ons and subscriptions: at subscription start and at
each cadence period, expiring at its end, idempotent per subscription, entitlement and period."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from catalog import enums
from catalog.services.currencies import custom_currency_create
from catalog.services.features import feature_create
from catalog.services.products import product_create
from credits.models import CreditGrant, LedgerEntry
from credits.services.recurring import cadence_period, recurring_grants_issue
from credits.tasks import sweep_recurring_grants
from credits.wallets import wallet_settle_by_id
from subscriptions.services.custom_entitlements import CustomEntitlementInput
from subscriptions.services.provision_terms import ProvisionRequest
from subscriptions.services.provisioning import subscription_provision
from tests.credits.builders import assert_wallet_consistent, balance_of
from tests.entitlements.builders import CATALOG_AT, PRODUCT, customer, feature, package

pytestmark = pytest.mark.django_db

START = datetime(2024, 3, 31, 9, tzinfo=UTC)


def credit(currency: str, amount: int, cadence: str = "MONTH", **fields: object) -> dict:
    return {
        "type": enums.EntitlementType.CREDIT,
        "target_ref_id": currency,
        "amount": Decimal(amount),
        "cadence": cadence,
        **fields,
    }


@pytest.fixture
def catalog(db: None) -> None:
    product_create(ref_id=PRODUCT, display_name="Main", now=CATALOG_AT)
    feature_create(ref_id="seats", display_name="Seats", feature_type="NUMBER", now=CATALOG_AT)
    custom_currency_create(ref_id="tokens", display_name="Tokens", now=CATALOG_AT)
    package("ADDON", "addon-boost", [credit("tokens", 25, "YEAR")], max_quantity=5)
    package(
        "PLAN",
        "plan-credits",
        [credit("tokens", 100), feature("seats", usage_limit=5)],
        compatible_addon_ref_ids=["addon-boost"],
    )
    package(
        "PLAN",
        "plan-per-seat",
        [credit("tokens", 10, dependency_feature_ref_id="seats"), feature("seats", usage_limit=5)],
    )
    package("PLAN", "plan-child", [feature("seats", usage_limit=8)], parent_plan_ref_id="plan-credits")
    customer("customer-1")


def provision(plan: str, *, now: datetime = START, **fields: object) -> int:
    request = ProvisionRequest(customer_ref_id="customer-1", plan_ref_id=plan, **fields)
    return subscription_provision(request=request, now=now, actor="test").subscription.pk


def recurring() -> list[tuple]:
    return list(
        CreditGrant.objects.filter(grant_type="RECURRING")
        .order_by("pk")
        .values_list("amount", "effective_at", "expire_at", "source_type")
    )


@pytest.mark.parametrize(
    ("cadence", "now", "period"),
    [
        ("MONTH", START, (START, datetime(2024, 4, 30, 9, tzinfo=UTC))),
        (
            "MONTH",
            datetime(2024, 5, 30, 9, tzinfo=UTC),
            (datetime(2024, 4, 30, 9, tzinfo=UTC), datetime(2024, 5, 31, 9, tzinfo=UTC)),
        ),
        (
            "MONTH",
            datetime(2024, 5, 31, 9, tzinfo=UTC),
            (datetime(2024, 5, 31, 9, tzinfo=UTC), datetime(2024, 6, 30, 9, tzinfo=UTC)),
        ),
        ("YEAR", datetime(2025, 3, 31, 8, tzinfo=UTC), (START, datetime(2025, 3, 31, 9, tzinfo=UTC))),
        (
            "YEAR",
            datetime(2025, 3, 31, 9, tzinfo=UTC),
            (datetime(2025, 3, 31, 9, tzinfo=UTC), datetime(2026, 3, 31, 9, tzinfo=UTC)),
        ),
    ],
)
def test_cadence_periods_count_from_the_subscription_start(cadence: str, now: datetime, period: tuple) -> None:
    assert cadence_period(anchor=START, cadence=cadence, now=now) == period


def test_provisioning_grants_the_first_period_after_commit(catalog: None, django_capture_on_commit_callbacks) -> None:
    with time_machine.travel(START, tick=False), django_capture_on_commit_callbacks(execute=True) as callbacks:
        subscription_id = provision("plan-credits")

    assert len(callbacks) >= 1
    assert recurring() == [(100, START, datetime(2024, 4, 30, 9, tzinfo=UTC), "PLAN_ENTITLEMENT")]
    assert CreditGrant.objects.get().idempotency_key.startswith("recurring:")
    assert recurring_grants_issue(subscription_id=subscription_id, now=START + timedelta(days=3)) == list(
        CreditGrant.objects.all()
    )
    assert CreditGrant.objects.count() == 1
    assert balance_of().balance == 100


def test_each_period_gets_its_grant_and_the_last_one_expires(catalog: None) -> None:
    subscription_id = provision("plan-credits")
    recurring_grants_issue(subscription_id=subscription_id, now=START)
    next_period = datetime(2024, 4, 30, 9, tzinfo=UTC)

    recurring_grants_issue(subscription_id=subscription_id, now=next_period + timedelta(hours=1))
    recurring_grants_issue(subscription_id=subscription_id, now=next_period + timedelta(hours=2))

    assert [(amount, effective) for amount, effective, _, _ in recurring()] == [(100, START), (100, next_period)]
    assert list(LedgerEntry.objects.values_list("event_type", "amount").order_by("pk")) == [
        ("CREDITS_GRANTED", 100),
        ("CREDITS_EXPIRED", -100),
        ("CREDITS_GRANTED", 100),
    ]
    assert balance_of().balance == 100
    assert_wallet_consistent(balance_of(), now=next_period + timedelta(hours=2))


def test_the_amount_is_multiplied_by_the_dependency_feature_limit(catalog: None) -> None:
    plan_limit = provision("plan-per-seat")
    recurring_grants_issue(subscription_id=plan_limit, now=START)

    assert [amount for amount, *_ in recurring()] == [Decimal(50)]  # 10 tokens x 5 seats


def test_addons_grant_times_their_quantity_on_their_own_cadence(catalog: None) -> None:
    subscription_id = provision("plan-credits", addons=[("addon-boost", 2)])

    recurring_grants_issue(subscription_id=subscription_id, now=START)

    assert sorted((amount, expire, source) for amount, _, expire, source in recurring()) == [
        (Decimal(50), datetime(2025, 3, 31, 9, tzinfo=UTC), "ADDON_ENTITLEMENT"),
        (Decimal(100), datetime(2024, 4, 30, 9, tzinfo=UTC), "PLAN_ENTITLEMENT"),
    ]
    assert balance_of().balance == 150


def test_a_subscription_credit_entitlement_replaces_the_plans(catalog: None) -> None:
    custom = CustomEntitlementInput(type="CREDIT", target_ref_id="tokens", amount=Decimal(7), cadence="MONTH")
    subscription_id = provision("plan-credits", entitlements=[custom])

    recurring_grants_issue(subscription_id=subscription_id, now=START)

    assert recurring() == [(Decimal(7), START, datetime(2024, 4, 30, 9, tzinfo=UTC), None)]


def test_the_sweeper_issues_each_period_once(catalog: None, django_capture_on_commit_callbacks) -> None:
    provision("plan-credits", now=START)
    later = datetime(2024, 6, 5, tzinfo=UTC)

    with time_machine.travel(later, tick=False):
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                sweep_recurring_grants()
        wallet_settle_by_id(balance_id=balance_of().pk, now=later)

    assert [effective for _, effective, _, _ in recurring()] == [datetime(2024, 5, 31, 9, tzinfo=UTC)]
    assert balance_of().balance == 100


def test_a_plan_inherits_its_parents_credit_entitlements(catalog: None) -> None:
    subscription_id = provision("plan-child")

    recurring_grants_issue(subscription_id=subscription_id, now=START)

    assert recurring() == [(Decimal(100), START, datetime(2024, 4, 30, 9, tzinfo=UTC), "PLAN_ENTITLEMENT")]

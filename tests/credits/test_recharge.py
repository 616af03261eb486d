"""Auto-recharge services: the charge's outcomes through the payment gateway, the monthly cap, dollar
thresholds, the trigger after commit and the sweep."""

from decimal import Decimal

import pytest
from django.test import override_settings

from credits.enums import RechargeStatus
from credits.models import AutoRechargeSettings, CreditGrant, CreditInvoice, RechargeAttempt
from credits.services.recharge import AutoRechargeInput, auto_recharge_run, auto_recharge_save, auto_recharge_sweep
from tests.credits import gateways
from tests.credits.builders import NOW, assert_wallet_consistent, balance_of, consume, grant, wallet_setup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def wallet(db: None) -> None:
    wallet_setup()
    grant(100)


def configure(**fields: object) -> AutoRechargeSettings:
    values = {
        "customer_ref_id": "customer-1",
        "currency_ref_id": "tokens",
        "is_enabled": True,
        "threshold_type": "CREDIT_AMOUNT",
        "threshold_value": Decimal(50),
        "target_balance": Decimal(100),
        "max_spend_limit": None,
        "grant_expiration_period": "1_MONTH",
        **fields,
    }
    return auto_recharge_save(data=AutoRechargeInput(**values), now=NOW)


def test_a_consumption_under_the_threshold_queues_a_recharge_after_commit(
    django_capture_on_commit_callbacks, settings
) -> None:
    settings.ENTITLEMENT_DECISION_CACHE = False  # count the recharge only, not the decision cache's invalidation
    configure()

    with django_capture_on_commit_callbacks(execute=False) as above:
        consume(40, "above")
    with django_capture_on_commit_callbacks(execute=False) as under:
        consume(20, "under")

    assert (len(above), len(under)) == (0, 1)
    assert RechargeAttempt.objects.count() == 0  # nothing before the callback runs


def test_a_recharge_without_a_billing_integration_leaves_an_open_invoice_and_credits_at_once() -> None:
    settings = configure(grant_expiration_period="1_YEAR")
    consume(70, "drain")

    attempt = auto_recharge_run(settings_id=settings.pk, trigger="t-1", now=NOW)
    again = auto_recharge_run(settings_id=settings.pk, trigger="t-1", now=NOW)

    assert again is None
    assert (attempt.status, attempt.credit_amount, attempt.cost_amount, attempt.balance_before) == (
        RechargeStatus.SUCCEEDED,
        70,
        70,
        30,
    )
    recharge = CreditGrant.objects.get(grant_type="PAID")
    assert (recharge.amount, recharge.expire_at.year, recharge.invoice.status) == (70, NOW.year + 1, "OPEN")
    assert balance_of().balance == 100
    assert_wallet_consistent(balance_of(), now=NOW)


@override_settings(PAYMENT_GATEWAY="tests.credits.gateways.CollectingGateway")
def test_a_collected_charge_pays_the_invoice_with_the_attempts_key() -> None:
    settings = configure()
    consume(70, "drain")
    gateways.CALLS.clear()

    attempt = auto_recharge_run(settings_id=settings.pk, trigger="t-1", now=NOW)

    assert gateways.CALLS == [attempt.idempotency_key] == [f"recharge:{settings.pk}:t-1"]
    invoice = CreditInvoice.objects.get(grant__grant_type="PAID")
    assert (invoice.status, invoice.provider_reference) == ("PAID", "pay-1")


@override_settings(PAYMENT_GATEWAY="tests.credits.gateways.DecliningGateway")
def test_a_declined_charge_grants_nothing_and_is_recorded() -> None:
    settings = configure()
    consume(70, "drain")

    attempt = auto_recharge_run(settings_id=settings.pk, trigger="t-1", now=NOW)

    assert (attempt.status, attempt.reason, attempt.grant) == (RechargeStatus.FAILED, "card declined", None)
    assert balance_of().balance == 30


def test_a_recharge_over_the_monthly_cap_is_skipped_and_recorded() -> None:
    settings = configure(max_spend_limit=Decimal(60))
    consume(70, "drain")

    assert auto_recharge_run(settings_id=settings.pk, trigger="t-1", now=NOW) is None

    [attempt] = RechargeAttempt.objects.all()
    assert (attempt.status, attempt.cost_amount) == (RechargeStatus.SKIPPED, 70)
    assert "monthly spend limit 60" in attempt.reason
    assert balance_of().balance == 30


@override_settings(CREDITS_DEFAULT_UNIT_PRICE=("0.10", "usd"))
def test_a_dollar_threshold_compares_the_worth_of_the_balance() -> None:
    settings = configure(threshold_type="DOLLAR_AMOUNT", threshold_value=Decimal(5), target_balance=Decimal(100))
    consume(45, "worth-5.50")  # 55 credits worth 5.50 usd: not under 5 usd

    assert auto_recharge_run(settings_id=settings.pk, trigger="t-1", now=NOW) is None
    consume(10, "worth-4.50")
    attempt = auto_recharge_run(settings_id=settings.pk, trigger="t-2", now=NOW)

    assert (attempt.credit_amount, attempt.cost_amount, attempt.cost_currency) == (55, Decimal("5.50"), "usd")


def test_the_sweep_recharges_a_wallet_left_under_the_threshold_once() -> None:
    consume(70, "drain")  # before auto-recharge exists
    configure()  # the save's own trigger is only queued (no commit in this test)

    first = auto_recharge_sweep(now=NOW)
    second = auto_recharge_sweep(now=NOW)

    assert (len(first), second) == (1, [])
    assert balance_of().balance == 100


def test_disabled_settings_never_recharge() -> None:
    settings = configure(is_enabled=False)
    consume(70, "drain")

    assert auto_recharge_run(settings_id=settings.pk, trigger="t-1", now=NOW) is None
    assert auto_recharge_sweep(now=NOW) == []
    assert RechargeAttempt.objects.count() == 0

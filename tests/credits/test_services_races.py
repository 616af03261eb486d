"""Concurrent credit writes with real threads on PostgreSQL: consumers never overdraw, the ledger sums to the
balance, and auto-recharge charges exactly once however many consumers cross the threshold or ticks run."""

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import override_settings

from credits import errors
from credits.enums import RechargeStatus
from credits.models import AutoRechargeSettings, CreditConsumption, CreditGrant, RechargeAttempt
from credits.services.recharge import AutoRechargeInput, auto_recharge_run, auto_recharge_save, auto_recharge_sweep
from tests.credits.builders import NOW, assert_wallet_consistent, balance_of, consume, grant, wallet_setup
from tests.races import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
]

THREADS = 16
LATER = NOW + timedelta(minutes=1)


@pytest.fixture
def wallet(transactional_db: None) -> Iterator[None]:
    """The wallet, with the clock frozen (for every thread) where the tests consume: recharge tasks read it."""
    wallet_setup()
    with time_machine.travel(LATER, tick=False):
        yield


def auto_recharge(*, threshold: int = 50, target: int = 100, cap: int | None = None, is_enabled: bool = True) -> None:
    auto_recharge_save(
        data=AutoRechargeInput(
            customer_ref_id="customer-1",
            currency_ref_id="tokens",
            is_enabled=is_enabled,
            threshold_type="CREDIT_AMOUNT",
            threshold_value=Decimal(threshold),
            target_balance=Decimal(target),
            max_spend_limit=Decimal(cap) if cap is not None else None,
        ),
        now=NOW,
    )


def test_concurrent_consumers_never_overdraw(wallet: None) -> None:
    grant(300, priority=10)
    grant(200, priority=90, expire_at=NOW + timedelta(days=1))
    grant(250)

    def consume_many(index: int) -> tuple[int, int]:
        done = refused = 0
        for attempt in range(60):
            try:
                consume(1, f"thread-{index}-{attempt}", now=LATER)
                done += 1
            except errors.InsufficientCredits:
                refused += 1
        return done, refused

    results, raised = race(consume_many, threads=THREADS)

    assert raised == []
    assert sum(done for done, _ in results) == 750  # 960 attempts for 750 credits
    assert sum(refused for _, refused in results) == 960 - 750
    assert CreditConsumption.objects.count() == 750
    assert balance_of().balance == 0
    assert_wallet_consistent(balance_of(), now=LATER)


def test_one_idempotency_key_from_many_threads_consumes_once(wallet: None) -> None:
    grant(100)

    results, raised = race(lambda index: consume(7, "retried", now=LATER).consumed, threads=THREADS)

    assert raised == []
    assert sorted(results) == [0] * (THREADS - 1) + [7]
    assert balance_of().balance == 93
    assert_wallet_consistent(balance_of(), now=LATER)


def test_consumers_crossing_the_threshold_together_recharge_once(wallet: None) -> None:
    grant(100)
    auto_recharge(threshold=50, target=100)

    # 16 x 4 = 64 credits: the wallet falls under 50 at the 13th consumption and never again after a top-up.
    _, raised = race(lambda index: consume(4, f"cross-{index}", now=LATER), threads=THREADS)

    assert raised == []
    [attempt] = RechargeAttempt.objects.all()
    assert attempt.status == RechargeStatus.SUCCEEDED
    assert CreditGrant.objects.filter(grant_type="PAID").count() == 1
    assert balance_of().balance >= 50
    assert_wallet_consistent(balance_of(), now=LATER)


def test_concurrent_recharge_runs_and_ticks_charge_once(wallet: None) -> None:
    grant(100)
    consume(80, "drain", now=NOW)
    auto_recharge(threshold=50, target=100, is_enabled=False)
    # Test setup: enable without the save's own trigger, so only the racing runs and sweeps can recharge.
    AutoRechargeSettings.objects.update(is_enabled=True)
    settings_id = AutoRechargeSettings.objects.get().pk

    def run(index: int) -> object:
        if index % 2:
            return auto_recharge_sweep(now=LATER)
        return auto_recharge_run(settings_id=settings_id, trigger=f"thread-{index}", now=LATER)

    _, raised = race(run, threads=THREADS)
    for _ in range(3):
        auto_recharge_sweep(now=LATER + timedelta(minutes=1))

    assert raised == []
    [attempt] = RechargeAttempt.objects.all()
    assert (attempt.status, attempt.credit_amount, attempt.balance_before) == (RechargeStatus.SUCCEEDED, 80, 20)
    assert balance_of().balance == 100
    assert_wallet_consistent(balance_of(), now=LATER)


def test_the_monthly_cap_is_never_exceeded(wallet: None) -> None:
    grant(100)
    auto_recharge(threshold=50, target=100, cap=150)

    # Every consumption of 60 leaves the wallet under 50: without a cap each would recharge 60 usd or more.
    def drain(index: int) -> int:
        try:
            consume(60, f"cap-{index}", now=LATER)
            return 1
        except errors.InsufficientCredits:
            return 0

    _, raised = race(drain, threads=THREADS)
    # Then drain one at a time until the wallet stays under the threshold: the cap must have stopped a recharge.
    for index in range(10):
        drain(100 + index)
    for _ in range(3):
        auto_recharge_sweep(now=LATER)

    assert raised == []
    spent = sum(attempt.cost_amount for attempt in RechargeAttempt.objects.filter(status=RechargeStatus.SUCCEEDED))
    assert 0 < spent <= 150
    assert RechargeAttempt.objects.filter(status=RechargeStatus.SKIPPED).exists()
    assert not RechargeAttempt.objects.filter(status=RechargeStatus.PENDING).exists()
    assert_wallet_consistent(balance_of(), now=LATER)


@override_settings(PAYMENT_GATEWAY="tests.credits.gateways.RaisingGateway")
def test_a_charge_with_an_unknown_outcome_stays_pending_and_is_not_retried(wallet: None) -> None:
    grant(100)
    auto_recharge(threshold=50, target=100)

    consume(60, "under", now=LATER)  # the recharge's charge raises: its outcome is unknown
    consume(10, "further", now=LATER)
    _, raised = race(lambda index: auto_recharge_sweep(now=LATER), threads=4)

    assert raised == []
    [attempt] = RechargeAttempt.objects.all()
    assert (attempt.status, attempt.credit_amount) == (RechargeStatus.PENDING, 60)
    assert CreditGrant.objects.filter(grant_type="PAID").count() == 0
    assert balance_of().balance == 30

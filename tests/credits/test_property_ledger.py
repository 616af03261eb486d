"""A property test over random sequences of grants, consumptions, voids and the passing of time (expiries and
scheduled grants): after every step the cached balance equals the ledger's sum and ``wallet_totals``, and a
hard-limited balance is never below zero."""

import contextlib
import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credits import errors
from credits.models import CreditBalance, CreditGrant
from credits.services.grants import credit_grant_void
from credits.wallets import wallet_settle_by_id
from customers.services import customer_provision
from tests.credits.builders import NOW, assert_wallet_consistent, consume, grant, wallet_setup

pytestmark = pytest.mark.django_db

CUSTOMERS = itertools.count()

amounts = st.decimals(min_value=Decimal("0.5"), max_value=Decimal(100), places=2)
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("grant"),
            amounts,
            st.integers(min_value=0, max_value=100),
            st.one_of(st.none(), st.integers(min_value=1, max_value=72)),  # expiry, hours from now
            st.integers(min_value=0, max_value=24),  # effective, hours from now
        ),
        st.tuples(st.just("consume"), amounts),
        st.tuples(st.just("void"), st.integers(min_value=0, max_value=20)),
        st.tuples(st.just("wait"), st.integers(min_value=1, max_value=48)),
    ),
    min_size=1,
    max_size=15,
)


@pytest.fixture
def currency(db: None) -> None:
    wallet_setup(customer="customer-0")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_the_balance_is_always_the_ledger_sum_and_never_negative(currency: None, steps: list[tuple]) -> None:
    customer = f"property-{next(CUSTOMERS)}"
    customer_provision(ref_id=customer, now=NOW)
    now = NOW
    for index, step in enumerate(steps):
        kind = step[0]
        if kind == "grant":
            _, amount, priority, expires_in, effective_in = step
            effective_at = now + timedelta(hours=effective_in)
            expire_at = effective_at + timedelta(hours=expires_in) if expires_in else None
            grant(
                amount,
                now=now,
                customer_ref_id=customer,
                priority=priority,
                effective_at=effective_at,
                expire_at=expire_at,
            )
        elif kind == "consume":
            with contextlib.suppress(errors.InsufficientCredits):
                consume(step[1], f"{customer}-{index}", now=now, customer_ref_id=customer)
        elif kind == "void":
            grants = list(CreditGrant.objects.filter(balance__customer__ref_id=customer).order_by("pk"))
            if grants:
                with contextlib.suppress(errors.GrantNotVoidable):
                    credit_grant_void(grant=grants[step[1] % len(grants)], now=now)
        else:
            now += timedelta(hours=step[1])
        for balance in CreditBalance.objects.filter(customer__ref_id=customer):
            # Time passed (a wait, or nothing at all): the wallet is settled as the expiry sweeper would.
            wallet_settle_by_id(balance_id=balance.pk, now=now)
            balance.refresh_from_db()
            assert balance.balance >= 0
            assert_wallet_consistent(balance, now=now)

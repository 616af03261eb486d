"""A customer and a currency for the credit tests, through the services, and the wallet invariants."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from catalog.services.currencies import custom_currency_create
from credits.models import CreditBalance, CreditGrant
from credits.selectors import ledger_sum
from credits.services.consumption import ConsumptionRequest, ConsumptionResult, credits_consume
from credits.services.grants import GrantRequest, credit_grant_create
from credits.wallets import wallet_totals
from customers.services import customer_provision

NOW = datetime(2024, 6, 15, 12, tzinfo=UTC)


def wallet_setup(*, customer: str = "customer-1", currency: str = "tokens") -> None:
    custom_currency_create(ref_id=currency, display_name="Tokens", unit_plural="tokens", now=NOW)
    customer_provision(ref_id=customer, now=NOW)


def grant(amount: int | str, *, now: datetime = NOW, **fields: Any) -> CreditGrant:
    request = GrantRequest(
        customer_ref_id=fields.pop("customer_ref_id", "customer-1"),
        currency_ref_id=fields.pop("currency_ref_id", "tokens"),
        amount=Decimal(amount),
        display_name=fields.pop("display_name", "Grant"),
        grant_type=fields.pop("grant_type", "PROMOTIONAL"),
        **fields,
    )
    return credit_grant_create(request=request, now=now)


def consume(amount: int | str, key: str, *, now: datetime = NOW, **fields: Any) -> ConsumptionResult:
    request = ConsumptionRequest(
        customer_ref_id=fields.pop("customer_ref_id", "customer-1"),
        currency_ref_id=fields.pop("currency_ref_id", "tokens"),
        amount=Decimal(amount),
        idempotency_key=key,
        **fields,
    )
    return credits_consume(request=request, now=now)


def balance_of(customer: str = "customer-1", currency: str = "tokens") -> CreditBalance:
    return CreditBalance.objects.get(customer__ref_id=customer, currency__ref_id=currency, currency__archived_at=None)


def assert_wallet_consistent(balance: CreditBalance, *, now: datetime) -> None:
    """The cached balance equals the ledger's sum and ``wallet_totals`` (after settling), and each grant's cached
    consumption equals its consumed entries."""
    balance.refresh_from_db()
    grants = list(CreditGrant.objects.filter(balance=balance))
    assert balance.balance == ledger_sum(balance)
    assert balance.balance == wallet_totals(grants, now=now).available
    for item in grants:
        consumed = -sum(entry.amount for entry in item.entries.filter(event_type="CREDITS_CONSUMED"))
        assert item.consumed_amount == consumed
        assert item.remaining_amount >= 0

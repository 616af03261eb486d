"""Credit consumption (CN1, CN2): exact, idempotent per key, never overdrawing a hard limit."""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from catalog.models import CustomCurrency
from catalog.selectors import custom_currency_get
from config.task_queue import enqueue_on_commit
from credits import errors
from credits.enums import LedgerEventType
from credits.models import CreditConsumption
from credits.services.common import wallet_scope
from credits.services.recharge_triggers import recharge_schedule_if_below_threshold
from credits.wallets import ZERO, ledger_append, wallet_lock, wallet_settle, wallet_totals
from customers.models import Customer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumptionRequest:
    customer_ref_id: str
    currency_ref_id: str
    amount: Decimal
    idempotency_key: str
    resource_ref_id: str | None = None
    created_at: datetime | None = None
    dimensions: Mapping[str, Any] = field(default_factory=dict)
    feature_ref_id: str | None = None


@dataclass(frozen=True)
class ConsumptionResult:
    consumption: CreditConsumption
    # What this call deducted: the amount, or 0 for a duplicate of an earlier call.
    consumed: Decimal


@dataclass(frozen=True)
class _Checked:
    request: ConsumptionRequest
    customer: Customer
    currency: CustomCurrency
    resource_key: str


def _check(request: ConsumptionRequest, *, prefix: str = "") -> _Checked:
    if request.amount <= 0:
        raise errors.InvalidCreditInput("must be greater than 0", field=f"{prefix}amount")
    if not request.idempotency_key:
        raise errors.InvalidCreditInput("is required", field=f"{prefix}idempotencyKey")
    currency = custom_currency_get(request.currency_ref_id, field=f"{prefix}currencyId")
    customer, currency, resource_key = wallet_scope(
        customer_ref_id=request.customer_ref_id,
        currency=currency,
        resource_ref_id=request.resource_ref_id,
        field_prefix=prefix,
    )
    return _Checked(request=request, customer=customer, currency=currency, resource_key=resource_key)


def _duplicate(checked: _Checked) -> ConsumptionResult | None:
    """The earlier consumption with this key, if any; 409 when it was about something else."""
    existing = (
        CreditConsumption.objects.select_related("balance__currency")
        .filter(customer=checked.customer, idempotency_key=checked.request.idempotency_key)
        .first()
    )
    if existing is None:
        return None
    same = (
        existing.balance.currency_id == checked.currency.pk
        and existing.balance.resource_key == checked.resource_key
        and existing.amount == checked.request.amount
    )
    if not same:
        raise errors.IdempotencyKeyReused(
            f"idempotency key {checked.request.idempotency_key} was used for another consumption",
            field="idempotencyKey",
        )
    return ConsumptionResult(consumption=existing, consumed=ZERO)


def _consume(checked: _Checked, *, now: datetime) -> ConsumptionResult:
    request = checked.request
    duplicate = _duplicate(checked)
    if duplicate is not None:
        return duplicate
    with transaction.atomic():
        balance = wallet_lock(
            customer=checked.customer, currency=checked.currency, resource_key=checked.resource_key, now=now
        )
        # A twin that waited for the lock finds the winner's row here.
        duplicate = _duplicate(checked)
        if duplicate is not None:
            return duplicate
        counting = wallet_settle(balance=balance, now=now)
        available = wallet_totals(counting, now=now).available
        if balance.has_hard_limit and request.amount > available:
            raise errors.InsufficientCredits(
                f"{request.amount} {checked.currency.ref_id} requested, {available} available",
                field="amount",
                details={"available": str(available), "requested": str(request.amount)},
            )
        consumption = CreditConsumption.objects.create(
            balance=balance,
            customer=checked.customer,
            idempotency_key=request.idempotency_key,
            amount=request.amount,
            dimensions=dict(request.dimensions),
            feature_ref_id=request.feature_ref_id,
            timestamp=request.created_at or now,
            created_at=now,
        )
        left = request.amount
        entry = None
        for grant in counting:
            if left <= 0:
                break
            take = min(grant.remaining_amount, left)
            if take <= 0:
                continue
            grant.consumed_amount += take
            grant.updated_at = now
            grant.save(update_fields=["consumed_amount", "updated_at"])
            entry = ledger_append(
                balance=balance,
                grant=grant,
                event_type=LedgerEventType.CREDITS_CONSUMED,
                amount=-take,
                now=now,
                timestamp=consumption.timestamp,
                consumption=consumption,
            )
            left -= take
        totals = wallet_totals(counting, now=now)
        consumption.usage_limit = totals.usage_limit
        consumption.current_usage = totals.current_usage
        consumption.save(update_fields=["usage_limit", "current_usage"])
        if entry is not None:
            recharge_schedule_if_below_threshold(balance=balance, trigger_entry_id=entry.pk)
    return ConsumptionResult(consumption=consumption, consumed=request.amount)


def credits_consume(*, request: ConsumptionRequest, now: datetime) -> ConsumptionResult:
    """Consume credits from a wallet (CN1).

    Errors, nothing written: 400 for a zero or negative amount or a missing key; 404 for an unknown currency,
    customer or resource; 422 ``INSUFFICIENT_CREDITS`` when the amount exceeds the available balance of a
    hard-limited wallet; 409 ``IDEMPOTENCY_KEY_REUSED`` when the key was used for a different consumption.
    Lock: the wallet's balance row, so concurrent consumers queue and none overdraws. Burn order: priority
    (lower first), then soonest expiry, then oldest; one ``CREDITS_CONSUMED`` entry per grant touched.
    Idempotency key: the client's ``idempotencyKey``, unique per customer; a duplicate returns the original
    consumption with ``consumed`` 0. Side effect: an auto-recharge is queued after commit when the balance ends
    under the wallet's threshold.
    """
    return _consume(_check(request), now=now)


def credits_validate_batch(*, requests: Sequence[ConsumptionRequest]) -> None:
    """Check every item of an async batch (CN2) before accepting it, naming ``consumptions[i].<field>``."""
    for index, request in enumerate(requests):
        _check(request, prefix=f"consumptions[{index}].")


def credits_consume_async(*, requests: Sequence[ConsumptionRequest]) -> None:
    """Accept a batch for consumption after the current transaction commits (CN2): every item is checked now
    (``credits_validate_batch``: a bad one refuses the whole batch, nothing queued), then
    ``credits.tasks.consume_batch`` consumes them (``credits_consume_batch``), each idempotent on its key."""
    credits_validate_batch(requests=requests)
    payload = [
        {
            "customer_ref_id": item.customer_ref_id,
            "currency_ref_id": item.currency_ref_id,
            "amount": str(item.amount),
            "idempotency_key": item.idempotency_key,
            "resource_ref_id": item.resource_ref_id,
            "created_at": item.created_at.isoformat() if item.created_at else None,
            "dimensions": {key: str(value) for key, value in item.dimensions.items()},
        }
        for item in requests
    ]
    enqueue_on_commit("credits.tasks.consume_batch", payload)


def credits_consume_batch(*, requests: Sequence[ConsumptionRequest], now: datetime) -> list[ConsumptionResult]:
    """Consume an accepted async batch (CN2), each item in its own transaction. An item refused now (not enough
    credits, the customer archived meanwhile) is logged and skipped; the others still count."""
    results = []
    for request in requests:
        try:
            results.append(credits_consume(request=request, now=now))
        except (errors.InsufficientCredits, errors.CreditCustomerNotFound, errors.IdempotencyKeyReused) as error:
            logger.warning("async credit consumption %s refused: %s", request.idempotency_key, error)
    return results

"""Auto-recharge: its settings (AR1 and the PUT beside it) and the recharge itself, which charges exactly once.

A recharge runs in three steps, like invoice collection: claim (one transaction: lock the settings row, then the
wallet; decide; commit a ``PENDING`` attempt), charge (the payment gateway, holding no lock, with the attempt's
idempotency key), finalize (a ``PAID`` grant for the credits, the invoice, the attempt's status). The partial
unique constraint on pending attempts keeps one recharge in flight per wallet; the attempt's key
``recharge:{settings}:{trigger}`` (the ledger entry that left the wallet under the threshold) keeps a retried
task or a repeated sweep from recharging twice for one trigger; the monthly spend, counted under the settings
lock from the attempts that succeeded or are in flight, is never exceeded (a recharge that would exceed it is
recorded ``SKIPPED``). An attempt whose charge raised stays ``PENDING`` and is shown to operators.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from catalog.money import quantize_to_minor_unit
from catalog.selectors import custom_currency_get
from config.payments.gateway import CollectionOutcome, CollectionResult
from config.payments.provider_calls import ProviderCall, provider_call_resume, provider_call_run
from credits import errors
from credits.enums import (
    GrantExpirationPeriod,
    GrantType,
    InvoiceStatus,
    PaymentCollectionMethod,
    RechargeStatus,
)
from credits.models import AutoRechargeSettings, CreditBalance, CreditInvoice, LedgerEntry, RechargeAttempt
from credits.pricing import credit_unit_price
from credits.services.common import wallet_scope
from credits.services.grants import GrantRequest, credit_grant_create
from credits.services.recharge_triggers import below_threshold, recharge_enqueue
from credits.wallets import ZERO, wallet_lock, wallet_settle, wallet_totals
from subscriptions.periods import add_months

logger = logging.getLogger(__name__)

EXPIRATION_MONTHS = {GrantExpirationPeriod.ONE_MONTH: 1, GrantExpirationPeriod.ONE_YEAR: 12}
IN_FLIGHT_OR_DONE = (RechargeStatus.PENDING, RechargeStatus.SUCCEEDED)
ERROR_MAX_LENGTH = 500


# --- settings ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AutoRechargeInput:
    customer_ref_id: str
    currency_ref_id: str
    is_enabled: bool
    threshold_type: str
    threshold_value: Decimal
    target_balance: Decimal
    max_spend_limit: Decimal | None
    grant_expiration_period: str = GrantExpirationPeriod.ONE_MONTH


def auto_recharge_save(*, data: AutoRechargeInput, now: datetime) -> AutoRechargeSettings:
    """Create or replace a wallet's auto-recharge settings (the seeds' ``saveAutomaticRechargeConfiguration``).

    400 for a negative threshold, a target at or below the threshold, a spend limit that is not positive; 404
    for an unknown customer or currency; nothing written then. Enabled settings whose wallet is already under the
    threshold queue a recharge after commit."""
    if data.threshold_value < 0:
        raise errors.InvalidCreditInput("must not be negative", field="thresholdValue")
    if data.target_balance <= data.threshold_value:
        raise errors.InvalidCreditInput("must be greater than thresholdValue", field="targetBalance")
    if data.max_spend_limit is not None and data.max_spend_limit <= 0:
        raise errors.InvalidCreditInput("must be greater than 0, or null for no limit", field="maxSpendLimit")
    customer, currency, _ = wallet_scope(
        customer_ref_id=data.customer_ref_id,
        currency=custom_currency_get(data.currency_ref_id, field="currencyId"),
        resource_ref_id=None,
    )
    fields = {
        "is_enabled": data.is_enabled,
        "threshold_type": data.threshold_type,
        "threshold_value": data.threshold_value,
        "target_balance": data.target_balance,
        "max_spend_limit": data.max_spend_limit,
        "grant_expiration_period": data.grant_expiration_period,
        "updated_at": now,
    }
    with transaction.atomic():
        settings, created = AutoRechargeSettings.objects.select_for_update().get_or_create(
            customer=customer, currency=currency, defaults={**fields, "created_at": now}
        )
        if not created:
            for name, value in fields.items():
                setattr(settings, name, value)
            settings.save()
        if settings.is_enabled:
            recharge_enqueue(settings_id=settings.pk, trigger=_latest_trigger(settings))
    return settings


def month_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def auto_recharge_monthly_spend(settings: AutoRechargeSettings, *, now: datetime) -> Decimal:
    """What recharges cost this calendar month (UTC), those in flight included."""
    total = RechargeAttempt.objects.filter(
        settings=settings, status__in=IN_FLIGHT_OR_DONE, created_at__gte=month_start(now)
    ).aggregate(total=Sum("cost_amount"))["total"]
    return total or ZERO


def _latest_trigger(settings: AutoRechargeSettings) -> str:
    latest = (
        LedgerEntry.objects.filter(
            balance__customer_id=settings.customer_id,
            balance__currency_id=settings.currency_id,
            balance__resource_key="",
        )
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return f"entry-{latest or 0}"


# --- the recharge -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RechargeCharge:
    """What the payment gateway is asked to collect for a recharge: the fields a gateway reads from an invoice."""

    customer_ref_id: str
    total: Decimal
    currency: str
    idempotency_key: str
    description: str

    @property
    def amount_due(self) -> Decimal:
        """What a gateway collects (``config.payments.gateway.Collectable``): the whole recharge."""
        return self.total


def _claim(*, settings_id: int, trigger: str, now: datetime) -> ProviderCall[RechargeAttempt] | None:
    """Decide and commit a ``PENDING`` attempt, or nothing (``None``): disabled, not under the threshold, this
    trigger handled already, another recharge in flight (a concurrent claim that won the in-flight slot or the key
    between our checks and our insert included), or over the monthly cap (recorded ``SKIPPED``). Runs in the flow's
    claim transaction; the savepoint keeps a lost race from spoiling it."""
    try:
        with transaction.atomic():
            attempt = _decide(settings_id=settings_id, trigger=trigger, now=now)
    except IntegrityError:
        return None
    if attempt is None or attempt.status != RechargeStatus.PENDING:
        return None
    return _call_of(attempt)


def _decide(*, settings_id: int, trigger: str, now: datetime) -> RechargeAttempt | None:
    """The claim's decision under the settings lock, then the wallet's: the attempt it saved, or ``None``."""
    settings = (
        AutoRechargeSettings.objects.select_for_update(of=("self",))
        .select_related("customer", "currency")
        .filter(pk=settings_id)
        .first()
    )
    if settings is None or not settings.is_enabled:
        return None
    key = f"recharge:{settings.pk}:{trigger}"
    if RechargeAttempt.objects.filter(idempotency_key=key).exists():
        return None
    if RechargeAttempt.objects.filter(settings=settings, status=RechargeStatus.PENDING).exists():
        return None
    balance = wallet_lock(customer=settings.customer, currency=settings.currency, now=now)
    available = wallet_totals(wallet_settle(balance=balance, now=now), now=now).available
    if not below_threshold(settings, available=available):
        return None
    price = credit_unit_price(customer=settings.customer, currency=settings.currency)
    # The target is in credits whatever the threshold type.
    credits = settings.target_balance - available
    cost = quantize_to_minor_unit(credits * price.amount, price.currency)
    attempt = RechargeAttempt(
        settings=settings,
        idempotency_key=key,
        credit_amount=credits,
        cost_amount=cost,
        cost_currency=price.currency,
        balance_before=available,
        created_at=now,
    )
    spent = auto_recharge_monthly_spend(settings, now=now)
    if settings.max_spend_limit is not None and spent + cost > settings.max_spend_limit:
        attempt.status = RechargeStatus.SKIPPED
        attempt.reason = f"monthly spend limit {settings.max_spend_limit}: spent {spent}, this recharge {cost}"
        attempt.finished_at = now
    attempt.save()
    return attempt


def _finalize(call: ProviderCall[RechargeAttempt], result: CollectionResult, *, now: datetime) -> RechargeAttempt:
    """Write the charge's outcome: a ``PAID`` grant and its invoice (paid when collected, open for manual
    collection when pending: the credits are available at once either way), or the failure. Runs in the flow's
    finalize transaction; an attempt finalized already (an operator's resolve raced the run) is left as it is."""
    attempt_id = call.record.pk
    # The lock order of ``_claim``: settings, then the attempt and the wallet (taken by the grant).
    settings_id = RechargeAttempt.objects.filter(pk=attempt_id).values_list("settings_id", flat=True).get()
    AutoRechargeSettings.objects.select_for_update().filter(pk=settings_id).get()
    attempt = (
        RechargeAttempt.objects.select_for_update(of=("self",))
        .select_related("settings__customer", "settings__currency")
        .get(pk=attempt_id)
    )
    if attempt.status != RechargeStatus.PENDING:
        return attempt
    attempt.finished_at = now
    if result.status == CollectionOutcome.FAILED:
        attempt.status = RechargeStatus.FAILED
        attempt.reason = (result.error or "the charge failed")[:ERROR_MAX_LENGTH]
        attempt.save(update_fields=["status", "reason", "finished_at"])
        return attempt
    settings = attempt.settings
    months = EXPIRATION_MONTHS[GrantExpirationPeriod(settings.grant_expiration_period)]
    grant = credit_grant_create(
        request=GrantRequest(
            customer_ref_id=settings.customer.ref_id,
            currency_ref_id=settings.currency.ref_id,
            amount=attempt.credit_amount,
            display_name="Automatic recharge",
            grant_type=GrantType.PAID,
            expire_at=add_months(now, months, anchor_day=now.day),
            cost_amount=attempt.cost_amount,
            cost_currency=attempt.cost_currency,
            payment_collection_method=PaymentCollectionMethod.CHARGE,
            await_payment_confirmation=False,
            idempotency_key=attempt.idempotency_key,
            created_by="job:auto-recharge",
            collect_payment=False,
        ),
        now=now,
    )
    invoice = CreditInvoice.objects.filter(grant=grant).first()
    if invoice is not None:
        invoice.provider_reference = result.provider_reference[:255]
        invoice.collection_attempted_at = now
        if result.status == CollectionOutcome.COLLECTED:
            invoice.status, invoice.paid_at = InvoiceStatus.PAID, now
        invoice.updated_at = now
        invoice.save(update_fields=["provider_reference", "collection_attempted_at", "status", "paid_at", "updated_at"])
    attempt.status = RechargeStatus.SUCCEEDED
    attempt.grant = grant
    attempt.save(update_fields=["status", "grant", "finished_at"])
    return attempt


def auto_recharge_run(*, settings_id: int, trigger: str, now: datetime) -> RechargeAttempt | None:
    """Recharge a wallet that is under its threshold (module doc), by the provider-call flow
    (``config.payments.provider_calls``); ``None`` when nothing was to be charged.

    Idempotency key ``recharge:{settings}:{trigger}``, also given to the gateway. Runs outside any transaction
    (a task, after the consumption committed). A gateway that raises leaves the attempt ``PENDING`` for an
    operator (the exception propagates: the charge's outcome is unknown)."""
    return provider_call_run(
        claim=lambda: _claim(settings_id=settings_id, trigger=trigger, now=now),
        finalize=lambda call, result: _finalize(call, result, now=now),
    )


def _call_of(attempt: RechargeAttempt) -> ProviderCall[RechargeAttempt]:
    charge = RechargeCharge(
        customer_ref_id=attempt.settings.customer.ref_id,
        total=attempt.cost_amount,
        currency=attempt.cost_currency,
        idempotency_key=attempt.idempotency_key,
        description=f"{attempt.credit_amount} {attempt.settings.currency.ref_id} credits (automatic recharge)",
    )
    return ProviderCall(record=attempt, charge=charge, idempotency_key=attempt.idempotency_key)


def recharge_attempt_resolve(*, attempt: RechargeAttempt, now: datetime) -> RechargeAttempt:
    """An operator's answer to an attempt stuck ``PENDING`` (its charge's outcome is unknown): ask the gateway
    again with the attempt's own idempotency key, which a provider answers with the first charge's result instead
    of charging twice, and finalize with that (``provider_call_resume``). 409 for an attempt that is not
    pending."""
    if attempt.status != RechargeStatus.PENDING:
        raise errors.RechargeNotPending(f"attempt {attempt.idempotency_key} is {attempt.status}, not PENDING")
    return provider_call_resume(call=_call_of(attempt), finalize=lambda call, result: _finalize(call, result, now=now))


def auto_recharge_due_settings_ids(*, now: datetime) -> list[int]:
    """Enabled settings whose wallet's cached balance is under a credit threshold, or that use a dollar
    threshold (decided per wallet by ``_claim``): what the ``tick`` sweep hands to ``auto_recharge_run``."""
    ids = []
    for settings in AutoRechargeSettings.objects.filter(is_enabled=True).select_related("customer", "currency"):
        balance = CreditBalance.objects.filter(
            customer_id=settings.customer_id, currency_id=settings.currency_id, resource_key=""
        ).first()
        available = balance.balance if balance is not None else ZERO
        if below_threshold(settings, available=available):
            ids.append(settings.pk)
    return ids


def auto_recharge_sweep(*, now: datetime) -> list[RechargeAttempt]:
    """Run the recharge of every wallet under its threshold (what a lost task missed); the trigger is the
    wallet's latest ledger entry, so repeated sweeps recharge at most once per movement of the wallet."""
    attempts = []
    for settings_id in auto_recharge_due_settings_ids(now=now):
        settings = AutoRechargeSettings.objects.get(pk=settings_id)
        attempt = auto_recharge_run(settings_id=settings_id, trigger=_latest_trigger(settings), now=now)
        if attempt is not None:
            attempts.append(attempt)
    return attempts

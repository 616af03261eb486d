"""When a wallet is under its auto-recharge threshold, and queuing the recharge task after commit."""

from decimal import Decimal

from config.task_queue import enqueue_on_commit
from credits.enums import ThresholdType
from credits.models import AutoRechargeSettings, CreditBalance
from credits.pricing import credit_unit_price


def below_threshold(settings: AutoRechargeSettings, *, available: Decimal) -> bool:
    """``CREDIT_AMOUNT`` compares the credits; ``DOLLAR_AMOUNT`` their worth at the currency's unit price."""
    if settings.threshold_type == ThresholdType.DOLLAR_AMOUNT:
        price = credit_unit_price(customer=settings.customer, currency=settings.currency)
        return available * price.amount < settings.threshold_value
    return available < settings.threshold_value


def recharge_enqueue(*, settings_id: int, trigger: str) -> None:
    """Queue ``credits.tasks.auto_recharge`` for when the current transaction commits (nothing on rollback).
    ``robust``: a broker failure is logged and never fails the consumption; the ``tick`` sweep catches it."""
    enqueue_on_commit("credits.tasks.auto_recharge", settings_id, trigger, robust=True)


def recharge_schedule_if_below_threshold(*, balance: CreditBalance, trigger_entry_id: int) -> None:
    """Called under the wallet lock by a consumption: queue a recharge when auto-recharge is on for the
    customer-level wallet and its cached balance ended under the threshold. The trigger is the consumption's
    ledger entry, so a retried task cannot recharge twice for it."""
    if balance.resource_key:
        return
    settings = (
        AutoRechargeSettings.objects.select_related("customer", "currency")
        .filter(customer_id=balance.customer_id, currency_id=balance.currency_id, is_enabled=True)
        .first()
    )
    if settings is not None and below_threshold(settings, available=balance.balance):
        recharge_enqueue(settings_id=settings.pk, trigger=f"entry-{trigger_entry_id}")

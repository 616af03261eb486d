"""Celery tasks of credits; the sweepers are declared as periodic jobs in ``config.jobs``.

Sweepers select due ids and fan out one task per chunk after their transaction commits; the task calls the one
service, which re-checks everything under the wallet lock, so a chunk delivered or swept twice changes nothing
the second time. ``now`` is read here, at the edge.
"""

from decimal import Decimal
from functools import partial

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from config.query import parse_iso_datetime
from config.task_retry import RETRY
from credits import selectors
from credits.services import recharge, recurring
from credits.services.consumption import ConsumptionRequest, credits_consume_batch
from credits.wallets import wallet_settle_by_id

CHUNK_SIZE = 100


@shared_task(**RETRY)
def settle_wallets(balance_ids: list[int]) -> int:
    now = timezone.now()
    for balance_id in balance_ids:
        wallet_settle_by_id(balance_id=balance_id, now=now)
    return len(balance_ids)


@shared_task
def sweep_grant_schedule() -> int:
    """Wallets with a scheduled grant whose time came or a grant whose expiry passed: settle each (the
    ``CREDITS_GRANTED`` and ``CREDITS_EXPIRED`` entries). Returns how many wallets were found."""
    ids = selectors.wallet_ids_due(now=timezone.now())
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK_SIZE):
            chunk = ids[start : start + CHUNK_SIZE]
            transaction.on_commit(partial(settle_wallets.delay, chunk))
    return len(ids)


@shared_task(**RETRY)
def auto_recharge(settings_id: int, trigger: str) -> int | None:
    """One recharge (``services.recharge.auto_recharge_run``); returns the attempt's id, if one was made."""
    attempt = recharge.auto_recharge_run(settings_id=settings_id, trigger=trigger, now=timezone.now())
    return attempt.pk if attempt is not None else None


@shared_task
def sweep_auto_recharges() -> int:
    """Recharge wallets left under their threshold (a lost task); returns how many recharges were made."""
    return len(recharge.auto_recharge_sweep(now=timezone.now()))


@shared_task(**RETRY)
def grant_recurring_credits(subscription_ids: list[int]) -> int:
    now = timezone.now()
    return sum(len(recurring.recurring_grants_issue(subscription_id=pk, now=now)) for pk in subscription_ids)


@shared_task
def sweep_recurring_grants() -> int:
    """Live subscriptions with CREDIT entitlements: issue the grants of their current cadence period (a unique
    key per subscription, entitlement and period makes this idempotent). Returns how many were found."""
    ids = recurring.recurring_subscription_ids(now=timezone.now())
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK_SIZE):
            chunk = ids[start : start + CHUNK_SIZE]
            transaction.on_commit(partial(grant_recurring_credits.delay, chunk))
    return len(ids)


@shared_task(**RETRY)
def consume_batch(items: list[dict]) -> int:
    """CN2: consume an accepted batch (each item in its own transaction)."""
    requests = [
        ConsumptionRequest(
            customer_ref_id=item["customer_ref_id"],
            currency_ref_id=item["currency_ref_id"],
            amount=Decimal(item["amount"]),
            idempotency_key=item["idempotency_key"],
            resource_ref_id=item.get("resource_ref_id"),
            created_at=parse_iso_datetime(item["created_at"], field="createdAt") if item.get("created_at") else None,
            dimensions=item.get("dimensions") or {},
        )
        for item in items
    ]
    return len(credits_consume_batch(requests=requests, now=timezone.now()))

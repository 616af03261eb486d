"""The wallet core: the lock, the one ledger append, settling time-driven movements, and the definition of a
balance.

Every write to a wallet (a customer's credits in one currency, for one resource) runs inside a transaction that
first locks its ``CreditBalance`` row with ``wallet_lock``; grants and entries of the wallet are only written
under that lock, so concurrent writers queue on one row and none can overdraw. ``ledger_append`` is the only code
that writes a ``LedgerEntry`` and it moves the cached balance by the same amount, in the same transaction.

``wallet_totals`` is the one definition of a wallet's numbers at a moment: the grants that count then (paid for,
effective, not expired, not voided) give ``usage_limit`` (their amounts) and ``current_usage`` (what was consumed
from them); the available balance is the difference. ``wallet_settle`` writes the ledger entries that bring the
cached balance to exactly that (scheduled grants whose time came, grants whose expiry passed), so after it the
cached balance, the ledger's sum and ``wallet_totals(...).available`` agree.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from catalog.models import CustomCurrency
from config.decision_cache import invalidate_usage
from credits.enums import LedgerEventType
from credits.models import CreditBalance, CreditConsumption, CreditGrant, LedgerEntry
from customers.models import Customer

ZERO = Decimal(0)


@dataclass(frozen=True)
class WalletTotals:
    usage_limit: Decimal
    current_usage: Decimal

    @property
    def available(self) -> Decimal:
        return self.usage_limit - self.current_usage


def grant_counts(grant: CreditGrant, *, now: datetime) -> bool:
    """Whether ``grant`` holds usable credits at ``now``."""
    return (
        not grant.awaiting_payment
        and grant.voided_at is None
        and grant.effective_at <= now
        and (grant.expire_at is None or grant.expire_at > now)
    )


def wallet_totals(grants: Iterable[CreditGrant], *, now: datetime) -> WalletTotals:
    """The wallet's numbers at ``now`` (module doc): the one definition of a balance."""
    counting = [grant for grant in grants if grant_counts(grant, now=now)]
    return WalletTotals(
        usage_limit=sum((grant.amount for grant in counting), ZERO),
        current_usage=sum((grant.consumed_amount for grant in counting), ZERO),
    )


def wallet_lock(
    *, customer: Customer, currency: CustomCurrency, resource_key: str = "", now: datetime
) -> CreditBalance:
    """The wallet's balance row, created on first use through its unique constraint and locked
    (``select_for_update``) until the caller's transaction ends. Call inside ``transaction.atomic``. Only the
    balance row is locked (``of=self``): locking the joined customer and currency rows too would queue writers of
    unrelated wallets and deadlock against the auto-recharge lock order (settings, then wallet)."""
    balance, _ = CreditBalance.objects.get_or_create(
        customer=customer, currency=currency, resource_key=resource_key, defaults={"updated_at": now}
    )
    return (
        CreditBalance.objects.select_for_update(of=("self",)).select_related("customer", "currency").get(pk=balance.pk)
    )


def ledger_append(
    *,
    balance: CreditBalance,
    grant: CreditGrant,
    event_type: LedgerEventType,
    amount: Decimal,
    now: datetime,
    timestamp: datetime | None = None,
    consumption: CreditConsumption | None = None,
) -> LedgerEntry:
    """Append one entry and move the cached balance by ``amount`` (signed). The caller holds ``wallet_lock``;
    the balance row is saved here, so the database constraint checks a hard limit on every entry."""
    entry = LedgerEntry.objects.create(
        balance=balance,
        grant=grant,
        consumption=consumption,
        event_type=event_type,
        amount=amount,
        timestamp=timestamp or now,
        created_at=now,
    )
    if amount:
        balance.balance += amount
        balance.updated_at = now
        balance.save(update_fields=["balance", "updated_at"])
    # C8 shows the wallets beside the features, from the decision cache.
    invalidate_usage([balance.customer.ref_id])
    return entry


def grant_activate(*, balance: CreditBalance, grant: CreditGrant, now: datetime) -> None:
    """Write the ``CREDITS_GRANTED`` entry of a grant that counts from now on (at its effective time)."""
    grant.activated_at = now
    grant.updated_at = now
    grant.save(update_fields=["activated_at", "updated_at"])
    ledger_append(
        balance=balance,
        grant=grant,
        event_type=LedgerEventType.CREDITS_GRANTED,
        amount=grant.amount,
        now=now,
        timestamp=grant.effective_at,
    )


def grant_close(*, balance: CreditBalance, grant: CreditGrant, event_type: LedgerEventType, now: datetime) -> None:
    """Take away what is left of a grant (expiry, void): one negative entry for the remainder (zero when it was
    never activated, so the ledger still records the event)."""
    remaining = grant.remaining_amount if grant.activated_at is not None else ZERO
    grant.closed_amount += remaining
    grant.updated_at = now
    if event_type == LedgerEventType.CREDITS_EXPIRED:
        grant.expired_at = now
    else:
        grant.voided_at = now
    grant.save(update_fields=["closed_amount", "expired_at", "voided_at", "updated_at"])
    ledger_append(
        balance=balance,
        grant=grant,
        event_type=event_type,
        amount=-remaining,
        now=now,
        timestamp=grant.expire_at if event_type == LedgerEventType.CREDITS_EXPIRED else now,
    )


def wallet_settle(*, balance: CreditBalance, now: datetime) -> list[CreditGrant]:
    """Under ``wallet_lock``: activate the wallet's due scheduled grants and expire its due grants (activation
    first, so a grant effective and expired by now is granted then expired). Returns the grants that count now,
    in burn order: priority (lower first), soonest expiry, oldest."""
    open_grants = list(
        CreditGrant.objects.filter(
            balance=balance, voided_at__isnull=True, expired_at__isnull=True, awaiting_payment=False
        ).order_by("priority", "expire_at", "effective_at", "pk")
    )
    for grant in open_grants:
        if grant.activated_at is None and grant.effective_at <= now:
            grant_activate(balance=balance, grant=grant, now=now)
    for grant in open_grants:
        if grant.activated_at is not None and grant.expire_at is not None and grant.expire_at <= now:
            grant_close(balance=balance, grant=grant, event_type=LedgerEventType.CREDITS_EXPIRED, now=now)
    counting = [grant for grant in open_grants if grant_counts(grant, now=now)]
    # Sorted here, where the burn order (priority, soonest expiry with none last, oldest) is written once.
    return sorted(
        counting,
        key=lambda grant: (
            grant.priority,
            grant.expire_at is None,
            grant.expire_at or grant.effective_at,
            grant.effective_at,
            grant.pk,
        ),
    )


@transaction.atomic
def wallet_settle_by_id(*, balance_id: int, now: datetime) -> None:
    """Settle one wallet in its own transaction (the expiry and activation jobs)."""
    balance = CreditBalance.objects.select_for_update().get(pk=balance_id)
    wallet_settle(balance=balance, now=now)

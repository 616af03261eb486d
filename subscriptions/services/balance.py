"""A customer's credit balance: what a change that costs less leaves the customer (the unused rest of its period),
held in the customer's currency and used by its next invoices before anything is collected.

Invoices are never negative. A negative net proration (``services.changes``) that takes effect now is credited to
the paying customer's balance (``PRORATION_CREDIT``); every invoice recorded afterwards (creation, update, renewal,
trial conversion, migration) first takes what it can from the balance in its currency (``INVOICE_APPLIED``,
``Invoice.balance_applied``), and only the rest is collected; an invoice the balance covers whole is paid at
once. Operators may correct a balance (``ADJUSTMENT``).

The ledger (``CustomerBalanceTransaction``) is append-only; ``CustomerBalance.amount`` caches its sum per customer
and currency, written in the same transaction under the balance row's lock; database constraints keep both from
going negative. ``selectors.customer_balance`` is the one definition of "the balance". Lock order: balance rows
are locked last (after the customer and subscription rows), in primary-key order.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from catalog.money import quantize_to_minor_unit
from config.errors import InvalidInput
from subscriptions.enums import BalanceTransactionKind, CollectionStatus, InvoiceStatus
from subscriptions.models import CustomerBalance, CustomerBalanceTransaction, Invoice, Subscription
from subscriptions.quote import SubscriptionPreview
from subscriptions.selectors import customer_balance

ZERO = Decimal(0)


def payer_id(subscription: Subscription) -> int:
    """Whose balance pays the subscription's invoices: the paying customer of a delegated subscription, else its
    customer."""
    return subscription.paying_customer_id or subscription.customer_id


@dataclass(frozen=True)
class BalanceOutcome:
    """What recording an invoice of ``invoice_total`` and crediting ``credited`` does to a balance of ``starting``:
    ``applied`` of the invoice is paid by the balance (first), ``amount_due`` is left to collect."""

    currency: str
    starting: Decimal
    applied: Decimal
    credited: Decimal

    @property
    def ending(self) -> Decimal:
        return self.starting - self.applied + self.credited

    def amount_due(self, invoice_total: Decimal) -> Decimal:
        return invoice_total - self.applied


def balance_outcome(*, starting: Decimal, currency: str, invoice_total: Decimal, credited: Decimal) -> BalanceOutcome:
    """The one rule for using a balance: an invoice takes as much of it as it can, up to its total."""
    return BalanceOutcome(
        currency=currency, starting=starting, applied=min(starting, max(invoice_total, ZERO)), credited=credited
    )


def _locked_balance(*, customer_id: int, currency: str, now: datetime) -> CustomerBalance:
    CustomerBalance.objects.get_or_create(customer_id=customer_id, currency=currency, defaults={"updated_at": now})
    return CustomerBalance.objects.select_for_update().get(customer_id=customer_id, currency=currency)


def _append(
    balance: CustomerBalance,
    *,
    amount: Decimal,
    kind: str,
    description: str,
    idempotency_key: str,
    actor: str,
    now: datetime,
    subscription: Subscription | None = None,
    invoice: Invoice | None = None,
) -> CustomerBalanceTransaction:
    """Write one ledger row and move the cached balance with it. The caller holds the balance row's lock and
    checked that the balance stays at or above zero."""
    balance.amount += amount
    balance.updated_at = now
    balance.save(update_fields=["amount", "updated_at"])
    return CustomerBalanceTransaction.objects.create(
        customer_id=balance.customer_id,
        currency=balance.currency,
        kind=kind,
        amount=amount,
        balance_after=balance.amount,
        subscription=subscription,
        invoice=invoice,
        description=description[:500],
        actor=actor,
        idempotency_key=idempotency_key,
        created_at=now,
    )


def balance_credit(
    *,
    customer_id: int,
    currency: str,
    amount: Decimal,
    kind: str,
    description: str,
    idempotency_key: str,
    actor: str,
    now: datetime,
    subscription: Subscription | None = None,
) -> CustomerBalanceTransaction | None:
    """Move the customer's balance in ``currency`` by ``amount`` (quantized to the currency's minor unit; positive
    credits, negative debits). Locks the balance row. Idempotency key: ``idempotency_key`` (unique): a key already
    used returns its transaction and moves nothing. A zero amount writes nothing (``None``).
    Errors: ``InvalidInput`` (400, ``amount``) when a debit would take the balance below zero.
    """
    amount = quantize_to_minor_unit(amount, currency)
    if amount == 0:
        return None
    existing = CustomerBalanceTransaction.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        balance = _locked_balance(customer_id=customer_id, currency=currency, now=now)
        existing = CustomerBalanceTransaction.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:  # written by whoever held the lock before us
            return existing
        if balance.amount + amount < 0:
            shown = quantize_to_minor_unit(balance.amount, currency)
            raise InvalidInput(
                f"the balance is {shown} {currency}: it cannot go below zero",
                field="amount",
            )
        return _append(
            balance,
            amount=amount,
            kind=kind,
            description=description,
            idempotency_key=idempotency_key,
            actor=actor,
            now=now,
            subscription=subscription,
        )


def balance_apply_to_invoices(invoices: Sequence[Invoice], *, actor: str, now: datetime) -> None:
    """Let the payers' balances pay the just-recorded ``invoices`` first, before they are collected. The invoices
    are saved by the caller's insert and updated here (in memory too, so ``schedule_collection`` sees what is
    left to collect): ``balance_applied``; an invoice covered whole is ``PAID`` now with nothing to collect.

    One query when no payer has a balance (the renewal job records invoices in bulk); otherwise locks the balance
    rows involved in primary-key order. Idempotency key per invoice: ``applied:{invoice key}``, and an invoice is
    new when this runs, so it is paid from the balance once.
    """
    payable = [invoice for invoice in invoices if invoice.total > 0 and invoice.balance_applied == 0]
    if not payable:
        return
    wanted = {(payer_id(invoice.subscription), invoice.currency) for invoice in payable}
    customer_ids = {customer_id for customer_id, _ in wanted}
    candidates = CustomerBalance.objects.filter(customer_id__in=customer_ids, amount__gt=0).order_by("pk")
    candidate_ids = [row.pk for row in candidates if (row.customer_id, row.currency) in wanted]
    if not candidate_ids:
        return
    balances = {
        (row.customer_id, row.currency): row
        for row in CustomerBalance.objects.select_for_update().filter(pk__in=candidate_ids).order_by("pk")
    }
    for invoice in payable:
        balance = balances.get((payer_id(invoice.subscription), invoice.currency))
        if balance is None or balance.amount <= 0:
            continue
        outcome = balance_outcome(
            starting=balance.amount, currency=invoice.currency, invoice_total=invoice.total, credited=ZERO
        )
        _append(
            balance,
            amount=-outcome.applied,
            kind=BalanceTransactionKind.INVOICE_APPLIED,
            description=f"Applied to invoice {invoice.billing_ref}",
            idempotency_key=f"applied:{invoice.idempotency_key}",
            actor=actor,
            now=now,
            subscription=invoice.subscription,
            invoice=invoice,
        )
        invoice.balance_applied = outcome.applied
        fields = ["balance_applied"]
        if invoice.amount_due == 0:
            invoice.status, invoice.paid_at = InvoiceStatus.PAID, now
            invoice.collection_status = CollectionStatus.NOT_REQUIRED
            fields += ["status", "paid_at", "collection_status"]
        invoice.save(update_fields=fields)


def payer_balance_preview(
    *, payer_customer_id: int, currency: str, invoice_total: Decimal, credited: Decimal = ZERO
) -> BalanceOutcome:
    """What recording an invoice of ``invoice_total`` (and crediting ``credited``) now would do to the payer's
    balance in ``currency``, by the one rule (``balance_outcome``). Reads only; the previews show it."""
    starting = customer_balance(customer_id=payer_customer_id, currency=currency)
    return balance_outcome(starting=starting, currency=currency, invoice_total=invoice_total, credited=credited)


def subscription_preview_balance(preview: SubscriptionPreview) -> BalanceOutcome:
    """``payer_balance_preview`` for a new subscription's immediate invoice (S6): the same rule as the update
    preview's, so both show what the balance would pay and what is left due."""
    invoice = preview.immediate_invoice
    return payer_balance_preview(
        payer_customer_id=preview.payer_customer_id, currency=invoice.currency, invoice_total=invoice.total
    )


def balance_preview(
    *, subscription: Subscription, currency: str, invoice_total: Decimal, credited: Decimal
) -> BalanceOutcome:
    """``payer_balance_preview`` for the payer of an existing subscription (the update preview)."""
    return payer_balance_preview(
        payer_customer_id=payer_id(subscription), currency=currency, invoice_total=invoice_total, credited=credited
    )


@transaction.atomic
def customer_balance_adjust(
    *, customer_id: int, currency: str, amount: Decimal, reason: str, actor: str, now: datetime, request_key: str
) -> CustomerBalanceTransaction | None:
    """An operator's correction of a customer's balance (``ADJUSTMENT``), by ``amount`` (negative takes away).
    Idempotency key: ``adjustment:{request_key}`` (the admin form's token: a resubmitted form adjusts once).
    Errors: ``InvalidInput`` (400) for an empty reason, or a balance that would go below zero."""
    if not reason.strip():
        raise InvalidInput("is required", field="reason")
    try:
        return balance_credit(
            customer_id=customer_id,
            currency=currency,
            amount=amount,
            kind=BalanceTransactionKind.ADJUSTMENT,
            description=reason,
            idempotency_key=f"adjustment:{request_key}",
            actor=actor,
            now=now,
        )
    except IntegrityError:
        existing = CustomerBalanceTransaction.objects.filter(idempotency_key=f"adjustment:{request_key}").first()
        if existing is None:
            raise
        return existing

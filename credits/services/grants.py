"""Credit grants: create (PAID, PROMOTIONAL from the API; RECURRING and recharges from this server), void, and
mark a grant's invoice paid."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from catalog.money import Currency
from catalog.selectors import custom_currency_get
from config.payments.gateway import CollectionOutcome, CollectionResult
from config.payments.provider_calls import ProviderCall, provider_call_run
from credits import errors
from credits.enums import InvoiceStatus, LedgerEventType, PaymentCollection, PaymentCollectionMethod
from credits.models import CreditGrant, CreditInvoice
from credits.services.common import wallet_scope
from credits.wallets import ZERO, grant_activate, grant_close, wallet_lock, wallet_settle

DEFAULT_PRIORITY = 50
MAX_PRIORITY = 100


@dataclass(frozen=True)
class GrantRequest:
    """A grant as the API, the admin or a job asks for it (wire names in the comments)."""

    customer_ref_id: str
    currency_ref_id: str
    amount: Decimal
    display_name: str
    grant_type: str
    priority: int = DEFAULT_PRIORITY
    effective_at: datetime | None = None  # effectiveAt; None: now
    expire_at: datetime | None = None
    cost_amount: Decimal | None = None
    cost_currency: str = Currency.USD
    payment_collection_method: str | None = None
    await_payment_confirmation: bool = True
    comment: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    resource_ref_id: str | None = None
    source_type: str | None = None
    idempotency_key: str | None = None
    created_by: str = "api"
    # Collect the invoice through the payment gateway after commit (recharges have charged already).
    collect_payment: bool = True


def _validate(request: GrantRequest, *, now: datetime) -> None:
    if request.amount <= 0:
        raise errors.InvalidCreditInput("must be greater than 0", field="amount")
    if not 0 <= request.priority <= MAX_PRIORITY:
        raise errors.InvalidCreditInput(f"must be between 0 and {MAX_PRIORITY}", field="priority")
    if request.cost_amount is not None and request.cost_amount < 0:
        raise errors.InvalidCreditInput("must not be negative", field="cost.amount")
    effective_at = request.effective_at or now
    if request.expire_at is not None and request.expire_at <= max(effective_at, now):
        raise errors.InvalidCreditInput("must be after effectiveAt and in the future", field="expireAt")


def _needs_invoice(request: GrantRequest) -> bool:
    return (
        request.cost_amount is not None
        and request.cost_amount > 0
        and request.payment_collection_method != PaymentCollectionMethod.NONE
    )


def credit_grant_create(*, request: GrantRequest, now: datetime) -> CreditGrant:
    """Grant credits to a customer's wallet.

    Errors, before anything is written: 400 for a zero or negative amount, a priority outside 0-100, a negative
    cost or an expiry not after the effective time (and now); 404 for an unknown customer, currency or resource.
    Lock: the wallet's balance row. A grant effective now (or earlier) is granted at once (a ``CREDITS_GRANTED``
    entry); a later one is ``SCHEDULED`` until ``wallet_settle`` reaches its time. A cost above zero is recorded
    as an ``OPEN`` invoice, collected through the payment gateway after commit (``credit_invoice_collect``); with
    ``paymentCollectionMethod: INVOICE`` and
    ``awaitPaymentConfirmation`` (the default) the credits wait for that invoice to be paid. Idempotency key
    (recurring grants and recharges): a key already used returns that grant and writes nothing.
    """
    _validate(request, now=now)
    if request.idempotency_key is not None:
        # The sweepers ask again every period: answer a known key without taking the wallet's lock.
        existing = CreditGrant.objects.filter(idempotency_key=request.idempotency_key).first()
        if existing is not None:
            return existing
    customer, currency, resource_key = wallet_scope(
        customer_ref_id=request.customer_ref_id,
        currency=custom_currency_get(request.currency_ref_id, field="currencyId"),
        resource_ref_id=request.resource_ref_id,
    )
    awaiting = (
        _needs_invoice(request)
        and request.payment_collection_method == PaymentCollectionMethod.INVOICE
        and request.await_payment_confirmation
    )
    with transaction.atomic():
        balance = wallet_lock(customer=customer, currency=currency, resource_key=resource_key, now=now)
        if request.idempotency_key is not None:
            existing = CreditGrant.objects.filter(idempotency_key=request.idempotency_key).first()
            if existing is not None:
                return existing
        wallet_settle(balance=balance, now=now)
        grant = CreditGrant.objects.create(
            balance=balance,
            grant_type=request.grant_type,
            source_type=request.source_type,
            display_name=request.display_name,
            comment=request.comment,
            metadata=dict(request.metadata),
            amount=request.amount,
            priority=request.priority,
            effective_at=request.effective_at or now,
            expire_at=request.expire_at,
            awaiting_payment=awaiting,
            cost_amount=request.cost_amount or ZERO,
            cost_currency=request.cost_currency,
            payment_collection=PaymentCollection.PROCESSING if awaiting else PaymentCollection.NOT_REQUIRED,
            idempotency_key=request.idempotency_key,
            created_by=request.created_by,
            created_at=now,
            updated_at=now,
        )
        if _needs_invoice(request):
            invoice = CreditInvoice.objects.create(
                customer=customer,
                grant=grant,
                total=request.cost_amount,
                currency=request.cost_currency,
                idempotency_key=f"credit-grant:{grant.ref_id}",
                created_at=now,
                updated_at=now,
            )
            if request.collect_payment:
                invoice_id = invoice.pk
                transaction.on_commit(lambda: credit_invoice_collect(invoice_id=invoice_id, now=now), robust=True)
        if not awaiting and grant.effective_at <= now:
            grant_activate(balance=balance, grant=grant, now=now)
    return grant


def credit_grant_void(*, grant: CreditGrant, now: datetime) -> CreditGrant:
    """Void what is left of a grant (G3): a ``CREDITS_VOIDED`` entry for its remainder; what was consumed stays
    consumed. Its open invoice is cancelled. Idempotent: voiding a voided grant returns it unchanged. 409
    ``GRANT_NOT_VOIDABLE`` once it expired. Lock: the wallet's balance row."""
    with transaction.atomic():
        balance = wallet_lock(
            customer=grant.balance.customer,
            currency=grant.balance.currency,
            resource_key=grant.balance.resource_key,
            now=now,
        )
        wallet_settle(balance=balance, now=now)
        grant = CreditGrant.objects.select_related("balance__customer", "balance__currency").get(pk=grant.pk)
        if grant.voided_at is not None:
            return grant
        if grant.expired_at is not None:
            raise errors.GrantNotVoidable(f"grant {grant.ref_id} has expired; there is nothing left to void")
        grant_close(balance=balance, grant=grant, event_type=LedgerEventType.CREDITS_VOIDED, now=now)
        CreditInvoice.objects.filter(grant=grant, status=InvoiceStatus.OPEN).update(
            status=InvoiceStatus.CANCELED, updated_at=now
        )
    return grant


def credit_invoice_mark_paid(*, invoice: CreditInvoice, now: datetime) -> CreditInvoice:
    """Record that a grant's invoice was paid (an operator, or a gateway that collected it); a grant that waited
    for the payment is granted now. Idempotent for a paid invoice; 409 for a cancelled one."""
    grant = invoice.grant
    with transaction.atomic():
        balance = wallet_lock(
            customer=grant.balance.customer,
            currency=grant.balance.currency,
            resource_key=grant.balance.resource_key,
            now=now,
        )
        invoice = CreditInvoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status == InvoiceStatus.PAID:
            return invoice
        if invoice.status == InvoiceStatus.CANCELED:
            raise errors.CreditInvoiceNotOpen(f"invoice {invoice.ref_id} was cancelled")
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = now
        invoice.updated_at = now
        invoice.save(update_fields=["status", "paid_at", "updated_at"])
        grant = CreditGrant.objects.get(pk=grant.pk)
        if grant.awaiting_payment:
            grant.awaiting_payment = False
            grant.payment_collection = PaymentCollection.NOT_REQUIRED
            grant.updated_at = now
            grant.save(update_fields=["awaiting_payment", "payment_collection", "updated_at"])
            wallet_settle(balance=balance, now=now)
    return invoice


def _claim_collection(*, invoice_id: int, now: datetime) -> ProviderCall[CreditInvoice] | None:
    """Lock the invoice and record the collection attempt, once; ``None`` when attempted already or not open. Runs
    in the flow's claim transaction."""
    invoice = CreditInvoice.objects.select_for_update().filter(pk=invoice_id).first()
    if invoice is None or invoice.status != InvoiceStatus.OPEN or invoice.collection_attempted_at is not None:
        return None
    invoice.collection_attempted_at = now
    invoice.save(update_fields=["collection_attempted_at"])
    return ProviderCall(record=invoice, charge=invoice, idempotency_key=invoice.idempotency_key)


def _finalize_collection(
    call: ProviderCall[CreditInvoice], result: CollectionResult, *, now: datetime
) -> CreditInvoice:
    """Write the gateway's answer in one transaction, under the lock order of ``credit_invoice_mark_paid`` (the
    wallet, then the invoice): the provider's reference always; COLLECTED pays the invoice (a cancelled one, whose
    grant was voided while the call ran, keeps the reference and an error asking for a refund); FAILED records the
    error and a waiting grant's ``paymentCollection`` becomes ``FAILED``; PENDING leaves it open."""
    grant = CreditGrant.objects.select_related("balance__customer", "balance__currency").get(pk=call.record.grant_id)
    wallet_lock(
        customer=grant.balance.customer,
        currency=grant.balance.currency,
        resource_key=grant.balance.resource_key,
        now=now,
    )
    invoice = CreditInvoice.objects.select_for_update().get(pk=call.record.pk)
    invoice.provider_reference = result.provider_reference[:255]
    invoice.save(update_fields=["provider_reference"])
    if result.status == CollectionOutcome.COLLECTED:
        if invoice.status != InvoiceStatus.CANCELED:
            return credit_invoice_mark_paid(invoice=invoice, now=now)
        invoice.collection_error = "collected after the invoice was cancelled (its grant voided): refund it"
        invoice.updated_at = now
        invoice.save(update_fields=["collection_error", "updated_at"])
    elif result.status == CollectionOutcome.FAILED:
        invoice.collection_error = (result.error or "collection failed")[:500]
        invoice.updated_at = now
        invoice.save(update_fields=["collection_error", "updated_at"])
        CreditGrant.objects.filter(pk=invoice.grant_id, awaiting_payment=True).update(
            payment_collection=PaymentCollection.FAILED, updated_at=now
        )
    return invoice


def credit_invoice_collect(*, invoice_id: int, now: datetime) -> CreditInvoice | None:
    """Collect a paid grant's invoice through the payment gateway, by the provider-call flow
    (``config.payments.provider_calls``): after the grant's transaction committed, holding no lock during the
    call, with the invoice's idempotency key.

    COLLECTED marks it paid (``credit_invoice_mark_paid``: a grant waiting for the payment is granted); FAILED
    records the error (a waiting grant's ``paymentCollection`` becomes ``FAILED``); PENDING (manual collection)
    leaves it open for an operator. Idempotent: an invoice attempted already is skipped (``None``); an attempt
    whose outcome is unknown (the gateway raised) is not retried blindly."""
    return provider_call_run(
        claim=lambda: _claim_collection(invoice_id=invoice_id, now=now),
        finalize=lambda call, result: _finalize_collection(call, result, now=now),
    )

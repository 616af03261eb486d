"""Invoices after they are recorded: collecting them through the payment gateway, and marking one paid (I2)."""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from config.payments.gateway import CollectionOutcome, CollectionResult
from config.payments.provider_calls import ProviderCall, provider_call_run
from subscriptions.enums import CollectionStatus, InvoiceStatus
from subscriptions.errors import InvoiceNotOpen
from subscriptions.models import Invoice, Subscription

ERROR_MAX_LENGTH = 500


def schedule_collection(invoices: Sequence[Invoice], *, now: datetime) -> None:
    """Queue ``invoice_collect`` for each of ``invoices`` (just recorded, those with something to pay) for after the
    current transaction commits: a rollback collects nothing. One callback for the lot (a renewal chunk records
    many). ``robust``: a gateway that raises is logged and never fails the request or job that recorded them."""
    invoice_ids = [invoice.pk for invoice in invoices if invoice.collection_status == CollectionStatus.PENDING]
    if not invoice_ids:
        return

    def collect() -> None:
        for invoice_id in invoice_ids:
            invoice_collect(invoice_id=invoice_id, now=now)

    transaction.on_commit(collect, robust=True)


def _claim_attempt(*, invoice_id: int, now: datetime) -> ProviderCall[Invoice] | None:
    """Lock the invoice, and record that collection is being attempted, once: ``None`` when it was attempted
    already, is finalized, or is no longer open. Runs in the flow's claim transaction."""
    invoice = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
    if invoice is None or invoice.status != InvoiceStatus.OPEN:
        return None
    if invoice.collection_status != CollectionStatus.PENDING or invoice.collection_attempted_at is not None:
        return None
    invoice.collection_attempted_at = now
    invoice.save(update_fields=["collection_attempted_at"])
    return ProviderCall(record=invoice, charge=invoice, idempotency_key=invoice.idempotency_key)


def _finalize(call: ProviderCall[Invoice], result: CollectionResult, *, now: datetime) -> Invoice:
    """Write the gateway's result on the locked invoice. COLLECTED pays an invoice still ``OPEN``; FAILED keeps it
    open with the error; PENDING keeps it waiting (manual collection)."""
    invoice = Invoice.objects.select_for_update().get(pk=call.record.pk)
    if invoice.collection_status != CollectionStatus.PENDING:
        return invoice
    invoice.provider_reference = result.provider_reference[:255]
    fields = ["provider_reference"]
    if result.status == CollectionOutcome.COLLECTED:
        invoice.collection_status = CollectionStatus.COLLECTED
        fields.append("collection_status")
        if invoice.status == InvoiceStatus.OPEN:
            invoice.status, invoice.paid_at = InvoiceStatus.PAID, now
            fields += ["status", "paid_at"]
    elif result.status == CollectionOutcome.FAILED:
        invoice.collection_status = CollectionStatus.FAILED
        invoice.collection_error = (result.error or "collection failed")[:ERROR_MAX_LENGTH]
        fields += ["collection_status", "collection_error"]
    invoice.save(update_fields=fields)
    return invoice


def invoice_collect(*, invoice_id: int, now: datetime) -> Invoice | None:
    """Collect an invoice through the configured gateway, by the provider-call flow
    (``config.payments.provider_calls``). Runs after the invoice's transaction committed
    (``schedule_collection``), never inside a caller's transaction.

    Claim: lock the invoice, set ``collection_attempted_at``, commit; call the gateway with the invoice's
    ``idempotency_key``, holding no lock; finalize: lock again, write the result (COLLECTED marks the invoice
    ``PAID``, FAILED records the error and leaves it ``OPEN``). Idempotent: an invoice attempted already,
    finalized, or not open is skipped (``None``), so the gateway is called once per invoice however often this
    runs; an attempt that never finalized (a crash, a gateway error) stays PENDING and is shown to operators
    (``selectors.invoices_needing_attention``), not retried blindly.
    """
    return provider_call_run(
        claim=lambda: _claim_attempt(invoice_id=invoice_id, now=now),
        finalize=lambda call, result: _finalize(call, result, now=now),
    )


@transaction.atomic
def invoice_mark_paid(*, subscription: Subscription, now: datetime) -> Invoice:
    """Mark the subscription's latest invoice ``PAID`` (collected by hand: its collection is COLLECTED unless
    nothing was to collect). Locks that invoice row.

    Errors: ``InvoiceNotOpen`` (409) when there is no invoice or the latest one is not ``OPEN`` (already paid, or
    canceled); marking twice is therefore refused the second time, as the contract says.
    """
    invoice = Invoice.objects.select_for_update().filter(subscription=subscription).order_by("-pk").first()
    if invoice is None:
        raise InvoiceNotOpen(f"subscription {subscription.ref_id} has no invoice")
    if invoice.status != InvoiceStatus.OPEN:
        raise InvoiceNotOpen(f"the latest invoice of subscription {subscription.ref_id} is {invoice.status}, not OPEN")
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = now
    if invoice.collection_status != CollectionStatus.NOT_REQUIRED:
        invoice.collection_status = CollectionStatus.COLLECTED
    invoice.save(update_fields=["status", "paid_at", "collection_status"])
    return invoice

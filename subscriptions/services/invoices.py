"""Invoices after they are recorded: marking the latest one paid (I2)."""

from datetime import datetime

from django.db import transaction

from subscriptions.enums import InvoiceStatus
from subscriptions.errors import InvoiceNotOpen
from subscriptions.models import Invoice, Subscription


@transaction.atomic
def invoice_mark_paid(*, subscription: Subscription, now: datetime) -> Invoice:
    """Mark the subscription's latest invoice ``PAID``. Locks that invoice row.

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
    invoice.save(update_fields=["status", "paid_at"])
    return invoice

"""Collecting invoices through the payment gateway: after commit, once per invoice, the result finalized.

``ProviderGateway`` stands in for an external payment provider (configured through ``settings.PAYMENT_GATEWAY``);
everything else is the project's own code."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import ClassVar

import pytest
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from config.payments.gateway import CollectionOutcome, CollectionResult, ManualCollectionGateway, payment_gateway
from subscriptions.enums import CollectionStatus, InvoiceStatus
from subscriptions.models import Invoice
from subscriptions.selectors import invoices_needing_attention
from subscriptions.services.invoices import invoice_collect, invoice_mark_paid
from subscriptions.services.lifecycle import subscriptions_renew
from tests.subscriptions.builders import catalog_for_subscriptions, customer, provision

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)

pytestmark = pytest.mark.django_db


class ProviderGateway:
    """A payment provider double: answers ``result`` and records each call."""

    result: ClassVar[CollectionResult] = CollectionResult(status=CollectionOutcome.COLLECTED, provider_reference="pi_1")
    calls: ClassVar[list[tuple[int, str, Decimal]]] = []

    def collect(self, *, invoice: Invoice, idempotency_key: str) -> CollectionResult:
        self.calls.append((invoice.pk, idempotency_key, invoice.total))
        return self.result


@pytest.fixture
def catalog(db: None) -> None:
    catalog_for_subscriptions()
    customer("customer-1")


@pytest.fixture
def provider(settings: Settings) -> type[ProviderGateway]:
    settings.PAYMENT_GATEWAY = f"{__name__}.ProviderGateway"
    ProviderGateway.calls = []
    ProviderGateway.result = CollectionResult(status=CollectionOutcome.COLLECTED, provider_reference="pi_1")
    return ProviderGateway


def provision_basic(capture: DjangoCaptureOnCommitCallbacks) -> Invoice:
    """Provision a paid monthly plan and run what its commit runs; its creation invoice (10 usd)."""
    with capture(execute=True) as callbacks:
        subscription = provision("plan-basic", now=NOW, billing_period="MONTHLY")
    assert len(callbacks) >= 1
    return Invoice.objects.get(subscription=subscription)


def collection(invoice: Invoice) -> tuple[str, str, str, str, bool]:
    invoice.refresh_from_db()
    return (
        invoice.status,
        invoice.collection_status,
        invoice.provider_reference,
        invoice.collection_error,
        invoice.collection_attempted_at is not None,
    )


def test_collected_marks_the_invoice_paid(
    catalog: None, provider: type[ProviderGateway], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    invoice = provision_basic(django_capture_on_commit_callbacks)

    assert collection(invoice) == (InvoiceStatus.PAID, CollectionStatus.COLLECTED, "pi_1", "", True)
    assert invoice.paid_at == NOW
    assert provider.calls == [(invoice.pk, f"creation:{invoice.subscription_id}", Decimal(10))]


def test_failed_records_the_error_and_leaves_the_invoice_open(
    catalog: None, provider: type[ProviderGateway], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    provider.result = CollectionResult(
        status=CollectionOutcome.FAILED, provider_reference="pi_2", error="card declined"
    )

    invoice = provision_basic(django_capture_on_commit_callbacks)

    assert collection(invoice) == (InvoiceStatus.OPEN, CollectionStatus.FAILED, "pi_2", "card declined", True)
    assert invoice.paid_at is None
    assert list(Invoice.objects.filter(invoices_needing_attention(NOW))) == [invoice]


@pytest.mark.parametrize("status", list(CollectionOutcome))
def test_the_gateway_is_called_once_per_invoice_however_often_collection_runs(
    catalog: None,
    provider: type[ProviderGateway],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    status: CollectionOutcome,
) -> None:
    provider.result = CollectionResult(status=status, provider_reference="pi_3")
    invoice = provision_basic(django_capture_on_commit_callbacks)
    before = collection(invoice)

    again = invoice_collect(invoice_id=invoice.pk, now=NOW + timedelta(minutes=5))

    assert again is None
    assert len(provider.calls) == 1
    assert collection(invoice) == before


def test_nothing_is_collected_before_commit_nor_for_a_free_invoice(
    catalog: None, provider: type[ProviderGateway], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        subscription = provision("plan-basic", now=NOW, billing_period="MONTHLY")
    invoice = Invoice.objects.get(subscription=subscription)
    assert provider.calls == []
    assert collection(invoice) == (InvoiceStatus.OPEN, CollectionStatus.PENDING, "", "", False)

    for callback in callbacks:
        callback()

    assert len(provider.calls) == 1
    with django_capture_on_commit_callbacks(execute=True):
        free = provision("plan-free", now=NOW)
    assert (free.invoices.count(), len(provider.calls)) == (0, 1)


def test_the_manual_gateway_leaves_the_invoice_open_for_an_operator(
    catalog: None, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    assert isinstance(payment_gateway(), ManualCollectionGateway)

    invoice = provision_basic(django_capture_on_commit_callbacks)

    assert collection(invoice) == (InvoiceStatus.OPEN, CollectionStatus.PENDING, "", "", True)
    assert not Invoice.objects.filter(invoices_needing_attention(NOW + timedelta(hours=23))).exists()
    assert list(Invoice.objects.filter(invoices_needing_attention(NOW + timedelta(days=1)))) == [invoice]

    invoice_mark_paid(subscription=invoice.subscription, now=NOW + timedelta(days=2))

    assert collection(invoice) == (InvoiceStatus.PAID, CollectionStatus.COLLECTED, "", "", True)
    assert not Invoice.objects.filter(invoices_needing_attention(NOW + timedelta(days=3))).exists()


def test_a_renewal_chunk_collects_each_of_its_invoices_after_commit(
    catalog: None, provider: type[ProviderGateway], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    customer("customer-2")
    with django_capture_on_commit_callbacks(execute=True):
        first = provision("plan-basic", now=NOW, billing_period="MONTHLY")
        second = provision("plan-basic", now=NOW, customer_ref_id="customer-2", billing_period="MONTHLY")
    provider.calls = []

    with django_capture_on_commit_callbacks(execute=True):
        assert subscriptions_renew(subscription_ids=[first.pk, second.pk], now=NOW + timedelta(days=31)) == 2

    renewed = Invoice.objects.filter(billing_reason="BILLING_CYCLE").order_by("pk")
    assert [(invoice.status, invoice.collection_status) for invoice in renewed] == [
        (InvoiceStatus.PAID, CollectionStatus.COLLECTED)
    ] * 2
    assert [call[0] for call in provider.calls] == [invoice.pk for invoice in renewed]

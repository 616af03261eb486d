"""The provider-call flow itself: the claim commits before the provider is called, the call holds no transaction,
a crash leaves the record claimed and visible, and a claimed or finalized record never reaches the provider again.

The record is a credit grant's invoice (its columns fit: an attempt time, a provider reference); the claim and the
finalize below are the test's own, so what is tested is the flow, not the credit services."""

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from django.db import connection, transaction
from pytest_django.fixtures import Settings

from config.payments.gateway import CollectionOutcome, CollectionResult
from config.payments.provider_calls import ProviderCall, provider_call_resume, provider_call_run
from credits.models import CreditInvoice
from tests.credits.builders import grant, wallet_setup
from tests.races import race

NOW = datetime(2024, 6, 15, 12, tzinfo=UTC)


class RecordingGateway:
    """A provider double: records each call (its key, whether a transaction was open, and what another connection
    sees of the record at that moment), then answers ``COLLECTED`` or raises when ``unreachable``."""

    calls: ClassVar[list[dict[str, Any]]] = []
    unreachable: ClassVar[bool] = False

    def collect(self, *, invoice: CreditInvoice, idempotency_key: str) -> CollectionResult:
        seen, _ = race(lambda index: _attempted_at(invoice.pk), threads=1)
        self.calls.append({"key": idempotency_key, "in_transaction": connection.in_atomic_block, "seen": seen})
        if self.unreachable:
            raise ConnectionError("provider unreachable")
        return CollectionResult(status=CollectionOutcome.COLLECTED, provider_reference=f"pay-{len(self.calls)}")


def _attempted_at(invoice_id: int) -> datetime | None:
    return CreditInvoice.objects.values_list("collection_attempted_at", flat=True).get(pk=invoice_id)


@pytest.fixture
def gateway(settings: Settings) -> Iterator[type[RecordingGateway]]:
    settings.PAYMENT_GATEWAY = f"{__name__}.RecordingGateway"
    RecordingGateway.calls = []
    RecordingGateway.unreachable = False
    yield RecordingGateway


@pytest.fixture
def invoice(transactional_db: None) -> CreditInvoice:
    """An open invoice never sent to a provider (the grant does not collect it itself)."""
    wallet_setup()
    paid = grant(10, grant_type="PAID", cost_amount=Decimal(5), collect_payment=False)
    return CreditInvoice.objects.get(grant=paid)


def claim(invoice_id: int) -> ProviderCall[CreditInvoice] | None:
    record = CreditInvoice.objects.select_for_update().get(pk=invoice_id)
    if record.collection_attempted_at is not None:
        return None
    record.collection_attempted_at = NOW
    record.save(update_fields=["collection_attempted_at"])
    return ProviderCall(record=record, charge=record, idempotency_key=record.idempotency_key)


def finalize(call: ProviderCall[CreditInvoice], result: CollectionResult) -> CreditInvoice:
    record = CreditInvoice.objects.select_for_update().get(pk=call.record.pk)
    record.provider_reference = result.provider_reference
    record.save(update_fields=["provider_reference"])
    return record


def run(invoice: CreditInvoice) -> CreditInvoice | None:
    return provider_call_run(claim=lambda: claim(invoice.pk), finalize=finalize)


def test_the_claim_commits_before_the_provider_is_called_outside_any_transaction(
    invoice: CreditInvoice, gateway: type[RecordingGateway]
) -> None:
    finalized = run(invoice)

    assert gateway.calls == [{"key": invoice.idempotency_key, "in_transaction": False, "seen": [NOW]}]
    assert finalized is not None
    assert (finalized.collection_attempted_at, finalized.provider_reference) == (NOW, "pay-1")


def test_a_finalized_record_never_reaches_the_provider_again(
    invoice: CreditInvoice, gateway: type[RecordingGateway]
) -> None:
    run(invoice)

    assert run(invoice) is None
    assert [call["key"] for call in gateway.calls] == [invoice.idempotency_key]
    invoice.refresh_from_db()
    assert invoice.provider_reference == "pay-1"


def test_a_crash_between_claim_and_finalize_leaves_the_record_claimed_and_it_is_not_retried_blindly(
    invoice: CreditInvoice, gateway: type[RecordingGateway]
) -> None:
    gateway.unreachable = True

    with pytest.raises(ConnectionError):
        run(invoice)
    gateway.unreachable = False
    again = run(invoice)

    assert again is None
    assert len(gateway.calls) == 1
    invoice.refresh_from_db()
    assert (invoice.collection_attempted_at, invoice.provider_reference) == (NOW, "")


def test_an_operator_resumes_a_claimed_record_with_its_own_key(
    invoice: CreditInvoice, gateway: type[RecordingGateway]
) -> None:
    gateway.unreachable = True
    with pytest.raises(ConnectionError):
        run(invoice)
    gateway.unreachable = False
    invoice.refresh_from_db()

    resumed = provider_call_resume(
        call=ProviderCall(record=invoice, charge=invoice, idempotency_key=invoice.idempotency_key), finalize=finalize
    )

    assert [call["key"] for call in gateway.calls] == [invoice.idempotency_key] * 2
    assert resumed.provider_reference == "pay-2"


def test_the_flow_refuses_to_run_inside_a_callers_transaction(
    invoice: CreditInvoice, gateway: type[RecordingGateway]
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        run(invoice)

    assert gateway.calls == []
    invoice.refresh_from_db()
    assert invoice.collection_attempted_at is None

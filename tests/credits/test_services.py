"""Credit services against the database: grants, burn order, idempotent consumption, refusals that write
nothing, void, expiry and scheduled grants."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings

from catalog.errors import CustomCurrencyNotFound
from credits import errors
from credits.models import CreditBalance, CreditConsumption, CreditGrant, CreditInvoice, LedgerEntry
from credits.services.grants import credit_grant_void, credit_invoice_collect, credit_invoice_mark_paid
from credits.wallets import wallet_settle_by_id
from tests.credits import gateways
from tests.credits.builders import NOW, assert_wallet_consistent, balance_of, consume, grant, wallet_setup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def setup(db: None) -> None:
    wallet_setup()


def _entries() -> list[tuple[str, Decimal]]:
    return [(entry.event_type, entry.amount) for entry in LedgerEntry.objects.order_by("pk")]


def test_a_grant_writes_a_granted_entry_and_the_balance() -> None:
    created = grant(100)

    assert _entries() == [("CREDITS_GRANTED", Decimal(100))]
    assert balance_of().balance == 100
    assert (created.priority, created.effective_at, created.activated_at) == (50, NOW, NOW)
    assert_wallet_consistent(balance_of(), now=NOW)


def test_consumption_burns_by_priority_then_soonest_expiry_then_oldest() -> None:
    late_low = grant(10, priority=10, expire_at=NOW + timedelta(days=30), display_name="late")
    soon_low = grant(10, priority=10, expire_at=NOW + timedelta(days=5), display_name="soon")
    never_low_old = grant(10, priority=10, display_name="never-old", now=NOW)
    never_low_new = grant(10, priority=10, display_name="never-new", now=NOW + timedelta(seconds=1))
    first = grant(10, priority=0, display_name="first", now=NOW + timedelta(seconds=2))
    last = grant(10, priority=100, display_name="last", now=NOW + timedelta(seconds=3))
    later = NOW + timedelta(seconds=10)

    consume(45, "burn", now=later)

    consumed = {item.display_name: item.consumed_amount for item in CreditGrant.objects.all()}
    assert consumed == {
        first.display_name: 10,
        soon_low.display_name: 10,
        late_low.display_name: 10,
        never_low_old.display_name: 10,
        never_low_new.display_name: 5,
        last.display_name: 0,
    }
    assert balance_of().balance == 15
    assert_wallet_consistent(balance_of(), now=later)


def test_the_same_idempotency_key_consumes_once() -> None:
    grant(100)

    first = consume(30, "retry-me")
    again = consume(30, "retry-me")

    assert (first.consumed, again.consumed) == (30, 0)
    assert again.consumption.pk == first.consumption.pk
    assert (again.consumption.usage_limit, again.consumption.current_usage) == (100, 30)
    assert CreditConsumption.objects.count() == 1
    assert balance_of().balance == 70


def test_a_key_reused_for_another_amount_is_refused() -> None:
    grant(100)
    consume(30, "key")

    with pytest.raises(errors.IdempotencyKeyReused):
        consume(31, "key")
    assert balance_of().balance == 70


def test_overdrawing_is_refused_and_writes_nothing() -> None:
    grant(10)
    entries_before = _entries()

    with pytest.raises(errors.InsufficientCredits) as raised:
        consume(11, "too-much")

    assert raised.value.status == 422
    assert raised.value.details["field"] == "amount"
    assert _entries() == entries_before
    assert CreditConsumption.objects.count() == 0
    assert balance_of().balance == 10
    assert CreditGrant.objects.get().consumed_amount == 0


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"amount": 0}, errors.InvalidCreditInput, "amount"),
        ({"amount": -5}, errors.InvalidCreditInput, "amount"),
        ({"currency_ref_id": "gold"}, CustomCurrencyNotFound, "currencyId"),
        ({"customer_ref_id": "nobody"}, errors.CreditCustomerNotFound, "customerId"),
        ({"resource_ref_id": "site-9"}, errors.CreditResourceNotFound, "resourceId"),
    ],
)
def test_bad_consumptions_name_the_field_and_write_nothing(fields: dict, error: type, field: str) -> None:
    grant(10)
    amount = fields.pop("amount", 1)

    with pytest.raises(error) as raised:
        consume(amount, "bad", **fields)

    assert raised.value.details["field"] == field
    assert CreditConsumption.objects.count() == 0
    assert balance_of().balance == 10


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"amount": 0}, errors.InvalidCreditInput, "amount"),
        ({"amount": -1}, errors.InvalidCreditInput, "amount"),
        ({"priority": 101}, errors.InvalidCreditInput, "priority"),
        ({"priority": -1}, errors.InvalidCreditInput, "priority"),
        ({"expire_at": NOW}, errors.InvalidCreditInput, "expireAt"),
        (
            {"effective_at": NOW + timedelta(days=2), "expire_at": NOW + timedelta(days=1)},
            errors.InvalidCreditInput,
            "expireAt",
        ),
        ({"currency_ref_id": "gold"}, CustomCurrencyNotFound, "currencyId"),
        ({"customer_ref_id": "nobody"}, errors.CreditCustomerNotFound, "customerId"),
    ],
)
def test_bad_grants_name_the_field_and_write_nothing(fields: dict, error: type, field: str) -> None:
    amount = fields.pop("amount", 10)

    with pytest.raises(error) as raised:
        grant(amount, **fields)

    assert raised.value.details["field"] == field
    assert CreditGrant.objects.count() == 0
    assert LedgerEntry.objects.count() == 0
    assert CreditBalance.objects.count() == 0


def test_void_takes_away_what_is_left_once() -> None:
    created = grant(100)
    consume(30, "some")

    voided = credit_grant_void(grant=created, now=NOW + timedelta(minutes=1))
    again = credit_grant_void(grant=created, now=NOW + timedelta(minutes=2))

    assert voided.voided_at == NOW + timedelta(minutes=1)
    assert again.voided_at == voided.voided_at
    assert _entries() == [
        ("CREDITS_GRANTED", Decimal(100)),
        ("CREDITS_CONSUMED", Decimal(-30)),
        ("CREDITS_VOIDED", Decimal(-70)),
    ]
    assert balance_of().balance == 0
    with pytest.raises(errors.InsufficientCredits):
        consume(1, "after-void", now=NOW + timedelta(minutes=3))
    assert_wallet_consistent(balance_of(), now=NOW + timedelta(minutes=3))


def test_an_expired_grant_cannot_be_voided() -> None:
    created = grant(10, expire_at=NOW + timedelta(days=1))
    wallet_settle_by_id(balance_id=balance_of().pk, now=NOW + timedelta(days=2))

    with pytest.raises(errors.GrantNotVoidable):
        credit_grant_void(grant=created, now=NOW + timedelta(days=3))


def test_expiry_writes_an_expired_entry_for_the_remainder() -> None:
    grant(50, expire_at=NOW + timedelta(days=1))
    grant(20)
    consume(10, "before-expiry")
    after = NOW + timedelta(days=1)

    wallet_settle_by_id(balance_id=balance_of().pk, now=after)
    wallet_settle_by_id(balance_id=balance_of().pk, now=after + timedelta(hours=1))

    assert _entries()[-1] == ("CREDITS_EXPIRED", Decimal(-40))
    assert [event for event, _ in _entries()].count("CREDITS_EXPIRED") == 1
    assert balance_of().balance == 20
    assert_wallet_consistent(balance_of(), now=after)


def test_a_consumption_after_expiry_settles_first_and_cannot_use_expired_credits() -> None:
    grant(50, expire_at=NOW + timedelta(days=1))

    with pytest.raises(errors.InsufficientCredits):
        consume(1, "too-late", now=NOW + timedelta(days=1))
    assert balance_of().balance == 50  # the refusal rolled the settling back too: nothing written


def test_a_scheduled_grant_counts_from_its_time() -> None:
    grant(30, effective_at=NOW + timedelta(days=1))

    assert balance_of().balance == 0
    with pytest.raises(errors.InsufficientCredits):
        consume(1, "early")
    consume(10, "on-time", now=NOW + timedelta(days=1))

    assert _entries() == [("CREDITS_GRANTED", Decimal(30)), ("CREDITS_CONSUMED", Decimal(-10))]
    assert balance_of().balance == 20


def test_an_invoiced_grant_waits_for_its_payment() -> None:
    created = grant(
        100, grant_type="PAID", cost_amount=Decimal("9.99"), cost_currency="usd", payment_collection_method="INVOICE"
    )
    invoice = CreditInvoice.objects.get()

    assert (created.awaiting_payment, invoice.status, invoice.total) == (True, "OPEN", Decimal("9.99"))
    assert balance_of().balance == 0

    credit_invoice_mark_paid(invoice=invoice, now=NOW + timedelta(hours=1))
    credit_invoice_mark_paid(invoice=invoice, now=NOW + timedelta(hours=2))

    assert _entries() == [("CREDITS_GRANTED", Decimal(100))]
    assert balance_of().balance == 100


def test_a_paid_grant_charged_otherwise_is_available_at_once_with_an_open_invoice() -> None:
    grant(100, grant_type="PAID", cost_amount=Decimal(10), cost_currency="usd")

    assert CreditInvoice.objects.get().status == "OPEN"
    assert balance_of().balance == 100


def test_the_database_refuses_a_negative_hard_limited_balance() -> None:
    grant(5)

    with pytest.raises(IntegrityError), transaction.atomic():
        CreditBalance.objects.filter(pk=balance_of().pk).update(balance=Decimal(-1))


def test_the_database_refuses_a_negative_consumption_of_a_grant() -> None:
    created = grant(5)

    with pytest.raises(IntegrityError), transaction.atomic():
        CreditGrant.objects.filter(pk=created.pk).update(consumed_amount=Decimal(-1))


@override_settings(PAYMENT_GATEWAY="tests.credits.gateways.CollectingGateway")
def test_a_paid_grant_is_collected_once_through_the_gateway_after_commit(django_capture_on_commit_callbacks) -> None:
    gateways.CALLS.clear()
    with django_capture_on_commit_callbacks(execute=True):
        created = grant(100, grant_type="PAID", cost_amount=Decimal(12), payment_collection_method="INVOICE")
    invoice = CreditInvoice.objects.get()

    assert credit_invoice_collect(invoice_id=invoice.pk, now=NOW) is None  # attempted already
    assert [f"credit-grant:{created.ref_id}"] == gateways.CALLS
    invoice.refresh_from_db()
    assert (invoice.status, invoice.provider_reference) == ("PAID", "pay-1")
    assert balance_of().balance == 100


@override_settings(PAYMENT_GATEWAY="tests.credits.gateways.DecliningGateway")
def test_a_declined_invoice_leaves_the_waiting_grant_unpaid(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        created = grant(100, grant_type="PAID", cost_amount=Decimal(12), payment_collection_method="INVOICE")

    created.refresh_from_db()
    invoice = CreditInvoice.objects.get()
    assert (created.awaiting_payment, created.payment_collection) == (True, "FAILED")
    assert (invoice.status, invoice.collection_error) == ("OPEN", "card declined")
    assert balance_of().balance == 0


def test_a_cancelled_invoice_cannot_be_paid() -> None:
    created = grant(100, grant_type="PAID", cost_amount=Decimal(12), payment_collection_method="INVOICE")
    credit_grant_void(grant=created, now=NOW)

    with pytest.raises(errors.CreditInvoiceNotOpen):
        credit_invoice_mark_paid(invoice=CreditInvoice.objects.get(), now=NOW)
    assert balance_of().balance == 0

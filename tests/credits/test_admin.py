"""The credits console, through Django's test client: wallets with their read-only ledger, grant and void
actions, marking invoices paid, auto-recharge settings through the service, attempts needing attention."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client, override_settings
from django.utils import timezone

from credits.enums import RechargeStatus
from credits.models import AutoRechargeSettings, CreditGrant, CreditInvoice, LedgerEntry, RechargeAttempt
from credits.services.recharge import AutoRechargeInput, auto_recharge_save
from tests.credits import gateways
from tests.credits.builders import balance_of, consume, grant, wallet_setup

pytestmark = pytest.mark.django_db

ADMIN = "/admin/credits"


@pytest.fixture
def wallet(db: None) -> None:
    wallet_setup()
    grant(100, now=timezone.now())


def shown_messages(response: HttpResponse) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_every_page_lists(admin_client: Client, wallet: None) -> None:
    for model in [
        "creditbalance",
        "creditgrant",
        "ledgerentry",
        "creditinvoice",
        "autorechargesettings",
        "rechargeattempt",
    ]:
        assert admin_client.get(f"{ADMIN}/{model}/").status_code == 200, model


def test_a_wallet_shows_its_grants_and_ledger_read_only(admin_client: Client, wallet: None) -> None:
    consume(30, "shown", now=timezone.now())

    page = admin_client.get(f"{ADMIN}/creditbalance/{balance_of().pk}/change/")

    assert page.status_code == 200
    assert page.context["adminform"].form.fields == {}
    content = page.content.decode()
    assert "CREDITS_GRANTED" in content and "CREDITS_CONSUMED" in content
    entry = LedgerEntry.objects.first()
    assert admin_client.get(f"{ADMIN}/ledgerentry/{entry.pk}/change/").context["adminform"].form.fields == {}
    assert admin_client.get(f"{ADMIN}/ledgerentry/{entry.pk}/delete/").status_code == 403
    assert admin_client.get(f"{ADMIN}/ledgerentry/add/").status_code == 403


def test_the_grant_action_asks_then_grants_through_the_service(admin_client: Client, wallet: None) -> None:
    selected = {"action": "grant_credits", "_selected_action": [balance_of().pk]}

    form_page = admin_client.post(f"{ADMIN}/creditbalance/", selected)
    done = admin_client.post(
        f"{ADMIN}/creditbalance/",
        {
            **selected,
            "apply": "1",
            "amount": "25",
            "grant_type": "PROMOTIONAL",
            "display_name": "Sorry",
            "priority": "5",
        },
        follow=True,
    )

    assert form_page.status_code == 200 and b"Grant credits" in form_page.content
    created = CreditGrant.objects.get(display_name="Sorry")
    assert (created.amount, created.priority, created.created_by) == (25, 5, "admin:admin")
    assert balance_of().balance == 125
    assert any(message.startswith("Granted: customer-1") for message in shown_messages(done))


def test_the_grant_action_shows_a_refusal(admin_client: Client, wallet: None) -> None:
    response = admin_client.post(
        f"{ADMIN}/creditbalance/",
        {
            "action": "grant_credits",
            "_selected_action": [balance_of().pk],
            "apply": "1",
            "amount": "25",
            "grant_type": "PROMOTIONAL",
            "display_name": "Too important",
            "priority": "500",
        },
        follow=True,
    )

    assert shown_messages(response) == ["customer-1 tokens: priority: must be between 0 and 100"]
    assert not CreditGrant.objects.filter(display_name="Too important").exists()


def test_the_void_action_voids_through_the_service(admin_client: Client, wallet: None) -> None:
    created = CreditGrant.objects.get()

    admin_client.post(f"{ADMIN}/creditgrant/", {"action": "void_grants", "_selected_action": [created.pk]})

    created.refresh_from_db()
    assert created.voided_at is not None
    assert balance_of().balance == 0


def test_marking_an_invoice_paid_grants_what_waited_for_it(admin_client: Client, wallet: None) -> None:
    grant(50, grant_type="PAID", cost_amount=Decimal(5), payment_collection_method="INVOICE", now=timezone.now())
    invoice = CreditInvoice.objects.get()

    admin_client.post(f"{ADMIN}/creditinvoice/", {"action": "mark_paid", "_selected_action": [invoice.pk]})

    invoice.refresh_from_db()
    assert invoice.status == "PAID"
    assert balance_of().balance == 150


def test_auto_recharge_settings_save_through_the_service(admin_client: Client, wallet: None) -> None:
    data = {
        "customer": "customer-1",
        "currency": "tokens",
        "is_enabled": "on",
        "threshold_type": "CREDIT_AMOUNT",
        "threshold_value": "20",
        "target_balance": "80",
        "max_spend_limit": "",
        "grant_expiration_period": "1_MONTH",
    }

    added = admin_client.post(f"{ADMIN}/autorechargesettings/add/", data)
    refused = admin_client.post(
        f"{ADMIN}/autorechargesettings/{AutoRechargeSettings.objects.get().pk}/change/",
        {**data, "target_balance": "10"},
    )

    assert added.status_code == 302
    settings = AutoRechargeSettings.objects.get()
    assert (settings.threshold_value, settings.target_balance, settings.is_enabled) == (20, 80, True)
    assert refused.status_code == 200  # shown again with the refusal
    settings.refresh_from_db()
    assert settings.target_balance == 80


def test_attempts_needing_attention_are_filtered(admin_client: Client, wallet: None) -> None:
    settings = auto_recharge_save(
        data=AutoRechargeInput("customer-1", "tokens", True, "CREDIT_AMOUNT", Decimal(10), Decimal(50), None),
        now=timezone.now(),
    )
    now = timezone.now()
    fields = {"settings": settings, "credit_amount": 1, "cost_amount": 1, "cost_currency": "usd", "balance_before": 0}
    stuck = RechargeAttempt.objects.create(idempotency_key="k-1", created_at=now - timedelta(hours=1), **fields)
    failed = RechargeAttempt.objects.create(
        idempotency_key="k-2", status=RechargeStatus.FAILED, created_at=now, finished_at=now, **fields
    )
    RechargeAttempt.objects.create(
        idempotency_key="k-3", status=RechargeStatus.SUCCEEDED, created_at=now, finished_at=now, **fields
    )

    response = admin_client.get(f"{ADMIN}/rechargeattempt/", {"attention": "yes"})

    assert sorted(item.pk for item in response.context["cl"].result_list) == sorted([stuck.pk, failed.pk])


@override_settings(PAYMENT_GATEWAY="tests.credits.gateways.CollectingGateway")
def test_a_stuck_attempt_is_resolved_with_the_same_key(admin_client: Client, wallet: None) -> None:
    settings = auto_recharge_save(
        data=AutoRechargeInput("customer-1", "tokens", True, "CREDIT_AMOUNT", Decimal(10), Decimal(150), None),
        now=timezone.now(),
    )
    fields = {"settings": settings, "cost_currency": "usd", "balance_before": 100}
    stuck = RechargeAttempt.objects.create(
        idempotency_key="recharge:stuck", credit_amount=50, cost_amount=50, created_at=timezone.now(), **fields
    )
    gateways.CALLS.clear()

    response = admin_client.post(
        f"{ADMIN}/rechargeattempt/", {"action": "resolve_attempts", "_selected_action": [stuck.pk]}, follow=True
    )
    again = admin_client.post(
        f"{ADMIN}/rechargeattempt/", {"action": "resolve_attempts", "_selected_action": [stuck.pk]}, follow=True
    )

    stuck.refresh_from_db()
    assert stuck.status == RechargeStatus.SUCCEEDED
    assert gateways.CALLS == ["recharge:stuck"]
    assert shown_messages(response) == ["Resolved: recharge:stuck SUCCEEDED."]
    assert shown_messages(again) == ["recharge:stuck: attempt recharge:stuck is SUCCEEDED, not PENDING"]
    assert balance_of().balance == 150

"""Automatic recharge settings through the Python SDK (the Node SDK 3.95 has none): the defaults when nothing
is saved, save and read back, a recharge when a consumption leaves the wallet under the threshold, the monthly
spend cap, and bad settings refused naming the field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from config.wire import iso
from credits.models import AutoRechargeSettings, CreditGrant, RechargeAttempt
from tests.credits.builders import assert_wallet_consistent, balance_of, grant, wallet_setup
from tests.graphql.credits_answers import PYTHON_DUMP, python_errors
from tests.sdk.runners import PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def wallet(db: None) -> None:
    wallet_setup()
    grant(50, now=timezone.now() - timedelta(hours=1))


RECHARGE_SCENARIO = (
    PYTHON_DUMP
    + """
key = generated.GetAutoRechargeSettingsInput(customerId="customer-1", currencyId="tokens")
def read():
    return client.get_automatic_recharge_configuration(key).get_auto_recharge_settings
def consume(amount, idempotency_key):
    client.consume_credits(generated.ConsumeCreditInput(
        customerId="customer-1", currencyId="tokens", amount=amount, idempotencyKey=idempotency_key))
before = read()
saved = client.save_automatic_recharge_configuration(
    generated.SaveAutoRechargeSettingsInput.model_validate(input)).save_auto_recharge_settings
consume(40, "drain-1")  # 10 left, under the threshold of 20: topped up to 100 after commit, for 90 usd
recharged = read()
consume(85, "drain-2")  # 15 left: another 85 usd would pass the monthly cap of 150, so no recharge
capped = read()
result = dump({"before": before, "saved": saved, "recharged": recharged, "capped": capped})
"""
)


def test_python_sdk_saves_recharge_settings_and_a_drained_wallet_recharges_within_the_cap(
    python_sdk: PythonSdk, wallet: None
) -> None:
    result = python_sdk.run(
        RECHARGE_SCENARIO,
        {
            "customerId": "customer-1",
            "currencyId": "tokens",
            "environmentId": "production",
            "isEnabled": True,
            "thresholdType": "CreditAmount",
            "thresholdValue": 20,
            "targetBalance": 100,
            "maxSpendLimit": 150,
            "grantExpirationPeriod": "OneYear",
        },
    )

    stored = AutoRechargeSettings.objects.get()
    settings = {
        "customerId": "customer-1",
        "currencyId": "tokens",
        "isEnabled": True,
        "thresholdType": "CreditAmount",
        "thresholdValue": 20.0,
        "targetBalance": 100.0,
        "maxSpendLimit": 150.0,
        "grantExpirationPeriod": "OneYear",
        "createdAt": iso(stored.created_at),
        "updatedAt": iso(stored.updated_at),
    }
    assert result["before"] == {
        "customerId": "customer-1",
        "currencyId": "tokens",
        "isEnabled": False,
        "thresholdType": "CreditAmount",
        "thresholdValue": 0.0,
        "targetBalance": 0.0,
        "maxSpendLimit": None,
        "grantExpirationPeriod": "OneMonth",
        "currentMonthlySpend": 0.0,
        "createdAt": None,
        "updatedAt": None,
    }
    assert result["saved"] == settings | {"currentMonthlySpend": 0.0}
    assert result["recharged"] == settings | {"currentMonthlySpend": 90.0}
    assert result["capped"] == settings | {"currentMonthlySpend": 90.0}
    assert list(RechargeAttempt.objects.order_by("pk").values_list("status", "credit_amount")) == [
        ("SUCCEEDED", 90),
        ("SKIPPED", 85),
    ]
    recharge = CreditGrant.objects.get(grant_type="PAID")
    assert (recharge.amount, recharge.cost_amount, recharge.display_name) == (90, 90, "Automatic recharge")
    assert balance_of().balance == 15
    assert_wallet_consistent(balance_of(), now=timezone.now())


def test_python_sdk_bad_recharge_settings_are_refused_naming_the_field(python_sdk: PythonSdk, wallet: None) -> None:
    save = python_errors(
        "client.save_automatic_recharge_configuration(generated.SaveAutoRechargeSettingsInput.model_validate(item))"
    )
    base: dict[str, Any] = {
        "customerId": "customer-1",
        "currencyId": "tokens",
        "isEnabled": True,
        "thresholdValue": 20,
        "targetBalance": 100,
    }
    changes: list[dict[str, Any]] = [
        {"targetBalance": 20},
        {"thresholdValue": -1},
        {"maxSpendLimit": 0},
        {"targetBalance": None},
        {"currencyId": "gold"},
        {"customerId": "nobody"},
    ]
    read = python_errors(
        "client.get_automatic_recharge_configuration(generated.GetAutoRechargeSettingsInput.model_validate(item))"
    )

    errors = python_sdk.run(save, [base | change for change in changes])
    read_errors = python_sdk.run(
        read, [{"customerId": "nobody", "currencyId": "tokens"}, {"customerId": "customer-1", "currencyId": "gold"}]
    )

    assert errors == [
        {"code": "VALIDATION_ERROR", "message": "targetBalance: must be greater than thresholdValue"},
        {"code": "VALIDATION_ERROR", "message": "thresholdValue: must not be negative"},
        {"code": "VALIDATION_ERROR", "message": "maxSpendLimit: must be greater than 0, or null for no limit"},
        {"code": "VALIDATION_ERROR", "message": "targetBalance: This field is required."},
        {"code": "CUSTOM_CURRENCY_NOT_FOUND", "message": "currencyId: Custom currency gold not found"},
        {"code": "CUSTOMER_NOT_FOUND", "message": "customerId: no customer nobody"},
    ]
    assert read_errors == [
        {"code": "CUSTOMER_NOT_FOUND", "message": "customerId: no customer nobody"},
        {"code": "CUSTOM_CURRENCY_NOT_FOUND", "message": "currencyId: Custom currency gold not found"},
    ]
    assert not AutoRechargeSettings.objects.exists()

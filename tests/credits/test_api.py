"""G1-G3, L1, CU1, CN1, CN2, AR1 (and the PUT beside it) through the official Stigg client against the live
server, the CREDIT checks (C9 with ``currencyId``, C8), and bad input that writes nothing."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import stigg
from django.utils import timezone
from stigg.types.v1.credit_get_auto_recharge_response import CreditGetAutoRechargeResponse

from config.pagination import encode_key_cursor
from credits.models import AutoRechargeSettings, CreditBalance, CreditConsumption, CreditGrant, LedgerEntry
from tests.credits.builders import assert_wallet_consistent, balance_of, wallet_setup

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def wallet(db: None) -> None:
    wallet_setup()


def error_of(raised: pytest.ExceptionInfo[stigg.APIStatusError]) -> dict[str, Any]:
    return raised.value.body["error"]  # type: ignore[index]


def grant(client: stigg.Stigg, amount: float = 100, **fields: Any) -> Any:
    return client.v1.credits.grants.create(
        amount=amount,
        currency_id=fields.pop("currency_id", "tokens"),
        customer_id=fields.pop("customer_id", "customer-1"),
        display_name=fields.pop("display_name", "Welcome credits"),
        grant_type=fields.pop("grant_type", "PROMOTIONAL"),
        **fields,
    ).data


def consume(client: stigg.Stigg, amount: float, key: str, **fields: Any) -> Any:
    return client.v1.credits.consumption.consume(
        amount=amount,
        currency_id=fields.pop("currency_id", "tokens"),
        customer_id=fields.pop("customer_id", "customer-1"),
        idempotency_key=key,
        **fields,
    ).data


# --- grants -----------------------------------------------------------------------------------------------------------


def test_grant_create_returns_the_grant(stigg_client: stigg.Stigg, wallet: None) -> None:
    expire_at = datetime(2099, 1, 1, tzinfo=UTC)
    before = timezone.now()

    data = grant(
        stigg_client,
        amount=120.5,
        priority=10,
        expire_at=expire_at,
        comment="for trying us out",
        metadata={"campaign": "spring"},
    )

    stored = CreditGrant.objects.get()
    assert data.to_dict(warnings=False) | {"createdAt": None, "updatedAt": None, "effectiveAt": None} == {
        "id": str(stored.ref_id),
        "amount": 120.5,
        "consumedAmount": 0,
        "cost": {"amount": 0, "currency": "usd"},
        "createdAt": None,
        "updatedAt": None,
        "currencyId": "tokens",
        "customerId": "customer-1",
        "displayName": "Welcome credits",
        "effectiveAt": None,
        "expireAt": "2099-01-01T00:00:00.000Z",
        "grantType": "PROMOTIONAL",
        "invoiceId": None,
        "latestInvoice": None,
        "metadata": {"campaign": "spring"},
        "paymentCollection": "NOT_REQUIRED",
        "priority": 10,
        "status": "ACTIVE",
        "comment": "for trying us out",
        "resourceId": None,
        "sourceType": None,
        "syncStates": [],
        "voidedAt": None,
    }
    assert data.effective_at >= before
    assert balance_of().balance == Decimal("120.5")


def test_a_paid_grant_has_its_cost_and_invoice(stigg_client: stigg.Stigg, wallet: None) -> None:
    data = grant(stigg_client, amount=500, grant_type="PAID", cost={"amount": 49.99, "currency": "usd"})

    assert (data.cost.amount, data.cost.currency, data.status) == (49.99, "usd", "ACTIVE")
    assert (data.latest_invoice.status, data.latest_invoice.total, data.invoice_id) == (
        "OPEN",
        49.99,
        data.latest_invoice.billing_id,
    )


def test_an_invoiced_grant_is_payment_pending(stigg_client: stigg.Stigg, wallet: None) -> None:
    data = grant(
        stigg_client,
        amount=500,
        grant_type="PAID",
        cost={"amount": 10, "currency": "usd"},
        payment_collection_method="INVOICE",
    )

    assert (data.status, data.payment_collection) == ("PAYMENT_PENDING", "PROCESSING")
    assert balance_of().balance == 0


def test_a_scheduled_grant_is_scheduled(stigg_client: stigg.Stigg, wallet: None) -> None:
    data = grant(stigg_client, effective_at=timezone.now() + timedelta(days=2))

    assert data.status == "SCHEDULED"
    assert balance_of().balance == 0


def test_grants_list_filters_and_pages(stigg_client: stigg.Stigg, wallet: None) -> None:
    wallet_setup(customer="customer-2", currency="gems")
    first = grant(stigg_client, amount=1)
    second = grant(stigg_client, amount=2)
    grant(stigg_client, amount=3, currency_id="gems")
    grant(stigg_client, amount=4, customer_id="customer-2")

    every = [item.id for item in stigg_client.v1.credits.grants.list(customer_id="customer-1", limit=1)]
    tokens = stigg_client.v1.credits.grants.list(customer_id="customer-1", currency_id="tokens")
    later = stigg_client.v1.credits.grants.list(
        customer_id="customer-1", created_at={"gt": datetime(2099, 1, 1, tzinfo=UTC)}
    )

    assert len(every) == 3
    assert [item.id for item in tokens.data] == [first.id, second.id]
    assert tokens.pagination.next is None
    assert later.data == []


def test_void_returns_the_voided_grant_and_the_ledger_shows_it(stigg_client: stigg.Stigg, wallet: None) -> None:
    created = grant(stigg_client, amount=100)
    consume(stigg_client, 30, "first")

    voided = stigg_client.v1.credits.grants.void(created.id).data
    again = stigg_client.v1.credits.grants.void(created.id).data

    assert (voided.status, voided.consumed_amount) == ("VOIDED", 30)
    assert voided.voided_at is not None
    assert again.voided_at == voided.voided_at
    ledger = list(stigg_client.v1.credits.list_ledger(customer_id="customer-1"))
    assert [(entry.event_type, entry.amount, entry.credit_grant_id) for entry in ledger] == [
        ("CREDITS_GRANTED", 100, created.id),
        ("CREDITS_CONSUMED", -30, created.id),
        ("CREDITS_VOIDED", -70, created.id),
    ]
    assert balance_of().balance == 0


def test_void_of_an_unknown_grant_is_404(stigg_client: stigg.Stigg, wallet: None) -> None:
    with pytest.raises(stigg.NotFoundError) as raised:
        stigg_client.v1.credits.grants.void("not-a-grant")

    assert error_of(raised)["code"] == "CREDIT_GRANT_NOT_FOUND"


# --- ledger -----------------------------------------------------------------------------------------------------------


def test_ledger_lists_entries_with_filters(stigg_client: stigg.Stigg, wallet: None) -> None:
    created = grant(stigg_client, amount=50)
    consumed = consume(stigg_client, 20, "ledger-1")

    consumptions = stigg_client.v1.credits.list_ledger(customer_id="customer-1", event_type="CREDITS_CONSUMED")
    both = stigg_client.v1.credits.list_ledger(
        customer_id="customer-1", currency_id="tokens", event_type="CREDITS_CONSUMED,CREDITS_GRANTED"
    )

    [entry] = consumptions.data
    assert entry.to_dict(warnings=False) | {"timestamp": None} == {
        "amount": -20,
        "creditCurrencyId": "tokens",
        "creditGrantId": created.id,
        "customerId": "customer-1",
        "eventType": "CREDITS_CONSUMED",
        "timestamp": None,
        "eventId": str(CreditConsumption.objects.get().ref_id),
        "featureId": None,
        "breakdown": None,
        "holdReturnedAmount": None,
        "metadata": None,
        "reservationId": None,
        "resourceId": None,
    }
    assert entry.timestamp == consumed.timestamp
    assert [item.event_type for item in both.data] == ["CREDITS_GRANTED", "CREDITS_CONSUMED"]


def test_ledger_refuses_an_unknown_event_type(stigg_client: stigg.Stigg, wallet: None) -> None:
    with pytest.raises(stigg.BadRequestError) as raised:
        stigg_client.v1.credits.list_ledger(customer_id="customer-1", event_type="CREDITS_STOLEN")

    assert error_of(raised)["details"] == {"field": "eventType"}


# --- consumption ------------------------------------------------------------------------------------------------------


def test_consumption_answers_the_wallet_and_is_idempotent(stigg_client: stigg.Stigg, wallet: None) -> None:
    grant(stigg_client, amount=100)

    first = consume(stigg_client, 12.5, "job-1", dimensions={"model": "large"})
    again = consume(stigg_client, 12.5, "job-1", dimensions={"model": "large"})

    assert first.to_dict(warnings=False) == again.to_dict(warnings=False)
    assert (first.amount, first.currency_id, first.customer_id, first.resource_id) == (
        12.5,
        "tokens",
        "customer-1",
        None,
    )
    assert (first.credit.currency_id, first.credit.usage_limit, first.credit.current_usage) == ("tokens", 100, 12.5)
    assert CreditConsumption.objects.count() == 1
    assert balance_of().balance == Decimal("87.5")


def test_overdrawing_is_refused_with_422_and_writes_nothing(stigg_client: stigg.Stigg, wallet: None) -> None:
    grant(stigg_client, amount=10)

    with pytest.raises(stigg.UnprocessableEntityError) as raised:
        consume(stigg_client, 10.01, "too-much")

    assert error_of(raised)["code"] == "INSUFFICIENT_CREDITS"
    assert error_of(raised)["details"]["field"] == "amount"
    assert raised.value.response.headers["x-should-retry"] == "false"
    assert CreditConsumption.objects.count() == 0
    assert LedgerEntry.objects.count() == 1
    assert balance_of().balance == 10


@pytest.mark.parametrize(
    ("fields", "error", "code", "field"),
    [
        ({"amount": 0}, stigg.BadRequestError, "VALIDATION_ERROR", "amount"),
        ({"amount": -3}, stigg.BadRequestError, "VALIDATION_ERROR", "amount"),
        ({"currency_id": "gold"}, stigg.NotFoundError, "CUSTOM_CURRENCY_NOT_FOUND", "currencyId"),
        ({"customer_id": "nobody"}, stigg.NotFoundError, "CUSTOMER_NOT_FOUND", "customerId"),
        ({"resource_id": "site-1"}, stigg.NotFoundError, "CUSTOMER_RESOURCE_NOT_FOUND", "resourceId"),
    ],
)
def test_bad_consumptions_are_4xx_and_write_nothing(
    stigg_client: stigg.Stigg, wallet: None, fields: dict, error: type, code: str, field: str
) -> None:
    grant(stigg_client, amount=10)
    amount = fields.pop("amount", 1)

    with pytest.raises(error) as raised:
        consume(stigg_client, amount, "bad", **fields)

    assert (error_of(raised)["code"], error_of(raised)["details"]["field"]) == (code, field)
    assert CreditConsumption.objects.count() == 0
    assert balance_of().balance == 10


def test_async_consumption_consumes_after_the_answer(stigg_client: stigg.Stigg, wallet: None) -> None:
    grant(stigg_client, amount=100)

    answer = stigg_client.v1.credits.consumption.consume_async(
        consumptions=[
            {"amount": 5, "currency_id": "tokens", "customer_id": "customer-1", "idempotency_key": "a-1"},
            {"amount": 7, "currency_id": "tokens", "customer_id": "customer-1", "idempotency_key": "a-2"},
            {"amount": 5, "currency_id": "tokens", "customer_id": "customer-1", "idempotency_key": "a-1"},
        ]
    )

    assert answer.data == {}
    assert sorted(CreditConsumption.objects.values_list("idempotency_key", flat=True)) == ["a-1", "a-2"]
    assert balance_of().balance == 88
    assert_wallet_consistent(balance_of(), now=timezone.now())


def test_an_async_batch_with_a_bad_item_is_refused_whole(stigg_client: stigg.Stigg, wallet: None) -> None:
    grant(stigg_client, amount=100)

    with pytest.raises(stigg.NotFoundError) as raised:
        stigg_client.v1.credits.consumption.consume_async(
            consumptions=[
                {"amount": 5, "currency_id": "tokens", "customer_id": "customer-1", "idempotency_key": "b-1"},
                {"amount": 5, "currency_id": "tokens", "customer_id": "nobody", "idempotency_key": "b-2"},
            ]
        )

    assert error_of(raised)["details"] == {"field": "consumptions[1].customerId"}
    assert CreditConsumption.objects.count() == 0


# --- bad grants -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error", "code", "field"),
    [
        ({"amount": 0}, stigg.BadRequestError, "VALIDATION_ERROR", "amount"),
        ({"amount": -10}, stigg.BadRequestError, "VALIDATION_ERROR", "amount"),
        ({"priority": 101}, stigg.BadRequestError, "VALIDATION_ERROR", "priority"),
        ({"priority": -1}, stigg.BadRequestError, "VALIDATION_ERROR", "priority"),
        ({"grant_type": "RECURRING"}, stigg.BadRequestError, "VALIDATION_ERROR", "grantType"),
        ({"currency_id": "gold"}, stigg.NotFoundError, "CUSTOM_CURRENCY_NOT_FOUND", "currencyId"),
        ({"customer_id": "nobody"}, stigg.NotFoundError, "CUSTOMER_NOT_FOUND", "customerId"),
        ({"expire_at": datetime(2020, 1, 1, tzinfo=UTC)}, stigg.BadRequestError, "VALIDATION_ERROR", "expireAt"),
    ],
)
def test_bad_grants_are_4xx_and_write_nothing(
    stigg_client: stigg.Stigg, wallet: None, fields: dict, error: type, code: str, field: str
) -> None:
    amount = fields.pop("amount", 10)

    with pytest.raises(error) as raised:
        grant(stigg_client, amount=amount, **fields)

    body = error_of(raised)
    assert body["code"] == code
    assert field in (body["details"].get("field"), *body["details"].get("fields", {}))
    assert CreditGrant.objects.count() == 0
    assert CreditBalance.objects.count() == 0


# --- checks -----------------------------------------------------------------------------------------------------------


def test_the_credit_check_reads_the_wallet(stigg_client: stigg.Stigg, wallet: None) -> None:
    grant(stigg_client, amount=100, expire_at=datetime(2099, 1, 1, tzinfo=UTC))
    grant(stigg_client, amount=50, effective_at=timezone.now() + timedelta(days=3))
    consume(stigg_client, 30, "check-1")
    check = stigg_client.v1.customers.check_entitlement

    plain = check("customer-1", currency_id="tokens").data
    fits = check("customer-1", currency_id="tokens", requested_usage=70).data
    exceeds = check("customer-1", currency_id="tokens", requested_usage=71).data
    unknown = check("customer-1", currency_id="gold").data

    assert (plain.type, plain.is_granted, plain.access_denied_reason) == ("CREDIT", True, None)
    assert (plain.usage_limit, plain.current_usage) == (100, 30)
    assert plain.valid_until is not None  # the scheduled grant changes the numbers then
    assert (fits.is_granted, exceeds.is_granted, exceeds.access_denied_reason) == (True, False, "InsufficientCredits")
    assert (unknown.is_granted, unknown.access_denied_reason) == (False, "EntitlementNotFound")


def test_the_entitlements_state_lists_the_wallets(stigg_client: stigg.Stigg, wallet: None) -> None:
    grant(stigg_client, amount=40)
    consume(stigg_client, 15, "state-1")

    state = stigg_client.v1.customers.retrieve_entitlements("customer-1").data

    [credit] = [item for item in state.entitlements if item.type == "CREDIT"]
    assert (credit.currency.currency_id, credit.usage_limit, credit.current_usage, credit.is_granted) == (
        "tokens",
        40,
        15,
        True,
    )
    assert state.access_denied_reason is None


# --- credit usage -----------------------------------------------------------------------------------------------------


def test_credit_usage_sums_consumptions_per_feature_or_dimension(stigg_client: stigg.Stigg, wallet: None) -> None:
    grant(stigg_client, amount=100)
    consume(stigg_client, 10, "u-1", dimensions={"model": "large"})
    consume(stigg_client, 5, "u-2", dimensions={"model": "small"})
    consume(stigg_client, 2, "u-3", dimensions={"model": "large"})

    whole = stigg_client.v1.credits.get_usage(customer_id="customer-1", currency_id="tokens").data
    by_model = stigg_client.v1.credits.get_usage(customer_id="customer-1", group_by="model", time_range="LAST_DAY").data

    [series] = whole.series
    assert (series.total_credits, series.event_count, sum(point.value for point in series.points)) == (17, 3, 17)
    assert (whole.currency.currency_id, whole.currency.display_name) == ("tokens", "Tokens")
    assert whole.pagination.next is None
    assert sorted((item.tags[0].value, item.total_credits, item.event_count) for item in by_model.series) == [
        ("large", 12, 2),
        ("small", 5, 1),
    ]


def test_credit_usage_pages_series_with_cursors_inside_data(stigg_client: stigg.Stigg, wallet: None) -> None:
    grant(stigg_client, amount=100)
    for number, model in enumerate(["e", "a", "d", "b", "c"]):
        consume(stigg_client, number + 1, f"page-{model}", dimensions={"model": model})

    def page(**cursor: str) -> Any:
        return stigg_client.v1.credits.get_usage(customer_id="customer-1", group_by="model", limit=2, **cursor).data

    def models(data: Any) -> list[str]:
        return [series.tags[0].value for series in data.series]

    first = page()
    second = page(after=first.pagination.next)
    third = page(after=second.pagination.next)
    back = page(before=third.pagination.prev)

    assert [models(first), models(second), models(third)] == [["a", "b"], ["c", "d"], ["e"]]
    assert (first.pagination.prev, third.pagination.next) == (None, None)
    assert (models(back), back.pagination.next is not None, back.pagination.prev is not None) == (
        ["c", "d"],
        True,
        True,
    )
    assert models(page(before=back.pagination.prev)) == ["a", "b"]


def test_credit_usage_refuses_a_bad_cursor(stigg_client: stigg.Stigg, wallet: None) -> None:
    with pytest.raises(stigg.BadRequestError) as raised:
        stigg_client.v1.credits.get_usage(customer_id="customer-1", after="not-a-cursor")

    assert error_of(raised)["details"] == {"field": "after"}


def test_credit_usage_refuses_a_cursor_of_another_shape(stigg_client: stigg.Stigg, wallet: None) -> None:
    grant(stigg_client, amount=100)
    consume(stigg_client, 1, "shape-1", dimensions={"model": "a"})
    forged = encode_key_cursor([1, 2])

    with pytest.raises(stigg.BadRequestError) as raised:
        stigg_client.v1.credits.get_usage(customer_id="customer-1", group_by="model", before=forged)

    assert error_of(raised)["details"] == {"field": "before"}


def test_credit_usage_refuses_bad_group_keys(stigg_client: stigg.Stigg, wallet: None) -> None:
    with pytest.raises(stigg.BadRequestError) as raised:
        stigg_client.v1.credits.get_usage(customer_id="customer-1", group_by="a,b,c,d")

    assert error_of(raised)["details"] == {"field": "groupBy"}


def test_credit_usage_refuses_an_end_date_with_no_time_range_before_it(stigg_client: stigg.Stigg, wallet: None) -> None:
    with pytest.raises(stigg.BadRequestError) as raised:
        stigg_client.v1.credits.get_usage(customer_id="customer-1", end_date="0001-01-01T00:00:00Z")

    assert error_of(raised) == {
        "code": "VALIDATION_ERROR",
        "message": "endDate: leaves no room for timeRange LAST_MONTH before it",
        "details": {"field": "endDate"},
    }


# --- auto-recharge ----------------------------------------------------------------------------------------------------


def save_auto_recharge(client: stigg.Stigg, **fields: Any) -> CreditGetAutoRechargeResponse:
    body = {
        "customerId": "customer-1",
        "currencyId": "tokens",
        "isEnabled": True,
        "thresholdType": "CREDIT_AMOUNT",
        "thresholdValue": 20,
        "targetBalance": 100,
        "maxSpendLimit": 500,
        "grantExpirationPeriod": "1_YEAR",
        **fields,
    }
    return client.put("/api/v1/credits/auto-recharge", body=body, cast_to=CreditGetAutoRechargeResponse)


def test_auto_recharge_defaults_when_nothing_is_configured(stigg_client: stigg.Stigg, wallet: None) -> None:
    data = stigg_client.v1.credits.get_auto_recharge(customer_id="customer-1", currency_id="tokens").data

    assert data.to_dict(warnings=False) == {
        "id": None,
        "customerId": "customer-1",
        "currencyId": "tokens",
        "isEnabled": False,
        "thresholdType": "CREDIT_AMOUNT",
        "thresholdValue": 0,
        "targetBalance": 0,
        "maxSpendLimit": None,
        "grantExpirationPeriod": "1_MONTH",
        "currentMonthlySpend": 0,
        "createdAt": None,
        "updatedAt": None,
    }


def test_auto_recharge_saved_then_read_and_recharging_on_consumption(stigg_client: stigg.Stigg, wallet: None) -> None:
    grant(stigg_client, amount=50)
    saved = save_auto_recharge(stigg_client).data

    consume(stigg_client, 40, "drain")  # 10 left, under the threshold of 20: topped up to 100 after commit
    read = stigg_client.v1.credits.get_auto_recharge(customer_id="customer-1", currency_id="tokens").data

    assert (saved.is_enabled, saved.threshold_value, saved.target_balance, saved.max_spend_limit) == (
        True,
        20,
        100,
        500,
    )
    assert saved.grant_expiration_period == "1_YEAR"
    assert read.to_dict(warnings=False)["currentMonthlySpend"] == 90  # 90 credits at one usd each
    assert balance_of().balance == 100
    recharge = CreditGrant.objects.get(grant_type="PAID")
    assert (recharge.amount, recharge.cost_amount, recharge.invoice.status) == (90, 90, "OPEN")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"targetBalance": 20}, "targetBalance"),
        ({"targetBalance": 10}, "targetBalance"),
        ({"thresholdValue": -1}, "thresholdValue"),
        ({"maxSpendLimit": 0}, "maxSpendLimit"),
        ({"currencyId": "gold"}, "currencyId"),
        ({"customerId": "nobody"}, "customerId"),
        ({"thresholdType": "EURO_AMOUNT"}, "thresholdType"),
    ],
)
def test_bad_auto_recharge_settings_are_4xx_and_write_nothing(
    stigg_client: stigg.Stigg, wallet: None, fields: dict, field: str
) -> None:
    with pytest.raises(stigg.APIStatusError) as raised:
        save_auto_recharge(stigg_client, **fields)

    body = error_of(raised)
    assert raised.value.status_code in (400, 404)
    assert field in (body["details"].get("field"), *body["details"].get("fields", {}))
    assert AutoRechargeSettings.objects.count() == 0

"""Credit consumption, the ledger and credit usage through the Python SDK (the Node SDK 3.95 has none of them):
ConsumeCredits (idempotent per key, never overdrawing), ConsumeCreditsAsync, GetCreditLedger and GetCreditUsage,
their errors, and a bounded number of queries for a page of the ledger."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import CustomCurrency
from catalog.services.currencies import custom_currency_create
from config.wire import iso
from credits.models import CreditConsumption, CreditGrant, LedgerEntry
from tests.credits.builders import assert_wallet_consistent, balance_of, consume, grant, wallet_setup
from tests.graphql.credits_answers import PYTHON_DUMP, python_errors
from tests.sdk.runners import PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def wallet(db: None) -> CreditGrant:
    wallet_setup()
    return grant(100, now=timezone.now() - timedelta(hours=1))


CONSUME_SCENARIO = (
    PYTHON_DUMP
    + """
def consume(amount, key):
    return client.consume_credits(generated.ConsumeCreditInput(
        customerId="customer-1", currencyId="tokens", amount=amount, idempotencyKey=key,
        dimensions={"model": "small"})).consume_credits
first = consume(30, "request-1")
again = consume(30, "request-1")
try:
    consume(80, "request-2")
    overdraw = "consumed"
except generated.GraphQLClientGraphQLMultiError as error:
    overdraw = {"code": error.errors[0].extensions["code"], "message": error.errors[0].message}
balance = client.get_credit_balance(generated.CreditBalanceSummaryInput(customerId="customer-1", currencyId="tokens"))
result = dump({"first": first, "again": again, "overdraw": overdraw,
               "balance": balance.credit_balance_summary.balances[0]})
"""
)


def test_python_sdk_consumes_credits_once_per_key_and_never_overdraws(
    python_sdk: PythonSdk, wallet: CreditGrant
) -> None:
    result = python_sdk.run(CONSUME_SCENARIO)

    consumption = CreditConsumption.objects.get()
    answer = {
        "customerId": "customer-1",
        "currencyId": "tokens",
        "resourceId": None,
        "amount": 30.0,
        "timestamp": iso(consumption.timestamp),
        "credit": {
            "currencyId": "tokens",
            "currentUsage": 30.0,
            "usageLimit": 100.0,
            "usagePeriodEnd": None,
            "timestamp": iso(consumption.created_at),
        },
    }
    assert result["first"] == answer
    # The same key counts once: the retry answers the first consumption.
    assert result["again"] == answer
    assert result["overdraw"] == {
        "code": "INSUFFICIENT_CREDITS",
        "message": "amount: 80.000000 tokens requested, 70.000000 available",
    }
    assert (result["balance"]["currentBalance"], result["balance"]["totalConsumed"]) == (70, 30)
    assert (consumption.idempotency_key, consumption.dimensions) == ("request-1", {"model": "small"})
    assert LedgerEntry.objects.filter(event_type="CREDITS_CONSUMED").count() == 1
    assert_wallet_consistent(balance_of(), now=timezone.now())


def test_python_sdk_bad_consumptions_are_refused_naming_the_field(python_sdk: PythonSdk, wallet: CreditGrant) -> None:
    scenario = python_errors("client.consume_credits(generated.ConsumeCreditInput.model_validate(item))")
    base = {"customerId": "customer-1", "currencyId": "tokens", "amount": 5, "idempotencyKey": "k"}
    changes = [{"amount": 0}, {"customerId": "nobody"}, {"currencyId": "gold"}, {"resourceId": "site-9"}]

    errors = python_sdk.run(scenario, [base | change for change in changes])
    consume(5, "k", now=timezone.now())
    [reused] = python_sdk.run(scenario, [base | {"amount": 6}])

    assert errors == [
        {"code": "VALIDATION_ERROR", "message": "amount: must be greater than 0"},
        {"code": "CUSTOMER_NOT_FOUND", "message": "customerId: no customer nobody"},
        {"code": "CUSTOM_CURRENCY_NOT_FOUND", "message": "currencyId: Custom currency gold not found"},
        {"code": "CUSTOMER_RESOURCE_NOT_FOUND", "message": "resourceId: customer customer-1 has no resource site-9"},
    ]
    assert reused == {
        "code": "IDEMPOTENCY_KEY_REUSED",
        "message": "idempotencyKey: idempotency key k was used for another consumption",
    }
    assert CreditConsumption.objects.count() == 1


ASYNC_SCENARIO = python_errors(
    "client.consume_credits_async(generated.ConsumeCreditsAsyncInput(consumptions=["
    "generated.ConsumeCreditInput(customerId=customer, currencyId='tokens', amount=amount, idempotencyKey=key)"
    " for customer, amount, key in item]))"
)


def test_python_sdk_consumes_a_batch_after_the_answer_and_refuses_a_bad_batch_whole(
    python_sdk: PythonSdk, wallet: CreditGrant
) -> None:
    accepted, refused = python_sdk.run(
        ASYNC_SCENARIO,
        [
            [["customer-1", 5, "a-1"], ["customer-1", 7, "a-2"], ["customer-1", 5, "a-1"]],
            [["customer-1", 5, "b-1"], ["nobody", 5, "b-2"]],
        ],
    )

    assert accepted == {"consumeCreditsAsync": None}
    assert refused == {"code": "CUSTOMER_NOT_FOUND", "message": "consumptions[1].customerId: no customer nobody"}
    assert sorted(CreditConsumption.objects.values_list("idempotency_key", flat=True)) == ["a-1", "a-2"]
    assert balance_of().balance == 88
    assert_wallet_consistent(balance_of(), now=timezone.now())


LEDGER_SCENARIO = (
    PYTHON_DUMP
    + """
ledger = client.get_credit_ledger(generated.CreditLedgerInput.model_validate(input)).credits_ledger
consumed = client.get_credit_ledger(generated.CreditLedgerInput(
    customerId="customer-1", eventType=["CREDITS_CONSUMED"])).credits_ledger
result = dump({"ledger": ledger, "consumed": consumed})
"""
)


def test_python_sdk_reads_the_ledger_a_page_at_a_time(python_sdk: PythonSdk, wallet: CreditGrant) -> None:
    first = consume(10, "c-1", now=timezone.now())
    consume(5, "c-2", now=timezone.now())

    result = python_sdk.run(
        LEDGER_SCENARIO, {"customerId": "customer-1", "currencyId": "tokens", "paging": {"first": 2}}
    )

    entries = list(LedgerEntry.objects.order_by("pk"))

    def node(entry: LedgerEntry) -> dict[str, Any]:
        consumption = entry.consumption
        return {
            "timestamp": iso(entry.timestamp),
            "eventType": entry.event_type,
            "customerId": "customer-1",
            "resourceId": None,
            "eventId": str(consumption.ref_id) if consumption else None,
            "featureId": None,
            "amount": float(entry.amount),
            "creditGrantId": str(wallet.ref_id),
            "creditCurrencyId": "tokens",
        }

    ledger = result["ledger"]
    assert [edge["node"] for edge in ledger["edges"]] == [node(entries[0]), node(entries[1])]
    assert [(edge["node"]["eventType"], edge["node"]["amount"]) for edge in ledger["edges"]] == [
        ("CREDITS_GRANTED", 100),
        ("CREDITS_CONSUMED", -10),
    ]
    assert ledger["edges"][1]["node"]["eventId"] == str(first.consumption.ref_id)
    assert ledger["totalCount"] == 3
    assert ledger["pageInfo"] == {
        "startCursor": ledger["edges"][0]["cursor"],
        "endCursor": ledger["edges"][1]["cursor"],
        "hasNextPage": True,
        "hasPreviousPage": False,
    }
    assert [edge["node"]["amount"] for edge in result["consumed"]["edges"]] == [-10, -5]
    assert result["consumed"]["totalCount"] == 2


USAGE_SCENARIO = (
    PYTHON_DUMP
    + """
result = dump([client.get_credit_usage(generated.CreditUsageInput.model_validate(item)).credit_usage
               for item in input])
"""
)


def test_python_sdk_reads_credit_usage_by_dimension(python_sdk: PythonSdk, wallet: CreditGrant) -> None:
    now = timezone.now()
    consume(10, "u-1", now=now, dimensions={"model": "small"})
    consume(4, "u-2", now=now, dimensions={"model": "large"})
    consume(6, "u-3", now=now, dimensions={"model": "small"})

    whole, by_model = python_sdk.run(
        USAGE_SCENARIO,
        [
            {"customerId": "customer-1", "currencyId": "tokens"},
            {"customerId": "customer-1", "groupBy": ["model"], "timeRange": "LAST_DAY", "paging": {"first": 1}},
        ],
    )

    day = iso(now.replace(hour=0, minute=0, second=0, microsecond=0))
    hour = iso(now.replace(minute=0, second=0, microsecond=0))
    assert whole == {
        "series": [
            {
                "featureId": None,
                "featureName": None,
                "totalCredits": 20.0,
                "eventCount": 3,
                "points": [{"timestamp": day, "value": 20.0, "eventCount": 3}],
            }
        ],
        "currency": {"currencyId": "tokens", "displayName": "Tokens", "units": {"singular": None, "plural": "tokens"}},
        "pageInfo": {
            "startCursor": whole["pageInfo"]["startCursor"],
            "endCursor": whole["pageInfo"]["startCursor"],
            "hasNextPage": False,
            "hasPreviousPage": False,
        },
    }
    # Series in the order of their tags: "large" first; a day is bucketed by hour.
    assert by_model["series"] == [
        {
            "featureId": None,
            "featureName": None,
            "totalCredits": 4.0,
            "eventCount": 1,
            "points": [{"timestamp": hour, "value": 4.0, "eventCount": 1}],
        }
    ]
    assert by_model["currency"] is None
    assert (by_model["pageInfo"]["hasNextPage"], by_model["pageInfo"]["hasPreviousPage"]) == (True, False)


def test_python_sdk_bad_usage_windows_are_refused_naming_the_field(python_sdk: PythonSdk, wallet: CreditGrant) -> None:
    scenario = python_errors("client.get_credit_usage(generated.CreditUsageInput.model_validate(item))")
    changes = [
        {"startDate": "2024-02-01T00:00:00Z", "endDate": "2024-01-01T00:00:00Z"},
        {"endDate": "0001-01-01T00:00:00Z"},
        {"groupBy": ["a", "b", "c", "d"]},
        {"customerId": "nobody"},
    ]

    errors = python_sdk.run(scenario, [{"customerId": "customer-1"} | change for change in changes])

    assert errors == [
        {"code": "VALIDATION_ERROR", "message": "startDate: must be before endDate"},
        {"code": "VALIDATION_ERROR", "message": "endDate: leaves no room for timeRange LAST_MONTH before it"},
        {
            "code": "VALIDATION_ERROR",
            "message": "groupBy: at most 3 dimension keys matching ^[a-zA-Z0-9_$-]+$, plus featureId",
        },
        {"code": "CUSTOMER_NOT_FOUND", "message": "customerId: no customer nobody"},
    ]


LEDGER_QUERY = """query($input: CreditLedgerInput!) { creditsLedger(input: $input) {
  totalCount pageInfo { startCursor endCursor hasNextPage hasPreviousPage }
  edges { cursor node { timestamp eventType customerId resourceId eventId featureId amount creditGrantId
                        creditCurrencyId } } } }"""


def test_a_page_of_the_ledger_costs_the_same_queries_for_3_and_30(graphql: Any, wallet: CreditGrant) -> None:
    def queries_for_a_page() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            status, body = graphql(LEDGER_QUERY, {"input": {"customerId": "customer-1", "paging": {"first": 100}}})
        assert status == 200 and "errors" not in body, body
        return len(body["data"]["creditsLedger"]["edges"]), len(captured)

    consume(1, "q-1", now=timezone.now())
    grant(5, now=timezone.now())
    few = queries_for_a_page()
    for index in range(27):
        if index % 3:
            consume(1, f"more-{index}", now=timezone.now(), dimensions={"n": index})
        else:
            grant(1, now=timezone.now())
    many = queries_for_a_page()

    assert (few[0], many[0]) == (3, 30)
    assert few[1] == many[1]


BALANCE_QUERY = """query($input: CreditBalanceSummaryInput!) { creditBalanceSummary(input: $input) { customerId
  balances { customerId currency { currencyId displayName symbol units { singular plural } } currentBalance
             totalConsumed totalGranted resourceId validUntil } } }"""


def test_a_balance_summary_costs_the_same_queries_for_3_and_30_wallets(graphql: Any, wallet: CreditGrant) -> None:
    def queries_for_the_summary() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            status, body = graphql(BALANCE_QUERY, {"input": {"customerId": "customer-1"}})
        assert status == 200 and "errors" not in body, body
        return len(body["data"]["creditBalanceSummary"]["balances"]), len(captured)

    def add_wallets(count: int) -> None:
        for _ in range(count):
            ref_id = f"currency-{CustomCurrency.objects.count()}"
            custom_currency_create(ref_id=ref_id, display_name=ref_id, unit_singular="unit", now=timezone.now())
            grant(3, currency_ref_id=ref_id, now=timezone.now(), expire_at=timezone.now() + timedelta(days=9))

    add_wallets(2)
    few = queries_for_the_summary()
    add_wallets(27)
    many = queries_for_the_summary()

    assert (few[0], many[0]) == (3, 30)
    assert few[1] == many[1]

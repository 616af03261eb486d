"""Credit grants and balances through both official SDKs: GrantCredits, GetCreditBalance, GetCreditGrants and
VoidCreditGrant, their paging, their errors, and a bounded number of queries for a page of grants."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.services.currencies import custom_currency_create
from config.wire import iso
from credits.models import CreditGrant, LedgerEntry
from tests.credits.builders import NOW, assert_wallet_consistent, balance_of, consume, grant, wallet_setup
from tests.graphql.credits_answers import PYTHON_DUMP, balance_answer, grant_answer, python_errors
from tests.sdk.runners import PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)

GRANT_FIELDS = """
grantId amount comment currencyId customerId displayName effectiveAt expireAt grantType priority consumedAmount
cost { amount currency } createdAt updatedAt resourceId additionalMetaData automaticRechargeConfigurationId status
voidedAt paymentCollection invoiceId
latestInvoice { billingId status currency total subTotal tax amountDue attemptCount requiresAction billingReason }
"""


@pytest.fixture
def wallet(db: None) -> None:
    wallet_setup()


PYTHON_GRANT_SCENARIO = (
    PYTHON_DUMP
    + """
grant = client.grant_credits(generated.CreditGrantInput.model_validate(input)).create_credit_grant
listed = client.get_credit_grants(generated.GetCreditGrantsInput(customerId="customer-1", currencyId="tokens"))
balance = client.get_credit_balance(generated.CreditBalanceSummaryInput(customerId="customer-1"))
voided = client.void_credit_grant(generated.VoidCreditGrantInput(id=grant.grant_id)).void_credit_grant
result = dump({"grant": grant, "listed": listed.credit_grants, "balance": balance.credit_balance_summary,
               "voided": voided})
"""
)


def test_python_sdk_grants_paid_credits_awaiting_their_invoice_lists_and_voids_them(
    python_sdk: PythonSdk, wallet: None
) -> None:
    result = python_sdk.run(
        PYTHON_GRANT_SCENARIO,
        {
            "customerId": "customer-1",
            "currencyId": "tokens",
            "amount": 500,
            "displayName": "Top-up",
            "grantType": "PAID",
            "cost": {"amount": 49.99, "currency": "USD"},
            "paymentCollectionMethod": "INVOICE",
            "environmentId": "00000000-0000-0000-0000-000000000001",
        },
    )

    stored = CreditGrant.objects.select_related("invoice").get()
    invoice = stored.invoice
    assert (invoice.status, invoice.total, invoice.currency) == ("CANCELED", Decimal("49.99"), "usd")

    def invoice_answer(status: str) -> dict[str, Any]:
        return {
            "billingId": str(invoice.ref_id),
            "status": status,
            "createdAt": iso(invoice.created_at),
            "dueDate": None,
            "updatedAt": iso(invoice.created_at if status == "OPEN" else invoice.updated_at),
            "errorMessage": None,
            "requiresAction": False,
            "paymentSecret": None,
            "paymentUrl": None,
            "pdfUrl": None,
            "billingReason": "MANUAL",
            "currency": "usd",
            "subTotal": 49.99,
            "subTotalExcludingTax": 49.99,
            "total": 49.99,
            "totalExcludingTax": 49.99,
            "tax": 0.0,
            "amountDue": 49.99,
            # The manual gateway recorded its one attempt after the grant committed.
            "attemptCount": 1.0,
        }

    pending = grant_answer(
        stored,
        cost={"amount": 49.99, "currency": "USD"},
        status="PAYMENT_PENDING",
        paymentCollection="PROCESSING",
        invoiceId=str(invoice.ref_id),
        voidedAt=None,
        updatedAt=iso(stored.created_at),
        latestInvoice=invoice_answer("OPEN"),
    )
    assert result["grant"] == pending
    assert result["listed"] == {
        "pageInfo": {
            "startCursor": result["listed"]["pageInfo"]["startCursor"],
            "endCursor": result["listed"]["pageInfo"]["startCursor"],
            "hasNextPage": False,
            "hasPreviousPage": False,
        },
        "edges": [{"node": pending}],
        "totalCount": 1.0,
    }
    # Awaiting its payment, the grant gives nothing yet.
    assert result["balance"] == {"customerId": "customer-1", "balances": [balance_answer(0, 0, 0)]}
    assert result["voided"] == grant_answer(
        stored,
        cost={"amount": 49.99, "currency": "USD"},
        status="VOIDED",
        paymentCollection="PROCESSING",
        invoiceId=str(invoice.ref_id),
        latestInvoice=invoice_answer("CANCELED"),
    )
    assert [entry.event_type for entry in LedgerEntry.objects.all()] == ["CREDITS_VOIDED"]


def test_python_sdk_pages_grants_with_cursors(python_sdk: PythonSdk, wallet: None) -> None:
    grants = [grant(amount, now=NOW + timedelta(minutes=amount)) for amount in (1, 2, 3)]

    result = python_sdk.run(
        PYTHON_DUMP
        + """
        def page(**paging):
            answer = client.get_credit_grants(generated.GetCreditGrantsInput(
                customerId="customer-1", paging=generated.CursorPaging(**paging))).credit_grants
            return {"ids": [edge.node.grant_id for edge in answer.edges], "info": answer.page_info,
                    "total": answer.total_count}
        first = page(first=2)
        second = page(first=2, after=first["info"].end_cursor)
        back = page(last=1, before=second["info"].start_cursor)
        result = dump({"first": first, "second": second, "back": back})
        """.replace("\n        ", "\n"),
    )

    ids = [str(item.ref_id) for item in grants]
    assert [result[name]["ids"] for name in ("first", "second", "back")] == [ids[:2], ids[2:], ids[1:2]]
    assert {name: result[name]["total"] for name in result} == {"first": 3, "second": 3, "back": 3}
    flags = {name: (result[name]["info"]["hasPreviousPage"], result[name]["info"]["hasNextPage"]) for name in result}
    assert flags == {"first": (False, True), "second": (True, False), "back": (True, True)}


def test_python_sdk_bad_grants_are_refused_naming_the_field_and_write_nothing(
    python_sdk: PythonSdk, wallet: None
) -> None:
    scenario = python_errors("client.grant_credits(generated.CreditGrantInput.model_validate(item))")
    base = {"customerId": "customer-1", "currencyId": "tokens", "amount": 5, "displayName": "x", "grantType": "PAID"}
    changes = [{"amount": 0}, {"priority": 101}, {"expireAt": "2001-01-01T00:00:00Z"}, {"currencyId": "gold"}]

    errors = python_sdk.run(scenario, [base | change for change in changes])

    assert errors == [
        {"code": "VALIDATION_ERROR", "message": "amount: must be greater than 0"},
        {"code": "VALIDATION_ERROR", "message": "priority: must be between 0 and 100"},
        {"code": "VALIDATION_ERROR", "message": "expireAt: must be after effectiveAt and in the future"},
        {"code": "CUSTOM_CURRENCY_NOT_FOUND", "message": "currencyId: Custom currency gold not found"},
    ]
    assert not CreditGrant.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_a_voided_grant_voids_once_and_an_expired_one_cannot_be_voided(python_sdk: PythonSdk, wallet: None) -> None:
    first = grant(10)
    consume(4, "used", now=NOW)
    expired = grant(10, expire_at=NOW + timedelta(days=1))
    scenario = python_errors("client.void_credit_grant(generated.VoidCreditGrantInput(id=item)).void_credit_grant")

    once, twice, refused = python_sdk.run(scenario, [str(first.ref_id), str(first.ref_id), str(expired.ref_id)])

    assert once == twice
    assert (once["status"], once["consumedAmount"]) == ("VOIDED", 4)
    assert refused == {
        "code": "GRANT_NOT_VOIDABLE",
        "message": f"grant {expired.ref_id} has expired; there is nothing left to void",
    }
    assert LedgerEntry.objects.filter(event_type="CREDITS_VOIDED").count() == 1
    assert_wallet_consistent(balance_of(), now=timezone.now())


GRANTS_QUERY = (
    "query($input: GetCreditGrantsInput!) { creditGrants(input: $input) { totalCount edges { node { %s } } } }"
)


def test_a_page_of_grants_costs_the_same_queries_for_3_and_30(graphql: Any, wallet: None) -> None:
    custom_currency_create(ref_id="gems", display_name="Gems", now=NOW)

    def queries_for_a_page() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            status, body = graphql(
                GRANTS_QUERY % GRANT_FIELDS, {"input": {"customerId": "customer-1", "paging": {"first": 100}}}
            )
        assert status == 200 and "errors" not in body, body
        return len(body["data"]["creditGrants"]["edges"]), len(captured)

    for index in range(3):
        grant(
            1,
            currency_ref_id=("tokens", "gems")[index % 2],
            cost_amount=Decimal(index),
            payment_collection_method="CHARGE",
        )
    few = queries_for_a_page()
    for index in range(27):
        grant(
            1,
            currency_ref_id=("tokens", "gems")[index % 2],
            cost_amount=Decimal(index % 3),
            payment_collection_method="CHARGE",
        )
    many = queries_for_a_page()

    assert (few[0], many[0]) == (3, 30)
    assert few[1] == many[1]


GRANT_MUTATION = "mutation($input: CreditGrantInput!) { createCreditGrant(input: $input) { grantId } }"


def test_grant_types_of_this_server_and_bad_paging_are_refused_with_coded_errors(graphql: Any, wallet: None) -> None:
    recurring = {"customerId": "customer-1", "currencyId": "tokens", "amount": 5, "displayName": "x"}
    refused = graphql(GRANT_MUTATION, {"input": recurring | {"grantType": "RECURRING"}})
    bad_cursor = graphql(GRANTS_QUERY % "grantId", {"input": {"customerId": "customer-1", "paging": {"after": "x"}}})
    too_many = graphql(GRANTS_QUERY % "grantId", {"input": {"customerId": "customer-1", "paging": {"first": 101}}})

    def error_of(answer: tuple[int, dict[str, Any]]) -> tuple[int, str, str, dict[str, Any] | None]:
        status, body = answer
        error = body["errors"][0]
        return status, error["extensions"]["code"], error["message"], body.get("data")

    assert error_of(refused) == (200, "VALIDATION_ERROR", 'grantType: "RECURRING" is not a valid choice.', None)
    assert error_of(bad_cursor) == (200, "VALIDATION_ERROR", "paging.after: is not a valid cursor", None)
    assert error_of(too_many) == (200, "VALIDATION_ERROR", "paging.first: must be between 1 and 100", None)
    assert not CreditGrant.objects.exists()

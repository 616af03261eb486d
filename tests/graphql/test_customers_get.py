"""Reading a customer through both SDKs (GetCustomerById, GetCustomerStatistics), its fields from the row, the query
count of a read, and the errors' shape on the wire."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.services.coupons import coupon_create
from customers.apis.graphql.types import customer_uuid
from customers.models import Customer
from customers.services import customer_provision, customer_update
from tests.sdk.runners import NodeSdk, PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
NOW_TEXT = "2025-03-04T05:06:07.000Z"
CARD = {
    "billingId": "pm_1",
    "cardBrand": "visa",
    "cardExpiryMonth": 12,
    "cardExpiryYear": 2030,
    "cardLast4Digits": "4242",
    "type": "CARD",
    "walletType": "apple_pay",
}
INTEGRATIONS = [{"id": "aws", "syncedEntityId": "aws-cust-1", "vendorIdentifier": "AWS_MARKETPLACE"}]

CUSTOMER_FIELDS = """
  id refId customerId name email billingId createdAt updatedAt additionalMetaData awsMarketplaceCustomerId
  hasPaymentMethod defaultPaymentExpirationMonth defaultPaymentExpirationYear defaultPaymentMethodLast4Digits
  defaultPaymentMethodType defaultPaymentMethodCardBrand defaultPaymentMethodWalletType experimentInfo { id }
  coupon { refId }
"""


def acme() -> Customer:
    coupon_create(ref_id="welcome", name="Welcome", percent_off=Decimal("10"), now=NOW)
    return customer_provision(
        ref_id="acme",
        name="Acme",
        email="ap@acme.test",
        billing_id="cus_1",
        metadata={"tier": "gold"},
        coupon_ref_id="welcome",
        default_payment_method=CARD,
        integrations=INTEGRATIONS,
        now=NOW,
    )


@time_machine.travel(NOW, tick=False)
def test_node_sdk_gets_a_customer_and_its_statistics(node_sdk: NodeSdk) -> None:
    acme()
    result = node_sdk.run(
        "return {customer: await stigg.getCustomer('acme'), statistics: await stigg.getCustomerStatistics('acme')}"
    )
    assert result["statistics"] == {"statistics": {"activeSubscriptionsByPricingType": []}}
    customer = result["customer"]
    assert {
        key: customer.get(key)
        for key in (
            "id",
            "name",
            "email",
            "billingId",
            "createdAt",
            "updatedAt",
            "metadata",
            "awsMarketplaceCustomerId",
            "hasPaymentMethod",
            "paymentMethodDetails",
            "subscriptions",
            "promotionalEntitlements",
            "alreadyTrialPlans",
        )
    } == {
        "id": "acme",
        "name": "Acme",
        "email": "ap@acme.test",
        "billingId": "cus_1",
        "createdAt": NOW_TEXT,
        "updatedAt": NOW_TEXT,
        "metadata": {"tier": "gold"},
        "awsMarketplaceCustomerId": "aws-cust-1",
        "hasPaymentMethod": True,
        "paymentMethodDetails": {"expirationMonth": 12, "expirationYear": 2030, "last4Digits": "4242"},
        "subscriptions": [],
        "promotionalEntitlements": [],
        "alreadyTrialPlans": [],
    }
    assert {key: customer["coupon"][key] for key in ("id", "name", "percentOff")} == {
        "id": "welcome",
        "name": "Welcome",
        "percentOff": 10,
    }


@time_machine.travel(NOW, tick=False)
def test_python_sdk_gets_a_customer_and_its_statistics(python_sdk: PythonSdk) -> None:
    customer = acme()
    result = python_sdk.run(
        """
by_id = generated.GetCustomerByRefIdInput(customer_id="acme")
result = [client.get_customer_by_id(by_id), client.get_customer_statistics(by_id)]
"""
    )
    fetched = result[0]["getCustomerByRefId"]
    assert {
        key: fetched[key]
        for key in (
            "id",
            "refId",
            "customerId",
            "name",
            "email",
            "createdAt",
            "updatedAt",
            "billingId",
            "additionalMetaData",
            "awsMarketplaceCustomerId",
            "hasPaymentMethod",
            "defaultPaymentExpirationMonth",
            "defaultPaymentExpirationYear",
            "defaultPaymentMethodLast4Digits",
            "defaultPaymentMethodType",
            "defaultPaymentMethodCardBrand",
            "defaultPaymentMethodWalletType",
            "experimentInfo",
            "subscriptions",
            "promotionalEntitlements",
        )
    } == {
        "id": str(customer_uuid(customer)),
        "refId": "acme",
        "customerId": "acme",
        "name": "Acme",
        "email": "ap@acme.test",
        "createdAt": NOW_TEXT,
        "updatedAt": NOW_TEXT,
        "billingId": "cus_1",
        "additionalMetaData": {"tier": "gold"},
        "awsMarketplaceCustomerId": "aws-cust-1",
        "hasPaymentMethod": True,
        "defaultPaymentExpirationMonth": 12,
        "defaultPaymentExpirationYear": 2030,
        "defaultPaymentMethodLast4Digits": "4242",
        "defaultPaymentMethodType": "CARD",
        "defaultPaymentMethodCardBrand": "visa",
        "defaultPaymentMethodWalletType": "apple_pay",
        "experimentInfo": None,
        "subscriptions": [],
        "promotionalEntitlements": [],
    }
    assert fetched["coupon"]["refId"] == "welcome"
    assert result[1] == {"getCustomerByRefId": {"statistics": {"activeSubscriptionsByPricingType": []}}}


def get_customer(graphql: Any, ref_id: str) -> tuple[int, dict[str, Any]]:
    document = "query($input: GetCustomerByRefIdInput!) { getCustomerByRefId(input: $input) { FIELDS } }"
    return graphql(document.replace("FIELDS", CUSTOMER_FIELDS), {"input": {"customerId": ref_id}})


def test_a_customer_without_payment_method_or_coupon_answers_nulls(graphql: Any) -> None:
    customer = customer_provision(ref_id="plain", now=NOW)
    assert get_customer(graphql, "plain") == (
        200,
        {
            "data": {
                "getCustomerByRefId": {
                    "id": str(customer_uuid(customer)),
                    "refId": "plain",
                    "customerId": "plain",
                    "name": None,
                    "email": None,
                    "billingId": None,
                    "createdAt": NOW_TEXT,
                    "updatedAt": NOW_TEXT,
                    "additionalMetaData": {},
                    "awsMarketplaceCustomerId": None,
                    "hasPaymentMethod": False,
                    "defaultPaymentExpirationMonth": None,
                    "defaultPaymentExpirationYear": None,
                    "defaultPaymentMethodLast4Digits": None,
                    "defaultPaymentMethodType": None,
                    "defaultPaymentMethodCardBrand": None,
                    "defaultPaymentMethodWalletType": None,
                    "experimentInfo": None,
                    "coupon": None,
                }
            }
        },
    )


def test_a_paypal_method_answers_a_null_type_the_sdks_enum_lacks_it(graphql: Any) -> None:
    customer_provision(ref_id="pal", default_payment_method={**CARD, "type": "PAYPAL"}, now=NOW)
    status, body = get_customer(graphql, "pal")
    assert (status, body["data"]["getCustomerByRefId"]["defaultPaymentMethodType"]) == (200, None)


def test_reading_a_customer_with_its_coupon_takes_a_fixed_number_of_queries(graphql: Any) -> None:
    acme()
    with CaptureQueriesContext(connection) as queries:
        status, body = get_customer(graphql, "acme")
    assert (status, body["data"]["getCustomerByRefId"]["coupon"]) == (200, {"refId": "welcome"})
    # The API key, then the customer with its coupon joined.
    assert len(queries) == 2


def test_errors_carry_the_code_and_name_the_field(graphql: Any) -> None:
    customer_provision(ref_id="acme", name="Acme", now=NOW)
    update = "mutation($input: UpdateCustomerInput!) { updateOneCustomer(input: $input) { refId name } }"
    cases = [
        (
            {"customerId": "nobody", "name": "X"},
            "CUSTOMER_NOT_FOUND",
            "customerId: Customer nobody not found",
            {"field": "customerId"},
        ),
        (
            {"customerId": "acme", "email": "nope"},
            "VALIDATION_ERROR",
            "email: 'nope' is not an email address",
            {"field": "email"},
        ),
        (
            {"customerId": "acme", "additionalMetaData": "text"},
            "VALIDATION_ERROR",
            'additionalMetaData: Expected a dictionary of items but got type "str".',
            {"field": "additionalMetaData"},
        ),
        (
            {"customerId": "acme", "billingInformation": {"taxIds": [{"type": "eu_vat", "value": ""}]}},
            "VALIDATION_ERROR",
            "billingInformation.taxIds[0].value: This field may not be blank.",
            {"field": "billingInformation.taxIds[0].value"},
        ),
        (
            {"customerId": "acme", "billingInformation": {"billingAddress": {"addressLine1": "x" * 256}}},
            "VALIDATION_ERROR",
            "billingInformation.billingAddress.addressLine1: Ensure this field has no more than 255 characters.",
            {"field": "billingInformation.billingAddress.addressLine1"},
        ),
        ({"name": "X"}, "VALIDATION_ERROR", "customerId: is required", {"field": "customerId"}),
    ]
    for variables, code, message, details in cases:
        status, body = graphql(update, {"input": variables})
        error = body["errors"][0]
        assert (
            status,
            body["data"],
            error["message"],
            error["extensions"]["code"],
            error["extensions"].get("details"),
        ) == (200, None, message, code, details), variables
    assert list(Customer.objects.values_list("ref_id", "name", "email", "metadata")) == [("acme", "Acme", None, {})]


def test_an_update_with_null_clears_as_rest_does_and_absent_fields_stay(graphql: Any) -> None:
    customer = customer_provision(ref_id="acme", name="Acme", email="ap@acme.test", metadata={"a": "b"}, now=NOW)
    customer_update(customer=customer, changes={"billing_id": "cus_1"}, now=NOW)
    update = "mutation($input: UpdateCustomerInput!) { updateOneCustomer(input: $input) { name email billingId } }"
    status, body = graphql(update, {"input": {"refId": "acme", "email": None, "additionalMetaData": None}})
    assert (status, body) == (
        200,
        {"data": {"updateOneCustomer": {"name": "Acme", "email": None, "billingId": "cus_1"}}},
    )
    assert Customer.objects.get(ref_id="acme").metadata == {}

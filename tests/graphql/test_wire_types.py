"""Every answer of every GraphQL operation of ``stigg-api-client-v2`` has the wire types the SDK's result models
declare, strictly (``tests/strict_wire.py``): pydantic's lax parsing, which the SDK uses, would take ``0`` for
``false`` and ``"5"`` for ``5``.

The calls and the checks run in the SDK's own virtualenv (``tests/graphql/sdk_wire_calls.py``, through the
``python_sdk`` runner), against the live server and the fuzz tests' seeded world; the SDK's models are importable
only there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from config.graphql import sdk_documents
from config.graphql.schema import executable_schema
from tests.sdk import install
from tests.sdk.runners import PythonSdk
from tests.strict_graphql import schema_mismatches

TESTS = Path(__file__).resolve().parent.parent
SITE_PLAN = "gql-site-plan"
SCENARIO = """
import sys
sys.path[:0] = input["paths"]
import sdk_wire_calls
result = sdk_wire_calls.answers_checked(client, generated, input["grant"])
"""

# Operations this server answers with a coded error by design, so they have no data to check.
REFUSED = {
    "GetCustomerPortalByRefId": "The customer portal needs a billing integration, and this server has none",
    "GetCheckoutState": "Checkout needs a billing integration, and this server has none",
    "CreatePaymentSession": "A payment session needs a billing integration, and this server has none",
    "EstimateUsageCost": "usage is not priced in credits here",
    "EstimateEventCost": "events are not priced in credits here",
    **dict.fromkeys(
        [
            "GrantPromotionalEntitlementsGroup",
            "RevokePromotionalEntitlementsGroup",
            "UnlinkPromotionalEntitlementsGroup",
        ],
        "this server has no feature groups (grant promotional entitlements feature by feature)",
    ),
}


def _operations() -> set[str]:
    """Every query and mutation the SDK sends (its subscriptions go over websockets, not ``/graphql``)."""
    documents = sdk_documents.python_documents(install.python_sdk_site_packages())
    return {name for name, text in documents.items() if not text.lstrip().startswith("subscription")}


def _schema_mismatches(answers: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    """Per operation, the leaves whose JSON type differs from our schema's (DateTime above all, ``Any`` in the SDK)."""
    documents = sdk_documents.python_documents(install.python_sdk_site_packages())
    schema = executable_schema()
    return {
        operation: found
        for operation, datas in answers.items()
        for data in datas
        if (found := schema_mismatches(schema, documents[operation], data))
    }


def site_plan(api_client: APIClient) -> None:
    """Publish a free plan of a product with a subscription per resource, for the transfers between resources."""
    product = {"id": "gql-sites", "displayName": "Sites", "multipleSubscriptions": True}
    plan = {"id": SITE_PLAN, "displayName": "Site", "productId": "gql-sites", "pricingType": "FREE"}
    for path, body in [
        ("/api/v1/products", product),
        ("/api/v1/plans", plan),
        (f"/api/v1/plans/{SITE_PLAN}/publish", {"migrationType": "NEW_CUSTOMERS"}),
    ]:
        response = api_client.post(path, body, format="json")
        assert response.status_code == 200, response.content


@pytest.mark.django_db(transaction=True)
def test_every_answer_of_every_sdk_operation_has_the_types_the_sdk_models_declare(
    world: dict[str, str], python_sdk: PythonSdk, api_client: APIClient
) -> None:
    site_plan(api_client)
    paths = [str(TESTS), str(TESTS / "graphql")]

    checked = python_sdk.run(SCENARIO, {"paths": paths, "grant": world["grant"]})

    assert {operation: message.split(": ")[-1] for operation, message in checked["refused"].items()} == REFUSED
    assert checked["mismatches"] == {}
    assert _schema_mismatches(checked["data"]) == {}
    assert _operations() - set(checked["answered"]) == set(REFUSED)


LEAVES = 'query { entitlement(query: {customerId: "c", featureId: "f"}) { isGranted usageLimit entitlementUpdatedAt } }'
EXACT = {"isGranted": True, "usageLimit": 5, "entitlementUpdatedAt": "2026-12-07T10:00:00.000Z"}


@pytest.mark.parametrize(
    ("sent", "mismatches"),
    [
        ({}, []),
        ({"isGranted": 0}, ["entitlement.isGranted: 0 is not a Boolean"]),
        ({"isGranted": None}, ["entitlement.isGranted: null in a non-null Boolean"]),
        ({"usageLimit": "5"}, ["entitlement.usageLimit: '5' is not a Float"]),
        ({"entitlementUpdatedAt": 1767225600}, ["entitlement.entitlementUpdatedAt: 1767225600 is not a DateTime"]),
        ({"entitlementUpdatedAt": "yesterday"}, ["entitlement.entitlementUpdatedAt: 'yesterday' is not a DateTime"]),
    ],
    ids=["exact", "zero-for-true", "null-for-non-null", "string-for-number", "number-for-datetime", "not-iso"],
)
def test_a_leaf_of_another_json_type_than_the_schema_declares_is_a_mismatch(
    sent: dict[str, Any], mismatches: list[str]
) -> None:
    answer = {"entitlement": {**EXACT, **sent}}

    assert schema_mismatches(executable_schema(), LEAVES, answer) == mismatches

"""Entitlement reads in-process: bounded query counts (3 and 30 entitlements cost the same), the decision cache,
and bad input as coded GraphQL errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.services.features import feature_create
from catalog.services.products import product_create
from tests.entitlements.builders import CATALOG_AT, PRODUCT, customer, feature, package, provision

pytestmark = pytest.mark.django_db(transaction=True)

ENTITLEMENTS = """query($query: FetchEntitlementsQuery!) {
  cachedEntitlements(query: $query) { isGranted usageLimit feature { refId featureUnits description } validUntil }
  entitlementsState(query: $query) { accessDeniedReason entitlements { feature { refId } }
    entitlementsV2 { __typename ... on FeatureEntitlement { feature { refId displayName } } } }
}"""


@pytest.fixture
def customers_of_3_and_30(api_key: str) -> None:
    """``customer-3`` on a plan of 3 features, ``customer-30`` on a plan of 30 (half metered, monthly)."""
    product_create(ref_id=PRODUCT, display_name="Main", now=CATALOG_AT)
    for index in range(30):
        meter = {"meter_type": "INCREMENTAL"} if index % 2 else {}
        feature_create(
            ref_id=f"feature-{index}",
            display_name=f"Feature {index}",
            feature_type="NUMBER",
            feature_units="unit",
            now=CATALOG_AT,
            **meter,
        )
    for size in (3, 30):
        items = [
            feature(
                f"feature-{index}",
                usage_limit=index + 1,
                **(
                    {"reset_period": "MONTH", "reset_configuration": {"monthly": "SubscriptionStart"}}
                    if index % 2
                    else {}
                ),
            )
            for index in range(size)
        ]
        package("PLAN", f"plan-{size}", items)
        customer(f"customer-{size}")
        provision(f"plan-{size}", customer_ref_id=f"customer-{size}", now=timezone.now())


def _read(graphql: Any, customer_id: str) -> tuple[int, dict[str, Any]]:
    with CaptureQueriesContext(connection) as queries:
        status, body = graphql(ENTITLEMENTS, {"query": {"customerId": customer_id}})
    assert status == 200 and "errors" not in body, body
    return len(queries), body


def test_entitlements_cost_the_same_queries_for_3_and_30(
    graphql: Any, customers_of_3_and_30: None, settings: Any
) -> None:
    settings.ENTITLEMENT_DECISION_CACHE = False

    count_3, body_3 = _read(graphql, "customer-3")
    count_30, body_30 = _read(graphql, "customer-30")

    assert len(body_3["data"]["cachedEntitlements"]) == 3 and len(body_30["data"]["cachedEntitlements"]) == 30
    assert len(body_30["data"]["entitlementsState"]["entitlementsV2"]) == 30
    assert body_30["data"]["cachedEntitlements"][0]["feature"] == {
        "refId": "feature-0",
        "featureUnits": "unit",
        "description": None,
    }
    assert count_3 == count_30


def test_a_repeated_read_is_answered_from_the_decision_cache(
    graphql: Any, customers_of_3_and_30: None, settings: Any
) -> None:
    settings.ENTITLEMENT_DECISION_CACHE = True

    first_count, first = _read(graphql, "customer-30")
    second_count, second = _read(graphql, "customer-30")

    assert second == first
    # only the API key and the features' display details are read again
    assert second_count < first_count and second_count == 2


@pytest.mark.parametrize(
    ("query", "variables", "code", "message"),
    [
        (
            '{ entitlement(query: {customerId: "c", featureId: "f", options: {requestedUsage: -1}}) { isGranted } }',
            {},
            "VALIDATION_ERROR",
            "requestedUsage: Ensure this value is greater than or equal to 0.",
        ),
        (
            '{ entitlementV2(query: {customerId: "c", featureId: "f", currencyId: "t"}) { __typename } }',
            {},
            "VALIDATION_ERROR",
            "featureId: give featureId or currencyId, not both",
        ),
        ('{ entitlement(query: {customerId: "c"}) { isGranted } }', {}, "GRAPHQL_VALIDATION_FAILED", None),
        (
            "query($q: FetchEntitlementsQuery!) { cachedEntitlements(query: $q) { isGranted } }",
            {"q": {"customerId": 5, "other": 1}},
            "BAD_USER_INPUT",
            None,
        ),
        (
            '{ entitlement(query: {customerId: "c", featureId: "' + "f" * 300 + '"}) { isGranted } }',
            {},
            "VALIDATION_ERROR",
            "featureId: Ensure this field has no more than 255 characters.",
        ),
    ],
)
def test_bad_entitlement_queries_are_coded_errors(
    graphql: Any, api_key: str, query: str, variables: dict[str, Any], code: str, message: str | None
) -> None:
    status, body = graphql(query, variables)

    assert status in (200, 400)
    assert body.get("data") is None
    assert {error["extensions"]["code"] for error in body["errors"]} == {code}
    if message is not None:
        assert [error["message"] for error in body["errors"]] == [message]


CHECK = """query($query: FetchEntitlementQuery!) {
  entitlement(query: $query) { isGranted currentUsage usageLimit requestedUsage feature { refId displayName } }
}"""


def test_a_cached_check_costs_only_the_key_and_still_sees_new_usage(api_key: str, graphql: Any, settings: Any) -> None:
    """``entitlement`` answers whole from the decision cache (no feature row read), and a usage report replaces the
    token the answer was cached under, so the next check computes the new usage."""
    from decimal import Decimal

    from metering.services import UsageReport, usage_report
    from tests.entitlements.builders import catalog_for_entitlements

    settings.ENTITLEMENT_DECISION_CACHE = True
    catalog_for_entitlements()
    customer("customer-1")
    provision("plan-basic", now=timezone.now())
    variables = {"query": {"customerId": "customer-1", "featureId": "api-calls", "options": {"requestedUsage": 5}}}
    expected = {
        "isGranted": True,
        "currentUsage": 0,
        "usageLimit": 1000,
        "requestedUsage": 5,
        "feature": {"refId": "api-calls", "displayName": "API calls"},
    }
    assert graphql(CHECK, variables)[1] == {"data": {"entitlement": expected}}
    with CaptureQueriesContext(connection) as queries:
        assert graphql(CHECK, variables)[1] == {"data": {"entitlement": expected}}
    assert [query["sql"].split(" FROM ")[1].split()[0] for query in queries.captured_queries] == ['"config_apikey"']
    usage_report(items=[UsageReport("customer-1", "api-calls", Decimal(7))], now=timezone.now())
    assert graphql(CHECK, variables)[1] == {"data": {"entitlement": {**expected, "currentUsage": 7}}}

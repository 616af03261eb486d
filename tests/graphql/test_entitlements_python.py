"""Entitlement reads through the official Python SDK (``stigg-api-client-v2``) against our ``/graphql``:
``get_entitlement``, ``get_entitlement_v_2`` (a feature and a credit currency), ``get_entitlements``,
``get_entitlements_state`` and ``report_entitlement_check_requested``, with unknown customers and features."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from catalog.services.currencies import custom_currency_create
from config.wire import iso
from metering.services import UsageReport, usage_report
from subscriptions.models import Subscription
from subscriptions.periods import add_months
from tests.credits.builders import grant
from tests.entitlements.builders import catalog_for_entitlements, customer, provision
from tests.sdk.runners import PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pro(api_key: str) -> Subscription:
    """customer-1 on plan-pro with two seat add-ons, started three days ago, 400 API calls used, and a wallet of
    100 tokens granted."""
    catalog_for_entitlements()
    customer("customer-1")
    subscription = provision("plan-pro", now=timezone.now() - timedelta(days=3), addons=[("addon-seats", 2)])
    usage_report(items=[UsageReport("customer-1", "api-calls", Decimal(400))], now=timezone.now())
    custom_currency_create(ref_id="tokens", display_name="Tokens", unit_plural="tokens", now=timezone.now())
    grant(100, now=timezone.now() - timedelta(hours=1))
    return subscription


def feature(ref_id: str, display_name: str, feature_type: str, meter_type: str = "None") -> dict[str, Any]:
    return {
        "__typename": "EntitlementFeature",
        "featureType": feature_type,
        "meterType": meter_type,
        "featureUnits": None,
        "featureUnitsPlural": None,
        "description": None,
        "displayName": display_name,
        "refId": ref_id,
        "unitTransformation": None,
    }


def api_calls(subscription: Subscription, **changes: Any) -> dict[str, Any]:
    """``EntitlementFragment`` of the metered api-calls feature (1000 a month, 400 used), without its
    ``usageUpdatedAt`` (the moment of the read)."""
    start = subscription.start_date
    end = add_months(start, 1, anchor_day=start.day)
    return {
        "__typename": "Entitlement",
        "isGranted": True,
        "accessDeniedReason": None,
        "customerId": "customer-1",
        "resourceId": None,
        "usageLimit": 1000.0,
        "hasUnlimitedUsage": False,
        "hasSoftLimit": False,
        "currentUsage": 400.0,
        "requestedUsage": None,
        "requestedValues": None,
        "enumValues": None,
        "entitlementUpdatedAt": "2024-01-01T00:00:00.000Z",
        "usagePeriodAnchor": iso(start),
        "usagePeriodStart": iso(start),
        "usagePeriodEnd": iso(end),
        "nextResetDate": iso(end),
        "resetPeriod": "MONTH",
        "resetPeriodConfiguration": {
            "__typename": "MonthlyResetPeriodConfig",
            "monthlyAccordingTo": "SubscriptionStart",
        },
        "feature": feature("api-calls", "API calls", "NUMBER", "Incremental"),
        "creditRate": None,
        "validUntil": float(round(end.timestamp() * 1000)),
        **changes,
    }


def without_read_time(answer: dict[str, Any]) -> dict[str, Any]:
    answer = dict(answer)
    usage_updated_at = answer.pop("usageUpdatedAt")
    assert usage_updated_at is None or usage_updated_at.endswith("Z")
    return answer


def test_python_get_entitlement_checks_a_request_against_the_window(python_sdk: PythonSdk, pro: Subscription) -> None:
    result = python_sdk.run("""
def check(feature, **options):
    query = generated.FetchEntitlementQuery(customerId="customer-1", featureId=feature,
                                            options=generated.EntitlementOptions(**options) if options else None)
    return client.get_entitlement(query).entitlement
result = [check("api-calls", requestedUsage=600), check("api-calls", requestedUsage=601),
          check("support-tier", requestedValues=["email", "priority"]), check("sso")]
""")

    granted, over, values, sso = (without_read_time(item) for item in result)
    assert granted == api_calls(pro, requestedUsage=600.0)
    assert over == api_calls(
        pro, requestedUsage=601.0, isGranted=False, accessDeniedReason="RequestedUsageExceedingLimit"
    )
    assert values["isGranted"] is False and values["accessDeniedReason"] == "RequestedValuesMismatch"
    assert values["enumValues"] == ["email"] and values["requestedValues"] == ["email", "priority"]
    assert sso["isGranted"] is True and sso["feature"] == feature("sso", "Single sign-on", "BOOLEAN")


def test_python_get_entitlement_of_unknown_customer_or_feature_is_a_denial(
    python_sdk: PythonSdk, pro: Subscription
) -> None:
    result = python_sdk.run("""
result = [client.get_entitlement(generated.FetchEntitlementQuery(customerId=customer, featureId=feature)).entitlement
          for customer, feature in (("nobody", "sso"), ("customer-1", "no-such-feature"))]
""")

    denial = {
        "__typename": "Entitlement",
        "isGranted": False,
        "resourceId": None,
        "usageLimit": None,
        "hasUnlimitedUsage": False,
        "hasSoftLimit": False,
        "currentUsage": 0.0,
        "requestedUsage": None,
        "requestedValues": None,
        "enumValues": None,
        "entitlementUpdatedAt": None,
        "usageUpdatedAt": None,
        "usagePeriodAnchor": None,
        "usagePeriodStart": None,
        "usagePeriodEnd": None,
        "nextResetDate": None,
        "resetPeriod": None,
        "resetPeriodConfiguration": None,
        "feature": None,
        "creditRate": None,
        "validUntil": None,
    }
    assert result == [
        {
            **denial,
            "customerId": "nobody",
            "accessDeniedReason": "CustomerNotFound",
            "feature": feature("sso", "Single sign-on", "BOOLEAN"),
        },
        {**denial, "customerId": "customer-1", "accessDeniedReason": "FeatureNotFound"},
    ]


def test_python_get_entitlement_v2_answers_features_and_credits(python_sdk: PythonSdk, pro: Subscription) -> None:
    result = python_sdk.run("""
def check(**query):
    return client.get_entitlement_v_2(generated.GetEntitlementV2Input(customerId="customer-1", **query)).entitlement_v_2
result = [check(featureId="api-calls"), check(currencyId="tokens",
          options=generated.EntitlementOptions(requestedUsage=100)), check(currencyId="tokens",
          options=generated.EntitlementOptions(requestedUsage=101)), check(currencyId="gold")]
""")

    feature_answer, enough, too_much, unknown = result
    expected = api_calls(pro, __typename="FeatureEntitlement")
    for key in ("customerId", "resourceId", "requestedUsage", "requestedValues", "nextResetDate"):
        expected.pop(key)
    expected["validUntil"] = expected["usagePeriodEnd"]
    assert without_read_time(feature_answer) == expected
    assert enough["__typename"] == "CreditEntitlement" and enough["isGranted"] is True
    assert (enough["usageLimit"], enough["currentUsage"], enough["hasSoftLimit"]) == (100.0, 0.0, False)
    assert enough["currency"] == {
        "currencyId": "tokens",
        "displayName": "Tokens",
        "description": None,
        "unitSingular": None,
        "unitPlural": "tokens",
        "additionalMetaData": {},
    }
    assert (too_much["isGranted"], too_much["accessDeniedReason"]) == (False, "InsufficientCredits")
    assert (unknown["isGranted"], unknown["accessDeniedReason"]) == (False, "EntitlementNotFound")


def test_python_get_entitlement_v2_needs_a_feature_or_a_currency(python_sdk: PythonSdk, pro: Subscription) -> None:
    error = python_sdk.error("client.get_entitlement_v_2(generated.GetEntitlementV2Input(customerId='customer-1'))")
    assert error == {"code": "VALIDATION_ERROR", "message": "featureId: featureId or currencyId is required"}


def test_python_get_entitlements_and_state(python_sdk: PythonSdk, pro: Subscription) -> None:
    result = python_sdk.run("""
query = generated.FetchEntitlementsQuery(customerId="customer-1")
nobody = generated.FetchEntitlementsQuery(customerId="nobody")
result = [client.get_entitlements(query), client.get_entitlements_state(query), client.get_entitlements(nobody),
          client.get_entitlements_state(nobody)]
""")
    result = {
        "all": result[0]["entitlements"],
        "state": result[1]["entitlementsState"],
        "nobody": result[2]["entitlements"],
        "nobodyState": result[3]["entitlementsState"],
    }

    assert [item["feature"]["refId"] for item in result["all"]] == [
        "api-calls",
        "seats",
        "sso",
        "storage",
        "support-tier",
    ]
    assert without_read_time(result["all"][0]) == api_calls(pro)
    assert result["all"][1]["usageLimit"] == 30.0
    state = result["state"]
    assert state["accessDeniedReason"] is None
    assert [without_read_time(item) for item in state["entitlements"]] == [
        without_read_time(item) for item in result["all"]
    ]
    assert [
        (
            item["__typename"],
            (item.get("feature") or item.get("currency"))["refId" if "feature" in item else "currencyId"],
        )
        for item in state["entitlementsV2"]
    ] == [
        ("FeatureEntitlement", "api-calls"),
        ("FeatureEntitlement", "seats"),
        ("FeatureEntitlement", "sso"),
        ("FeatureEntitlement", "storage"),
        ("FeatureEntitlement", "support-tier"),
        ("CreditEntitlement", "tokens"),
    ]
    assert result["nobody"] == []
    assert result["nobodyState"] == {
        "__typename": "EntitlementsState",
        "entitlements": [],
        "entitlementsV2": [],
        "accessDeniedReason": "CustomerNotFound",
    }


def test_python_report_entitlement_check_requested_is_accepted(python_sdk: PythonSdk, pro: Subscription) -> None:
    result = python_sdk.run("""
report = generated.EntitlementCheckRequested(customerId="customer-1", featureId="sso",
                                             entitlementCheckResult=generated.EntitlementCheckResult(hasAccess=True))
result = client.report_entitlement_check_requested(report)
""")
    assert result == {"reportEntitlementCheckRequested": True}

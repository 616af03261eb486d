"""Promotional entitlements through the Python SDK: grant, revoke and the feature-group operations, with coded
errors that write nothing; and ``Customer.promotionalEntitlements``."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from customers.selectors import customer_get
from entitlements import services
from entitlements.models import PromotionalEntitlement
from tests.entitlements.builders import catalog_for_entitlements, customer
from tests.sdk.runners import PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalog(api_key: str) -> None:
    catalog_for_entitlements()
    customer("customer-1")


def grant_scenario(items: list[dict[str, Any]], customer_id: str = "customer-1") -> str:
    return f"""
result = client.grant_promotional_entitlements(generated.GrantPromotionalEntitlementsInput(
    customerId={customer_id!r},
    promotionalEntitlements=[generated.GrantPromotionalEntitlementInput.model_validate(item) for item in {items!r}]))
"""


SEATS = {
    "featureType": "NUMBER",
    "meterType": "None",
    "featureUnits": None,
    "featureUnitsPlural": None,
    "displayName": "Seats",
    "description": None,
    "refId": "seats",
    "additionalMetaData": {},
}


def test_python_grant_and_revoke(python_sdk: PythonSdk, catalog: None) -> None:
    granted = python_sdk.run(
        grant_scenario(
            [
                {"featureId": "seats", "period": "ONE_MONTH", "usageLimit": 3},
                {"featureId": "sso", "period": "LIFETIME", "isVisible": False},
            ]
        )
    )

    seats, sso = PromotionalEntitlement.objects.select_related("feature").order_by("pk")
    assert granted == {
        "grantPromotionalEntitlements": [
            {
                "status": "Active",
                "usageLimit": 3.0,
                "featureId": "seats",
                "hasUnlimitedUsage": False,
                "hasSoftLimit": False,
                "resetPeriod": None,
                "endDate": seats.end_date.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "isVisible": True,
                "feature": SEATS,
            },
            {
                "status": "Active",
                "usageLimit": None,
                "featureId": "sso",
                "hasUnlimitedUsage": False,
                "hasSoftLimit": False,
                "resetPeriod": None,
                "endDate": None,
                "isVisible": False,
                "feature": {**SEATS, "featureType": "BOOLEAN", "displayName": "Single sign-on", "refId": "sso"},
            },
        ]
    }
    assert (seats.period, seats.granted_by, sso.period) == ("1 month", "api", "lifetime")

    revoked = python_sdk.run("""
result = client.revoke_promotional_entitlement(generated.RevokePromotionalEntitlementInput(
    customerId="customer-1", featureId="sso"))
""")

    assert revoked == {"revokePromotionalEntitlement": {"id": sso.ref_id}}
    sso.refresh_from_db()
    assert sso.revoked_by == "api" and sso.revoked_at is not None


def test_python_bad_grants_are_coded_errors_that_write_nothing(python_sdk: PythonSdk, catalog: None) -> None:
    errors = [
        python_sdk.error(grant_scenario(items, customer_id))
        for customer_id, items in [
            ("nobody", [{"featureId": "sso", "period": "LIFETIME"}]),
            ("customer-1", [{"featureId": "nope", "period": "LIFETIME"}]),
            ("customer-1", [{"featureId": "sso", "period": "LIFETIME"}, {"featureId": "seats", "period": "CUSTOM"}]),
            ("customer-1", [{"featureId": "seats", "period": "LIFETIME", "usageLimit": 2.5}]),
            ("customer-1", [{"featureId": "sso", "period": "LIFETIME"}, {"featureId": "sso", "period": "ONE_WEEK"}]),
            ("customer-1", []),
        ]
    ]

    assert errors == [
        {"code": "CUSTOMER_NOT_FOUND", "message": "customerId: Customer nobody not found"},
        {"code": "FEATURE_NOT_FOUND", "message": "promotionalEntitlements[0].featureId: Feature nope not found"},
        {
            "code": "VALIDATION_ERROR",
            "message": "promotionalEntitlements[1].customEndDate: is required when period is custom",
        },
        {"code": "VALIDATION_ERROR", "message": "promotionalEntitlements[0].usageLimit: A valid integer is required."},
        {
            "code": "VALIDATION_ERROR",
            "message": "promotionalEntitlements[1].featureId: feature sso is granted twice in one request",
        },
        {"code": "VALIDATION_ERROR", "message": "promotionalEntitlements: This list may not be empty."},
    ]
    assert not PromotionalEntitlement.objects.exists()


def test_python_revoking_what_is_not_there_is_a_coded_error(python_sdk: PythonSdk, catalog: None) -> None:
    scenario = """
result = client.revoke_promotional_entitlement(generated.RevokePromotionalEntitlementInput(
    customerId=input["customer"], featureId=input["feature"]))
"""
    errors = [
        python_sdk.error(scenario, {"customer": customer_id, "feature": feature_id})
        for customer_id, feature_id in [("customer-1", "sso"), ("nobody", "sso"), ("customer-1", "nope")]
    ]

    assert errors == [
        {
            "code": "PROMOTIONAL_ENTITLEMENT_NOT_FOUND",
            "message": "Customer customer-1 has no promotional entitlement for feature sso",
        },
        {"code": "CUSTOMER_NOT_FOUND", "message": "customerId: Customer nobody not found"},
        {"code": "FEATURE_NOT_FOUND", "message": "featureId: Feature nope not found"},
    ]


def test_python_group_operations_answer_that_there_is_no_such_group(python_sdk: PythonSdk, catalog: None) -> None:
    scenario = """
customer, operation = input
if operation == "grant":
    client.grant_promotional_entitlements_group(generated.GrantPromotionalEntitlementsGroupInput(
        customerId=customer, featureGroupId="group-1",
        promotionalEntitlements=[generated.GrantPromotionalEntitlementInput(featureId="sso", period="LIFETIME")]))
elif operation == "revoke":
    client.revoke_promotional_entitlements_group(generated.RevokePromotionalEntitlementsGroupInput(
        customerId=customer, featureGroupId="group-1"))
else:
    client.unlink_promotional_entitlements_group(generated.UnlinkPromotionalEntitlementsGroupInput(
        customerId=customer, featureGroupId="group-1"))
"""
    errors = [
        python_sdk.error(scenario, [customer_id, operation])
        for customer_id in ("customer-1", "nobody")
        for operation in ("grant", "revoke", "unlink")
    ]

    no_group = {
        "code": "FeatureGroupNotFoundError",
        "message": "featureGroupId: Feature group group-1 not found: this server has no feature groups "
        "(grant promotional entitlements feature by feature)",
    }
    no_customer = {"code": "CUSTOMER_NOT_FOUND", "message": "customerId: Customer nobody not found"}
    assert errors == [no_group] * 3 + [no_customer] * 3
    assert not PromotionalEntitlement.objects.exists()


def test_customer_lists_its_current_promotions(graphql: Any, catalog: None) -> None:
    now = timezone.now()
    services.promotional_entitlements_grant(
        customer=customer("customer-2"),
        grants=[
            services.PromotionGrant(feature_ref_id="sso", period="lifetime"),
            services.PromotionGrant(feature_ref_id="seats", period="1 week", usage_limit=4),
        ],
        now=now,
        actor="test",
    )
    services.promotional_entitlement_revoke(
        customer=customer_get("customer-2"), feature_ref_id="sso", now=now, actor="test"
    )

    status, body = graphql("""query { getCustomerByRefId(input: {customerId: "customer-2"}) {
        promotionalEntitlements { featureId usageLimit status } } }""")

    assert status == 200
    assert body == {
        "data": {
            "getCustomerByRefId": {
                "promotionalEntitlements": [{"featureId": "seats", "usageLimit": 4.0, "status": "Active"}]
            }
        }
    }

"""C8 (entitlements state) and C9 (entitlement check) through the official Stigg client against the live server."""

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import stigg
from django.utils import timezone

from catalog.services.currencies import custom_currency_create
from config.wire import iso
from customers.selectors import customer_get
from customers.services import customer_archive
from entitlements import services
from entitlements.models import PromotionalEntitlement
from subscriptions.models import Subscription
from subscriptions.periods import add_months
from tests.entitlements.builders import CATALOG_AT, catalog_for_entitlements, customer, provision


@pytest.fixture
def catalog(db: None) -> None:
    catalog_for_entitlements()
    customer("customer-1")


@pytest.fixture
def pro(catalog: None) -> Subscription:
    """customer-1 on plan-pro (paid, no trial) with two seat add-ons, started three days ago."""
    return provision("plan-pro", now=timezone.now() - timedelta(days=3), addons=[("addon-seats", 2)])


def raw(response: Any) -> Any:
    return json.loads(response.text(), parse_float=Decimal)["data"]


FEATURE_KEYS = {
    "type",
    "isGranted",
    "accessDeniedReason",
    "feature",
    "usageLimit",
    "hasUnlimitedUsage",
    "currentUsage",
    "resetPeriod",
    "usagePeriodAnchor",
    "usagePeriodStart",
    "usagePeriodEnd",
    "validUntil",
    "entitlementUpdatedAt",
}


# --- C8 ---------------------------------------------------------------------------------------------------------------


def test_entitlements_state_lists_every_granted_feature_with_every_field(
    stigg_client: stigg.Stigg, pro: Subscription
) -> None:
    start = pro.start_date
    body = raw(stigg_client.v1.customers.with_raw_response.retrieve_entitlements("customer-1"))

    assert body["accessDeniedReason"] is None
    by_feature = {item["feature"]["id"]: item for item in body["entitlements"]}
    assert list(by_feature) == ["api-calls", "seats", "sso", "storage", "support-tier"]
    assert all(set(item) == FEATURE_KEYS for item in body["entitlements"])
    assert by_feature["api-calls"] == {
        "type": "FEATURE",
        "isGranted": True,
        "accessDeniedReason": None,
        "feature": {"id": "api-calls", "displayName": "API calls", "featureStatus": "ACTIVE", "featureType": "NUMBER"},
        "usageLimit": 1000,
        "hasUnlimitedUsage": False,
        "currentUsage": 0,
        "resetPeriod": "MONTH",
        "usagePeriodAnchor": iso(start),
        "usagePeriodStart": iso(start),
        "usagePeriodEnd": iso(add_months(start, 1, anchor_day=start.day)),
        "validUntil": iso(add_months(start, 1, anchor_day=start.day)),
        "entitlementUpdatedAt": iso(CATALOG_AT),
    }
    assert by_feature["seats"] == {
        "type": "FEATURE",
        "isGranted": True,
        "accessDeniedReason": None,
        "feature": {"id": "seats", "displayName": "Seats", "featureStatus": "ACTIVE", "featureType": "NUMBER"},
        "usageLimit": 30,
        "hasUnlimitedUsage": False,
        "currentUsage": 0,
        "resetPeriod": None,
        "usagePeriodAnchor": None,
        "usagePeriodStart": None,
        "usagePeriodEnd": None,
        "validUntil": None,
        "entitlementUpdatedAt": iso(CATALOG_AT),
    }


def test_entitlements_state_parses_into_the_client_models(stigg_client: stigg.Stigg, pro: Subscription) -> None:
    data = stigg_client.v1.customers.retrieve_entitlements("customer-1").data

    assert data.access_denied_reason is None
    assert [(item.type, item.is_granted) for item in data.entitlements] == [("FEATURE", True)] * 5
    tier = data.entitlements[4]
    assert tier.feature is not None and (tier.feature.id, tier.feature.feature_type) == ("support-tier", "ENUM")


def test_entitlements_state_includes_promotions_and_the_most_generous_value(
    stigg_client: stigg.Stigg, pro: Subscription
) -> None:
    services.promotional_entitlements_grant(
        customer=customer_get("customer-1"),
        grants=[services.PromotionGrant("seats", "lifetime", has_unlimited_usage=True)],
        now=timezone.now(),
        actor="test",
    )

    data = stigg_client.v1.customers.retrieve_entitlements("customer-1").data
    seats = next(item for item in data.entitlements if item.feature and item.feature.id == "seats")

    assert (seats.has_unlimited_usage, seats.usage_limit, seats.valid_until) == (True, None, None)


def test_entitlements_state_is_scoped_by_resource(stigg_client: stigg.Stigg, catalog: None) -> None:
    provision("plan-site", now=timezone.now() - timedelta(hours=1), resource_ref_id="site-1")

    customer_level = stigg_client.v1.customers.retrieve_entitlements("customer-1").data
    site = stigg_client.v1.customers.retrieve_entitlements("customer-1", resource_id="site-1").data
    unknown = stigg_client.v1.customers.retrieve_entitlements("customer-1", resource_id="site-2").data

    assert (customer_level.access_denied_reason, customer_level.entitlements) == ("NoActiveSubscription", [])
    assert site.access_denied_reason is None
    assert [item.feature.id for item in site.entitlements if item.feature] == ["site-analytics"]
    assert (unknown.access_denied_reason, unknown.entitlements) == ("NoActiveSubscription", [])


@pytest.mark.parametrize(
    ("customer_ref_id", "reason"),
    [
        ("nobody", "CustomerNotFound"),
        ("customer-archived", "CustomerIsArchived"),
        ("customer-1", "NoActiveSubscription"),
    ],
)
def test_entitlements_state_denied_as_a_whole_is_a_200(
    stigg_client: stigg.Stigg, catalog: None, customer_ref_id: str, reason: str
) -> None:
    customer_archive(customer=customer("customer-archived"), now=timezone.now())

    data = stigg_client.v1.customers.retrieve_entitlements(customer_ref_id).data

    assert (data.access_denied_reason, data.entitlements) == (reason, [])


# --- C9 ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("customer_ref_id", "params", "expected"),
    [
        ("customer-1", {"feature_id": "sso"}, (True, None, None, None)),
        ("customer-1", {"feature_id": "seats", "requested_usage": 30}, (True, None, 30, False)),
        (
            "customer-1",
            {"feature_id": "seats", "requested_usage": 31},
            (False, "RequestedUsageExceedingLimit", 30, False),
        ),
        ("customer-1", {"feature_id": "api-calls", "requested_usage": 1000}, (True, None, 1000, False)),
        (
            "customer-1",
            {"feature_id": "api-calls", "requested_usage": 1001},
            (False, "RequestedUsageExceedingLimit", 1000, False),
        ),
        ("customer-1", {"feature_id": "support-tier", "requested_values": ["email"]}, (True, None, None, None)),
        (
            "customer-1",
            {"feature_id": "support-tier", "requested_values": ["email", "priority"]},
            (False, "RequestedValuesMismatch", None, None),
        ),
        ("customer-1", {"feature_id": "sso", "requested_usage": 1}, (False, "FeatureTypeMismatch", None, None)),
        ("customer-1", {"feature_id": "site-analytics"}, (False, "NoFeatureEntitlementInSubscription", None, None)),
        ("customer-1", {"feature_id": "sso", "resource_id": "site-9"}, (False, "CustomerResourceNotFound", None, None)),
        ("customer-1", {"feature_id": "nope"}, (False, "FeatureNotFound", None, None)),
        ("nobody", {"feature_id": "sso"}, (False, "CustomerNotFound", None, None)),
        ("customer-archived", {"feature_id": "sso"}, (False, "CustomerIsArchived", None, None)),
        ("customer-2", {"feature_id": "sso"}, (False, "NoActiveSubscription", None, None)),
    ],
)
def test_check(
    stigg_client: stigg.Stigg,
    pro: Subscription,
    customer_ref_id: str,
    params: dict[str, Any],
    expected: tuple[Any, ...],
) -> None:
    customer("customer-2")
    customer_archive(customer=customer("customer-archived"), now=timezone.now())

    data = stigg_client.v1.customers.check_entitlement(customer_ref_id, **params).data

    assert data.type == "FEATURE"
    number_feature = data.feature is not None and data.feature.feature_type == "NUMBER"
    assert (
        data.is_granted,
        data.access_denied_reason,
        data.usage_limit,
        data.has_unlimited_usage if number_feature else None,
    ) == expected
    if params["feature_id"] == "nope":
        assert data.feature is None
    else:
        assert data.feature is not None and data.feature.id == params["feature_id"]


def test_check_of_a_metered_feature_has_its_usage_window(stigg_client: stigg.Stigg, pro: Subscription) -> None:
    start = pro.start_date
    body = raw(stigg_client.v1.customers.with_raw_response.check_entitlement("customer-1", feature_id="api-calls"))

    assert set(body) == FEATURE_KEYS
    end = add_months(start, 1, anchor_day=start.day)
    assert (body["isGranted"], body["currentUsage"], body["resetPeriod"]) == (True, 0, "MONTH")
    assert (body["usagePeriodAnchor"], body["usagePeriodStart"], body["usagePeriodEnd"], body["validUntil"]) == (
        iso(start),
        iso(start),
        iso(end),
        iso(end),
    )


def test_check_of_a_trial_is_valid_until_the_trial_ends(stigg_client: stigg.Stigg, catalog: None) -> None:
    subscription = provision("plan-pro", now=timezone.now() - timedelta(days=1), trial=True)

    data = stigg_client.v1.customers.check_entitlement("customer-1", feature_id="sso").data

    assert (data.is_granted, iso(data.valid_until)) == (True, iso(subscription.trial_end_date))


def test_a_promotion_grants_access_without_a_subscription(stigg_client: stigg.Stigg, catalog: None) -> None:
    denied = stigg_client.v1.customers.check_entitlement("customer-1", feature_id="sso").data
    stigg_client.v1.customers.promotional_entitlements.create(
        "customer-1", promotional_entitlements=[promo_grant("sso", period="1 week")]
    )

    granted = stigg_client.v1.customers.check_entitlement("customer-1", feature_id="sso").data

    assert (denied.is_granted, denied.access_denied_reason) == (False, "NoActiveSubscription")
    promotion = PromotionalEntitlement.objects.get()
    assert (granted.is_granted, granted.access_denied_reason, iso(granted.valid_until)) == (
        True,
        None,
        iso(promotion.end_date),
    )


def promo_grant(feature_id: str, *, period: str, **fields: Any) -> dict[str, Any]:
    return {
        "feature_id": feature_id,
        "period": period,
        "custom_end_date": None,
        "enum_values": None,
        "has_soft_limit": None,
        "has_unlimited_usage": None,
        "is_visible": None,
        "reset_period": None,
        "usage_limit": None,
        "monthly_reset_period_configuration": None,
        "weekly_reset_period_configuration": None,
        "yearly_reset_period_configuration": None,
        **fields,
    }


def test_check_by_currency_without_credits_is_insufficient(stigg_client: stigg.Stigg, pro: Subscription) -> None:
    custom_currency_create(ref_id="ai-tokens", display_name="AI tokens", unit_plural="tokens", now=timezone.now())
    before = timezone.now()

    data = stigg_client.v1.customers.check_entitlement("customer-1", currency_id="ai-tokens").data
    unknown_customer = stigg_client.v1.customers.check_entitlement("nobody", currency_id="ai-tokens").data

    assert data.type == "CREDIT"
    assert (data.is_granted, data.access_denied_reason, data.usage_limit, data.current_usage) == (
        False,
        "InsufficientCredits",
        0,
        0,
    )
    assert (data.currency.currency_id, data.currency.display_name, data.currency.unit_plural) == (
        "ai-tokens",
        "AI tokens",
        "tokens",
    )
    assert data.usage_updated_at >= before
    assert (unknown_customer.type, unknown_customer.access_denied_reason) == ("CREDIT", "CustomerNotFound")


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"feature_id": "sso", "currency_id": "ai-tokens"}, "featureId", "give featureId or currencyId, not both"),
        ({}, "featureId", "featureId or currencyId is required"),
        (
            {"feature_id": "seats", "extra_query": {"requestedUsage": "lots"}},
            "requestedUsage",
            "A valid number is required.",
        ),
        (
            {"feature_id": "seats", "requested_usage": -1},
            "requestedUsage",
            "Ensure this value is greater than or equal to 0.",
        ),
    ],
)
def test_malformed_checks_are_400s_naming_the_parameter(
    stigg_client: stigg.Stigg, catalog: None, params: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(stigg.BadRequestError) as error:
        stigg_client.v1.customers.check_entitlement("customer-1", **params)

    assert error.value.body == {
        "error": {
            "code": "VALIDATION_ERROR",
            "message": f"{field}: {message}",
            "details": {"fields": {field: [message]}},
        }
    }


def test_requested_values_are_comma_joined_on_the_wire(stigg_client: stigg.Stigg, pro: Subscription) -> None:
    response = stigg_client.v1.customers.with_raw_response.check_entitlement(
        "customer-1", feature_id="support-tier", requested_values=["email", "community"]
    )

    assert "requestedValues=email%2Ccommunity" in str(response.http_request.url)
    assert raw(response)["accessDeniedReason"] == "RequestedValuesMismatch"


def test_entitlement_timestamps_are_datetimes(stigg_client: stigg.Stigg, pro: Subscription) -> None:
    data = stigg_client.v1.customers.check_entitlement("customer-1", feature_id="api-calls").data

    assert isinstance(data.entitlement_updated_at, datetime)
    assert isinstance(data.usage_period_end, datetime)

"""Promotional entitlements P1 (grant), P2 (list) and P3 (revoke) through the official Stigg client."""

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import stigg
from django.utils import timezone

from config.wire import iso
from customers.selectors import customer_get
from customers.services import customer_archive
from entitlements import services
from entitlements.models import PromotionalEntitlement
from tests.entitlements.builders import catalog_for_entitlements, customer
from tests.wire_shapes import domain_error


@pytest.fixture
def catalog(db: None) -> None:
    catalog_for_entitlements()
    customer("customer-1")


def raw(response: Any) -> Any:
    return json.loads(response.text(), parse_float=Decimal)["data"]


def promo_grant(feature_id: str, *, period: str = "1 month", **fields: Any) -> dict[str, Any]:
    """A ``PromoGrant``: the client types every key as required (nullable ones may be ``None``)."""
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


def grant_at(feature_ref_id: str, *, days_ago: int, period: str, **fields: Any) -> PromotionalEntitlement:
    (promotion,) = services.promotional_entitlements_grant(
        customer=customer_get("customer-1"),
        grants=[services.PromotionGrant(feature_ref_id, period, **fields)],
        now=timezone.now() - timedelta(days=days_ago),
        actor="test",
    )
    return promotion


# --- P1 grant ---------------------------------------------------------------------------------------------------------


def test_grant_returns_the_promotions_in_the_contract_shape(stigg_client: stigg.Stigg, catalog: None) -> None:
    response = stigg_client.v1.customers.promotional_entitlements.with_raw_response.create(
        "customer-1",
        promotional_entitlements=[
            promo_grant(
                "api-calls",
                period="6 month",
                usage_limit=500,
                has_soft_limit=True,
                reset_period="MONTH",
                monthly_reset_period_configuration={"according_to": "StartOfTheMonth"},
                is_visible=False,
            ),
            promo_grant("support-tier", period="lifetime", enum_values=["priority"]),
        ],
    )

    calls, tier = raw(response)
    stored = {promotion.feature.ref_id: promotion for promotion in PromotionalEntitlement.objects.all()}
    assert calls == {
        "id": f"promo-{stored['api-calls'].pk}",
        "environmentId": "default",
        "featureId": "api-calls",
        "period": "6 month",
        "status": "Active",
        "startDate": iso(stored["api-calls"].start_date),
        "endDate": iso(stored["api-calls"].end_date),
        "isVisible": False,
        "description": None,
        "usageLimit": 500,
        "hasUnlimitedUsage": False,
        "hasSoftLimit": True,
        "enumValues": None,
        "resetPeriod": "MONTH",
        "resetPeriodConfiguration": {"accordingTo": "StartOfTheMonth"},
        "featureGroupIds": [],
        "createdAt": iso(stored["api-calls"].created_at),
        "updatedAt": iso(stored["api-calls"].updated_at),
    }
    assert (tier["featureId"], tier["period"], tier["endDate"], tier["enumValues"], tier["isVisible"]) == (
        "support-tier",
        "lifetime",
        None,
        ["priority"],
        True,
    )


def test_grant_parses_into_the_client_models(stigg_client: stigg.Stigg, catalog: None) -> None:
    end = timezone.now() + timedelta(days=3)

    (data,) = stigg_client.v1.customers.promotional_entitlements.create(
        "customer-1",
        promotional_entitlements=[promo_grant("seats", period="custom", custom_end_date=end, has_unlimited_usage=True)],
    ).data

    assert (data.feature_id, data.period, data.status, data.environment_id) == ("seats", "custom", "Active", "default")
    assert (iso(data.end_date), data.has_unlimited_usage, data.usage_limit) == (iso(end), True, None)


def test_granting_the_same_feature_again_replaces_it(stigg_client: stigg.Stigg, catalog: None) -> None:
    promotions = stigg_client.v1.customers.promotional_entitlements
    (first,) = promotions.create("customer-1", promotional_entitlements=[promo_grant("seats", usage_limit=5)]).data
    (second,) = promotions.create(
        "customer-1", promotional_entitlements=[promo_grant("seats", period="1 year", usage_limit=9)]
    ).data

    listed = list(promotions.list("customer-1"))
    check = stigg_client.v1.customers.check_entitlement("customer-1", feature_id="seats").data

    assert first.id != second.id
    assert [(item.id, item.period, item.usage_limit) for item in listed] == [(second.id, "1 year", 9)]
    assert (check.is_granted, check.usage_limit) == (True, 9)
    assert PromotionalEntitlement.objects.count() == 2


@pytest.mark.parametrize(
    ("customer_ref_id", "item", "status", "body"),
    [
        (
            "nobody",
            promo_grant("sso"),
            404,
            domain_error("CUSTOMER_NOT_FOUND", "Customer nobody not found"),
        ),
        (
            "customer-1",
            promo_grant("nope"),
            404,
            domain_error("FEATURE_NOT_FOUND", "Feature nope not found", field="promotionalEntitlements[0].featureId"),
        ),
        (
            "customer-1",
            promo_grant("sso", usage_limit=3),
            400,
            domain_error(
                "VALIDATION_ERROR",
                "is not allowed for BOOLEAN feature sso",
                field="promotionalEntitlements[0].usageLimit",
            ),
        ),
        (
            "customer-1",
            promo_grant("sso", period="custom"),
            400,
            domain_error(
                "VALIDATION_ERROR",
                "is required when period is custom",
                field="promotionalEntitlements[0].customEndDate",
            ),
        ),
    ],
)
def test_refused_grants_answer_clearly_and_write_nothing(
    stigg_client: stigg.Stigg, catalog: None, customer_ref_id: str, item: dict[str, Any], status: int, body: Any
) -> None:
    with pytest.raises(stigg.APIStatusError) as error:
        stigg_client.v1.customers.promotional_entitlements.create(customer_ref_id, promotional_entitlements=[item])

    assert (error.value.status_code, error.value.body) == (status, body)
    assert PromotionalEntitlement.objects.count() == 0


def test_grant_keys_are_required_and_enums_checked(stigg_client: stigg.Stigg, catalog: None) -> None:
    item = promo_grant("sso", period="2 weeks")
    del item["custom_end_date"]

    with pytest.raises(stigg.BadRequestError) as error:
        stigg_client.v1.customers.promotional_entitlements.create("customer-1", promotional_entitlements=[item])

    assert error.value.body["error"]["details"]["fields"] == {  # type: ignore[index]
        "promotionalEntitlements[0].period": ['"2 weeks" is not a valid choice.'],
        "promotionalEntitlements[0].customEndDate": ["This field is required."],
    }
    assert PromotionalEntitlement.objects.count() == 0


def test_an_archived_customer_cannot_be_granted(stigg_client: stigg.Stigg, catalog: None) -> None:
    customer_archive(customer=customer("customer-archived"), now=timezone.now())

    with pytest.raises(stigg.NotFoundError):
        stigg_client.v1.customers.promotional_entitlements.create(
            "customer-archived", promotional_entitlements=[promo_grant("sso")]
        )


# --- P2 list ----------------------------------------------------------------------------------------------------------


def test_list_shows_current_promotions_with_their_status(stigg_client: stigg.Stigg, catalog: None) -> None:
    ended = grant_at("sso", days_ago=10, period="1 week")
    active = grant_at("seats", days_ago=1, period="lifetime", usage_limit=4)
    grant_at("storage", days_ago=1, period="1 week", usage_limit=1)
    services.promotional_entitlement_revoke(
        customer=customer_get("customer-1"), feature_ref_id="storage", now=timezone.now(), actor="test"
    )
    promotions = stigg_client.v1.customers.promotional_entitlements

    everything = [(item.feature_id, item.status) for item in promotions.list("customer-1")]
    expired = [item.id for item in promotions.list("customer-1", status=["Expired"])]
    current = [item.id for item in promotions.list("customer-1", status=["Active", "Paused"])]

    assert everything == [("sso", "Expired"), ("seats", "Active")]
    assert (expired, current) == ([ended.ref_id], [active.ref_id])


def test_list_pages_and_filters_by_creation(stigg_client: stigg.Stigg, catalog: None) -> None:
    for index, ref_id in enumerate(["sso", "seats", "storage"]):
        grant_at(ref_id, days_ago=3 - index, period="lifetime", **({} if ref_id == "sso" else {"usage_limit": 1}))
    promotions = stigg_client.v1.customers.promotional_entitlements

    first_page = promotions.list("customer-1", limit=2)
    everything = [item.feature_id for item in promotions.list("customer-1", limit=2)]
    recent = promotions.list("customer-1", created_at={"gte": timezone.now() - timedelta(days=1, hours=12)})

    assert ([item.feature_id for item in first_page.data], first_page.pagination.next is not None) == (
        ["sso", "seats"],
        True,
    )
    assert everything == ["sso", "seats", "storage"]
    assert [item.feature_id for item in recent] == ["storage"]


def test_list_refuses_unknown_statuses_and_customers(stigg_client: stigg.Stigg, catalog: None) -> None:
    promotions = stigg_client.v1.customers.promotional_entitlements

    with pytest.raises(stigg.BadRequestError) as bad_status:
        promotions.list("customer-1", extra_query={"status": "Gone"})
    with pytest.raises(stigg.NotFoundError) as unknown:
        promotions.list("nobody")

    assert bad_status.value.body["error"]["details"] == {"field": "status"}  # type: ignore[index]
    assert unknown.value.body["error"]["code"] == "CUSTOMER_NOT_FOUND"  # type: ignore[index]


# --- P3 revoke --------------------------------------------------------------------------------------------------------


def test_revoke_returns_the_promotion_and_removes_its_access(stigg_client: stigg.Stigg, catalog: None) -> None:
    promotion = grant_at("sso", days_ago=0, period="1 month")
    promotions = stigg_client.v1.customers.promotional_entitlements

    revoked = promotions.revoke("sso", id="customer-1").data
    check = stigg_client.v1.customers.check_entitlement("customer-1", feature_id="sso").data

    assert (revoked.id, revoked.feature_id, revoked.period) == (promotion.ref_id, "sso", "1 month")
    assert list(promotions.list("customer-1")) == []
    assert (check.is_granted, check.access_denied_reason) == (False, "NoActiveSubscription")
    with pytest.raises(stigg.NotFoundError) as again:
        promotions.revoke("sso", id="customer-1")
    assert again.value.body == domain_error(
        "PROMOTIONAL_ENTITLEMENT_NOT_FOUND", "Customer customer-1 has no promotional entitlement for feature sso"
    )
    assert PromotionalEntitlement.objects.get().revoked_by == "api"


@pytest.mark.parametrize(
    ("customer_ref_id", "feature_ref_id", "code"),
    [("nobody", "sso", "CUSTOMER_NOT_FOUND"), ("customer-1", "nope", "FEATURE_NOT_FOUND")],
)
def test_revoke_of_unknown_things_is_a_404(
    stigg_client: stigg.Stigg, catalog: None, customer_ref_id: str, feature_ref_id: str, code: str
) -> None:
    with pytest.raises(stigg.NotFoundError) as error:
        stigg_client.v1.customers.promotional_entitlements.revoke(feature_ref_id, id=customer_ref_id)

    assert error.value.body["error"]["code"] == code  # type: ignore[index]

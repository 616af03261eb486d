"""Promotional entitlements: the ``PromotionalEntitlement`` type (from ``PromotionalEntitlement`` rows), a
customer's ``promotionalEntitlements``, grant and revoke, and the feature-group operations.

Grant and revoke call the services REST v1's P1 and P3 call; a grant's items are validated by REST's own input
serializer (the field names match; Stigg's period names are translated to ours first), so a bad item is a
``VALIDATION_ERROR`` naming it (``promotionalEntitlements[0].usageLimit``) and nothing is written.

Feature groups: this server has none (REST v1 grants promotions feature by feature), so no ``featureGroupId`` can
name one: the group operations answer Stigg's ``FeatureGroupNotFoundError`` (after ``CustomerNotFound`` for an
unknown customer), never a fake success.
"""

from __future__ import annotations

from typing import Any

from ariadne import MutationType, ObjectType
from graphql import GraphQLResolveInfo

from customers.models import Customer
from customers.selectors import customer_get
from entitlements import services
from entitlements.apis.inputs import PromotionalEntitlementsGrantInput, PromotionGrantInput
from entitlements.enums import PromoPeriod
from entitlements.errors import FeatureGroupNotFound
from entitlements.models import PromotionalEntitlement
from entitlements.selectors import current_promotions_by_customer, promotion_status

API_ACTOR = "api"
# Stigg's ``PromotionalEntitlementPeriod`` names and our stored values.
PERIODS = {
    "ONE_WEEK": PromoPeriod.ONE_WEEK,
    "ONE_MONTH": PromoPeriod.ONE_MONTH,
    "SIX_MONTH": PromoPeriod.SIX_MONTHS,
    "ONE_YEAR": PromoPeriod.ONE_YEAR,
    "LIFETIME": PromoPeriod.LIFETIME,
    "CUSTOM": PromoPeriod.CUSTOM,
}
GRANT_FIELDS = tuple(PromotionGrantInput().fields)

mutation = MutationType()
promotional_entitlement = ObjectType("PromotionalEntitlement")
customer_type = ObjectType("Customer")


# --- PromotionalEntitlement -------------------------------------------------------------------------------------------


@promotional_entitlement.field("id")
def resolve_id(parent: PromotionalEntitlement, _: GraphQLResolveInfo) -> str:
    return parent.ref_id


@promotional_entitlement.field("featureId")
def resolve_feature_id(parent: PromotionalEntitlement, _: GraphQLResolveInfo) -> str:
    """Stigg's feature UUID; features here are identified by their id (``refId``)."""
    return parent.feature.ref_id


@promotional_entitlement.field("status")
def resolve_status(parent: PromotionalEntitlement, info: GraphQLResolveInfo) -> str:
    return promotion_status(parent, now=info.context.now)


@promotional_entitlement.field("usageLimit")
def resolve_usage_limit(parent: PromotionalEntitlement, _: GraphQLResolveInfo) -> float | None:
    return None if parent.usage_limit is None else float(parent.usage_limit)


for field_name, attribute in {
    "endDate": "end_date",
    "hasSoftLimit": "has_soft_limit",
    "hasUnlimitedUsage": "has_unlimited_usage",
    "isVisible": "is_visible",
    "resetPeriod": "reset_period",
}.items():
    promotional_entitlement.set_field(field_name, lambda parent, _, attribute=attribute: getattr(parent, attribute))
# ``feature`` is the ``Feature`` row, resolved by the catalog's ``Feature`` type.


@customer_type.field("promotionalEntitlements")
def resolve_customer_promotions(parent: Customer, info: GraphQLResolveInfo) -> list[PromotionalEntitlement]:
    """The customer's current promotions (revoked and replaced ones are history), as REST's P2 lists them. A list
    resolver returning many customers primes ``current_promotions_by_customer`` with their ids for one query."""
    return info.context.loaders.get(current_promotions_by_customer, default=[]).load(parent.pk)


# --- grant and revoke -------------------------------------------------------------------------------------------------


def _grant_items(items: list[dict[str, Any]]) -> list[services.PromotionGrant]:
    """Stigg's ``GrantPromotionalEntitlementInput`` list as REST's ``PromoGrant`` list (every key present, the
    period in our spelling), validated by REST's serializer."""
    body = [
        {name: PERIODS[item["period"]] if name == "period" else item.get(name) for name in GRANT_FIELDS}
        for item in items
    ]
    grant_input = PromotionalEntitlementsGrantInput(data={"promotionalEntitlements": body})
    grant_input.is_valid(raise_exception=True)
    return [services.PromotionGrant(**item) for item in grant_input.validated_data["promotional_entitlements"]]


@mutation.field("grantPromotionalEntitlements")
def resolve_grant(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> list[PromotionalEntitlement]:
    customer = customer_get(input["customerId"], field="customerId")
    return services.promotional_entitlements_grant(
        customer=customer,
        grants=_grant_items(input["promotionalEntitlements"]),
        now=info.context.now,
        actor=API_ACTOR,
    )


@mutation.field("revokePromotionalEntitlement")
def resolve_revoke(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> PromotionalEntitlement:
    return services.promotional_entitlement_revoke(
        customer=customer_get(input["customerId"], field="customerId"),
        feature_ref_id=input["featureId"],
        now=info.context.now,
        actor=API_ACTOR,
    )


def resolve_group_operation(_: Any, __: GraphQLResolveInfo, input: dict[str, Any]) -> list[PromotionalEntitlement]:
    customer_get(input["customerId"], field="customerId")
    raise FeatureGroupNotFound(
        f"Feature group {input['featureGroupId']} not found: this server has no feature groups "
        "(grant promotional entitlements feature by feature)",
        field="featureGroupId",
    )


for group_operation in (
    "grantPromotionalEntitlementsGroup",
    "revokePromotionalEntitlementsGroup",
    "unlinkPromotionalEntitlementsGroup",
):
    mutation.set_field(group_operation, resolve_group_operation)

bindables: list[object] = [mutation, promotional_entitlement, customer_type]

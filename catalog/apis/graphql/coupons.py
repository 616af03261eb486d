"""``Coupon`` (resolved from ``Coupon`` rows), ``coupons`` (GetCoupons) and ``createOneCoupon`` (CreateCoupon): the
same selector, input validation and service as REST v1's ``/api/v1/coupons``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ariadne import MutationType, ObjectType, QueryType
from graphql import GraphQLResolveInfo
from rest_framework.exceptions import ValidationError

from catalog import enums
from catalog.apis.graphql import loaders
from catalog.apis.graphql.ids import object_id
from catalog.apis.graphql.values import bind_attributes, money
from catalog.apis.inputs import CouponCreateInput
from catalog.models import Coupon
from catalog.selectors import coupon_get, coupon_list
from catalog.services.coupons import coupon_create
from config.errors import InvalidInput
from config.graphql.paging import queryset_page

query = QueryType()
mutation = MutationType()
coupon = ObjectType("Coupon")

# The ``CouponFilter`` comparisons REST v1's coupon list can answer; any other is refused, naming it.
SUPPORTED_FILTERS = {"status": {"eq", "in"}, "type": {"eq"}, "refId": {"eq"}, "createdAt": {"gt", "gte", "lt", "lte"}}


def _list_arguments(filter: dict[str, Any] | None) -> dict[str, Any]:
    """``coupon_list``'s keyword arguments from a ``CouponFilter``."""
    filter = filter or {}
    for name, comparison in filter.items():
        for operator, value in (comparison or {}).items():
            if value is not None and operator not in SUPPORTED_FILTERS.get(name, ()):
                raise InvalidInput("this comparison is not supported", field=f"filter.{name}.{operator}")
    status, coupon_type = filter.get("status") or {}, filter.get("type") or {}
    statuses = [status["eq"]] if status.get("eq") else list(status.get("in") or [])
    created_at = {f"created_at__{operator}": value for operator, value in (filter.get("createdAt") or {}).items()}
    return {
        "ref_id": (filter.get("refId") or {}).get("eq"),
        "statuses": statuses,
        "coupon_type": coupon_type.get("eq"),
        "created_at": {key: value for key, value in created_at.items() if value is not None},
    }


@query.field("coupons")
def resolve_coupons(
    _: Any, info: GraphQLResolveInfo, filter: dict[str, Any] | None = None, paging: dict[str, Any] | None = None
) -> dict[str, Any]:
    return queryset_page(coupon_list(**_list_arguments(filter)), paging).connection()


# REST's input names where GraphQL's differ, both ways (so a refused field is named as the caller sent it).
REST_NAMES = {"refId": "id", "additionalMetaData": "metadata"}
GRAPHQL_NAMES = {rest: graphql for graphql, rest in REST_NAMES.items()}


def _rest_body(input: dict[str, Any]) -> dict[str, Any]:
    """The GraphQL input as REST v1's ``CouponCreateInput`` reads it. Stigg's older ``type`` + ``discountValue``
    pair becomes the percentage or the (USD) amount it stands for."""
    body: dict[str, Any] = {"amountsOff": None, "percentOff": None}
    for name in CREATE_FIELDS:
        body[REST_NAMES.get(name, name)] = input.get(name)
    if input.get("amountsOff") is not None:
        body["amountsOff"] = [
            {"amount": str(item["amount"]), "currency": (item.get("currency") or "usd").lower()}
            for item in input["amountsOff"]
        ]
    if input.get("percentOff") is not None:
        body["percentOff"] = str(input["percentOff"])
    discount = input.get("discountValue")
    if discount is not None and input.get("percentOff") is None and not input.get("amountsOff"):
        if input.get("type") == enums.CouponType.FIXED:
            body["amountsOff"] = [{"amount": str(discount), "currency": "usd"}]
        else:
            body["percentOff"] = str(discount)
    return body


CREATE_FIELDS = {"refId", "name", "description", "durationInMonths", "additionalMetaData"}


@mutation.field("createOneCoupon")
def resolve_create_coupon(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Coupon:
    body = _rest_body(input)
    serializer = CouponCreateInput(data=body)
    if not serializer.is_valid():
        raise ValidationError({GRAPHQL_NAMES.get(name, name): errors for name, errors in serializer.errors.items()})
    given_type = enums.CouponType.PERCENTAGE if body["percentOff"] is not None else enums.CouponType.FIXED
    if input.get("type") and input["type"] != given_type:
        raise InvalidInput(f"does not match the discount given ({given_type})", field="type")
    created = coupon_create(**serializer.validated_data, now=info.context.now)
    return coupon_get(created.ref_id)


@coupon.field("id")
def resolve_id(parent: Coupon, _: Any) -> str:
    return object_id("coupon", parent.pk)


bind_attributes(
    coupon,
    {
        "refId": "ref_id",
        "percentOff": "percent_off",
        "billingId": "billing_id",
        "createdAt": "created_at",
        "updatedAt": "updated_at",
    },
)
# ``name``, ``description``, ``type`` and ``status`` are the model's own attributes.


@coupon.field("amountsOff")
def resolve_amounts_off(parent: Coupon, info: GraphQLResolveInfo) -> list[dict[str, Any]] | None:
    if parent.type != enums.CouponType.FIXED:
        return None
    return [money(amount.amount, amount.currency) for amount in loaders.coupon_amounts_off(info, parent)]


@coupon.field("discountValue")
def resolve_discount_value(parent: Coupon, info: GraphQLResolveInfo) -> Decimal:
    """The percentage off, or the amount off (of the first currency: Stigg's coupons had one)."""
    if parent.percent_off is not None:
        return parent.percent_off
    amounts = loaders.coupon_amounts_off(info, parent)
    return amounts[0].amount if amounts else Decimal(0)


@coupon.field("additionalMetaData")
def resolve_metadata(parent: Coupon, _: Any) -> dict[str, Any]:
    return parent.metadata or {}


@coupon.field("billingLinkUrl")
def resolve_billing_link_url(*_: Any) -> None:
    return None


@coupon.field("syncStates")
def resolve_sync_states(*_: Any) -> list[dict[str, Any]]:
    # No billing integration syncs our coupons anywhere.
    return []


bindables = [query, mutation, coupon]

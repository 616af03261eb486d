"""The ``Customer`` and ``CustomerResource`` object types, resolved from ``customers.models`` instances.

Any resolver that answers a ``Customer`` returns a ``Customer`` row and these resolvers shape it. Fields that need the
layers above are bound on the same GraphQL type by their owners: ``subscriptions``, ``hasActiveSubscription``,
``trialedPlans``, ``eligibleForTrial`` and ``statistics`` (counts of active subscriptions, which ``customers`` cannot
read: it must not import ``subscriptions``) by ``subscriptions``; ``promotionalEntitlements`` by ``entitlements``.
``coupon`` answers the ``catalog.models.Coupon`` row, which ``catalog`` resolves.

A list resolver that returns customers from a query without ``select_related("coupon")`` calls
``prime_customer_coupons`` so that their coupons load in one query.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from ariadne import ObjectType
from graphql import GraphQLResolveInfo

from catalog.models import Coupon
from customers.enums import PaymentMethodType
from customers.models import Customer, CustomerResource

# Stigg's ``Customer.id`` is a UUID of its own; ours is the row's key, presented as a stable name-based UUID.
CUSTOMER_ID_NAMESPACE = uuid.UUID("6f0f4d3e-7a51-4c0e-9a39-3f1f7e6c2b10")

# The SDKs' ``PaymentMethodType`` has no ``PAYPAL``: such a method answers ``null`` rather than breaking the query.
GRAPHQL_PAYMENT_METHOD_TYPES = frozenset({PaymentMethodType.BANK, PaymentMethodType.CARD, PaymentMethodType.CASH_APP})

customer_type = ObjectType("Customer")
customer_resource_type = ObjectType("CustomerResource")


def customer_uuid(customer: Customer) -> uuid.UUID:
    return uuid.uuid5(CUSTOMER_ID_NAMESPACE, f"customer:{customer.pk}")


def _coupons_by_id(coupon_ids: list[int]) -> Mapping[int, Coupon]:
    return Coupon.objects.in_bulk(coupon_ids)


def prime_customer_coupons(info: GraphQLResolveInfo, customers: Iterable[Customer]) -> None:
    """Let the customers' ``coupon`` fields load together (one query for the list)."""
    info.context.loaders.get(_coupons_by_id).prime(
        customer.coupon_id for customer in customers if customer.coupon_id is not None
    )


def _payment_method(customer: Customer, key: str) -> Any:
    return (customer.default_payment_method or {}).get(key)


@customer_type.field("id")
def resolve_id(customer: Customer, _: GraphQLResolveInfo) -> uuid.UUID:
    return customer_uuid(customer)


@customer_type.field("refId")
@customer_type.field("customerId")
def resolve_ref_id(customer: Customer, _: GraphQLResolveInfo) -> str:
    return customer.ref_id


@customer_type.field("billingId")
def resolve_billing_id(customer: Customer, _: GraphQLResolveInfo) -> str | None:
    return customer.billing_id


@customer_type.field("createdAt")
def resolve_created_at(customer: Customer, _: GraphQLResolveInfo) -> Any:
    return customer.created_at


@customer_type.field("updatedAt")
def resolve_updated_at(customer: Customer, _: GraphQLResolveInfo) -> Any:
    return customer.updated_at


@customer_type.field("additionalMetaData")
def resolve_additional_metadata(customer: Customer, _: GraphQLResolveInfo) -> dict[str, Any]:
    return customer.metadata or {}


@customer_type.field("awsMarketplaceCustomerId")
def resolve_aws_marketplace_customer_id(customer: Customer, _: GraphQLResolveInfo) -> str | None:
    """The customer's id in its AWS Marketplace integration link, if it has one."""
    for integration in customer.integrations or []:
        if integration.get("vendorIdentifier") == "AWS_MARKETPLACE":
            return integration.get("syncedEntityId")
    return None


@customer_type.field("coupon")
def resolve_coupon(customer: Customer, info: GraphQLResolveInfo) -> Coupon | None:
    if customer.coupon_id is None:
        return None
    if Customer.coupon.is_cached(customer):
        return customer.coupon
    return info.context.loaders.get(_coupons_by_id).load(customer.coupon_id)


@customer_type.field("hasPaymentMethod")
def resolve_has_payment_method(customer: Customer, _: GraphQLResolveInfo) -> bool:
    return customer.default_payment_method is not None


@customer_type.field("defaultPaymentExpirationMonth")
def resolve_default_payment_expiration_month(customer: Customer, _: GraphQLResolveInfo) -> int | None:
    return _payment_method(customer, "cardExpiryMonth")


@customer_type.field("defaultPaymentExpirationYear")
def resolve_default_payment_expiration_year(customer: Customer, _: GraphQLResolveInfo) -> int | None:
    return _payment_method(customer, "cardExpiryYear")


@customer_type.field("defaultPaymentMethodCardBrand")
def resolve_default_payment_method_card_brand(customer: Customer, _: GraphQLResolveInfo) -> str | None:
    return _payment_method(customer, "cardBrand")


@customer_type.field("defaultPaymentMethodLast4Digits")
def resolve_default_payment_method_last_4_digits(customer: Customer, _: GraphQLResolveInfo) -> str | None:
    return _payment_method(customer, "cardLast4Digits")


@customer_type.field("defaultPaymentMethodWalletType")
def resolve_default_payment_method_wallet_type(customer: Customer, _: GraphQLResolveInfo) -> str | None:
    return _payment_method(customer, "walletType")


@customer_type.field("defaultPaymentMethodType")
def resolve_default_payment_method_type(customer: Customer, _: GraphQLResolveInfo) -> str | None:
    method_type = _payment_method(customer, "type")
    return method_type if method_type in GRAPHQL_PAYMENT_METHOD_TYPES else None


@customer_type.field("experimentInfo")
def resolve_experiment_info(*_: Any) -> None:
    """We run no experiments."""
    return None


@customer_resource_type.field("resourceId")
def resolve_resource_id(resource: CustomerResource, _: GraphQLResolveInfo) -> str:
    return resource.ref_id


bindables: list[object] = [customer_type, customer_resource_type]

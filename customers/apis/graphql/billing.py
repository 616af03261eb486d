"""Operations that need a billing integration this server does not have: the customer portal, the checkout state and
a payment session. Each names the customer first (an unknown one is ``CUSTOMER_NOT_FOUND``, as everywhere), then
refuses with Stigg's own error code for the missing capability, never a made-up success.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ariadne import MutationType, QueryType
from graphql import GraphQLResolveInfo

from customers.errors import BillingIntegrationMissing, CheckoutIsNotSupported
from customers.selectors import customer_get

query = QueryType()
mutation = MutationType()


@query.field("customerPortal")
def resolve_customer_portal(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> NoReturn:
    customer_get(input["customerId"], field="customerId")
    raise BillingIntegrationMissing("The customer portal needs a billing integration, and this server has none")


@query.field("checkoutState")
def resolve_checkout_state(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> NoReturn:
    customer_get(input["customerId"], field="customerId")
    raise CheckoutIsNotSupported("Checkout needs a billing integration, and this server has none")


@mutation.field("createPaymentSession")
def resolve_create_payment_session(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> NoReturn:
    customer_get(input["customerId"], field="customerId")
    raise BillingIntegrationMissing("A payment session needs a billing integration, and this server has none")


bindables: list[object] = [query, mutation]

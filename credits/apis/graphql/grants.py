"""``creditGrants`` (GetCreditGrants), ``createCreditGrant`` (GrantCredits) and ``voidCreditGrant``: REST v1's
G1-G3 (``credits.apis.grants``) through the same selectors and services."""

from __future__ import annotations

from typing import Any

from ariadne import MutationType, QueryType
from graphql import GraphQLResolveInfo

from catalog.selectors import custom_currency_get
from config.graphql.paging import queryset_page
from credits.apis.graphql.inputs import grant_input
from credits.apis.inputs import grant_request_of
from credits.models import CreditGrant
from credits.selectors import grant_get, grant_list, wallet_customer_get
from credits.services.grants import credit_grant_create, credit_grant_void

query = QueryType()
mutation = MutationType()


@query.field("creditGrants")
def resolve_credit_grants(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    """A customer's grants in creation order, a page at a time: three queries (the customer, the page with its
    wallets and invoices, the count), however many grants."""
    currency_id = input.get("currencyId")
    queryset = grant_list(
        customer=wallet_customer_get(input["customerId"]),
        currency=custom_currency_get(currency_id, field="currencyId") if currency_id else None,
        resource_ref_id=input.get("resourceId") or None,
    )
    return {**queryset_page(queryset, input.get("paging")).connection(), "totalCount": queryset.count()}


@mutation.field("createCreditGrant")
def resolve_create_credit_grant(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> CreditGrant:
    grant = credit_grant_create(request=grant_request_of(grant_input(input)), now=info.context.now)
    return grant_get(str(grant.ref_id))


@mutation.field("voidCreditGrant")
def resolve_void_credit_grant(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> CreditGrant:
    grant = credit_grant_void(grant=grant_get(input["id"]), now=info.context.now)
    return grant_get(str(grant.ref_id))


bindables: list[object] = [query, mutation]

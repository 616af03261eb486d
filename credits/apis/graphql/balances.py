"""``creditBalanceSummary`` (GetCreditBalance): the customer's wallets at the request's moment, by the one
definition of a balance (``credits.wallets.wallet_totals``, through ``credits.selectors.wallet_list``)."""

from __future__ import annotations

from typing import Any

from ariadne import QueryType
from graphql import GraphQLResolveInfo

from catalog.selectors import custom_currency_get
from config.wire import number
from credits.selectors import wallet_customer_get, wallet_list

query = QueryType()


@query.field("creditBalanceSummary")
def resolve_credit_balance_summary(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    """One ``CreditBalance`` per wallet (per currency, and per resource when the customer's credits are split
    by resource; ``resourceId`` picks one resource's). ``validUntil``: when time alone next changes the balance
    (a grant starting or expiring), in epoch milliseconds. Three queries, however many wallets."""
    customer = wallet_customer_get(input["customerId"])
    currency_id = input.get("currencyId")
    wallets = wallet_list(
        customer=customer,
        currency=custom_currency_get(currency_id, field="currencyId") if currency_id else None,
        resource_ref_id=input.get("resourceId") or None,
        now=info.context.now,
    )
    return {
        "customerId": customer.ref_id,
        "balances": [
            {
                "customerId": customer.ref_id,
                "resourceId": balance.resource_key or None,
                # ``SlimCustomCurrency`` is the catalog's, resolved from the currency row.
                "currency": balance.currency,
                "currentBalance": number(view.totals.available),
                "totalConsumed": number(view.totals.current_usage),
                "totalGranted": number(view.totals.usage_limit),
                "validUntil": int(view.changes_at.timestamp() * 1000) if view.changes_at else None,
            }
            for balance, view in wallets
        ],
    }


bindables: list[object] = [query]

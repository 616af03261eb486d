"""``creditsLedger`` (GetCreditLedger) and ``creditUsage`` (GetCreditUsage): REST v1's L1 and CU1
(``credits.apis.ledger``) through the same selectors."""

from __future__ import annotations

from typing import Any

from ariadne import QueryType
from graphql import GraphQLResolveInfo

from catalog.selectors import custom_currency_get
from config.graphql.paging import list_page, queryset_page
from config.pagination import encode_cursor, encode_key_cursor
from credits.apis.wire import usage_to_wire
from credits.models import LedgerEntry
from credits.selectors import credit_usage_report, ledger_list, series_order, wallet_customer_get

query = QueryType()


def _entry_cursor(entry: LedgerEntry) -> str:
    return encode_cursor(entry.pk)


@query.field("creditsLedger")
def resolve_credits_ledger(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    """The customer's ledger entries, oldest first, a page at a time: three queries (the customer, the page with
    its wallets, grants and consumptions, the count), however many entries."""
    currency_id = input.get("currencyId")
    queryset = ledger_list(
        customer=wallet_customer_get(input["customerId"]),
        currency=custom_currency_get(currency_id, field="currencyId") if currency_id else None,
        resource_ref_id=input.get("resourceId") or None,
        event_types=input.get("eventType") or (),
    )
    page = queryset_page(queryset, input.get("paging"))
    return {
        "edges": [{"cursor": _entry_cursor(entry), "node": entry} for entry in page.items],
        "events": page.items,
        "pageInfo": page.page_info(_entry_cursor),
        "totalCount": queryset.count(),
    }


@query.field("creditUsage")
def resolve_credit_usage(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    """Credits consumed over a window, one series per feature (or per ``groupBy`` dimension values), paged by
    series in the order of their feature and tags."""
    customer = wallet_customer_get(input["customerId"])
    currency_id = input.get("currencyId")
    currency = custom_currency_get(currency_id, field="currencyId") if currency_id else None
    series = credit_usage_report(
        customer=customer,
        currency=currency,
        resource_ref_id=input.get("resourceId") or None,
        start=input.get("startDate"),
        end=input.get("endDate"),
        time_range=input.get("timeRange"),
        group_by=list(input.get("groupBy") or []),
        now=info.context.now,
    )
    page = list_page(series, input.get("paging"), key=series_order)
    return {
        # REST v1's series, whose keys are the GraphQL fields' (its tags and cursors are not selected here).
        "series": usage_to_wire(page.items, currency=currency)["series"],
        "currency": currency,
        "pageInfo": page.page_info(lambda item: encode_key_cursor(series_order(item))),
    }


bindables: list[object] = [query]

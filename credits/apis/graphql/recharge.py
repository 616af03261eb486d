"""``getAutoRechargeSettings`` and ``saveAutoRechargeSettings`` (Get/SaveAutomaticRechargeConfiguration): REST
v1's AR1 and the PUT beside it (``credits.apis.recharge``) through the same selector and services."""

from __future__ import annotations

from typing import Any

from ariadne import MutationType, QueryType
from graphql import GraphQLResolveInfo

from catalog.selectors import custom_currency_get
from credits.apis.graphql.inputs import validated
from credits.apis.inputs import AutoRechargeInput, auto_recharge_input_of
from credits.apis.wire import auto_recharge_to_wire
from credits.selectors import auto_recharge_get, wallet_customer_get
from credits.services import recharge
from credits.wallets import ZERO

query = QueryType()
mutation = MutationType()

# ``AutoRechargeSettingsDTO`` has no model of its own to answer from when nothing was saved: it is answered as
# REST v1's ``AutoRecharge`` (the same keys; the enums' values mapped by ``types``), defaults included.


@query.field("getAutoRechargeSettings")
def resolve_get_auto_recharge_settings(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    customer = wallet_customer_get(input["customerId"])
    currency = custom_currency_get(input["currencyId"], field="currencyId")
    settings = auto_recharge_get(customer=customer, currency=currency)
    spend = recharge.auto_recharge_monthly_spend(settings, now=info.context.now) if settings else ZERO
    return auto_recharge_to_wire(
        settings, customer_ref_id=customer.ref_id, currency_ref_id=currency.ref_id, monthly_spend=spend
    )


@mutation.field("saveAutoRechargeSettings")
def resolve_save_auto_recharge_settings(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    now = info.context.now
    settings = recharge.auto_recharge_save(data=auto_recharge_input_of(validated(AutoRechargeInput, input)), now=now)
    return auto_recharge_to_wire(
        settings,
        customer_ref_id=settings.customer.ref_id,
        currency_ref_id=settings.currency.ref_id,
        monthly_spend=recharge.auto_recharge_monthly_spend(settings, now=now),
    )


bindables: list[object] = [query, mutation]

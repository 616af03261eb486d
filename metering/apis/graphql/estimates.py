"""``estimateUsageCost`` and ``estimateEventCost``: what usage or an event would cost in credits.

Our credits engine deducts what ``consumeCredits`` asks for; nothing in it prices usage in credits from a
feature's credit rate, so there is no estimate to give. Both answer Stigg's error for an unsupported request rather
than an estimate of zero.
"""

from __future__ import annotations

from typing import Any

from ariadne import QueryType
from graphql import GraphQLResolveInfo

from metering.errors import MeteringUnsupported

query = QueryType()


@query.field("estimateUsageCost")
def resolve_estimate_usage_cost(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    raise MeteringUnsupported("credit cost estimates are not available: usage is not priced in credits here")


@query.field("estimateEventCost")
def resolve_estimate_event_cost(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    raise MeteringUnsupported("credit cost estimates are not available: events are not priced in credits here")


bindables: list[object] = [query]

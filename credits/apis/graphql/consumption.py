"""``consumeCredits`` and ``consumeCreditsAsync``: REST v1's CN1 and CN2 (``credits.apis.consumption``) through
the same services: idempotent per ``idempotencyKey``, never overdrawing a hard-limited wallet."""

from __future__ import annotations

from typing import Any

from ariadne import MutationType
from graphql import GraphQLResolveInfo

from config.wire import number
from credits.apis.graphql.inputs import validated
from credits.apis.inputs import ConsumptionBatchInput, ConsumptionInput, consumption_request_of
from credits.apis.wire import consumption_to_wire
from credits.services.consumption import credits_consume, credits_consume_async

mutation = MutationType()


@mutation.field("consumeCredits")
def resolve_consume_credits(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    """``CreditConsumptionResponse`` (no model: REST v1's answer, whose keys are the GraphQL fields'); a retry
    with the same key answers the first consumption again and its ``credit.consumed`` is 0."""
    request = consumption_request_of(validated(ConsumptionInput, input))
    result = credits_consume(request=request, now=info.context.now)
    answer = consumption_to_wire(result.consumption)
    answer["credit"]["consumed"] = number(result.consumed)
    return answer


@mutation.field("consumeCreditsAsync")
def resolve_consume_credits_async(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> None:
    """Every item is checked now (a bad one refuses the batch, nothing queued); the consumption runs in a task
    after commit. Answers null: there is nothing to track the batch by."""
    items = validated(ConsumptionBatchInput, input)["consumptions"]
    credits_consume_async(requests=[consumption_request_of(item) for item in items])
    return None


bindables: list[object] = [mutation]

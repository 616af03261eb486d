"""Reading subscriptions through GraphQL: ``getSubscription``, ``subscriptions`` (a filtered, cursor-paged list)
and ``getActiveSubscriptions`` (both SDK documents: GetActiveSubscriptions and GetActiveSubscriptionsList). They
read through ``selectors.subscription_get`` / ``subscription_list``, as REST does, and prime the batch loaders so
that a list costs a fixed number of queries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ariadne import QueryType
from graphql import GraphQLResolveInfo

from config.errors import InvalidInput
from config.graphql.paging import queryset_page
from customers.selectors import customer_get
from subscriptions.apis.graphql.changes import subscription_ref_id
from subscriptions.apis.graphql.types import prime_subscriptions
from subscriptions.models import LIVE_STATUSES, Subscription
from subscriptions.selectors import subscription_get, subscription_list

query = QueryType()

# ``SubscriptionQueryFilter`` fields we filter on (with ``eq`` or ``in``), and the selector argument each becomes.
FILTERS: Mapping[str, str] = {
    "customerId": "customer_ref_ids",
    "subscriptionId": "ref_ids",
    "resourceId": "resource_ref_ids",
    "productId": "product_ref_ids",
    "planId": "plan_ref_ids",
    "status": "statuses",
    "pricingType": "pricing_types",
}
NESTED_FILTERS: Mapping[tuple[str, str], str] = {
    ("customer", "customerId"): "customerId",
    ("customer", "refId"): "customerId",
    ("plan", "refId"): "planId",
    ("resource", "resourceId"): "resourceId",
}


def _comparison(name: str, comparison: Mapping[str, Any]) -> list[str]:
    """The values an ``eq``/``in`` comparison allows; any other comparison is refused, naming it."""
    values: list[str] | None = None
    for operator, value in comparison.items():
        if value is None:
            continue
        if operator == "eq":
            values = [value] if values is None else [item for item in values if item == value]
        elif operator == "in":
            values = list(value) if values is None else [item for item in values if item in value]
        else:
            raise InvalidInput("only eq and in are supported", field=f"filter.{name}.{operator}")
    if values is None:
        raise InvalidInput("needs eq or in", field=f"filter.{name}")
    return values


def _filter_arguments(graphql_filter: Mapping[str, Any]) -> dict[str, list[str]]:
    """``SubscriptionQueryFilter`` as ``subscription_list``'s arguments: the allowed values of each filtered field
    (an empty list: nothing can match)."""
    allowed: dict[str, list[str]] = {}

    def narrow(name: str, values: list[str]) -> None:
        allowed[name] = values if name not in allowed else [value for value in allowed[name] if value in values]

    for name, comparison in graphql_filter.items():
        if comparison is None:
            continue
        if name in FILTERS:
            narrow(name, _comparison(name, comparison))
        elif name in ("customer", "plan", "resource"):
            for nested, nested_comparison in comparison.items():
                target = NESTED_FILTERS.get((name, nested))
                if target is None:
                    raise InvalidInput("is not supported", field=f"filter.{name}.{nested}")
                if nested_comparison is not None:
                    narrow(target, _comparison(f"{name}.{nested}", nested_comparison))
        elif name != "environmentId":
            raise InvalidInput("is not supported", field=f"filter.{name}")
    return {FILTERS[name]: values for name, values in allowed.items()}


@query.field("subscriptions")
def resolve_subscriptions(
    _: Any,
    info: GraphQLResolveInfo,
    filter: dict[str, Any] | None = None,
    paging: dict[str, Any] | None = None,
    sorting: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A page in creation order, paged as REST pages (``config.graphql.paging``). ``sorting`` other than by
    ``createdAt`` ascending is refused."""
    for index, sort in enumerate(sorting or []):
        if sort["field"] != "createdAt" or sort["direction"] != "ASC":
            raise InvalidInput("only createdAt ASC is supported", field=f"sorting[{index}]")
    arguments = _filter_arguments(filter or {})
    # The keys are FILTERS' values, each one of subscription_list's iterable-of-str parameters.
    queryset = subscription_list(**arguments)  # type: ignore[arg-type]
    if any(not values for values in arguments.values()):
        queryset = queryset.none()
    page = queryset_page(queryset, paging)
    prime_subscriptions(info, page.items)
    return page.connection()


@query.field("getSubscription")
def resolve_get_subscription(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Subscription:
    subscription = subscription_get(subscription_ref_id(input, "subscriptionId"))
    prime_subscriptions(info, [subscription])
    return subscription


@query.field("getActiveSubscriptions")
def resolve_get_active_subscriptions(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> list[Subscription]:
    """The customer's live subscriptions (active, in trial, awaiting payment), for one resource or several, oldest
    first. An unknown customer is ``CustomerNotFound``."""
    customer = customer_get(input["customerId"], field="customerId")
    resource_ref_ids = list(input.get("resourceIds") or [])
    if input.get("resourceId"):
        resource_ref_ids.append(input["resourceId"])
    queryset = subscription_list(
        customer_ref_id=customer.ref_id, statuses=LIVE_STATUSES, resource_ref_ids=resource_ref_ids
    )
    subscriptions = list(queryset.order_by("pk"))
    prime_subscriptions(info, subscriptions)
    return subscriptions


bindables: list[object] = [query]

"""The ``Customer`` fields that read subscriptions (``customers`` resolves the rest of the type and may not import
this app): ``subscriptions``, ``hasActiveSubscription``, ``trialedPlans``, ``eligibleForTrial`` and ``statistics``.

Each loads for every customer the request asked about at once (a per-request batch keyed by customer pk).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ariadne import ObjectType
from graphql import GraphQLResolveInfo

from catalog.selectors import product_list
from customers.models import Customer
from subscriptions.apis.graphql.types import prime_subscriptions
from subscriptions.models import LIVE_STATUSES, Subscription
from subscriptions.selectors import (
    customers_current_subscriptions,
    customers_live_subscription_counts,
    customers_trial_subscriptions,
)

customer_type = ObjectType("Customer")


def _current_subscriptions(customer_ids: list[int]) -> Mapping[int, list[Subscription]]:
    return customers_current_subscriptions(customer_ids)


def _trial_subscriptions(customer_ids: list[int]) -> Mapping[int, list[Subscription]]:
    return customers_trial_subscriptions(customer_ids)


def _live_counts(customer_ids: list[int]) -> Mapping[int, dict[str, int]]:
    return customers_live_subscription_counts(customer_ids)


def _current(customer: Customer, info: GraphQLResolveInfo) -> list[Subscription]:
    return info.context.loaders.get(_current_subscriptions, default=[]).load(customer.pk)


@customer_type.field("subscriptions")
def resolve_subscriptions(customer: Customer, info: GraphQLResolveInfo) -> list[Subscription]:
    """The customer's subscriptions that have not ended (live, or provisioned to start later)."""
    subscriptions = _current(customer, info)
    prime_subscriptions(info, subscriptions)
    return subscriptions


@customer_type.field("hasActiveSubscription")
def resolve_has_active_subscription(customer: Customer, info: GraphQLResolveInfo) -> bool:
    return any(subscription.status in LIVE_STATUSES for subscription in _current(customer, info))


@customer_type.field("trialedPlans")
def resolve_trialed_plans(customer: Customer, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    trials = info.context.loaders.get(_trial_subscriptions, default=[]).load(customer.pk)
    plans: dict[tuple[str, str], dict[str, Any]] = {}
    for subscription in trials:
        plan, product = subscription.plan.ref_id, subscription.product.ref_id
        plans[(plan, product)] = {"planId": plan, "planRefId": plan, "productId": product, "productRefId": product}
    return list(plans.values())


@customer_type.field("eligibleForTrial")
def resolve_eligible_for_trial(customer: Customer, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    """Per product: whether the customer may still get a trial of it (one per product, ever)."""
    trials = info.context.loaders.get(_trial_subscriptions, default=[]).load(customer.pk)
    trialed = {subscription.product_id for subscription in trials}
    return [
        {"eligible": product.pk not in trialed, "productId": product.ref_id, "productRefId": product.ref_id}
        for product in product_list().order_by("pk")
    ]


@customer_type.field("statistics")
def resolve_statistics(customer: Customer, info: GraphQLResolveInfo) -> dict[str, Any]:
    counts = info.context.loaders.get(_live_counts, default={}).load(customer.pk)
    return {
        "activeSubscriptionsByPricingType": [
            {"pricingType": pricing_type, "totalCount": total} for pricing_type, total in sorted(counts.items())
        ]
    }


bindables: list[object] = [customer_type]

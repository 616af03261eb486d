"""The ``Paywall`` fields about a customer, for ``paywall`` with ``customerId``: ``customer``, ``resource`` and
``activeSubscriptions`` (their live subscriptions, of the product asked for).

``catalog`` resolves the paywall's plans and may not import the apps above it, so it hands these fields the
request (``input``) and this app binds them on catalog's ``Paywall`` type.
"""

from __future__ import annotations

from typing import Any

from ariadne import ObjectType
from graphql import GraphQLResolveInfo

from catalog.apis.graphql import loaders
from customers.models import Customer, CustomerResource
from customers.selectors import customer_get, customer_resources_list
from subscriptions.models import LIVE_STATUSES, Subscription
from subscriptions.selectors import subscription_list

paywall_type = ObjectType("Paywall")

CUSTOMER = "customer"


def _customer(paywall: dict[str, Any]) -> Customer | None:
    """The paywall's customer, looked up once for all three fields: an unknown ``customerId`` is one coded error, on
    the first of them the query asks for (the others are then null)."""
    if CUSTOMER not in paywall:
        paywall[CUSTOMER] = None
        customer_ref_id = paywall["input"].get("customerId")
        if customer_ref_id:
            paywall[CUSTOMER] = customer_get(customer_ref_id, field="customerId")
    return paywall[CUSTOMER]


@paywall_type.field("customer")
def resolve_customer(paywall: dict[str, Any], info: GraphQLResolveInfo) -> Customer | None:
    return _customer(paywall)


@paywall_type.field("resource")
def resolve_resource(paywall: dict[str, Any], info: GraphQLResolveInfo) -> CustomerResource | None:
    customer, resource_ref_id = _customer(paywall), paywall["input"].get("resourceId")
    if customer is None or not resource_ref_id:
        return None
    return customer_resources_list(customer).filter(ref_id=resource_ref_id).first()


@paywall_type.field("activeSubscriptions")
def resolve_active_subscriptions(paywall: dict[str, Any], info: GraphQLResolveInfo) -> list[Subscription] | None:
    """The customer's live subscriptions (of ``productId``, of ``resourceId``, when given), with the plan and add-on
    versions they show primed for the catalog's loaders."""
    customer = _customer(paywall)
    if customer is None:
        return None
    request = paywall["input"]
    live = subscription_list(
        customer_ref_id=customer.ref_id, resource_ref_id=request.get("resourceId"), statuses=LIVE_STATUSES
    )
    if request.get("productId"):
        live = live.filter(product__ref_id=request["productId"])
    subscriptions = list(live.order_by("pk"))
    loaders.prime_versions(
        info,
        [subscription.plan_version for subscription in subscriptions]
        + [addon.addon_version for subscription in subscriptions for addon in subscription.addons.all()],
    )
    return subscriptions


bindables = [paywall_type]

"""Provisioning through GraphQL: ``provisionSubscriptionV2``, ``applySubscription``, ``createSubscription``,
``provisionCustomer`` (with ``subscriptionParams``) and ``importSubscriptionsBulk``.

Each reads its input as REST v1's ``ProvisionInput`` (``inputs.rest_body``, REST's serializer and
``provision_request``) and calls the provisioning services REST calls. Results with entitlements are dicts holding
``customer`` and ``resource``: ``entitlements`` binds their ``entitlements``/``entitlementsV2`` from those.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ariadne import MutationType
from graphql import GraphQLResolveInfo
from rest_framework.exceptions import ValidationError

from config.graphql.inputs import validated
from customers.apis.graphql.inputs import customer_provision_arguments, customer_ref_id
from subscriptions.apis.graphql.inputs import rest_body
from subscriptions.apis.inputs import SubscriptionProvisionInput, provision_request
from subscriptions.apis.subscriptions import API_ACTOR
from subscriptions.enums import ProvisionStatus
from subscriptions.models import Subscription
from subscriptions.selectors import subscription_get
from subscriptions.services import provisioning
from subscriptions.services.provision_many import customer_provision_with_subscription, subscriptions_import
from subscriptions.services.provision_terms import ProvisionRequest

mutation = MutationType()
# ``provisionCustomer``'s ``subscriptionDecisionStrategy``: the plan asked for, or none (we have no default plan).
REQUESTED, SKIPPED = "REQUESTED_PLAN", "SKIPPED_SUBSCRIPTION_CREATION"


def provision_request_of(graphql_input: Mapping[str, Any]) -> ProvisionRequest:
    """A GraphQL provisioning input as the provisioning service's request (validated as REST validates it). An
    ``endDate`` (``SubscriptionInput``, imports) is when the subscription ends: its ``cancellationDate``."""
    body = rest_body(graphql_input)
    if graphql_input.get("endDate") is not None and body.get("cancellationDate") is None:
        body["cancellationDate"] = graphql_input["endDate"]
    return provision_request(validated(SubscriptionProvisionInput, body))


def _provisioned(result: provisioning.ProvisionResult) -> dict[str, Any]:
    """What a provisioning answers: the subscription read back for the wire, its customer and resource (for the
    entitlements), and the payment outcome (no payment provider: always ``SUCCESS``, no checkout)."""
    subscription = subscription_get(result.subscription.ref_id)
    return {
        "subscription": subscription,
        "customer": subscription.customer,
        "resource": subscription.resource,
        "status": ProvisionStatus.SUCCESS,
        "checkoutUrl": None,
        "checkoutBillingId": None,
    }


def _provision(graphql_input: Mapping[str, Any], info: GraphQLResolveInfo) -> dict[str, Any]:
    result = provisioning.subscription_provision(
        request=provision_request_of(graphql_input), now=info.context.now, actor=API_ACTOR
    )
    return _provisioned(result)


@mutation.field("provisionSubscriptionV2")
def resolve_provision_subscription(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    return _provision(input, info)


@mutation.field("applySubscription")
def resolve_apply_subscription(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    return _provision(input, info)


@mutation.field("createSubscription")
def resolve_create_subscription(_: Any, info: GraphQLResolveInfo, subscription: dict[str, Any]) -> Subscription:
    return _provision(subscription, info)["subscription"]


@mutation.field("provisionCustomer")
def resolve_provision_customer(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    """The customer, and with ``subscriptionParams`` its subscription, in one transaction."""
    customer_arguments = customer_provision_arguments(input)
    params = input.get("subscriptionParams")
    request = None
    if params is not None:
        request = provision_request_of({**params, "customerId": customer_ref_id(input)})
    customer, result = customer_provision_with_subscription(
        customer_arguments=customer_arguments, request=request, now=info.context.now, actor=API_ACTOR
    )
    if result is None:
        return {"customer": customer, "subscription": None, "subscriptionDecisionStrategy": SKIPPED}
    return {**_provisioned(result), "customer": customer, "subscriptionDecisionStrategy": REQUESTED}


@mutation.field("importSubscriptionsBulk")
def resolve_import_subscriptions_bulk(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> None:
    """Every subscription provisioned now, all or nothing. Stigg answers a task id to poll; the import is done when
    this answers, so there is none (``null``)."""
    requests = []
    for index, item in enumerate(input["subscriptions"]):
        try:
            requests.append(provision_request_of(item))
        except ValidationError as error:
            raise ValidationError({"subscriptions": {index: error.detail}}) from error
    subscriptions_import(requests=requests, now=info.context.now, actor=API_ACTOR)
    return None


bindables: list[object] = [mutation]

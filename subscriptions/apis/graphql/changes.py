"""Changing a subscription through GraphQL: ``updateOneSubscription``, ``cancelSubscription``, ``cancelSchedule``,
``migrateSubscriptionToLatest``, ``delegateSubscriptionToCustomer``, ``transferSubscriptionToResource`` and
``transferSubscription``. Each validates its input as the REST view does and calls the same service; writes answer
the subscription read back through ``selectors.subscription_get``, as REST does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ariadne import MutationType
from graphql import GraphQLResolveInfo

from config.errors import InvalidInput
from config.graphql.inputs import validated
from subscriptions import enums
from subscriptions.apis.graphql.inputs import rest_body
from subscriptions.apis.inputs import SubscriptionCancelInput
from subscriptions.apis.ownership import SubscriptionDelegateInput, SubscriptionTransferInput
from subscriptions.apis.subscriptions import API_ACTOR
from subscriptions.apis.updates import SubscriptionMigrateInput, SubscriptionUpdateInput, update_request
from subscriptions.models import Subscription
from subscriptions.selectors import subscription_get, subscription_of_resource
from subscriptions.services import cancellation, migration, ownership, scheduled_updates, updates

mutation = MutationType()


def subscription_ref_id(graphql_input: Mapping[str, Any], *keys: str) -> str:
    """The subscription an input names, by the first of ``keys`` it gives."""
    for key in keys:
        if graphql_input.get(key):
            return str(graphql_input[key])
    raise InvalidInput("is required", field=keys[0])


@mutation.field("updateOneSubscription")
def resolve_update_subscription(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Subscription:
    ref_id = subscription_ref_id(input, "subscriptionId", "refId")
    subscription = subscription_get(ref_id)
    body = validated(SubscriptionUpdateInput, rest_body(input))
    updates.subscription_update(
        subscription_id=subscription.pk, request=update_request(body), now=info.context.now, actor=API_ACTOR
    )
    return subscription_get(ref_id)


@mutation.field("cancelSubscription")
def resolve_cancel_subscription(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Subscription:
    ref_id = subscription_ref_id(input, "subscriptionRefId")
    renamed = {
        "cancellationTime": "subscriptionCancellationTime",
        "cancellationAction": "subscriptionCancellationAction",
        "endDate": "endDate",
        "prorate": "prorate",
    }
    body = validated(SubscriptionCancelInput, {rest: input[name] for rest, name in renamed.items() if name in input})
    cancellation.subscription_cancel(
        subscription=subscription_get(ref_id),
        now=info.context.now,
        actor=API_ACTOR,
        cancellation_time=body.get("cancellationTime"),
        cancellation_action=body.get("cancellationAction"),
        end_date=body.get("endDate"),
        prorate=bool(body.get("prorate")),
    )
    return subscription_get(ref_id)


@mutation.field("cancelSchedule")
def resolve_cancel_schedule(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> str:
    """Cancel the subscription's updates in ``status`` (default ``Scheduled``); answers the subscription's id."""
    subscription = subscription_get(subscription_ref_id(input, "subscriptionId"))
    scheduled_updates.scheduled_updates_cancel(
        subscription_id=subscription.pk,
        status=input.get("status") or enums.ScheduleStatus.SCHEDULED,
        now=info.context.now,
        actor=API_ACTOR,
    )
    return subscription.ref_id


@mutation.field("migrateSubscriptionToLatest")
def resolve_migrate_subscription(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Subscription:
    ref_id = subscription_ref_id(input, "subscriptionId")
    body = validated(SubscriptionMigrateInput, {"subscriptionMigrationTime": input.get("subscriptionMigrationTime")})
    migration.subscription_migrate_to_latest(
        subscription_id=subscription_get(ref_id).pk,
        now=info.context.now,
        when=body.get("subscriptionMigrationTime") or enums.MigrationTime.IMMEDIATE,
        actor=API_ACTOR,
    )
    return subscription_get(ref_id)


@mutation.field("delegateSubscriptionToCustomer")
def resolve_delegate_subscription(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Subscription:
    ref_id = subscription_ref_id(input, "subscriptionId")
    body = validated(SubscriptionDelegateInput, {"targetCustomerId": input.get("destinationCustomerId")})
    ownership.subscription_delegate(
        subscription_id=subscription_get(ref_id).pk,
        target_customer_ref_id=body["targetCustomerId"],
        now=info.context.now,
        actor=API_ACTOR,
    )
    return subscription_get(ref_id)


def _transfer(subscription: Subscription, destination: Any, info: GraphQLResolveInfo) -> Subscription:
    body = validated(SubscriptionTransferInput, {"destinationResourceId": destination})
    ownership.subscription_transfer(
        subscription_id=subscription.pk,
        destination_resource_ref_id=body["destinationResourceId"],
        now=info.context.now,
        actor=API_ACTOR,
    )
    return subscription_get(subscription.ref_id)


@mutation.field("transferSubscriptionToResource")
def resolve_transfer_to_resource(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Subscription:
    subscription = subscription_get(subscription_ref_id(input, "subscriptionId"))
    return _transfer(subscription, input.get("destinationResourceId"), info)


@mutation.field("transferSubscription")
def resolve_transfer_subscription(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Subscription:
    """The customer's subscription on ``sourceResourceId`` moves to ``destinationResourceId``."""
    subscription = subscription_of_resource(
        customer_ref_id=input["customerId"], resource_ref_id=input["sourceResourceId"]
    )
    return _transfer(subscription, input["destinationResourceId"], info)


bindables: list[object] = [mutation]

"""Entitlement reads: ``cachedEntitlements``, ``entitlement``, ``entitlementV2``, ``entitlementsState``, the
``entitlements``/``entitlementsV2`` fields of the provisioning results, and ``reportEntitlementCheckRequested``.

Every answer comes from ``entitlements.answers`` (what REST v1's C8 and C9 and the console call); denials, an
unknown customer or feature included, are answers with an ``accessDeniedReason``, never errors.
``cachedEntitlements`` lists nothing for an unknown customer or one with nothing granted (the Node SDK reads an
empty list as "customer not found", as Stigg answers it). Only malformed requests are errors, checked by REST's own
query serializer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ariadne import MutationType, ObjectType, QueryType
from graphql import GraphQLResolveInfo

from entitlements import answers
from entitlements.apis.graphql import types
from entitlements.apis.inputs import EntitlementCheckQuery
from entitlements.evaluation import Decision, EntitlementsState

query = QueryType()
mutation = MutationType()


def _resource(value: str | None) -> str | None:
    return value or None


def _check_params(arguments: dict[str, Any], *, currency: bool = False) -> dict[str, Any]:
    """The check's arguments validated as REST's C9 query is (``featureId`` xor ``currencyId``, a non-negative
    ``requestedUsage``, lengths), with ``requestedValues`` taken as the list it is here."""
    options = arguments.get("options") or {}
    data = {
        "featureId": arguments.get("featureId"),
        "requestedUsage": options.get("requestedUsage"),
        "resourceId": arguments.get("resourceId") or "",
    }
    if currency:
        data["currencyId"] = arguments.get("currencyId")
    checked = EntitlementCheckQuery(data={key: value for key, value in data.items() if value is not None})
    checked.is_valid(raise_exception=True)
    params = dict(checked.validated_data)
    params["requested_values"] = tuple(options.get("requestedValues") or ())
    return params


@query.field("cachedEntitlements")
def resolve_cached_entitlements(_: Any, info: GraphQLResolveInfo, query: dict[str, Any]) -> list[dict[str, Any]]:
    customer_ref_id, resource_ref_id, now = query["customerId"], _resource(query.get("resourceId")), info.context.now
    state = answers.cached_entitlements_state(customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now)
    return types.entitlements(info, state, customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now)


@query.field("entitlementsState")
def resolve_entitlements_state(_: Any, info: GraphQLResolveInfo, query: dict[str, Any]) -> dict[str, Any]:
    customer_ref_id, resource_ref_id, now = query["customerId"], _resource(query.get("resourceId")), info.context.now
    state = answers.cached_entitlements_state(customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now)
    return types.entitlements_state(
        info, state, customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now
    )


@query.field("entitlement")
def resolve_entitlement(_: Any, info: GraphQLResolveInfo, query: dict[str, Any]) -> dict[str, Any]:
    """The check's whole answer comes from the decision cache when it can (REST's check caches its rendered answer
    too): beside the decision it needs the feature's catalog row, a query a cached check should not pay."""
    params, now = _check_params(query), info.context.now
    customer_ref_id, resource_ref_id = query["customerId"], params["resource_ref_id"]
    requested_usage, requested_values = params.get("requested_usage"), params["requested_values"]
    values_asked = (query.get("options") or {}).get("requestedValues") is not None

    def render(decision: Decision) -> dict[str, Any]:
        return types.entitlement(
            decision,
            types.features_of(info, [decision]),
            customer_ref_id=customer_ref_id,
            resource_ref_id=resource_ref_id,
            now=now,
            requested_usage=requested_usage,
            requested_values=requested_values if values_asked else None,
        )

    return answers.cached_check_answer(
        customer_ref_id=customer_ref_id,
        resource_ref_id=resource_ref_id,
        feature_ref_id=params["feature_ref_id"],
        requested_usage=requested_usage,
        requested_values=requested_values,
        now=now,
        shape=("graphql-entitlement", values_asked),
        render=render,
    )


@query.field("entitlementV2")
def resolve_entitlement_v2(_: Any, info: GraphQLResolveInfo, query: dict[str, Any]) -> dict[str, Any]:
    params, now = _check_params(query, currency=True), info.context.now
    if params.get("currency_ref_id"):
        credit = answers.credit_check(
            customer_ref_id=query["customerId"],
            resource_ref_id=params["resource_ref_id"],
            currency_ref_id=params["currency_ref_id"],
            requested_usage=params.get("requested_usage"),
            now=now,
        )
        return types.credit_entitlement(credit, now=now)
    decision = answers.cached_feature_check(
        customer_ref_id=query["customerId"],
        resource_ref_id=params["resource_ref_id"],
        feature_ref_id=params["feature_ref_id"],
        requested_usage=params.get("requested_usage"),
        requested_values=params["requested_values"],
        now=now,
    )
    return types.feature_entitlement(decision, types.features_of(info, [decision]), now=now)


@mutation.field("reportEntitlementCheckRequested")
def resolve_report_entitlement_check_requested(_: Any, __: GraphQLResolveInfo, **___: Any) -> bool:
    """The Node SDK reports the checks it answered from its cache, for Stigg's analytics; we keep no such
    analytics, so the report is accepted and dropped."""
    return True


# --- the provisioning results' entitlements ---------------------------------------------------------------------------

Scope = tuple[str, str | None, datetime]


def states_of(scopes: list[Scope]) -> dict[Scope, EntitlementsState]:
    """The entitlements state of each (customer, resource, now), read fresh: these follow a write."""
    return {
        scope: answers.entitlements_state(customer_ref_id=scope[0], resource_ref_id=scope[1], now=scope[2])[0]
        for scope in scopes
    }


def _scope(parent: dict[str, Any], info: GraphQLResolveInfo) -> Scope:
    """A provisioning result's customer and resource (a model instance, its id, or absent)."""
    resource = parent.get("resource")
    resource_ref_id = resource if isinstance(resource, str) or resource is None else resource.ref_id
    return parent["customer"].ref_id, resource_ref_id or None, info.context.now


def _state(parent: dict[str, Any], info: GraphQLResolveInfo) -> tuple[Scope, EntitlementsState]:
    scope = _scope(parent, info)
    return scope, info.context.loaders.get(states_of).load(scope)


def resolve_result_entitlements(parent: dict[str, Any], info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    (customer_ref_id, resource_ref_id, now), state = _state(parent, info)
    return types.entitlements(info, state, customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now)


def resolve_result_entitlements_v2(parent: dict[str, Any], info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    (_, _, now), state = _state(parent, info)
    return types.entitlements_v2(info, state, now=now)


provisioning_results = [
    ObjectType("ProvisionedCustomer"),
    ObjectType("ApplySubscription"),
    ObjectType("ProvisionSubscriptionResult"),
]
for result_type in provisioning_results:
    result_type.set_field("entitlements", resolve_result_entitlements)
    result_type.set_field("entitlementsV2", resolve_result_entitlements_v2)

bindables: list[object] = [query, mutation, *provisioning_results]

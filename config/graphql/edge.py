"""The SDKs' "edge" reads: ``GET /v1/...json`` answering what the matching GraphQL query would.

With ``enableEdge`` the Node SDK (and ``enable_edge`` the Python one) reads entitlements, active subscriptions, the
paywall and its configuration from JSON URLs on ``baseEdgeUri`` instead of posting GraphQL. Each URL here runs the
SDKs' own document for that read (``edge/*.graphql``, both SDKs' selections merged) through the same executor as
``/graphql``, so the two doors cannot drift apart, and answers the GraphQL body (``{"data": ...}``, or ``errors``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from config.graphql.errors import UNAUTHENTICATED
from config.graphql.view import authenticate, execute

EDGE_DIRECTORY = Path(__file__).with_name("edge")


@functools.cache
def _document(name: str) -> str:
    return (EDGE_DIRECTORY / f"{name}.graphql").read_text()


class _BadParameter(ValueError):
    pass


def _boolean(request: HttpRequest, name: str) -> bool | None:
    value = request.GET.get(name)
    if value in (None, "", "undefined", "null"):
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise _BadParameter(f"{name}: must be true or false")


def _number(request: HttpRequest, name: str) -> float | None:
    value = request.GET.get(name)
    if value in (None, "", "undefined", "null"):
        return None
    try:
        number = float(value)
    except ValueError as error:
        raise _BadParameter(f"{name}: must be a number") from error
    if number != number or number in (float("inf"), float("-inf")):
        raise _BadParameter(f"{name}: must be a finite number")
    return number


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status=status)


def _answer(request: HttpRequest, runs: list[tuple[str, dict[str, Any]]]) -> JsonResponse:
    """Run each (operation, variables) and answer their data merged into one GraphQL body."""
    api_key = authenticate(request)
    if api_key is None:
        return _error(401, UNAUTHENTICATED, "Invalid or missing API key")
    data: dict[str, Any] = {}
    for name, variables in runs:
        result = execute(request, api_key, {"query": _document(name), "operationName": name, "variables": variables})
        if result.get("errors"):
            return JsonResponse(result, status=200)
        data.update(result.get("data") or {})
    return JsonResponse({"data": data}, status=200)


def _edge_view(build: Callable[..., list[tuple[str, dict[str, Any]]]]) -> Callable[..., JsonResponse]:
    @require_GET
    @functools.wraps(build)
    def view(request: HttpRequest, **path: str) -> JsonResponse:
        try:
            runs = build(request, **path)
        except _BadParameter as error:
            return _error(400, "BAD_USER_INPUT", str(error))
        return _answer(request, runs)

    return view


@_edge_view
def entitlements(request: HttpRequest, customer_id: str) -> list[tuple[str, dict[str, Any]]]:
    query = _without_none({"customerId": customer_id, "resourceId": request.GET.get("resourceId")})
    runs = [("EdgeEntitlements", {"query": query})]
    feature_id = request.GET.get("featureId")
    if feature_id:
        options = _without_none({"requestedUsage": _number(request, "requestedUsage")})
        runs.append(("EdgeEntitlement", {"query": {**query, "featureId": feature_id, "options": options}}))
    return runs


@_edge_view
def entitlements_state(request: HttpRequest, customer_id: str) -> list[tuple[str, dict[str, Any]]]:
    query = _without_none({"customerId": customer_id, "resourceId": request.GET.get("resourceId")})
    return [("EdgeEntitlementsState", {"query": query})]


@_edge_view
def active_subscriptions(request: HttpRequest, customer_id: str) -> list[tuple[str, dict[str, Any]]]:
    resource_ids = request.GET.getlist("resourceIds") or None
    values = {"customerId": customer_id, "resourceId": request.GET.get("resourceId"), "resourceIds": resource_ids}
    return [("EdgeActiveSubscriptions", {"input": _without_none(values)})]


@_edge_view
def paywall(request: HttpRequest, product_id: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    values = {
        "productId": product_id,
        "billingCountryCode": request.GET.get("billingCountryCode") or None,
        "fetchAllCountriesPrices": _boolean(request, "fetchAllCountriesPrices"),
        "includeHiddenPlans": _boolean(request, "includeHiddenPlans"),
    }
    return [("EdgePaywall", {"input": _without_none(values)})]


@_edge_view
def sdk_configuration(request: HttpRequest) -> list[tuple[str, dict[str, Any]]]:
    return [("EdgeSdkConfiguration", {})]

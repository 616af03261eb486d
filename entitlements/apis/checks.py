"""C8 and C9 (contract §3.1): a customer's entitlements and one entitlement check.

Both are composed by ``entitlements.answers`` (as GraphQL's and the console's are); denials are 200 answers with an
``accessDeniedReason`` (an unknown customer or feature included). Only malformed queries are 400s.

A check by ``currencyId`` (the CREDIT side) reads the customer's wallet in that currency from the credits app
(``credits.selectors.wallet_view``): ``usageLimit`` is what the active grants granted, ``currentUsage`` what was
consumed, and ``requestedUsage`` is compared with the difference; it is never cached. C8 lists every wallet of the
customer beside the features; its cached answer is invalidated by every ledger entry (``credits.wallets``) and
kept no longer than the wallets' next timed change.

``currentUsage`` of a metered feature is the usage metering counted in the feature's current window.

Feature answers are kept, rendered, in the decision cache, keyed by everything in the query, until something about
the customer, its usage or the catalog changes, or their ``validUntil`` passes. The common query (``featureId``,
maybe ``resourceId``, nothing else) is read without the serializer.
"""

from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.http.request import QueryDict
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request

from config.query import comma_list_parameter
from config.renderers import dumps
from config.views import ApiView
from config.wire import envelope
from entitlements import answers
from entitlements.apis.inputs import EntitlementCheckQuery
from entitlements.apis.wire import credit_decision_to_wire, decision_to_wire, entitlements_state_to_wire

TEXT_MAX_LENGTH = 255
RESOURCE_PARAMETER = OpenApiParameter(
    "resourceId", str, description="The customer resource whose entitlements apply; without it, the customer's own."
)
CHECK_PARAMETERS = [
    OpenApiParameter("featureId", str, description="The feature checked; give featureId or currencyId, not both."),
    OpenApiParameter(
        "currencyId",
        str,
        description="The custom currency whose credits are checked; give featureId or currencyId, not both.",
    ),
    OpenApiParameter(
        "requestedUsage",
        {"type": "number", "minimum": 0},
        description="The usage (or credits) about to be consumed, compared with what remains.",
    ),
    comma_list_parameter("requestedValues", description="Enum features: the values asked for."),
    RESOURCE_PARAMETER,
]


def _plain_text(value: str | None) -> bool:
    """What ``CharField`` would take unchanged: no surrounding blanks (it trims them), no NUL, not too long."""
    return value is None or (len(value) <= TEXT_MAX_LENGTH and value == value.strip() and "\x00" not in value)


def simple_check_query(query: QueryDict) -> dict[str, Any] | None:
    """The validated query when it names only ``featureId`` (and maybe ``resourceId``) with plain values, as
    ``EntitlementCheckQuery`` would validate it; ``None`` for anything else, which goes through the serializer."""
    if not set(query) <= {"featureId", "resourceId"}:
        return None
    feature_ref_id, resource_ref_id = query.get("featureId"), query.get("resourceId")
    if not feature_ref_id or not _plain_text(feature_ref_id) or not _plain_text(resource_ref_id):
        return None
    return {"feature_ref_id": feature_ref_id, "resource_ref_id": resource_ref_id or None, "requested_values": ()}


def _rendered(answer: dict[str, Any]) -> bytes:
    """The response body, rendered once for the cache (the renderer every API view uses)."""
    return dumps({"data": answer}).encode()


def provisioned_entitlements(
    *, customer_ref_id: str, resource_ref_id: str | None, now: datetime
) -> list[dict[str, Any]]:
    """The ``entitlements`` of a provisioning answer (S1): C8's list for the new subscription's scope, read fresh
    (it follows a write). Registered into the subscriptions app from ``EntitlementsConfig.ready()``."""
    state, _ = answers.entitlements_state(customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now)
    return entitlements_state_to_wire(state, now=now)["entitlements"]


class CustomerEntitlementsView(ApiView):
    @extend_schema(parameters=[RESOURCE_PARAMETER])
    def get(self, request: Request, ref_id: str) -> HttpResponse:
        now = timezone.now()
        resource_ref_id = request.query_params.get("resourceId") or None
        answer = answers.cached_state_answer(
            customer_ref_id=ref_id,
            resource_ref_id=resource_ref_id,
            now=now,
            shape="rest-v1",
            render=lambda state: _rendered(entitlements_state_to_wire(state, now=now)),
        )
        return HttpResponse(answer, content_type="application/json")


class CustomerEntitlementCheckView(ApiView):
    @extend_schema(parameters=CHECK_PARAMETERS)
    def get(self, request: Request, ref_id: str) -> HttpResponse:
        params = simple_check_query(request.query_params)
        if params is None:
            query = EntitlementCheckQuery(data=request.query_params)
            query.is_valid(raise_exception=True)
            params = query.validated_data
        now = timezone.now()
        if params.get("currency_ref_id"):
            credit = answers.credit_check(
                customer_ref_id=ref_id,
                resource_ref_id=params["resource_ref_id"],
                currency_ref_id=params["currency_ref_id"],
                requested_usage=params.get("requested_usage"),
                now=now,
            )
            return envelope(credit_decision_to_wire(credit, now=now))
        answer = answers.cached_check_answer(
            customer_ref_id=ref_id,
            resource_ref_id=params["resource_ref_id"],
            feature_ref_id=params["feature_ref_id"],
            requested_usage=params.get("requested_usage"),
            requested_values=params["requested_values"],
            now=now,
            shape="rest-v1",
            render=lambda decision: _rendered(decision_to_wire(decision)),
        )
        return HttpResponse(answer, content_type="application/json")

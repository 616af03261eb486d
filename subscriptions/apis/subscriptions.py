"""Subscriptions S1, S2, S4, S5 and I2 (contract §3.3, §4): one view per resource, one service or selector call per
operation. Every write answers with the subscription read back through the selector the reads use."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import enums as catalog_enums
from config.pagination import PAGE_PARAMETERS, paginated_response
from config.query import CREATED_AT_PARAMETERS, comma_list, comma_list_parameter, range_filter
from config.views import ApiView
from config.wire import envelope
from subscriptions.apis.inputs import SubscriptionCancelInput, SubscriptionProvisionInput, provision_request
from subscriptions.apis.provisioned_entitlements import provisioned_entitlements
from subscriptions.apis.wire import provision_result_to_wire, subscriptions_to_wire
from subscriptions.enums import SubscriptionStatus
from subscriptions.models import Subscription
from subscriptions.selectors import subscription_get, subscription_list
from subscriptions.services import cancellation, invoices, provisioning

API_ACTOR = "api"


def _entitlements_after(subscription: Subscription) -> list[dict[str, Any]]:
    """The customer's runtime entitlements in the subscription's scope: C8's answer (features with their usage, and
    credit wallets), through the reader the entitlements app registered."""
    return provisioned_entitlements(
        customer_ref_id=subscription.customer.ref_id,
        resource_ref_id=subscription.resource.ref_id if subscription.resource else None,
        now=timezone.now(),
    )


def _subscription_response(ref_id: str) -> Response:
    return envelope(subscriptions_to_wire([subscription_get(ref_id)])[0])


class SubscriptionsView(ApiView):
    request_serializers = {"post": SubscriptionProvisionInput}

    def post(self, request: Request) -> Response:
        result = provisioning.subscription_provision(
            request=provision_request(self.body(request)), now=timezone.now(), actor=API_ACTOR
        )
        subscription = subscription_get(result.subscription.ref_id)
        return envelope(
            provision_result_to_wire(
                subscription, is_scheduled=result.is_scheduled, entitlements=_entitlements_after(subscription)
            )
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("customerId", str, description="Only the subscriptions of this customer."),
            OpenApiParameter("planId", str, description="Only the subscriptions to this plan."),
            OpenApiParameter("resourceId", str, description="Only the subscriptions of this customer resource."),
            comma_list_parameter("pricingType", allowed=catalog_enums.PricingType.values),
            comma_list_parameter("status", allowed=SubscriptionStatus.values),
            *CREATED_AT_PARAMETERS,
            *PAGE_PARAMETERS,
        ]
    )
    def get(self, request: Request) -> Response:
        queryset = subscription_list(
            customer_ref_id=request.query_params.get("customerId"),
            plan_ref_id=request.query_params.get("planId"),
            resource_ref_id=request.query_params.get("resourceId"),
            pricing_types=comma_list(request, "pricingType", allowed=catalog_enums.PricingType.values),
            statuses=comma_list(request, "status", allowed=SubscriptionStatus.values),
            created_at=range_filter(request, "createdAt", model_field="created_at"),
        )
        return paginated_response(queryset, request, subscriptions_to_wire)


class SubscriptionView(ApiView):
    def get(self, request: Request, ref_id: str) -> Response:
        return _subscription_response(ref_id)


class SubscriptionCancelView(ApiView):
    request_serializers = {"post": SubscriptionCancelInput}

    def post(self, request: Request, ref_id: str) -> Response:
        body = self.body(request)
        cancellation.subscription_cancel(
            subscription=subscription_get(ref_id),
            now=timezone.now(),
            actor=API_ACTOR,
            cancellation_time=body.get("cancellationTime"),
            cancellation_action=body.get("cancellationAction"),
            end_date=body.get("endDate"),
            prorate=bool(body.get("prorate")),
        )
        return _subscription_response(ref_id)


class SubscriptionInvoicePaidView(ApiView):
    def post(self, request: Request, ref_id: str) -> Response:
        subscription = subscription_get(ref_id)
        invoices.invoice_mark_paid(subscription=subscription, now=timezone.now())
        return envelope({"id": subscription.ref_id})

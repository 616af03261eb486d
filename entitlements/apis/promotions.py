"""Promotional entitlements P1 to P3 (contract §3.2): grant, list, revoke."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from config.pagination import PAGE_PARAMETERS, paginated_response
from config.query import CREATED_AT_PARAMETERS, comma_list, comma_list_parameter, range_filter
from config.views import ApiView
from config.wire import envelope
from customers.selectors import customer_get
from entitlements import services
from entitlements.apis.inputs import PromotionalEntitlementsGrantInput
from entitlements.apis.wire import promotion_to_wire
from entitlements.enums import PromoStatus
from entitlements.selectors import promotional_entitlement_list

API_ACTOR = "api"


class PromotionalEntitlementsView(ApiView):
    request_serializers = {"post": PromotionalEntitlementsGrantInput}

    def post(self, request: Request, ref_id: str) -> Response:
        items = self.body(request)["promotional_entitlements"]
        now = timezone.now()
        promotions = services.promotional_entitlements_grant(
            customer=customer_get(ref_id),
            grants=[services.PromotionGrant(**item) for item in items],
            now=now,
            actor=API_ACTOR,
        )
        return envelope([promotion_to_wire(promotion, now=now) for promotion in promotions])

    @extend_schema(
        parameters=[
            comma_list_parameter("status", allowed=PromoStatus.values),
            *CREATED_AT_PARAMETERS,
            *PAGE_PARAMETERS,
        ]
    )
    def get(self, request: Request, ref_id: str) -> Response:
        now = timezone.now()
        queryset = promotional_entitlement_list(
            customer=customer_get(ref_id),
            now=now,
            statuses=comma_list(request, "status", allowed=PromoStatus.values),
            created_at=range_filter(request, "createdAt", model_field="created_at"),
        )
        return paginated_response(
            queryset, request, lambda items: [promotion_to_wire(promotion, now=now) for promotion in items]
        )


class PromotionalEntitlementView(ApiView):
    def delete(self, request: Request, ref_id: str, feature_ref_id: str) -> Response:
        now = timezone.now()
        promotion = services.promotional_entitlement_revoke(
            customer=customer_get(ref_id), feature_ref_id=feature_ref_id, now=now, actor=API_ACTOR
        )
        return envelope(promotion_to_wire(promotion, now=now))

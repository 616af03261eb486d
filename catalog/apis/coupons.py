from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import enums
from catalog.apis.inputs import CouponCreateInput, CouponUpdateInput
from catalog.apis.wire import coupon_to_wire
from catalog.selectors import coupon_get, coupon_list
from catalog.services import coupons as services
from config.pagination import PAGE_PARAMETERS, paginated_response
from config.query import (
    CREATED_AT_PARAMETERS,
    comma_list,
    comma_list_parameter,
    range_filter,
    single_choice,
    single_choice_parameter,
)
from config.views import ApiView
from config.wire import envelope


class CouponsView(ApiView):
    request_serializers = {"post": CouponCreateInput}

    def post(self, request: Request) -> Response:
        coupon = services.coupon_create(**self.body(request), now=timezone.now())
        return envelope(coupon_to_wire(coupon_get(coupon.ref_id)))

    @extend_schema(
        parameters=[
            OpenApiParameter("id", str, description="Only the coupon with this id."),
            comma_list_parameter("status", allowed=enums.CouponStatus.values),
            single_choice_parameter("type", allowed=enums.CouponType.values),
            *CREATED_AT_PARAMETERS,
            *PAGE_PARAMETERS,
        ]
    )
    def get(self, request: Request) -> Response:
        queryset = coupon_list(
            ref_id=request.query_params.get("id"),
            statuses=comma_list(request, "status", allowed=enums.CouponStatus.values),
            coupon_type=single_choice(request, "type", allowed=enums.CouponType.values),
            created_at=range_filter(request, "createdAt", model_field="created_at"),
        )
        return paginated_response(queryset, request, lambda items: [coupon_to_wire(item) for item in items])


class CouponView(ApiView):
    request_serializers = {"patch": CouponUpdateInput}

    def get(self, request: Request, ref_id: str) -> Response:
        return envelope(coupon_to_wire(coupon_get(ref_id)))

    def patch(self, request: Request, ref_id: str) -> Response:
        changes = self.body(request)
        coupon = services.coupon_update(coupon=coupon_get(ref_id), changes=changes, now=timezone.now())
        return envelope(coupon_to_wire(coupon))


class CouponArchiveView(ApiView):
    def post(self, request: Request, ref_id: str) -> Response:
        return envelope(coupon_to_wire(services.coupon_archive(coupon=coupon_get(ref_id), now=timezone.now())))

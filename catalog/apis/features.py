from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import enums
from catalog.apis.inputs import FeatureCreateInput, FeatureUpdateInput
from catalog.apis.wire import feature_to_wire
from catalog.selectors import feature_get, feature_list
from catalog.services import features as services
from config.pagination import PAGE_PARAMETERS, paginated_response
from config.query import CREATED_AT_PARAMETERS, comma_list, comma_list_parameter, range_filter
from config.views import ApiView
from config.wire import envelope


class FeaturesView(ApiView):
    request_serializers = {"post": FeatureCreateInput}

    def post(self, request: Request) -> Response:
        feature = services.feature_create(**self.body(request), now=timezone.now())
        return envelope(feature_to_wire(feature))

    @extend_schema(
        parameters=[
            OpenApiParameter("id", str, description="Only the feature with this id."),
            comma_list_parameter("featureType", allowed=enums.FeatureType.values),
            comma_list_parameter("meterType", allowed=enums.MeterType.values),
            comma_list_parameter("status", allowed=enums.FeatureStatus.values),
            *CREATED_AT_PARAMETERS,
            *PAGE_PARAMETERS,
        ]
    )
    def get(self, request: Request) -> Response:
        queryset = feature_list(
            ref_id=request.query_params.get("id"),
            feature_types=comma_list(request, "featureType", allowed=enums.FeatureType.values),
            meter_types=comma_list(request, "meterType", allowed=enums.MeterType.values),
            statuses=comma_list(request, "status", allowed=enums.FeatureStatus.values),
            created_at=range_filter(request, "createdAt", model_field="created_at"),
        )
        return paginated_response(queryset, request, lambda items: [feature_to_wire(item) for item in items])


class FeatureView(ApiView):
    request_serializers = {"patch": FeatureUpdateInput}

    def get(self, request: Request, ref_id: str) -> Response:
        return envelope(feature_to_wire(feature_get(ref_id)))

    def patch(self, request: Request, ref_id: str) -> Response:
        changes = self.body(request)
        feature = services.feature_update(feature=feature_get(ref_id), changes=changes, now=timezone.now())
        return envelope(feature_to_wire(feature))


class FeatureArchiveView(ApiView):
    def post(self, request: Request, ref_id: str) -> Response:
        return envelope(feature_to_wire(services.feature_archive(feature=feature_get(ref_id), now=timezone.now())))


class FeatureUnarchiveView(ApiView):
    def post(self, request: Request, ref_id: str) -> Response:
        return envelope(feature_to_wire(services.feature_unarchive(feature=feature_get(ref_id), now=timezone.now())))

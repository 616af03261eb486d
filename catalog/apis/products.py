from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import enums
from catalog.apis.inputs import ProductCreateInput, ProductDuplicateInput, ProductUpdateInput
from catalog.apis.wire import product_to_wire
from catalog.selectors import product_get, product_list
from catalog.services import products as services
from config.pagination import PAGE_PARAMETERS, paginated_response
from config.query import CREATED_AT_PARAMETERS, comma_list, comma_list_parameter, range_filter
from config.views import ApiView
from config.wire import envelope


class ProductsView(ApiView):
    request_serializers = {"post": ProductCreateInput}

    def post(self, request: Request) -> Response:
        product = services.product_create(**self.body(request), now=timezone.now())
        return envelope(product_to_wire(product))

    @extend_schema(
        parameters=[
            OpenApiParameter("id", str, description="Only the product with this id."),
            comma_list_parameter("status", allowed=enums.ProductStatus.values),
            *CREATED_AT_PARAMETERS,
            *PAGE_PARAMETERS,
        ]
    )
    def get(self, request: Request) -> Response:
        queryset = product_list(
            ref_id=request.query_params.get("id"),
            statuses=comma_list(request, "status", allowed=enums.ProductStatus.values),
            created_at=range_filter(request, "createdAt", model_field="created_at"),
        )
        return paginated_response(queryset, request, lambda items: [product_to_wire(item) for item in items])


class ProductView(ApiView):
    request_serializers = {"patch": ProductUpdateInput}

    def patch(self, request: Request, ref_id: str) -> Response:
        changes = self.body(request)
        rule = changes.pop("usage_reset_cutoff_rule", None)
        if rule:
            changes["usage_reset_behavior"] = rule["behavior"]
        product = services.product_update(product=product_get(ref_id), changes=changes, now=timezone.now())
        return envelope(product_to_wire(product_get(product.ref_id)))


class ProductArchiveView(ApiView):
    def post(self, request: Request, ref_id: str) -> Response:
        product = services.product_archive(product=product_get(ref_id), now=timezone.now())
        return envelope(product_to_wire(product))


class ProductUnarchiveView(ApiView):
    def post(self, request: Request, ref_id: str) -> Response:
        product = services.product_unarchive(product=product_get(ref_id), now=timezone.now())
        return envelope(product_to_wire(product))


class ProductDuplicateView(ApiView):
    request_serializers = {"post": ProductDuplicateInput}

    def post(self, request: Request, ref_id: str) -> Response:
        data = self.body(request)
        product = services.product_duplicate(product=product_get(ref_id), now=timezone.now(), **data)
        return envelope(product_to_wire(product_get(product.ref_id)))

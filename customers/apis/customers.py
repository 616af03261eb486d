"""Customers C1 to C7 (contract §3.1): one view per resource, one service or selector call per operation."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from config.pagination import PAGE_PARAMETERS, paginated_response
from config.query import CREATED_AT_PARAMETERS, range_filter
from config.views import ApiView
from config.wire import envelope
from customers import services
from customers.apis.inputs import CustomerProvisionInput, CustomerUpdateInput
from customers.apis.wire import customer_resource_to_wire, customer_to_wire
from customers.selectors import customer_get, customer_list, customer_resources_list


class CustomersView(ApiView):
    request_serializers = {"post": CustomerProvisionInput}

    def post(self, request: Request) -> Response:
        customer = services.customer_provision(**self.body(request), now=timezone.now())
        return envelope(customer_to_wire(customer))

    @extend_schema(
        parameters=[
            OpenApiParameter("email", str, description="Only the customers with exactly this email."),
            OpenApiParameter("name", str, description="Only the customers with exactly this name."),
            *CREATED_AT_PARAMETERS,
            *PAGE_PARAMETERS,
        ]
    )
    def get(self, request: Request) -> Response:
        queryset = customer_list(
            email=request.query_params.get("email"),
            name=request.query_params.get("name"),
            created_at=range_filter(request, "createdAt", model_field="created_at"),
        )
        return paginated_response(queryset, request, lambda items: [customer_to_wire(item) for item in items])


class CustomerView(ApiView):
    request_serializers = {"patch": CustomerUpdateInput}

    def get(self, request: Request, ref_id: str) -> Response:
        return envelope(customer_to_wire(customer_get(ref_id)))

    def patch(self, request: Request, ref_id: str) -> Response:
        # Not ``partial``: it would reach nested objects and drop their required keys; every top-level key is optional.
        changes = self.body(request)
        customer = services.customer_update(customer=customer_get(ref_id), changes=changes, now=timezone.now())
        return envelope(customer_to_wire(customer))


class CustomerArchiveView(ApiView):
    def post(self, request: Request, ref_id: str) -> Response:
        # Archived customers are found here so that a repeated archive answers like the first one.
        customer = customer_get(ref_id, include_archived=True)
        return envelope(customer_to_wire(services.customer_archive(customer=customer, now=timezone.now())))


class CustomerUnarchiveView(ApiView):
    def post(self, request: Request, ref_id: str) -> Response:
        customer = customer_get(ref_id, include_archived=True)
        return envelope(customer_to_wire(services.customer_unarchive(customer=customer, now=timezone.now())))


class CustomerResourcesView(ApiView):
    @extend_schema(parameters=PAGE_PARAMETERS)
    def get(self, request: Request, ref_id: str) -> Response:
        resources = customer_resources_list(customer_get(ref_id))
        return paginated_response(resources, request, lambda items: [customer_resource_to_wire(item) for item in items])

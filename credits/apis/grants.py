"""G1-G3 (contract §3.10): grant credits, list a customer's grants, void one."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from config.pagination import PAGE_PARAMETERS, paginated_response
from config.query import CREATED_AT_PARAMETERS, range_filter
from config.views import ApiView
from config.wire import envelope
from credits.apis.common import (
    CURRENCY_PARAMETER,
    CUSTOMER_PARAMETER,
    RESOURCE_PARAMETER,
    currency_param,
    customer_param,
)
from credits.apis.inputs import GrantInput, grant_request_of
from credits.apis.wire import grant_to_wire
from credits.selectors import grant_get, grant_list
from credits.services.grants import credit_grant_create, credit_grant_void


class GrantsView(ApiView):
    request_serializers = {"post": GrantInput}

    def post(self, request: Request) -> Response:
        now = timezone.now()
        grant = credit_grant_create(request=grant_request_of(self.body(request)), now=now)
        return envelope(grant_to_wire(grant_get(str(grant.ref_id)), now=now))

    @extend_schema(
        parameters=[
            CUSTOMER_PARAMETER,
            CURRENCY_PARAMETER,
            RESOURCE_PARAMETER,
            *CREATED_AT_PARAMETERS,
            *PAGE_PARAMETERS,
        ]
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        queryset = grant_list(
            customer=customer_param(request),
            currency=currency_param(request),
            resource_ref_id=request.query_params.get("resourceId") or None,
            created_at=range_filter(request, "createdAt", model_field="created_at"),
        )
        return paginated_response(queryset, request, lambda items: [grant_to_wire(item, now=now) for item in items])


class GrantVoidView(ApiView):
    def post(self, request: Request, ref_id: str) -> Response:
        now = timezone.now()
        grant = credit_grant_void(grant=grant_get(ref_id), now=now)
        return envelope(grant_to_wire(grant_get(str(grant.ref_id)), now=now))

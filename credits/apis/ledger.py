"""L1 and CU1 (contract §3.10): a customer's ledger, and credits consumed over time."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from config.pagination import PAGE_PARAMETERS, key_page, paginated_response
from config.query import (
    comma_list,
    comma_list_parameter,
    datetime_parameter,
    parse_iso_datetime,
    single_choice,
    single_choice_parameter,
)
from config.views import ApiView
from config.wire import envelope
from credits.apis.common import (
    CURRENCY_PARAMETER,
    CUSTOMER_PARAMETER,
    RESOURCE_PARAMETER,
    currency_param,
    customer_param,
)
from credits.apis.wire import ledger_entry_to_wire, usage_to_wire
from credits.enums import LedgerEventType, TimeRange
from credits.selectors import (
    USAGE_GROUP_KEY,
    USAGE_MAX_GROUP_KEYS,
    credit_usage_report,
    ledger_list,
    series_order,
)


class LedgerView(ApiView):
    @extend_schema(
        parameters=[
            CUSTOMER_PARAMETER,
            OpenApiParameter(
                "reservationId",
                str,
                description="Only the entries of this reservation; none are made here, so the page is empty.",
            ),
            CURRENCY_PARAMETER,
            RESOURCE_PARAMETER,
            comma_list_parameter("eventType", allowed=LedgerEventType.values),
            *PAGE_PARAMETERS,
        ]
    )
    def get(self, request: Request) -> Response:
        if request.query_params.get("reservationId"):
            # Reservations (W2) are not made by this server: no entry belongs to one.
            customer_param(request)
            return Response({"data": [], "pagination": {"next": None, "prev": None}})
        queryset = ledger_list(
            customer=customer_param(request),
            currency=currency_param(request),
            resource_ref_id=request.query_params.get("resourceId") or None,
            event_types=comma_list(request, "eventType", allowed=LedgerEventType.values),
        )
        return paginated_response(queryset, request, lambda items: [ledger_entry_to_wire(item) for item in items])


class CreditUsageView(ApiView):
    """Series are paged with ``limit``/``after``/``before`` (cursors inside ``data``, as the contract has them), in
    the order of their feature and tags."""

    @extend_schema(
        parameters=[
            CUSTOMER_PARAMETER,
            CURRENCY_PARAMETER,
            datetime_parameter("startDate", description="Wins over timeRange; must be before endDate."),
            datetime_parameter("endDate", description="Default: now."),
            single_choice_parameter(
                "timeRange",
                allowed=TimeRange.values,
                description="Without startDate, the window ending at endDate (default LAST_MONTH).",
            ),
            comma_list_parameter(
                "groupBy",
                description=(
                    f"Up to {USAGE_MAX_GROUP_KEYS} dimension keys matching {USAGE_GROUP_KEY.pattern}, plus featureId."
                ),
            ),
            RESOURCE_PARAMETER,
            *PAGE_PARAMETERS,
        ]
    )
    def get(self, request: Request) -> Response:
        customer = customer_param(request)
        currency = currency_param(request)
        params = request.query_params
        start = parse_iso_datetime(params["startDate"], field="startDate") if params.get("startDate") else None
        series = credit_usage_report(
            customer=customer,
            currency=currency,
            resource_ref_id=params.get("resourceId") or None,
            start=start,
            end=parse_iso_datetime(params["endDate"], field="endDate") if params.get("endDate") else None,
            # timeRange is read only without startDate, which wins over it.
            time_range=None if start else single_choice(request, "timeRange", allowed=TimeRange.values),
            group_by=comma_list(request, "groupBy"),
            now=timezone.now(),
        )
        page, next_cursor, prev_cursor = key_page(series, request, key=series_order)
        return envelope(usage_to_wire(page, currency=currency, next_cursor=next_cursor, prev_cursor=prev_cursor))

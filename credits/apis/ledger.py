"""L1 and CU1 (contract §3.10): a customer's ledger, and credits consumed over time."""

import re
from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from config.errors import InvalidInput
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
from credits.selectors import credit_usage, ledger_list, series_order

TIME_RANGES = {
    TimeRange.LAST_DAY: timedelta(days=1),
    TimeRange.LAST_WEEK: timedelta(days=7),
    TimeRange.LAST_MONTH: timedelta(days=30),
    TimeRange.LAST_YEAR: timedelta(days=365),
}
GROUP_KEY = re.compile(r"^[a-zA-Z0-9_$-]+$")
MAX_GROUP_KEYS = 3


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
                description=f"Up to {MAX_GROUP_KEYS} dimension keys matching {GROUP_KEY.pattern}, plus featureId.",
            ),
            RESOURCE_PARAMETER,
            *PAGE_PARAMETERS,
        ]
    )
    def get(self, request: Request) -> Response:
        customer = customer_param(request)
        currency = currency_param(request)
        now = timezone.now()
        end = (
            parse_iso_datetime(request.query_params["endDate"], field="endDate")
            if request.query_params.get("endDate")
            else now
        )
        if request.query_params.get("startDate"):
            start = parse_iso_datetime(request.query_params["startDate"], field="startDate")
        else:
            time_range = single_choice(request, "timeRange", allowed=TimeRange.values) or TimeRange.LAST_MONTH
            try:
                start = end - TIME_RANGES[TimeRange(time_range)]
            except OverflowError as error:
                raise InvalidInput(f"leaves no room for timeRange {time_range} before it", field="endDate") from error
        if start >= end:
            raise InvalidInput("must be before endDate", field="startDate")
        group_by = comma_list(request, "groupBy")
        keys = [key for key in group_by if key != "featureId"]
        if len(keys) > MAX_GROUP_KEYS or any(not GROUP_KEY.match(key) for key in group_by):
            raise InvalidInput(
                f"at most {MAX_GROUP_KEYS} dimension keys matching {GROUP_KEY.pattern}, plus featureId", field="groupBy"
            )
        series = credit_usage(
            customer=customer,
            currency=currency,
            resource_ref_id=request.query_params.get("resourceId") or None,
            start=start,
            end=end,
            group_by=group_by,
            hourly=end - start <= timedelta(days=2),
        )
        page, next_cursor, prev_cursor = key_page(series, request, key=series_order)
        return envelope(usage_to_wire(page, currency=currency, next_cursor=next_cursor, prev_cursor=prev_cursor))

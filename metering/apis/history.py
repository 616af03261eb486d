"""U2 ``GET /api/v1/usage/{customerId}/history/{featureId}`` (contract §3.4): usage over time with reset markers."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from config.errors import InvalidInput
from config.query import datetime_parameter, parse_iso_datetime
from config.views import ApiView
from config.wire import envelope, iso, number
from metering.history import UsageHistory, usage_history


def history_to_wire(history: UsageHistory) -> dict[str, Any]:
    return {
        "markers": [{"timestamp": iso(moment), "type": marker_type} for moment, marker_type in history.markers],
        "series": [
            {
                "tags": [{"key": key, "value": value} for key, value in series.tags],
                "points": [
                    {
                        "timestamp": iso(point.timestamp),
                        "value": number(point.value),
                        "isResetPoint": point.is_reset_point,
                    }
                    for point in series.points
                ],
            }
            for series in history.series
        ],
    }


class UsageHistoryView(ApiView):
    """U2: ``{data: {markers, series}}``."""

    @extend_schema(
        parameters=[
            datetime_parameter("startDate", required=True),
            datetime_parameter("endDate", description="Default: now."),
            OpenApiParameter("groupBy", str, description="The event dimension whose values split the usage in series."),
            OpenApiParameter("resourceId", str, description="The customer resource whose usage is shown."),
        ],
        responses={200: dict},
    )
    def get(self, request: Request, customer_id: str, feature_id: str) -> Response:
        raw_start = request.query_params.get("startDate")
        if not raw_start:
            raise InvalidInput("is required", field="startDate")
        raw_end = request.query_params.get("endDate")
        history = usage_history(
            customer_ref_id=customer_id,
            feature_ref_id=feature_id,
            start=parse_iso_datetime(raw_start, field="startDate"),
            end=parse_iso_datetime(raw_end, field="endDate") if raw_end else None,
            now=timezone.now(),
            resource_ref_id=request.query_params.get("resourceId") or None,
            group_by=request.query_params.get("groupBy") or None,
        )
        return envelope(history_to_wire(history))

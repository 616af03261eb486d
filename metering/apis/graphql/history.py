"""``usageHistory`` (v1) and ``usageHistoryV2``: REST v1's usage history (U2), one service for both shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ariadne import QueryType
from graphql import GraphQLResolveInfo

from config.wire import number
from metering.apis.history import history_to_wire
from metering.errors import MeteringUnsupported
from metering.history import HistorySeries, UsageHistory, usage_history

query = QueryType()
# Usage history v1 may ask for other reset periods than the customer's entitlement has; ours follows the
# entitlement only.
RESET_PERIOD_FIELDS = (
    "resetPeriod",
    "monthlyResetPeriodConfiguration",
    "weeklyResetPeriodConfiguration",
    "yearlyResetPeriodConfiguration",
)


def _group_by(dimensions: list[str] | None) -> str | None:
    """The one dimension ``usage_history`` splits series by; several are refused, not ignored."""
    if not dimensions:
        return None
    if len(dimensions) > 1:
        raise MeteringUnsupported("usage history is split by one dimension at most", field="groupBy")
    return dimensions[0]


def _history(
    info: GraphQLResolveInfo,
    *,
    customer_ref_id: str,
    feature_ref_id: str,
    resource_ref_id: str | None,
    start: datetime,
    end: datetime | None,
    group_by: str | None,
) -> UsageHistory:
    return usage_history(
        customer_ref_id=customer_ref_id,
        feature_ref_id=feature_ref_id,
        start=start,
        end=end,
        now=info.context.now,
        resource_ref_id=resource_ref_id or None,
        group_by=group_by,
    )


def _measurements(series: HistorySeries) -> list[dict[str, Any]]:
    return [
        {"date": point.timestamp, "value": number(point.value), "isResetPoint": point.is_reset_point}
        for point in series.points
    ]


@query.field("usageHistory")
def resolve_usage_history(_: Any, info: GraphQLResolveInfo, usageHistoryInput: dict[str, Any]) -> dict[str, Any]:
    """v1: the usage over the range in ``usageMeasurements`` and, with ``groupBy``, per value of the dimension in
    ``groups`` (the history is then read twice: whole and split)."""
    arguments = usageHistoryInput
    for name in RESET_PERIOD_FIELDS:
        if arguments.get(name) is not None:
            raise MeteringUnsupported(
                "usage history follows the reset period of the customer's entitlement", field=name
            )
    group_by = _group_by(arguments.get("groupBy"))
    subject: dict[str, Any] = {
        "customer_ref_id": arguments["customerRefId"],
        "feature_ref_id": arguments["featureRefId"],
        "resource_ref_id": arguments.get("resourceRefId"),
        "start": arguments["startDate"],
        "end": arguments.get("endDate"),
    }
    whole = _history(info, **subject, group_by=None)
    groups = None
    if group_by is not None:
        split = _history(info, **subject, group_by=group_by)
        groups = [
            {
                "groupInfo": [{"key": key, "value": value} for key, value in series.tags],
                "usageMeasurements": _measurements(series),
            }
            for series in split.series
        ]
    return {
        "startDate": subject["start"],
        "endDate": subject["end"] or info.context.now,
        "markers": [{"type": marker_type, "timestamp": moment} for moment, marker_type in whole.markers],
        "usageMeasurements": _measurements(whole.series[0]),
        "groups": groups,
    }


@query.field("usageHistoryV2")
def resolve_usage_history_v2(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    """U2's answer as it is (``markers``, ``series``). ``paging`` is not needed (a history holds at most
    ``history.MAX_POINTS`` points and the answer has no page info); ``includeInactiveSubscriptions`` changes nothing:
    the history holds every report and event of the customer, whichever subscription it counted under."""
    history = _history(
        info,
        customer_ref_id=input["customerId"],
        feature_ref_id=input["featureId"],
        resource_ref_id=input.get("resourceId"),
        start=input["startDate"],
        end=input.get("endDate"),
        group_by=_group_by(input.get("groupBy")),
    )
    return history_to_wire(history)


bindables: list[object] = [query]

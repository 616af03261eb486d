"""``reportEvent``: REST v1's raw event ingestion (E1), deduplicated by ``idempotencyKey`` and aggregated after
commit like E1's events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ariadne import MutationType
from graphql import GraphQLResolveInfo

from metering.apis.events import parse_events
from metering.events import events_report

mutation = MutationType()


def _as_e1_item(event: dict[str, Any]) -> dict[str, Any]:
    """An ``UsageEventReportInput`` as an E1 item: the same keys, the time back in ISO text for E1's parser."""
    timestamp = event.get("timestamp")
    return {**event, "timestamp": timestamp.isoformat()} if isinstance(timestamp, datetime) else event


@mutation.field("reportEvent")
def resolve_report_event(_: Any, info: GraphQLResolveInfo, events: dict[str, Any]) -> None:
    """Errors name ``events[i].<field>`` as E1's do; the answer is null (the SDKs read nothing from it)."""
    items = parse_events({"events": [_as_e1_item(event) for event in events["usageEvents"]]})
    events_report(items=items, now=info.context.now)


bindables: list[object] = [mutation]

"""E1 ``POST /api/v1/events`` (contract §3.4): report raw usage events in batches of up to 1000.

Items are parsed with plain Python rather than a DRF ``Serializer(many=True)``, which alone would halve the
throughput of this hot path; errors still name the full field path (``events[3].idempotencyKey``) in the house
error shape, and one bad item refuses the whole batch.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from config.errors import InvalidInput
from config.query import parse_iso_datetime
from config.views import ApiView
from config.wire import envelope
from metering.events import EventInput, events_report

S = serializers
MAX_EVENTS = 1000
TEXT_MAX_LENGTH = 255
DIMENSION_TEXT_MAX_LENGTH = 1000
MAX_DIMENSIONS = 100


def _text(item: dict[str, Any], key: str, path: str, *, required: bool) -> str | None:
    value = item.get(key)
    if value is None:
        if required:
            raise InvalidInput("is required", field=f"{path}.{key}")
        return None
    if not isinstance(value, str):
        raise InvalidInput("must be a string", field=f"{path}.{key}")
    if len(value) > TEXT_MAX_LENGTH:
        raise InvalidInput(f"must be at most {TEXT_MAX_LENGTH} characters", field=f"{path}.{key}")
    if required and not value.strip():
        raise InvalidInput("must not be blank", field=f"{path}.{key}")
    return value


def _dimensions(value: Any, path: str) -> dict[str, Any]:
    """Strings, numbers and booleans (contract ``dims``). Numbers stay JSON numbers: whole ones as ``int``, the
    others as ``float`` (the client sent a float; its shortest text round-trips)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput("must be an object", field=path)
    if len(value) > MAX_DIMENSIONS:
        raise InvalidInput(f"must have at most {MAX_DIMENSIONS} keys", field=path)
    dimensions: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, str):
            if len(item) > DIMENSION_TEXT_MAX_LENGTH:
                raise InvalidInput(f"must be at most {DIMENSION_TEXT_MAX_LENGTH} characters", field=f"{path}.{key}")
        elif isinstance(item, Decimal):
            if not item.is_finite():
                raise InvalidInput("must be a finite number", field=f"{path}.{key}")
            item = int(item) if item == item.to_integral_value() else float(item)
        elif isinstance(item, float):  # NaN and Infinity literals
            raise InvalidInput("must be a finite number", field=f"{path}.{key}")
        elif not isinstance(item, int):  # bool is an int
            raise InvalidInput("must be a string, a number or a boolean", field=f"{path}.{key}")
        dimensions[key] = item
    return dimensions


def _timestamp(value: Any, path: str) -> datetime | None:
    """Any ISO-8601 form; without an offset it is UTC (contract §1.3)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput("must be an ISO-8601 datetime string", field=path)
    return parse_iso_datetime(value, field=path)


def parse_events(body: Any) -> list[EventInput]:
    """The body's ``events``, each checked; the first bad one raises, naming its field."""
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list):
        raise InvalidInput("is required and must be a list", field="events")
    if not 1 <= len(events) <= MAX_EVENTS:
        raise InvalidInput(f"must hold 1 to {MAX_EVENTS} events, not {len(events)}", field="events")
    items = []
    for index, item in enumerate(events):
        path = f"events[{index}]"
        if not isinstance(item, dict):
            raise InvalidInput("must be an object", field=path)
        items.append(
            EventInput(
                customer_ref_id=_text(item, "customerId", path, required=True),  # type: ignore[arg-type]
                event_name=_text(item, "eventName", path, required=True),  # type: ignore[arg-type]
                idempotency_key=_text(item, "idempotencyKey", path, required=True),  # type: ignore[arg-type]
                dimensions=_dimensions(item.get("dimensions"), f"{path}.dimensions"),
                resource_ref_id=_text(item, "resourceId", path, required=False) or None,
                timestamp=_timestamp(item.get("timestamp"), f"{path}.timestamp"),
            )
        )
    return items


class EventItemSchema(S.Serializer):
    """For the OpenAPI schema only: the view parses items by hand."""

    customerId = S.CharField(max_length=TEXT_MAX_LENGTH)
    eventName = S.CharField(max_length=TEXT_MAX_LENGTH)
    idempotencyKey = S.CharField(max_length=TEXT_MAX_LENGTH)
    dimensions = S.DictField(required=False, allow_null=True)
    resourceId = S.CharField(required=False, allow_null=True, max_length=TEXT_MAX_LENGTH)
    timestamp = S.DateTimeField(required=False)


class EventsReportSchema(S.Serializer):
    events = EventItemSchema(many=True)


class EventsReportView(ApiView):
    """E1: ``{data: {}}`` once the events are stored; they count as usage once aggregated."""

    @extend_schema(request=EventsReportSchema, responses={200: dict})
    def post(self, request: Request) -> Response:
        events_report(items=parse_events(request.data), now=timezone.now())
        return envelope({})

"""E1 ``POST /api/v1/events`` (contract §3.4): report raw usage events in batches of up to 1000.

Items are parsed with plain Python rather than a DRF ``Serializer(many=True)``, which alone would halve the
throughput of this hot path; errors still name the full field path (``events[3].idempotencyKey``) in the house
error shape, and one bad item refuses the whole batch.
"""

import json
import math
from datetime import datetime
from typing import Any, Literal, overload

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError
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
NUMBER_LIMIT = 2**53 - 1


def _field(index: int, key: str) -> str:
    return f"events[{index}].{key}"


@overload
def _text(item: dict[str, Any], key: str, index: int, *, required: Literal[True]) -> str: ...
@overload
def _text(item: dict[str, Any], key: str, index: int, *, required: bool) -> str | None: ...
def _text(item: dict[str, Any], key: str, index: int, *, required: bool) -> str | None:
    """A string field; the field path is only built for an error (this runs 4000 times a batch)."""
    value = item.get(key)
    if type(value) is str and len(value) <= TEXT_MAX_LENGTH and (not required or (value and not value.isspace())):
        return value
    if value is None:
        if required:
            raise InvalidInput("is required", field=_field(index, key))
        return None
    if not isinstance(value, str):
        raise InvalidInput("must be a string", field=_field(index, key))
    if len(value) > TEXT_MAX_LENGTH:
        raise InvalidInput(f"must be at most {TEXT_MAX_LENGTH} characters", field=_field(index, key))
    raise InvalidInput("must not be blank", field=_field(index, key))


def _dimensions(value: Any, index: int) -> dict[str, Any]:
    """Strings, numbers and booleans (contract ``dims``), kept as parsed: JSON numbers as ``int`` or ``float``
    (the client sent a float; its shortest text round-trips). Dimensions are not money."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput("must be an object", field=_field(index, "dimensions"))
    if len(value) > MAX_DIMENSIONS:
        raise InvalidInput(f"must have at most {MAX_DIMENSIONS} keys", field=_field(index, "dimensions"))
    for key, item in value.items():
        kind = type(item)
        if kind is str:
            if len(item) > DIMENSION_TEXT_MAX_LENGTH:
                raise InvalidInput(
                    f"must be at most {DIMENSION_TEXT_MAX_LENGTH} characters", field=_field(index, f"dimensions.{key}")
                )
        elif kind is float or kind is int:
            # Finite (Python's parser accepts NaN and Infinity) and within what usage holds: sums never overflow.
            if not (kind is int or math.isfinite(item)) or abs(item) > NUMBER_LIMIT:
                raise InvalidInput(
                    "must be a finite number up to 2^53 - 1 in absolute value", field=_field(index, f"dimensions.{key}")
                )
        elif kind is not bool:
            raise InvalidInput("must be a string, a number or a boolean", field=_field(index, f"dimensions.{key}"))
    return value


def _timestamp(value: Any, index: int) -> datetime | None:
    """Any ISO-8601 form; without an offset it is UTC (contract §1.3)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput("must be an ISO-8601 datetime string", field=_field(index, "timestamp"))
    return parse_iso_datetime(value, field=_field(index, "timestamp"))


def _json_body(request: Request) -> Any:
    """The body parsed without the project parser's exact decimals: dimensions need no ``Decimal`` and building
    thousands of them is a measurable share of this endpoint's time. Same refusals as ``LenientJSONParser``."""
    if request.content_type.split(";")[0].strip() != "application/json":
        return request.data  # DRF's negotiation answers 415 for what it cannot parse
    raw = request.body
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise ParseError(f"Malformed JSON body: {error}") from error


def parse_events(body: Any) -> list[EventInput]:
    """The body's ``events``, each checked; the first bad one raises, naming its field."""
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list):
        raise InvalidInput("is required and must be a list", field="events")
    if not 1 <= len(events) <= MAX_EVENTS:
        raise InvalidInput(f"must hold 1 to {MAX_EVENTS} events, not {len(events)}", field="events")
    items = []
    for index, item in enumerate(events):
        if type(item) is not dict:
            raise InvalidInput("must be an object", field=f"events[{index}]")
        items.append(
            EventInput(
                _text(item, "customerId", index, required=True),
                _text(item, "eventName", index, required=True),
                _text(item, "idempotencyKey", index, required=True),
                _dimensions(item.get("dimensions"), index),
                _text(item, "resourceId", index, required=False) or None,
                _timestamp(item.get("timestamp"), index),
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
        events_report(items=parse_events(_json_body(request)), now=timezone.now())
        return envelope({})

"""The schema's custom scalars: ``DateTime`` (ISO 8601, UTC), ``UUID``, ``JSON`` and ``ConnectionCursor``; and how
``Float`` is written."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ariadne import ScalarType
from graphql import GraphQLError
from graphql.type.scalars import serialize_float

date_time = ScalarType("DateTime")
uuid_scalar = ScalarType("UUID")
json_scalar = ScalarType("JSON")
cursor = ScalarType("ConnectionCursor")
float_scalar = ScalarType("Float")

# Below 2**53 an integral float is written as JavaScript writes every such number.
SAFE_INTEGER = 2**53


@date_time.serializer
def serialize_date_time(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        text = value.astimezone(UTC).isoformat(timespec="milliseconds")
        return text.replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@date_time.value_parser
def parse_date_time(value: Any) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError) as error:
            raise GraphQLError(f"DateTime out of range: {value!r}") from error
    if not isinstance(value, str):
        raise GraphQLError(f"DateTime must be an ISO 8601 string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise GraphQLError(f"DateTime must be an ISO 8601 string, got {value!r}") from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError as error:
        raise GraphQLError(f"DateTime out of range: {value!r}") from error


@uuid_scalar.serializer
def serialize_uuid(value: Any) -> str:
    return str(value)


@uuid_scalar.value_parser
def parse_uuid(value: Any) -> str:
    if not isinstance(value, str):
        raise GraphQLError(f"UUID must be a string, got {value!r}")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        # Stigg's ids are UUIDs, ours may be other strings (a refId where the SDK sends one): pass them through.
        return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return serialize_date_time(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


@json_scalar.serializer
def serialize_json(value: Any) -> Any:
    return _plain(value)


@cursor.serializer
def serialize_cursor(value: Any) -> str:
    return str(value)


@float_scalar.serializer
def serialize_float_as_javascript(value: Any) -> int | float:
    """A whole Float is written ``1``, not ``1.0``, as Stigg's JavaScript server writes it: the SDKs declare some of
    our Float fields (``versionNumber``, ``totalCount``, an invoice line's ``quantity``) as integers, and pydantic
    reads ``1.0`` as an integer only leniently. graphql-core's own serializer checks and coerces first."""
    number = float(serialize_float(value))
    return int(number) if number.is_integer() and abs(number) < SAFE_INTEGER else number


bindables = [date_time, uuid_scalar, json_scalar, cursor, float_scalar]

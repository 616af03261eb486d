"""Query-string conventions of the Stigg client: comma-joined arrays and ``createdAt[gte]``-style filters."""

from collections.abc import Iterable
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from config.errors import InvalidInput

RANGE_OPERATORS = ("gt", "gte", "lt", "lte")
RANGE_WORDS = {"gt": "after", "gte": "at or after", "lt": "before", "lte": "at or before"}


def parse_iso_datetime(raw: str, *, field: str) -> datetime:
    """Any ISO-8601 datetime; a naive one is taken as UTC."""
    try:
        value = parse_datetime(raw.strip().replace(" ", "+", 1) if "T" in raw and " " in raw else raw.strip())
    except ValueError:
        value = None
    if value is None:
        raise InvalidInput("must be an ISO-8601 datetime", field=field)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as error:  # 0001-01-01T00:00:00+01:00 is before the first UTC moment a datetime holds.
        raise InvalidInput("is out of range", field=field) from error


def comma_list(request: Request, name: str, *, allowed: Iterable[str] | None = None) -> list[str]:
    """A comma-joined array parameter; unknown enum values are refused, naming the parameter."""
    raw = request.query_params.get(name)
    if not raw:
        return []
    values = [value.strip() for value in raw.split(",") if value.strip()]
    if allowed is not None:
        allowed_set = set(allowed)
        unknown = [value for value in values if value not in allowed_set]
        if unknown:
            raise InvalidInput(
                f"unknown value(s) {', '.join(unknown)}; expected any of {', '.join(sorted(allowed_set))}", field=name
            )
    return values


def single_choice(request: Request, name: str, *, allowed: Iterable[str]) -> str | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    allowed_set = set(allowed)
    if raw not in allowed_set:
        raise InvalidInput(f"unknown value {raw}; expected one of {', '.join(sorted(allowed_set))}", field=name)
    return raw


def range_filter(request: Request, name: str, *, model_field: str) -> dict[str, datetime]:
    """``createdAt[gte]=…`` and friends as ORM lookups on ``model_field``."""
    lookups: dict[str, datetime] = {}
    for operator in RANGE_OPERATORS:
        key = f"{name}[{operator}]"
        raw = request.query_params.get(key)
        if raw:
            lookups[f"{model_field}__{operator}"] = parse_iso_datetime(raw, field=key)
    return lookups


# Their schema: the query parameters each helper above reads, declared the way the helper reads them.


def comma_list_parameter(name: str, *, allowed: Iterable[str] | None = None, description: str = "") -> OpenApiParameter:
    """What ``comma_list`` reads: an array sent as one comma-joined value (``status=ACTIVE,IN_TRIAL``)."""
    items: dict[str, object] = {"type": "string"} if allowed is None else {"type": "string", "enum": list(allowed)}
    return OpenApiParameter(
        name, {"type": "array", "items": items}, style="form", explode=False, description=description
    )


def single_choice_parameter(name: str, *, allowed: Iterable[str], description: str = "") -> OpenApiParameter:
    """What ``single_choice`` reads: one value of ``allowed``."""
    return OpenApiParameter(name, str, enum=list(allowed), description=description)


def datetime_parameter(name: str, *, required: bool = False, description: str = "") -> OpenApiParameter:
    """What ``parse_iso_datetime`` reads: any ISO-8601 datetime, a naive one taken as UTC."""
    return OpenApiParameter(name, OpenApiTypes.DATETIME, required=required, description=description)


def range_parameters(name: str) -> list[OpenApiParameter]:
    """What ``range_filter`` reads: ``name[gt]``, ``name[gte]``, ``name[lt]`` and ``name[lte]``."""
    return [
        datetime_parameter(
            f"{name}[{operator}]", description=f"Only items whose {name} is {RANGE_WORDS[operator]} this moment."
        )
        for operator in RANGE_OPERATORS
    ]


CREATED_AT_PARAMETERS = range_parameters("createdAt")

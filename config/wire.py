"""Output conventions shared by every app: ISO-8601 UTC datetimes and JSON numbers for decimals."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from rest_framework.response import Response


def iso(value: datetime | None) -> str | None:
    """``2024-01-15T10:30:00.000Z``: UTC with milliseconds, as the Stigg client's pydantic parser expects."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def number(value: Decimal | str | int | float | None) -> int | Decimal | None:
    """A JSON number, never a string: integral values as int, others as an exact ``Decimal``.

    ``config.renderers.ExactJSONRenderer`` writes the ``Decimal`` digits as they are.
    """
    if value is None:
        return None
    decimal = value if isinstance(value, Decimal) else Decimal(str(value))
    if decimal == decimal.to_integral_value():
        return int(decimal)
    return decimal.normalize()


def envelope(data: Any, *, status: int = 200) -> Response:
    return Response({"data": data}, status=status)

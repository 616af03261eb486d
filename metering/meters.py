"""Meters: which raw events a feature counts and how. Pure: no ORM, no clock.

A feature's ``meter`` (as the catalog stores it, contract §2.5) holds an aggregation ``{function, field}`` and
``filters``: an event matches when any filter matches (OR), and a filter matches when all of its conditions do
(AND). A condition's ``field`` is ``eventName`` or the name of a dimension. The aggregation runs over the events of
one usage window; its result is divided and rounded by the feature's ``unitTransformation`` to give the usage.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from catalog.enums import AggregationFunction, FilterOperation, RoundMode
from metering.models import USAGE_DECIMAL_PLACES

EVENT_NAME_FIELD = "eventName"
STEP = Decimal(1).scaleb(-USAGE_DECIMAL_PLACES)
ZERO = Decimal(0)
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    FilterOperation.GREATER_THAN: lambda left, right: left > right,
    FilterOperation.GREATER_THAN_OR_EQUAL: lambda left, right: left >= right,
    FilterOperation.LESS_THAN: lambda left, right: left < right,
    FilterOperation.LESS_THAN_OR_EQUAL: lambda left, right: left <= right,
}


def text(value: Any) -> str:
    """A dimension as filters and UNIQUE see it: booleans as ``true``/``false``, numbers without exponent."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return str(value)


def numeric(value: Any) -> Decimal | None:
    """A dimension as a number (a number, or a string holding one), else ``None``; booleans are not numbers."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def _equal(actual: Any, expected: str) -> bool:
    actual_number, expected_number = numeric(actual), numeric(expected)
    if actual_number is not None and expected_number is not None and not isinstance(actual, str):
        return actual_number == expected_number
    return text(actual) == expected


def _field(name: str, event_name: str, dimensions: Mapping[str, Any]) -> Any:
    return event_name if name == EVENT_NAME_FIELD else dimensions.get(name)


@dataclass(frozen=True)
class Condition:
    field: str
    operation: str
    value: str | None = None
    values: tuple[str, ...] = ()

    def matches(self, actual: Any) -> bool:
        """``actual`` is the event's value of ``field`` (``None`` when absent). Comparisons need two numbers;
        text operations compare the value's text."""
        operation = self.operation
        if operation == FilterOperation.IS_NULL:
            return actual is None
        if actual is None:
            return operation == FilterOperation.NOT_EQUALS
        if operation == FilterOperation.IS_NOT_NULL:
            return True
        if operation == FilterOperation.IN:
            return any(_equal(actual, expected) for expected in self.values)
        expected = self.value if self.value is not None else ""
        if operation == FilterOperation.EQUALS:
            return _equal(actual, expected)
        if operation == FilterOperation.NOT_EQUALS:
            return not _equal(actual, expected)
        if operation in COMPARISONS:
            left, right = numeric(actual), numeric(expected)
            return left is not None and right is not None and COMPARISONS[operation](left, right)
        if operation == FilterOperation.CONTAINS:
            return expected in text(actual)
        if operation == FilterOperation.STARTS_WITH:
            return text(actual).startswith(expected)
        if operation == FilterOperation.ENDS_WITH:
            return text(actual).endswith(expected)
        raise ValueError(f"unknown filter operation {operation!r}")


@dataclass(frozen=True)
class Aggregate:
    """What a window's events add up to, enough for every aggregation function (``MeterAggregate``'s fields)."""

    event_count: int = 0
    measured_count: int = 0
    total: Decimal = ZERO
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    unique_count: int = 0


@dataclass(frozen=True)
class Meter:
    feature_ref_id: str
    function: str
    field: str | None
    # OR of AND-ed conditions; no filters: every event.
    filters: tuple[tuple[Condition, ...], ...]
    divide: int | None = None
    round_mode: str = RoundMode.DOWN

    def matches(self, event_name: str, dimensions: Mapping[str, Any]) -> bool:
        if not self.filters:
            return True
        return any(
            all(condition.matches(_field(condition.field, event_name, dimensions)) for condition in conditions)
            for conditions in self.filters
        )

    def measure(self, dimensions: Mapping[str, Any]) -> Decimal | str | None:
        """What one matching event contributes besides being counted: the field as a number (SUM, MIN, MAX, AVG,
        rounded to the usage precision) or as text (UNIQUE); ``None`` when the event lacks it (it then only
        counts for COUNT)."""
        if self.function == AggregationFunction.COUNT or self.field is None:
            return None
        value = dimensions.get(self.field)
        if self.function == AggregationFunction.UNIQUE:
            return text(value) if value is not None else None
        number = numeric(value)
        return number.quantize(STEP, rounding=ROUND_HALF_UP) if number is not None else None

    def value(self, aggregate: Aggregate) -> Decimal:
        """The aggregation function's result over ``aggregate`` (0 before any measured event)."""
        function = self.function
        if function == AggregationFunction.COUNT:
            return Decimal(aggregate.event_count)
        if function == AggregationFunction.UNIQUE:
            return Decimal(aggregate.unique_count)
        if function == AggregationFunction.SUM:
            return aggregate.total
        if function == AggregationFunction.MIN:
            return aggregate.minimum if aggregate.minimum is not None else ZERO
        if function == AggregationFunction.MAX:
            return aggregate.maximum if aggregate.maximum is not None else ZERO
        if function == AggregationFunction.AVG:
            if not aggregate.measured_count:
                return ZERO
            return (aggregate.total / aggregate.measured_count).quantize(STEP, rounding=ROUND_HALF_UP)
        raise ValueError(f"unknown aggregation function {function!r}")

    def usage(self, aggregate: Aggregate) -> Decimal:
        """The usage the aggregate amounts to: its value divided by ``divide`` and rounded to a whole number
        (UP: ceiling, DOWN: floor), or the value itself without a unit transformation."""
        value = self.value(aggregate)
        if not self.divide:
            return value
        rounding = ROUND_CEILING if self.round_mode == RoundMode.UP else ROUND_FLOOR
        return (value / Decimal(self.divide)).to_integral_value(rounding=rounding)


def merge(aggregate: Aggregate, *, event_count: int, measures: Sequence[Decimal], unique_count: int) -> Aggregate:
    """``aggregate`` with more events: ``event_count`` matching events, the numbers they carried, and the new
    number of distinct values (UNIQUE: counted by the caller, who knows the values seen before)."""
    minimum = min([*measures, *([aggregate.minimum] if aggregate.minimum is not None else [])], default=None)
    maximum = max([*measures, *([aggregate.maximum] if aggregate.maximum is not None else [])], default=None)
    return Aggregate(
        event_count=aggregate.event_count + event_count,
        measured_count=aggregate.measured_count + len(measures),
        total=aggregate.total + sum(measures, ZERO),
        minimum=minimum,
        maximum=maximum,
        unique_count=unique_count,
    )


def meter_of(feature_ref_id: str, meter: Mapping[str, Any], unit_transformation: Mapping[str, Any] | None) -> Meter:
    """A ``Meter`` from a feature's stored ``meter`` and ``unit_transformation`` (validated by the catalog)."""
    aggregation = meter["aggregation"]
    filters = tuple(
        tuple(
            Condition(
                field=condition["field"],
                operation=condition["operation"],
                value=condition.get("value"),
                values=tuple(condition.get("values") or ()),
            )
            for condition in meter_filter.get("conditions") or ()
        )
        for meter_filter in meter.get("filters") or ()
    )
    transformation = unit_transformation or {}
    return Meter(
        feature_ref_id=feature_ref_id,
        function=aggregation["function"],
        field=aggregation.get("field") or None,
        filters=tuple(conditions for conditions in filters if conditions),
        divide=int(transformation["divide"]) if transformation.get("divide") else None,
        round_mode=transformation.get("round") or RoundMode.DOWN,
    )

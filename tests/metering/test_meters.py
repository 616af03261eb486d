"""Meters as a pure table: every filter operation, every aggregation function, unit transformations."""

from decimal import Decimal
from typing import Any

import pytest

from metering.meters import Aggregate, Condition, Meter, merge, meter_of
from tests.metering.meter_builders import condition, event_name_is, meter

D = Decimal


@pytest.mark.parametrize(
    ("operation", "expected", "actual", "matches"),
    [
        ("EQUALS", "eu", "eu", True),
        ("EQUALS", "eu", "us", False),
        ("EQUALS", "5", 5, True),
        ("EQUALS", "5", 5.0, True),
        ("EQUALS", "5.0", 5, True),
        ("EQUALS", "5.0", "5", False),  # text against text compares the text
        ("EQUALS", "true", True, True),
        ("EQUALS", "True", True, False),
        ("EQUALS", "eu", None, False),
        ("NOT_EQUALS", "eu", "us", True),
        ("NOT_EQUALS", "eu", "eu", False),
        ("NOT_EQUALS", "eu", None, True),
        ("GREATER_THAN", "10", 11, True),
        ("GREATER_THAN", "10", 10, False),
        ("GREATER_THAN", "10", "11", True),
        ("GREATER_THAN", "10", "eleven", False),
        ("GREATER_THAN", "10", None, False),
        ("GREATER_THAN_OR_EQUAL", "10", 10, True),
        ("GREATER_THAN_OR_EQUAL", "10", 9.99, False),
        ("LESS_THAN", "1.5", 1.25, True),
        ("LESS_THAN", "1.5", 1.5, False),
        ("LESS_THAN_OR_EQUAL", "1.5", 1.5, True),
        ("LESS_THAN_OR_EQUAL", "1.5", 2, False),
        ("LESS_THAN", "1", True, False),  # a boolean is not a number
        ("IS_NULL", None, None, True),
        ("IS_NULL", None, "", False),
        ("IS_NOT_NULL", None, "", True),
        ("IS_NOT_NULL", None, None, False),
        ("CONTAINS", "api", "public-api-v2", True),
        ("CONTAINS", "api", "web", False),
        ("CONTAINS", "2", 123, True),
        ("STARTS_WITH", "img/", "img/logo.png", True),
        ("STARTS_WITH", "img/", "css/img/", False),
        ("ENDS_WITH", ".png", "img/logo.png", True),
        ("ENDS_WITH", ".png", "img/logo.jpg", False),
        ("ENDS_WITH", ".png", None, False),
    ],
)
def test_filter_operations(operation: str, expected: str | None, actual: Any, matches: bool) -> None:
    assert Condition(field="x", operation=operation, value=expected).matches(actual) is matches


@pytest.mark.parametrize(
    ("actual", "matches"), [("eu", True), ("us", True), ("ap", False), (None, False), (2, True), (3, False)]
)
def test_in_matches_any_of_the_values(actual: Any, matches: bool) -> None:
    assert Condition(field="x", operation="IN", values=("eu", "us", "2")).matches(actual) is matches


def test_conditions_are_and_ed_and_filters_or_ed() -> None:
    definition = meter(
        "COUNT",
        None,
        [condition("eventName", "EQUALS", "upload"), condition("size", "GREATER_THAN", "100")],
        [condition("eventName", "EQUALS", "import")],
    )
    counted = meter_of("uploads", definition, None)

    assert counted.matches("upload", {"size": 101}) is True
    assert counted.matches("upload", {"size": 100}) is False
    assert counted.matches("upload", {}) is False
    assert counted.matches("import", {}) is True
    assert counted.matches("export", {"size": 1000}) is False


def test_a_meter_without_filters_counts_every_event() -> None:
    assert meter_of("everything", meter("COUNT"), None).matches("anything", {}) is True


def test_event_name_is_a_field_and_so_is_a_dimension_called_otherwise() -> None:
    counted = meter_of("calls", meter("COUNT", None, event_name_is("api-call")), None)

    assert counted.matches("api-call", {"eventName": "other"}) is True
    assert counted.matches("other", {"eventName": "api-call"}) is False


def aggregate_of(function: str, values: list[Any], *, field: str = "amount") -> Decimal:
    """Feed events carrying ``values`` (``None``: no field) one at a time, as separate batches would."""
    counted = meter_of("f", meter(function, field), None)
    aggregate, seen = Aggregate(), set()
    for value in values:
        measured = counted.measure({} if value is None else {field: value})
        if isinstance(measured, str):
            seen.add(measured)
        aggregate = merge(
            aggregate,
            event_count=1 if function == "COUNT" or measured is not None else 0,
            measures=[measured] if isinstance(measured, Decimal) else [],
            unique_count=len(seen),
        )
    return counted.usage(aggregate)


@pytest.mark.parametrize(
    ("function", "values", "expected"),
    [
        ("COUNT", [1, "x", None, 7], D(4)),
        ("SUM", [1, 2.5, "3", None, "three"], D("6.5")),
        ("SUM", [0.1, 0.2], D("0.3")),
        ("SUM", [], D(0)),
        ("MIN", [5, 3, 9], D(3)),
        ("MIN", [5, -3.5, 9], D("-3.5")),
        ("MIN", [None], D(0)),
        ("MAX", [5, 30, 9], D(30)),
        ("MAX", [-5, -2], D(-2)),
        ("MAX", [], D(0)),
        ("AVG", [1, 2, 4], D("2.33333")),
        ("AVG", [1, None, 3], D(2)),
        ("AVG", [], D(0)),
        ("UNIQUE", ["u1", "u2", "u1", 3, "3", None], D(3)),
        ("UNIQUE", [True, "true", False], D(2)),
    ],
)
def test_aggregation_functions(function: str, values: list[Any], expected: Decimal) -> None:
    assert aggregate_of(function, values) == expected


@pytest.mark.parametrize(
    ("divide", "round_mode", "value", "expected"),
    [
        (1000, "UP", D(1), D(1)),
        (1000, "UP", D(1000), D(1)),
        (1000, "UP", D(1001), D(2)),
        (1000, "DOWN", D(1999), D(1)),
        (1000, "DOWN", D(999), D(0)),
        (1000, None, D(1999), D(1)),  # DOWN unless told otherwise, as the catalog shows it
        (3, "UP", D("0.5"), D(1)),
        (1, "DOWN", D("2.75"), D(2)),
    ],
)
def test_unit_transformation_divides_the_total_and_rounds(
    divide: int, round_mode: str | None, value: Decimal, expected: Decimal
) -> None:
    transformation = {"divide": divide, **({"round": round_mode} if round_mode else {})}
    counted = meter_of("bytes", meter("SUM", "bytes"), transformation)

    assert counted.usage(Aggregate(measured_count=1, total=value)) == expected


def test_without_unit_transformation_the_value_is_the_usage() -> None:
    counted = Meter(feature_ref_id="f", function="SUM", field="x", filters=())

    assert counted.usage(Aggregate(measured_count=2, total=D("1.23456"))) == D("1.23456")

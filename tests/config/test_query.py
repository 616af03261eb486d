from datetime import UTC, datetime

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from config.errors import InvalidInput
from config.query import comma_list, parse_iso_datetime, range_filter

STATUSES = ("ACTIVE", "IN_TRIAL", "CANCELED")


def request_for(query_string: str) -> Request:
    return Request(APIRequestFactory().get(f"/api/v1/anything?{query_string}"))


def test_comma_list_splits_a_comma_joined_parameter() -> None:
    request = request_for("status=ACTIVE%2CIN_TRIAL")

    assert comma_list(request, "status", allowed=STATUSES) == ["ACTIVE", "IN_TRIAL"]


def test_comma_list_ignores_blanks_and_spaces() -> None:
    assert comma_list(request_for("status=ACTIVE,, IN_TRIAL ,"), "status", allowed=STATUSES) == ["ACTIVE", "IN_TRIAL"]


def test_comma_list_is_empty_when_absent_or_empty() -> None:
    assert comma_list(request_for(""), "status", allowed=STATUSES) == []
    assert comma_list(request_for("status="), "status", allowed=STATUSES) == []


def test_comma_list_without_allowed_values_accepts_anything() -> None:
    assert comma_list(request_for("ids=a,b"), "ids") == ["a", "b"]


def test_comma_list_refuses_an_unknown_value_naming_the_parameter() -> None:
    with pytest.raises(InvalidInput) as caught:
        comma_list(request_for("status=ACTIVE,PAUSED"), "status", allowed=STATUSES)

    assert caught.value.field == "status"
    assert caught.value.details == {"field": "status"}
    assert caught.value.message == "status: unknown value(s) PAUSED; expected any of ACTIVE, CANCELED, IN_TRIAL"


def test_range_filter_maps_bracket_operators_to_lookups() -> None:
    request = request_for(
        "createdAt%5Bgte%5D=2024-01-01T00%3A00%3A00%2B00%3A00&createdAt%5Blt%5D=2024-02-01T00%3A00%3A00Z&other=1"
    )

    assert range_filter(request, "createdAt", model_field="created_at") == {
        "created_at__gte": datetime(2024, 1, 1, tzinfo=UTC),
        "created_at__lt": datetime(2024, 2, 1, tzinfo=UTC),
    }


def test_range_filter_takes_a_naive_datetime_as_utc() -> None:
    request = request_for("createdAt[gte]=2024-05-01T12:00:00")

    assert range_filter(request, "createdAt", model_field="created_at") == {
        "created_at__gte": datetime(2024, 5, 1, 12, tzinfo=UTC)
    }


def test_range_filter_is_empty_without_bounds() -> None:
    assert range_filter(request_for("createdAt=2024-05-01"), "createdAt", model_field="created_at") == {}


def test_range_filter_refuses_a_bad_datetime_naming_the_parameter() -> None:
    with pytest.raises(InvalidInput) as caught:
        range_filter(request_for("createdAt[lte]=yesterday"), "createdAt", model_field="created_at")

    assert caught.value.field == "createdAt[lte]"
    assert caught.value.message == "createdAt[lte]: must be an ISO-8601 datetime"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-15T10:30:00Z", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        ("2024-01-15T10:30:00.000Z", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        ("2024-01-15T10:30:00+00:00", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        ("2024-01-15T10:30:00.123456+00:00", datetime(2024, 1, 15, 10, 30, 0, 123456, tzinfo=UTC)),
        ("2024-01-15T10:30:00", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        ("2024-01-15T12:30:00+02:00", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        ("2024-01-15", datetime(2024, 1, 15, tzinfo=UTC)),
        # An unencoded "+" in a query string arrives as a space.
        ("2024-01-15T10:30:00 00:00", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
    ],
)
def test_parse_iso_datetime(raw: str, expected: datetime) -> None:
    parsed = parse_iso_datetime(raw, field="createdAt[gte]")

    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize("raw", ["", "yesterday", "2024-13-01T00:00:00", "15/01/2024 10:30"])
def test_parse_iso_datetime_refuses_what_is_not_a_datetime(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_iso_datetime(raw, field="at")

    assert caught.value.message == "at: must be an ISO-8601 datetime"


@pytest.mark.parametrize("raw", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_parse_iso_datetime_refuses_a_moment_beyond_the_utc_range(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_iso_datetime(raw, field="at")

    assert caught.value.message == "at: is out of range"

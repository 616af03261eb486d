"""Array parameters as input text or binary: PostgreSQL reads back exactly the values that were written, whatever
they hold."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.pg_arrays import int_array, plain_array, text_array, time_array, uuid_array
from config.prepared import server_cursor

pytestmark = [
    pytest.mark.django_db,
]


def read_back(literal: str, cast: str) -> list:
    with server_cursor() as cursor:
        cursor.execute(f"SELECT %s::{cast}", [literal])
        return cursor.fetchone()[0]


# Any text PostgreSQL can hold: no NUL.
TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), TEXT), max_size=20))
def test_text_arrays_round_trip(values: list[str | None]) -> None:
    assert read_back(text_array(values), "text[]") == values


@pytest.mark.parametrize(
    "values",
    [[], [""], ["NULL"], ["a,b", "{c}", " padded "], ['"quoted"', "back\\slash", '\\"'], ["é", "tab\tnew\nline"]],
)
def test_text_arrays_keep_what_array_syntax_would_read_otherwise(values: list[str]) -> None:
    assert read_back(text_array(values), "text[]") == values


def test_integer_decimal_uuid_and_time_arrays_round_trip() -> None:
    ids = [uuid4(), uuid4()]
    moments = [datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC), None]
    offset = datetime(2024, 1, 1, 1, tzinfo=timezone(timedelta(hours=1)))

    assert read_back(int_array([1, -2, 2**62]), "bigint[]") == [1, -2, 2**62]
    assert read_back(plain_array([Decimal("1.00000"), Decimal("-0.00001"), None]), "numeric[]") == [
        Decimal("1.00000"),
        Decimal("-0.00001"),
        None,
    ]
    assert read_back(plain_array(ids), "uuid[]") == ids
    assert read_back(time_array([*moments, offset]), "timestamptz[]") == [*moments, offset]
    assert read_back(time_array([None, None]), "timestamptz[]") == [None, None]
    assert read_back(plain_array([1, 2]), "bigint[]") == [1, 2]


# Any aware moment ``timestamptz`` holds to the microsecond, at any offset.
MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-11, minutes=-30)), timezone(timedelta(hours=14))]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), MOMENTS), max_size=20))
def test_time_arrays_round_trip(values: list[datetime | None]) -> None:
    assert read_back(time_array(values), "timestamptz[]") == values


@settings(max_examples=50, deadline=None)
@given(st.lists(st.uuids(), max_size=20))
def test_uuid_arrays_round_trip(values: list[UUID]) -> None:
    assert read_back(uuid_array([str(value) for value in values]), "uuid[]") == values


def test_uuid_arrays_refuse_what_is_not_a_uuid() -> None:
    with pytest.raises(ValueError):
        uuid_array([str(uuid4()), "0123"])

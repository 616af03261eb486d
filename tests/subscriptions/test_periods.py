"""The billing calendar as a pure table: month ends, leap years, boundaries exactly at ``after``."""

from datetime import UTC, datetime

import pytest

from subscriptions.periods import (
    add_months,
    billing_period_range,
    months_per_period,
    next_billing_boundary,
    trial_end,
)


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 30) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "months", "anchor_day", "expected"),
    [
        (at(2027, 1, 31), 1, 31, at(2027, 2, 28)),
        (at(2028, 1, 31), 1, 31, at(2028, 2, 29)),
        (at(2027, 2, 28), 1, 31, at(2027, 3, 31)),
        (at(2027, 1, 30), 1, 30, at(2027, 2, 28)),
        (at(2028, 1, 30), 1, 30, at(2028, 2, 29)),
        (at(2027, 1, 29), 1, 29, at(2027, 2, 28)),
        (at(2028, 1, 29), 1, 29, at(2028, 2, 29)),
        (at(2027, 3, 31), 1, 31, at(2027, 4, 30)),
        (at(2027, 11, 15), 2, 15, at(2028, 1, 15)),
        (at(2027, 12, 31), 1, 31, at(2028, 1, 31)),
        (at(2028, 2, 29), 12, 29, at(2029, 2, 28)),
        (at(2028, 2, 29), 48, 29, at(2032, 2, 29)),
        (at(2028, 3, 31), -1, 31, at(2028, 2, 29)),
        (at(2028, 1, 31), -2, 31, at(2027, 11, 30)),
        (at(2027, 5, 10), 0, 10, at(2027, 5, 10)),
    ],
)
def test_add_months_clamps_to_the_month_end_and_keeps_the_time(
    moment: datetime, months: int, anchor_day: int, expected: datetime
) -> None:
    assert add_months(moment, months, anchor_day=anchor_day) == expected


def test_add_months_keeps_seconds_and_timezone() -> None:
    moment = datetime(2027, 1, 31, 23, 59, 58, 123456, tzinfo=UTC)
    assert add_months(moment, 1, anchor_day=31) == datetime(2027, 2, 28, 23, 59, 58, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("anchor", "billing_period", "after", "expected"),
    [
        # Computed from the anchor, never chained: Jan 31 → Feb 28 → Mar 31.
        (at(2027, 1, 31), "MONTHLY", at(2027, 1, 31), at(2027, 2, 28)),
        (at(2027, 1, 31), "MONTHLY", at(2027, 2, 28), at(2027, 3, 31)),
        (at(2027, 1, 31), "MONTHLY", at(2027, 3, 1), at(2027, 3, 31)),
        (at(2027, 1, 31), "MONTHLY", at(2027, 3, 31), at(2027, 4, 30)),
        (at(2028, 1, 31), "MONTHLY", at(2028, 1, 31), at(2028, 2, 29)),
        (at(2028, 1, 31), "MONTHLY", at(2028, 2, 29), at(2028, 3, 31)),
        (at(2027, 1, 30), "MONTHLY", at(2027, 2, 1), at(2027, 2, 28)),
        (at(2027, 1, 30), "MONTHLY", at(2027, 2, 28), at(2027, 3, 30)),
        (at(2028, 1, 30), "MONTHLY", at(2028, 2, 29), at(2028, 3, 30)),
        (at(2027, 1, 29), "MONTHLY", at(2027, 2, 28), at(2027, 3, 29)),
        (at(2028, 1, 29), "MONTHLY", at(2028, 2, 28), at(2028, 2, 29)),
        # Exactly at a boundary: the next one, strictly after.
        (at(2027, 1, 15), "MONTHLY", at(2027, 6, 15), at(2027, 7, 15)),
        # A second before a boundary: that boundary.
        (at(2027, 1, 15), "MONTHLY", datetime(2027, 6, 15, 9, 29, 59, tzinfo=UTC), at(2027, 6, 15)),
        # Same day as the anchor but earlier in the day: the boundary later that day.
        (at(2027, 1, 15), "MONTHLY", at(2027, 6, 15, hour=8), at(2027, 6, 15)),
        # Before the anchor: the first boundary.
        (at(2027, 1, 15), "MONTHLY", at(2026, 12, 1), at(2027, 2, 15)),
        (at(2027, 1, 15), "MONTHLY", at(2030, 1, 20), at(2030, 2, 15)),
        (at(2027, 1, 31), "MONTHLY", at(2027, 12, 31), at(2028, 1, 31)),
        # Annual from Feb 29: Feb 28 in common years, Feb 29 again in the next leap year.
        (at(2028, 2, 29), "ANNUALLY", at(2028, 2, 29), at(2029, 2, 28)),
        (at(2028, 2, 29), "ANNUALLY", at(2029, 2, 28), at(2030, 2, 28)),
        (at(2028, 2, 29), "ANNUALLY", at(2031, 3, 1), at(2032, 2, 29)),
        (at(2027, 6, 1), "ANNUALLY", at(2027, 6, 1), at(2028, 6, 1)),
        (at(2027, 6, 1), "ANNUALLY", at(2028, 5, 31), at(2028, 6, 1)),
    ],
)
def test_next_billing_boundary(anchor: datetime, billing_period: str, after: datetime, expected: datetime) -> None:
    assert next_billing_boundary(anchor=anchor, billing_period=billing_period, after=after) == expected


@pytest.mark.parametrize(
    ("anchor", "billing_period", "moment", "expected"),
    [
        (at(2027, 1, 31), "MONTHLY", at(2027, 1, 31), (at(2027, 1, 31), at(2027, 2, 28))),
        (at(2027, 1, 31), "MONTHLY", at(2027, 2, 27), (at(2027, 1, 31), at(2027, 2, 28))),
        (at(2027, 1, 31), "MONTHLY", at(2027, 2, 28), (at(2027, 2, 28), at(2027, 3, 31))),
        (at(2027, 1, 31), "MONTHLY", at(2027, 3, 30), (at(2027, 2, 28), at(2027, 3, 31))),
        (at(2028, 1, 31), "MONTHLY", at(2028, 3, 1), (at(2028, 2, 29), at(2028, 3, 31))),
        (at(2027, 1, 30), "MONTHLY", at(2027, 3, 1), (at(2027, 2, 28), at(2027, 3, 30))),
        (at(2027, 1, 29), "MONTHLY", at(2027, 12, 29), (at(2027, 12, 29), at(2028, 1, 29))),
        (at(2028, 2, 29), "ANNUALLY", at(2029, 1, 1), (at(2028, 2, 29), at(2029, 2, 28))),
        (at(2028, 2, 29), "ANNUALLY", at(2032, 2, 29), (at(2032, 2, 29), at(2033, 2, 28))),
    ],
)
def test_billing_period_range_contains_the_moment(
    anchor: datetime, billing_period: str, moment: datetime, expected: tuple[datetime, datetime]
) -> None:
    start, end = billing_period_range(anchor=anchor, billing_period=billing_period, at=moment)
    assert (start, end) == expected
    assert start <= moment < end


def test_billing_period_range_refuses_a_moment_before_the_anchor() -> None:
    with pytest.raises(ValueError, match="before the billing anchor"):
        billing_period_range(anchor=at(2027, 1, 31), billing_period="MONTHLY", at=at(2027, 1, 30))


def test_unknown_billing_period_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown billing period 'WEEKLY'"):
        next_billing_boundary(anchor=at(2027, 1, 1), billing_period="WEEKLY", after=at(2027, 1, 1))
    assert months_per_period("MONTHLY") == 1
    assert months_per_period("ANNUALLY") == 12


@pytest.mark.parametrize(
    ("start", "duration", "units", "expected"),
    [
        (at(2027, 2, 20), 14, "DAY", at(2027, 3, 6)),
        (at(2028, 2, 20), 14, "DAY", at(2028, 3, 5)),
        (at(2027, 1, 31), 1, "MONTH", at(2027, 2, 28)),
        (at(2028, 1, 31), 1, "MONTH", at(2028, 2, 29)),
        (at(2027, 1, 31), 2, "MONTH", at(2027, 3, 31)),
        (at(2027, 11, 30), 3, "MONTH", at(2028, 2, 29)),
    ],
)
def test_trial_end(start: datetime, duration: int, units: str, expected: datetime) -> None:
    assert trial_end(start=start, duration=duration, units=units) == expected


def test_trial_end_refuses_unknown_units() -> None:
    with pytest.raises(ValueError, match="unknown trial units 'WEEK'"):
        trial_end(start=at(2027, 1, 1), duration=1, units="WEEK")

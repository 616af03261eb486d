"""Usage windows of reset periods: pure functions of the period, its anchor and ``now`` (no clock)."""

from datetime import UTC, datetime

import pytest

from entitlements.usage_periods import usage_period


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("period", "anchor_kind", "anchor", "now", "expected"),
    [
        # Hours and days are fixed steps from the subscription's start.
        (
            "HOUR",
            None,
            at(2024, 1, 1, 10, 15),
            at(2024, 1, 1, 13, 14),
            (at(2024, 1, 1, 10, 15), at(2024, 1, 1, 12, 15), at(2024, 1, 1, 13, 15)),
        ),
        (
            "HOUR",
            None,
            at(2024, 1, 1, 10, 15),
            at(2024, 1, 1, 13, 15),
            (at(2024, 1, 1, 10, 15), at(2024, 1, 1, 13, 15), at(2024, 1, 1, 14, 15)),
        ),
        (
            "DAY",
            None,
            at(2024, 1, 1, 10, 30),
            at(2024, 1, 5, 9),
            (at(2024, 1, 1, 10, 30), at(2024, 1, 4, 10, 30), at(2024, 1, 5, 10, 30)),
        ),
        # Weeks: from the start, or from a weekday's midnight (UTC) on or before the start.
        (
            "WEEK",
            "SubscriptionStart",
            at(2024, 1, 3, 10),
            at(2024, 1, 11),
            (at(2024, 1, 3, 10), at(2024, 1, 10, 10), at(2024, 1, 17, 10)),
        ),
        (
            "WEEK",
            "EveryMonday",
            at(2024, 1, 3, 10),
            at(2024, 1, 14, 23),
            (at(2024, 1, 1), at(2024, 1, 8), at(2024, 1, 15)),
        ),
        (
            "WEEK",
            "EveryMonday",
            at(2024, 1, 3, 10),
            at(2024, 1, 15),
            (at(2024, 1, 1), at(2024, 1, 15), at(2024, 1, 22)),
        ),
        (
            "WEEK",
            "EverySunday",
            at(2024, 1, 7, 15),
            at(2024, 1, 7, 16),
            (at(2024, 1, 7), at(2024, 1, 7), at(2024, 1, 14)),
        ),
        (
            "WEEK",
            "EverySaturday",
            at(2024, 1, 7, 15),
            at(2024, 1, 20, 8),
            (at(2024, 1, 6), at(2024, 1, 20), at(2024, 1, 27)),
        ),
        # Months from the start: the anchor day, clamped to short months, never drifting.
        (
            "MONTH",
            "SubscriptionStart",
            at(2024, 1, 31, 10),
            at(2024, 2, 29, 9),
            (at(2024, 1, 31, 10), at(2024, 1, 31, 10), at(2024, 2, 29, 10)),
        ),
        (
            "MONTH",
            "SubscriptionStart",
            at(2024, 1, 31, 10),
            at(2024, 2, 29, 10),
            (at(2024, 1, 31, 10), at(2024, 2, 29, 10), at(2024, 3, 31, 10)),
        ),
        (
            "MONTH",
            "SubscriptionStart",
            at(2024, 1, 31, 10),
            at(2024, 4, 30, 11),
            (at(2024, 1, 31, 10), at(2024, 4, 30, 10), at(2024, 5, 31, 10)),
        ),
        (
            "MONTH",
            "SubscriptionStart",
            at(2023, 11, 30),
            at(2024, 1, 5),
            (at(2023, 11, 30), at(2023, 12, 30), at(2024, 1, 30)),
        ),
        (
            "MONTH",
            None,
            at(2024, 1, 15, 8),
            at(2024, 3, 20),
            (at(2024, 1, 15, 8), at(2024, 3, 15, 8), at(2024, 4, 15, 8)),
        ),
        # Months of the calendar.
        (
            "MONTH",
            "StartOfTheMonth",
            at(2024, 1, 15, 10, 30),
            at(2024, 3, 5),
            (at(2024, 1, 1), at(2024, 3, 1), at(2024, 4, 1)),
        ),
        (
            "MONTH",
            "StartOfTheMonth",
            at(2024, 1, 15, 10, 30),
            at(2024, 12, 31, 23, 59),
            (at(2024, 1, 1), at(2024, 12, 1), at(2025, 1, 1)),
        ),
        # Years from the start; a leap day falls back to Feb 28 and comes back in leap years.
        (
            "YEAR",
            "SubscriptionStart",
            at(2024, 2, 29),
            at(2025, 3, 1),
            (at(2024, 2, 29), at(2025, 2, 28), at(2026, 2, 28)),
        ),
        (
            "YEAR",
            "SubscriptionStart",
            at(2024, 2, 29),
            at(2028, 2, 29),
            (at(2024, 2, 29), at(2028, 2, 29), at(2029, 2, 28)),
        ),
    ],
)
def test_usage_window(
    period: str, anchor_kind: str | None, anchor: datetime, now: datetime, expected: tuple[datetime, ...]
) -> None:
    window = usage_period(reset_period=period, reset_anchor=anchor_kind, anchor=anchor, now=now)

    assert window is not None
    assert (window.anchor, window.start, window.end) == expected
    assert window.start <= now < window.end


def test_no_reset_period_means_no_window() -> None:
    assert usage_period(reset_period=None, reset_anchor=None, anchor=at(2024, 1, 1), now=at(2024, 2, 1)) is None


@pytest.mark.parametrize(
    ("period", "anchor_kind", "anchor", "reset_at", "now", "expected"),
    [
        # The window containing the reset starts at the reset, and ends as usual.
        (
            "MONTH",
            "StartOfTheMonth",
            at(2024, 1, 15),
            at(2024, 3, 10, 12),
            at(2024, 3, 20),
            (at(2024, 1, 1), at(2024, 3, 10, 12), at(2024, 4, 1)),
        ),
        # The reset moment itself is in the new window.
        (
            "MONTH",
            "StartOfTheMonth",
            at(2024, 1, 15),
            at(2024, 3, 10, 12),
            at(2024, 3, 10, 12),
            (at(2024, 1, 1), at(2024, 3, 10, 12), at(2024, 4, 1)),
        ),
        # Before the reset: the usual window (usage reported with an earlier time counts where it did).
        (
            "MONTH",
            "StartOfTheMonth",
            at(2024, 1, 15),
            at(2024, 3, 10, 12),
            at(2024, 3, 10, 11, 59),
            (at(2024, 1, 1), at(2024, 3, 1), at(2024, 4, 1)),
        ),
        # Later windows are the usual ones.
        (
            "MONTH",
            "StartOfTheMonth",
            at(2024, 1, 15),
            at(2024, 3, 10, 12),
            at(2024, 4, 1),
            (at(2024, 1, 1), at(2024, 4, 1), at(2024, 5, 1)),
        ),
        (
            "WEEK",
            "EveryMonday",
            at(2024, 1, 3, 10),
            at(2024, 1, 10, 8),
            at(2024, 1, 14, 23),
            (at(2024, 1, 1), at(2024, 1, 10, 8), at(2024, 1, 15)),
        ),
        (
            "DAY",
            None,
            at(2024, 1, 1, 10, 30),
            at(2024, 1, 4, 18),
            at(2024, 1, 5, 9),
            (at(2024, 1, 1, 10, 30), at(2024, 1, 4, 18), at(2024, 1, 5, 10, 30)),
        ),
        # A reset at a window's start, or before the anchor, changes nothing.
        (
            "MONTH",
            "SubscriptionStart",
            at(2024, 1, 31, 10),
            at(2024, 2, 29, 10),
            at(2024, 3, 1),
            (at(2024, 1, 31, 10), at(2024, 2, 29, 10), at(2024, 3, 31, 10)),
        ),
        (
            "YEAR",
            "SubscriptionStart",
            at(2024, 2, 29),
            at(2024, 1, 1),
            at(2024, 6, 1),
            (at(2024, 2, 29), at(2024, 2, 29), at(2025, 2, 28)),
        ),
    ],
)
def test_usage_window_after_a_reset(
    period: str,
    anchor_kind: str | None,
    anchor: datetime,
    reset_at: datetime,
    now: datetime,
    expected: tuple[datetime, ...],
) -> None:
    window = usage_period(reset_period=period, reset_anchor=anchor_kind, anchor=anchor, now=now, reset_at=reset_at)

    assert window is not None
    assert (window.anchor, window.start, window.end) == expected
    assert window.start <= now < window.end


def test_a_reset_gives_no_window_to_usage_that_never_resets() -> None:
    assert (
        usage_period(
            reset_period=None, reset_anchor=None, anchor=at(2024, 1, 1), now=at(2024, 2, 1), reset_at=at(2024, 1, 20)
        )
        is None
    )

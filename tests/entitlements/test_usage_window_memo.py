"""The remembered window of a rule is always the window ``usage_window`` computes, whatever order times come in,
across window ends, short months and a usage reset inside a window."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.enums import MonthlyAnchor, ResetPeriod, WeeklyAnchor
from entitlements import usage_window_memo
from entitlements.evaluation import NEVER_RESETS, WindowRule, usage_window
from entitlements.usage_periods import UsagePeriod
from entitlements.usage_window_memo import window_at, window_holds

BASE = datetime(2024, 1, 31, 10, 30, tzinfo=UTC)
ANCHORS = {
    ResetPeriod.HOUR: [None],
    ResetPeriod.DAY: [None],
    ResetPeriod.WEEK: [None, WeeklyAnchor.EVERY_MONDAY, WeeklyAnchor.EVERY_SUNDAY],
    ResetPeriod.MONTH: [MonthlyAnchor.SUBSCRIPTION_START, MonthlyAnchor.START_OF_THE_MONTH],
    ResetPeriod.YEAR: [None],
}
MOMENT = st.integers(min_value=0, max_value=800 * 24 * 60).map(lambda minutes: BASE + timedelta(minutes=minutes))


@st.composite
def rules(draw: st.DrawFn) -> WindowRule:
    period = draw(st.sampled_from(sorted(ANCHORS)))
    anchor = draw(st.sampled_from(ANCHORS[period]))
    reset_at = draw(st.one_of(st.none(), MOMENT))
    return WindowRule(period, anchor, BASE, reset_at)


@pytest.fixture(autouse=True)
def forget() -> None:
    usage_window_memo._windows.clear()


@settings(max_examples=300, deadline=None)
@given(st.lists(rules(), min_size=1, max_size=3), st.lists(st.tuples(st.integers(0, 2), MOMENT), max_size=40))
def test_remembered_windows_are_the_computed_ones(rules: list[WindowRule], asks: list[tuple[int, datetime]]) -> None:
    usage_window_memo._windows.clear()
    for index, at in asks:
        rule = rules[index % len(rules)]
        assert window_at(rule, at) == usage_window(rule, now=at)


def test_a_window_cut_by_a_usage_reset_is_not_reused_past_the_reset() -> None:
    reset_at = datetime(2024, 2, 10, tzinfo=UTC)
    rule = WindowRule(ResetPeriod.MONTH, MonthlyAnchor.START_OF_THE_MONTH, BASE, reset_at)

    before = window_at(rule, reset_at - timedelta(days=1))
    after = window_at(rule, reset_at + timedelta(days=1))

    assert before == UsagePeriod(
        datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC)
    )
    assert after == UsagePeriod(datetime(2024, 1, 1, tzinfo=UTC), reset_at, datetime(2024, 3, 1, tzinfo=UTC))
    assert not window_holds(rule, before, reset_at)
    assert window_at(rule, reset_at - timedelta(seconds=1)) == before


def test_usage_that_never_resets_has_no_window() -> None:
    assert window_at(NEVER_RESETS, BASE) is None

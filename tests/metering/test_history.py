"""Usage history replays events through the meter exactly as aggregation counts them: its last point is the usage
a check shows, for every aggregation function, with and without a unit transformation."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from metering.aggregation import events_aggregate_pending
from metering.events import EventInput, events_report
from metering.history import usage_history
from metering.models import UsageCounter
from tests.metering.meter_builders import event_name_is, meter, metered_catalog, metered_feature
from tests.subscriptions import usage_reset_scenarios as usage_reset

SUBSCRIBED = datetime(2024, 6, 1, 9, tzinfo=UTC)
NOW = datetime(2024, 6, 20, 12, tzinfo=UTC)
VALUES = [7, 3, 3, 12.5, "9", None, 1000]


@pytest.fixture
def catalog(db: None) -> None:
    metered_catalog(subscribed_at=SUBSCRIBED)


@pytest.mark.parametrize("function", ["COUNT", "SUM", "MIN", "MAX", "AVG", "UNIQUE"])
@pytest.mark.parametrize("transformation", [None, {"divide": 4, "round": "UP"}, {"divide": 4, "round": "DOWN"}])
def test_the_last_point_is_the_counted_usage(
    catalog: None, function: str, transformation: dict[str, Any] | None
) -> None:
    metered_feature(
        "measured",
        meter(function, "amount", event_name_is("measure")),
        meter_type="FLUCTUATING",
        unit_transformation=transformation,
    )
    items = [
        EventInput(
            "customer-1",
            "measure",
            f"key-{index}",
            dimensions={} if value is None else {"amount": value},
            timestamp=NOW - timedelta(days=3, hours=index),
        )
        for index, value in enumerate(VALUES)
    ]
    for batch in (items[:3], items[3:]):
        events_report(items=batch, now=NOW)
        events_aggregate_pending(now=NOW)

    history = usage_history(
        customer_ref_id="customer-1", feature_ref_id="measured", start=NOW - timedelta(days=5), end=NOW, now=NOW
    )

    (series,) = history.series
    assert series.points[-1].value == UsageCounter.objects.get(feature__ref_id="measured").value
    assert series.points[0].value == 0
    assert history.markers == ()


@pytest.mark.parametrize("change", ["upgrade now", "billing period update now"])
@pytest.mark.parametrize(("behavior", "resets"), [("ALWAYS_RESET", True), ("NEVER_RESET", False)])
def test_a_plan_change_that_resets_usage_is_marked(
    db: None,
    change: str,
    behavior: str,
    resets: bool,
    tick: usage_reset.Tick,
) -> None:
    """api-calls counts in calendar months: only the plan change (``Subscription.usage_reset_at``) starts a window
    mid-month, and the history shows it as a SUBSCRIPTION_CHANGE_RESET (7 reported before it, 2 after)."""
    usage_reset.catalog(behavior)
    scenario = usage_reset.CHANGES[change](tick)
    usage_reset.report(scenario.checked_at - timedelta(hours=1), **{"api-calls": 2})

    history = usage_history(
        customer_ref_id="customer-1",
        feature_ref_id="api-calls",
        start=usage_reset.START,
        end=scenario.checked_at,
        now=scenario.checked_at,
    )

    changed_on = scenario.changed_at.replace(hour=0)
    (series,) = history.series
    points = {point.timestamp: (point.value, point.is_reset_point) for point in series.points}
    if resets:
        assert history.markers == ((scenario.changed_at, "SUBSCRIPTION_CHANGE_RESET"),)
        assert points[changed_on - timedelta(days=1)] == (7, False)
        assert points[changed_on] == (0, True)
        assert series.points[-1].value == 2
    else:
        assert history.markers == ()
        assert points[changed_on] == (7, False)
        assert series.points[-1].value == 9

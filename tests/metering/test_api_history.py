"""U2 usage history through the official Stigg client against the live server: points per bucket with the usage
at its end, reset points and markers, groupBy series, errors."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import stigg
from rest_framework.test import APIClient

from metering.aggregation import events_aggregate_pending
from metering.events import EventInput, events_report
from metering.services import UsageReport, usage_report
from tests.entitlements.builders import provision
from tests.metering.meter_builders import metered_catalog

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SUBSCRIBED = datetime(2024, 6, 1, 9, tzinfo=UTC)
JULY = datetime(2024, 7, 1, 9, tzinfo=UTC)
counter = iter(range(10**9))


@pytest.fixture
def catalog(db: None) -> None:
    """customer-1 on plan-basic since 2024-06-01 09:00: api-calls count ``api-call`` events, reset monthly then."""
    metered_catalog(subscribed_at=SUBSCRIBED)


def events(*moments: datetime, **dimensions: Any) -> None:
    items = [
        EventInput("customer-1", "api-call", f"key-{next(counter)}", dimensions=dimensions, timestamp=moment)
        for moment in moments
    ]
    events_report(items=items, now=datetime(2024, 7, 3, tzinfo=UTC))
    events_aggregate_pending(now=datetime(2024, 7, 3, tzinfo=UTC))


def points(series: Any) -> list[tuple[datetime, float, bool]]:
    return [(point.timestamp, point.value, point.is_reset_point) for point in series.points]


def day(number: int, month: int = 6) -> datetime:
    return datetime(2024, month, number, tzinfo=UTC)


def test_daily_points_show_the_usage_of_their_window_with_the_reset_marked(
    stigg_client: stigg.Stigg, catalog: None
) -> None:
    events(day(20) + timedelta(hours=10), day(20) + timedelta(hours=11), day(30) + timedelta(hours=12))
    events(JULY + timedelta(hours=1))
    events(day(29, month=5))  # before the range's first window: not part of its usage
    usage_report(
        items=[UsageReport("customer-1", "api-calls", 5, created_at=day(2, month=7))],
        now=day(2, month=7) + timedelta(hours=1),
    )

    history = stigg_client.v1.usage.history(
        "api-calls", customer_id="customer-1", start_date=day(29), end_date=day(3, month=7)
    ).data

    assert [(marker.timestamp, marker.type) for marker in history.markers] == [(JULY, "PERIODIC_RESET")]
    (series,) = history.series
    assert series.tags == []
    assert points(series) == [
        (day(29), 2, False),
        (day(30), 3, False),
        (day(1, month=7), 1, True),
        (day(2, month=7), 6, False),
    ]


def test_hourly_points_mark_the_subscription_start(stigg_client: stigg.Stigg, catalog: None) -> None:
    events(SUBSCRIBED + timedelta(minutes=5), SUBSCRIBED + timedelta(hours=1, minutes=5))

    history = stigg_client.v1.usage.history(
        "api-calls",
        customer_id="customer-1",
        start_date=SUBSCRIBED - timedelta(hours=2),
        end_date=SUBSCRIBED + timedelta(hours=2, minutes=30),
    ).data

    assert [(marker.timestamp, marker.type) for marker in history.markers] == [
        (SUBSCRIBED, "SUBSCRIPTION_CHANGE_RESET")
    ]
    (series,) = history.series
    assert points(series) == [
        (SUBSCRIBED - timedelta(hours=2), 0, False),
        (SUBSCRIBED - timedelta(hours=1), 0, False),
        (SUBSCRIBED, 1, True),
        (SUBSCRIBED + timedelta(hours=1), 2, False),
        (SUBSCRIBED + timedelta(hours=2), 2, False),
    ]


def test_group_by_a_dimension_gives_a_series_per_value(stigg_client: stigg.Stigg, catalog: None) -> None:
    events(day(20), day(21), region="eu")
    events(day(21), region="us")
    events(day(21))

    history = stigg_client.v1.usage.history(
        "api-calls", customer_id="customer-1", start_date=day(20), end_date=day(23), group_by="region"
    ).data

    assert [[(tag.key, tag.value) for tag in series.tags] for series in history.series] == [
        [("region", "")],
        [("region", "eu")],
        [("region", "us")],
    ]
    assert [[point.value for point in series.points] for series in history.series] == [[0, 1, 1], [1, 2, 2], [0, 1, 1]]


def test_usage_that_never_resets_accumulates_without_markers(stigg_client: stigg.Stigg, catalog: None) -> None:
    for moment, value in [(day(10), 4), (day(11), 3), (day(11) + timedelta(hours=5), -2)]:
        usage_report(items=[UsageReport("customer-1", "storage", value, created_at=moment)], now=moment)

    history = stigg_client.v1.usage.history(
        "storage", customer_id="customer-1", start_date=day(11), end_date=day(14)
    ).data

    assert history.markers == []
    (series,) = history.series
    assert points(series) == [(day(11), 5, False), (day(12), 5, False), (day(13), 5, False)]


def test_resource_usage_has_its_own_history(stigg_client: stigg.Stigg, catalog: None) -> None:
    provision("plan-site", now=SUBSCRIBED, resource_ref_id="site-1")
    usage_report(
        items=[UsageReport("customer-1", "storage", 7, resource_ref_id="site-1", created_at=day(10))], now=day(10)
    )

    site = stigg_client.v1.usage.history(
        "storage", customer_id="customer-1", resource_id="site-1", start_date=day(10), end_date=day(13)
    ).data
    customer_level = stigg_client.v1.usage.history(
        "storage", customer_id="customer-1", start_date=day(10), end_date=day(13)
    ).data

    assert [point.value for point in site.series[0].points] == [7, 7, 7]
    assert [point.value for point in customer_level.series[0].points] == [0, 0, 0]


@pytest.mark.parametrize(
    ("customer_id", "feature_id", "query", "status", "field"),
    [
        ("nobody", "api-calls", {}, 404, "customerId"),
        ("customer-1", "no-such-feature", {}, 404, "featureId"),
        ("customer-1", "seats", {}, 400, "featureId"),
        ("customer-1", "api-calls", {"resource_id": "no-such-site"}, 404, "resourceId"),
        ("customer-1", "api-calls", {"end_date": day(1)}, 400, "endDate"),
        ("customer-1", "api-calls", {"end_date": day(1, month=1) + timedelta(days=3000)}, 400, "endDate"),
        ("customer-1", "api-calls", {"start_date": "last week"}, 400, "startDate"),
    ],
)
def test_bad_requests_are_refused(
    stigg_client: stigg.Stigg,
    catalog: None,
    customer_id: str,
    feature_id: str,
    query: dict[str, Any],
    status: int,
    field: str,
) -> None:
    arguments = {"start_date": day(2), **query}

    with pytest.raises(stigg.APIStatusError) as raised:
        stigg_client.v1.usage.history(feature_id, customer_id=customer_id, **arguments)

    assert raised.value.status_code == status
    assert raised.value.body["error"]["details"]["field"] == field  # type: ignore[index]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("9999-12-31T22:00:00Z", "9999-12-31T23:59:59Z", "startDate"),
        ("9997-12-30T00:00:00Z", "9998-01-02T00:00:00Z", "endDate"),
        ("0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z", "startDate"),
    ],
)
def test_a_range_beyond_what_windows_can_be_computed_for_is_refused(
    api_client: APIClient, catalog: None, start: str, end: str | None, field: str
) -> None:
    query = {"startDate": start, **({"endDate": end} if end else {})}

    response = api_client.get("/api/v1/usage/customer-1/history/api-calls", query)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["details"]["field"] == field


def test_start_date_is_required(stigg_client: stigg.Stigg, catalog: None) -> None:
    with pytest.raises(stigg.BadRequestError) as raised:
        stigg_client.get("/api/v1/usage/customer-1/history/api-calls", cast_to=object)

    assert raised.value.body["error"]["message"] == "startDate: is required"  # type: ignore[index]


def test_the_answer_has_the_contract_shape(api_client: APIClient, catalog: None) -> None:
    events(JULY - timedelta(hours=1))

    response = api_client.get(
        "/api/v1/usage/customer-1/history/api-calls?startDate=2024-06-30T00:00:00Z&endDate=2024-07-02T00:00:00Z"
        "&groupBy=region"
    )

    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert body["data"]["markers"] == [{"timestamp": "2024-07-01T09:00:00.000Z", "type": "PERIODIC_RESET"}]
    (series,) = body["data"]["series"]
    assert series["tags"] == [{"key": "region", "value": ""}]
    assert len(series["points"]) == 48
    assert series["points"][32] == {"timestamp": "2024-07-01T08:00:00.000Z", "value": 1, "isResetPoint": False}
    assert series["points"][33] == {"timestamp": "2024-07-01T09:00:00.000Z", "value": 0, "isResetPoint": True}

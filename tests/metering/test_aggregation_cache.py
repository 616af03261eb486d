"""Aggregated events and the decision cache: an event counted by aggregation shows in the next check, although the
check before it was answered from the cache.

The cache is turned on here whatever the environment (local memory, or Redis with ``REDIS_URL``), as in
``tests/entitlements/test_cache.py``; the first assertions show the answer is cached (a counter moved behind the
services' back is not seen), so the last one cannot pass for lack of a cache.
"""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from config import decision_cache as cache
from metering.aggregation import events_aggregate_pending
from metering.events import EventInput, events_report
from metering.models import UsageCounter
from tests.metering.meter_builders import metered_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def decision_cache(settings: Any) -> Iterator[None]:
    settings.ENTITLEMENT_DECISION_CACHE = True
    cache.invalidate_all()
    yield


def current_usage(client: APIClient) -> Any:
    response = client.get("/api/v1/customers/customer-1/entitlements/check", {"featureId": "api-calls"})
    assert response.status_code == 200, response.content
    return response.json()["data"]["currentUsage"]


def test_an_aggregated_event_shows_in_the_next_check(api_client: APIClient) -> None:
    metered_catalog(subscribed_at=timezone.now() - timedelta(days=3))
    now = timezone.now()
    events_report(items=[EventInput("customer-1", "api-call", "first")], now=now)
    events_aggregate_pending(now=now)
    assert current_usage(api_client) == 1
    UsageCounter.objects.filter(feature__ref_id="api-calls").update(value=100)
    assert current_usage(api_client) == 1  # cached

    events_report(
        items=[EventInput("customer-1", "api-call", "second"), EventInput("customer-1", "api-call", "third")],
        now=now,
    )
    events_aggregate_pending(now=now)

    assert current_usage(api_client) == 102


def test_events_no_meter_counts_keep_the_cached_answer(api_client: APIClient) -> None:
    metered_catalog(subscribed_at=timezone.now() - timedelta(days=3))
    assert current_usage(api_client) == 0
    token = cache._tokens("customer-1")

    now = timezone.now()
    events_report(items=[EventInput("customer-1", "page-view", "ignored")], now=now)
    events_aggregate_pending(now=now)

    assert cache._tokens("customer-1") == token

"""The usage-history console page and the customer page's links to it; raw events are shown read-only."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from metering.admin import usage_history_url
from metering.aggregation import events_aggregate_pending
from metering.events import EventInput, events_report
from metering.models import Event
from tests.metering.meter_builders import metered_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db: None) -> Client:
    """customer-1 with three ``api-call`` events, two of them in the EU."""
    metered_catalog(subscribed_at=timezone.now() - timedelta(days=3))
    now = timezone.now()
    events_report(
        items=[
            EventInput("customer-1", "api-call", "e-1", dimensions={"region": "eu"}, timestamp=now - timedelta(days=1)),
            EventInput("customer-1", "api-call", "e-2", dimensions={"region": "eu"}),
            EventInput("customer-1", "api-call", "e-3", dimensions={"region": "us"}),
        ],
        now=now,
    )
    events_aggregate_pending(now=now)
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "password"))
    return client


def test_the_customer_page_links_to_the_usage_history_of_each_counted_feature(operator: Client) -> None:
    customer_id = operator.get("/admin/customers/customer/?q=customer-1").context["cl"].result_list[0].pk

    page = operator.get(f"/admin/customers/customer/{customer_id}/change/")

    assert page.status_code == 200
    assert usage_history_url("customer-1", "api-calls").replace("&", "&amp;").encode() in page.content


def test_the_history_page_shows_the_points_and_the_total(operator: Client) -> None:
    page = operator.get(usage_history_url("customer-1", "api-calls") + "&days=3")

    assert page.status_code == 200
    (series,) = page.context["history"].series
    # Days aligned to midnight UTC: the one three days ago up to today; one event yesterday, two today.
    assert [point.value for point in series.points] == [0, 0, 1, 3]
    assert b"usage-history" in page.content


def test_the_history_page_groups_by_a_dimension(operator: Client) -> None:
    page = operator.get(usage_history_url("customer-1", "api-calls") + "&days=3&group_by=region")

    assert [(series.tags, series.points[-1].value) for series in page.context["history"].series] == [
        ((("region", "eu"),), 2),
        ((("region", "us"),), 1),
    ]


def test_the_history_page_shows_domain_errors(operator: Client) -> None:
    page = operator.get(usage_history_url("customer-1", "seats"))

    assert page.status_code == 200
    assert page.context["error"] == "featureId: feature seats is not metered; it has no usage"
    assert "history" not in page.context


def test_events_are_shown_read_only(operator: Client) -> None:
    event = Event.objects.get(idempotency_key="e-1")

    assert operator.get("/admin/metering/event/").status_code == 200
    assert operator.get(f"/admin/metering/event/{event.pk}/change/").status_code == 200
    assert operator.get("/admin/metering/event/add/").status_code == 403
    assert operator.post(f"/admin/metering/event/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Event.objects.count() == 3

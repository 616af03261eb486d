"""Raw events aggregated by a real Celery worker on a real Redis broker, as deployed: the E1 request only stores
them, the worker's task turns them into the usage checks read. The worker harness (a worker thread on a queue of the
test's own) is ``tests.support.celery_worker``; needs ``REDIS_URL``."""

from datetime import timedelta

import pytest
import stigg
from django.utils import timezone

from metering.models import Event, PendingEvent
from tests.metering.meter_builders import metered_catalog
from tests.support.celery_worker import drain, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_real_worker_makes_reported_events_visible_in_checks(
    worker_queue: str,
    stigg_client: stigg.Stigg,
) -> None:
    metered_catalog(subscribed_at=timezone.now() - timedelta(days=1))

    def current_usage() -> float:
        check = stigg_client.v1.customers.check_entitlement("customer-1", feature_id="api-calls").data
        return check.current_usage  # type: ignore[return-value]

    for batch in range(3):
        stigg_client.v1.events.report(
            events=[
                {"customer_id": "customer-1", "event_name": "api-call", "idempotency_key": f"{batch}-{number}"}
                for number in range(100)
            ]
        )
    wait_until(lambda: current_usage() == 300, "300 events counted")
    stigg_client.v1.events.report(
        events=[{"customer_id": "customer-1", "event_name": "api-call", "idempotency_key": "0-0"}]  # a duplicate
    )
    drain()

    assert current_usage() == 300
    assert Event.objects.count() == 300
    assert not PendingEvent.objects.exists()

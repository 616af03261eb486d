"""The renewal sweep on a real Celery worker and a real Redis broker, where the job's behaviour is the point.

Needs ``REDIS_URL``: skipped without it, unless ``CI`` is set, where its absence is a failure. The worker runs in a
thread of this process (``celery.contrib.testing.worker.start_worker``, solo pool: one task at a time, in queue
order), so it uses the test database; the data is committed (``transactional_db``). Every task goes to a queue of
this test's own (a unique name), so other runs sharing the Redis database neither take nor feed its tasks.
"""

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from subscriptions import tasks
from subscriptions.models import Invoice, Subscription
from tests.subscriptions.builders import catalog_for_subscriptions, customer, provision
from tests.support.celery_worker import drain, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

DUE = 120  # two chunks of ``tasks.CHUNK_SIZE``, the second one partial


def renewal_invoices() -> dict[int, int]:
    """How many renewal invoices each subscription has."""
    rows = Invoice.objects.filter(billing_reason="BILLING_CYCLE").values("subscription_id").annotate(count=Count("pk"))
    return {row["subscription_id"]: row["count"] for row in rows}


@pytest.fixture
def due_subscriptions() -> list[Subscription]:
    """Monthly subscriptions provisioned 40 days ago: one period is over, the next one ends in about 20 days."""
    catalog_for_subscriptions()
    started = timezone.now() - timedelta(days=40)
    subscriptions = []
    for number in range(DUE):
        customer(f"customer-{number}")
        subscriptions.append(
            provision("plan-basic", now=started, customer_ref_id=f"customer-{number}", billing_period="MONTHLY")
        )
    return subscriptions


def test_a_real_worker_renews_and_invoices_each_due_subscription_once_however_often_swept(
    due_subscriptions: list[Subscription], worker_queue: str
) -> None:
    first_periods = {row.pk: row.current_period_end for row in due_subscriptions}

    # Two sweeps queued back to back: the worker runs the second before any chunk of the first, so it finds every
    # subscription still due and queues every chunk a second time.
    tasks.sweep_renewals.delay()
    tasks.sweep_renewals.delay()
    wait_until(lambda: len(renewal_invoices()) == DUE, f"{DUE} subscriptions renewed")
    drain()

    assert renewal_invoices() == {subscription.pk: 1 for subscription in due_subscriptions}
    renewed = {row.pk: row for row in Subscription.objects.filter(pk__in=first_periods)}
    assert all(renewed[pk].current_period_start == first_periods[pk] for pk in first_periods)
    assert all(renewed[pk].current_period_end > timezone.now() for pk in first_periods)
    invoices = Invoice.objects.filter(billing_reason="BILLING_CYCLE")
    assert {(invoice.period_start, invoice.total) for invoice in invoices} == {
        (first_periods[invoice.subscription_id], 10) for invoice in invoices
    }

    # A third sweep, now that nothing is due: nothing more.
    tasks.sweep_renewals.delay()
    drain()
    assert renewal_invoices() == {subscription.pk: 1 for subscription in due_subscriptions}
    assert Invoice.objects.count() == 2 * DUE  # each one's creation invoice and its one renewal

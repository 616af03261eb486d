"""Celery tasks of metering; the sweepers are declared as periodic jobs in ``config.jobs``."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from metering import aggregation, events, services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def expire_usage_idempotency_keys() -> int:
    """Forget usage idempotency keys past their 7-day window; a conditional update in batches, so safe to rerun."""
    return services.usage_idempotency_keys_expire(now=timezone.now())


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def aggregate_events() -> int:
    """Turn pending raw events into usage. Enqueued after each stored batch and run periodically as the sweeper
    for anything missed; concurrent runs take disjoint events and each event counts once (a deadlock or lost
    connection rolls the batch back and the retry takes it again)."""
    return aggregation.events_aggregate_pending(now=timezone.now())


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def expire_event_idempotency_keys() -> int:
    """Forget event idempotency keys past their 7-day window; a conditional update in batches, so safe to rerun."""
    return events.event_idempotency_keys_expire(now=timezone.now())

"""Celery tasks of metering; the sweeper is declared as a periodic job in ``config.jobs``."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from metering import services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def expire_usage_idempotency_keys() -> int:
    """Forget usage idempotency keys past their 7-day window; a conditional update in batches, so safe to rerun."""
    return services.usage_idempotency_keys_expire(now=timezone.now())

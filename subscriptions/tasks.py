"""Celery tasks of the subscription lifecycle; declared as periodic jobs in ``config.jobs``.

Each kind of due work has a sweeper and a worker task. The sweeper selects the ids that are due, in keyset
batches, and fans them out in chunks of ``CHUNK_SIZE`` ids, enqueued when its transaction commits. The worker
task calls the per-item service for each id of its chunk; those services lock and re-check, so a chunk delivered
twice, or swept twice, does its work once. ``now`` is read here, at the edge.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from celery import Task, shared_task
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from config.errors import DomainError
from subscriptions import selectors
from subscriptions.services import lifecycle

logger = logging.getLogger(__name__)

CHUNK_SIZE = 100
SELECT_BATCH_SIZE = 1000
# Transient database failures (a deadlock victim, a dropped connection) are retried; anything else is a bug.
RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


def _fan_out(due: Callable[[datetime], Q], worker: Task) -> int:
    """Enqueue ``worker`` once per chunk of due ids, after commit. Returns how many ids were found."""
    now = timezone.now()
    found = 0
    after_pk = 0
    with transaction.atomic():
        while True:
            ids = selectors.subscription_ids_due(due(now), after_pk=after_pk, limit=SELECT_BATCH_SIZE)
            for start in range(0, len(ids), CHUNK_SIZE):
                chunk = ids[start : start + CHUNK_SIZE]
                transaction.on_commit(lambda chunk=chunk: worker.delay(chunk))
            found += len(ids)
            if len(ids) < SELECT_BATCH_SIZE:
                return found
            after_pk = ids[-1]


def _each(subscription_ids: list[int], service: Callable[..., object]) -> None:
    """Run ``service`` for each id, each in its own transaction. A business refusal of one item is logged and the
    rest still run; the item stays due and is tried again by the next sweep."""
    now = timezone.now()
    for subscription_id in subscription_ids:
        try:
            service(subscription_id=subscription_id, now=now)
        except DomainError:
            logger.exception("%s refused subscription %s", service.__name__, subscription_id)


@shared_task(**RETRY)
def start_subscriptions(subscription_ids: list[int]) -> None:
    _each(subscription_ids, lifecycle.subscription_start)


@shared_task(**RETRY)
def end_trials(subscription_ids: list[int]) -> None:
    _each(subscription_ids, lifecycle.subscription_end_trial)


@shared_task(**RETRY)
def end_scheduled_subscriptions(subscription_ids: list[int]) -> None:
    _each(subscription_ids, lifecycle.subscription_end_scheduled)


@shared_task(**RETRY)
def renew_subscriptions(subscription_ids: list[int]) -> None:
    _each(subscription_ids, lifecycle.subscription_renew)


@shared_task
def sweep_subscription_starts() -> int:
    return _fan_out(selectors.start_due, start_subscriptions)


@shared_task
def sweep_trial_ends() -> int:
    return _fan_out(selectors.trial_end_due, end_trials)


@shared_task
def sweep_scheduled_cancellations() -> int:
    return _fan_out(selectors.cancellation_due, end_scheduled_subscriptions)


@shared_task
def sweep_renewals() -> int:
    return _fan_out(selectors.renewal_due, renew_subscriptions)

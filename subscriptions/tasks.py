"""Celery tasks of the subscription lifecycle; declared as periodic jobs in ``config.jobs``.

Each kind of due work has a sweeper and a worker task. The sweeper selects the ids that are due, in keyset
batches, and fans them out in chunks of ``CHUNK_SIZE`` ids, enqueued when its transaction commits. The worker
task calls the per-item service for each id of its chunk (renewals: the chunk service, one transaction per
chunk); those services lock and re-check, so a chunk delivered twice, or swept twice, does its work once. ``now``
is read here, at the edge.

Plan migrations (publishing with ``ALL_CUSTOMERS``) drive themselves: a batch task fans out chunk tasks, the
chunk that completes a batch queues the next one; a sweeper resumes the jobs whose tasks were lost.
"""

import logging
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime
from functools import partial

from celery import Task, shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog.models import PackageVersion
from config.errors import DomainError
from config.task_retry import RETRY
from subscriptions import selectors
from subscriptions.services import lifecycle, plan_migrations, scheduled_updates

logger = logging.getLogger(__name__)

CHUNK_SIZE = 100
SELECT_BATCH_SIZE = 1000


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
                transaction.on_commit(partial(worker.delay, chunk))
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
    # The whole chunk in one transaction; it falls back to one transaction per subscription when one is refused.
    lifecycle.subscriptions_renew(subscription_ids=subscription_ids, now=timezone.now())


@shared_task(**RETRY)
def run_scheduled_updates(subscription_ids: list[int]) -> None:
    _each(subscription_ids, scheduled_updates.subscription_run_scheduled_updates)


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
def sweep_scheduled_updates() -> int:
    return _fan_out(selectors.scheduled_update_due, run_scheduled_updates)


@shared_task
def sweep_renewals() -> int:
    return _fan_out(selectors.renewal_due, renew_subscriptions)


# --- plan migrations (publishing with ALL_CUSTOMERS) ---------------------------------------------------------------


def start_plan_migration(version: PackageVersion, now: datetime) -> str:
    """The catalog's publish hook for ``ALL_CUSTOMERS`` (registered in ``SubscriptionsConfig.ready``): record the
    job inside the publish transaction and queue its first batch when that commits. Returns the job's id, the
    API's ``taskId``."""
    migration = plan_migrations.plan_migration_start(version=version, now=now)
    transaction.on_commit(lambda: run_plan_migration.delay(migration.pk))
    return str(migration.pk)


class _InlineDriver(threading.local):
    """Batches asked for while ``run_plan_migration`` is already running in this thread.

    Without a broker, Celery runs every ``delay`` inline: a batch's chunks run during its task, and the chunk that
    completes the batch asks for the next one, which would nest one call per batch (the recursion limit, at about
    20,000 subscribers). The outermost call takes those requests from this queue and runs them one after the other
    instead. With a broker the worker never nests, and the queue stays empty.
    """

    def __init__(self) -> None:
        self.running = False
        self.requests: deque[tuple[int, bool]] = deque()


_inline = _InlineDriver()


@shared_task(**RETRY)
def run_plan_migration(migration_id: int, resume: bool = False) -> None:
    """Take the job's next batch and fan its chunks out after commit (``resume``: only if the job stalled)."""
    _inline.requests.append((migration_id, resume))
    if _inline.running:
        return
    _inline.running = True
    try:
        while _inline.requests:
            _run_next_batch(*_inline.requests.popleft())
    finally:
        _inline.running = False
        _inline.requests.clear()


def _run_next_batch(migration_id: int, resume: bool) -> None:
    with transaction.atomic():
        batch = plan_migrations.plan_migration_next_batch(migration_id=migration_id, now=timezone.now(), resume=resume)
        if batch is None:
            return
        for index, chunk in enumerate(batch.chunks):
            transaction.on_commit(partial(migrate_plan_migration_chunk.delay, migration_id, batch.number, index, chunk))


@shared_task(**RETRY)
def migrate_plan_migration_chunk(migration_id: int, batch: int, index: int, subscription_ids: list[int]) -> None:
    """Move one chunk's subscriptions; the chunk that completes its batch queues the next batch."""
    completed = plan_migrations.plan_migration_run_chunk(
        migration_id=migration_id, batch=batch, index=index, subscription_ids=subscription_ids, now=timezone.now()
    )
    if completed:
        transaction.on_commit(lambda: run_plan_migration.delay(migration_id))


@shared_task
def sweep_stalled_plan_migrations() -> int:
    """Resume, from their cursor, the unfinished plan migrations whose tasks were lost (a crash)."""
    stalled = plan_migrations.plan_migration_ids_stalled(now=timezone.now())
    for migration_id in stalled:
        transaction.on_commit(partial(run_plan_migration.delay, migration_id, resume=True))
    return len(stalled)

"""Celery tasks of promotional entitlements; the sweeper is declared as a periodic job in ``config.jobs``.

The sweeper selects the ids of promotions whose end has come but are still marked ``Active``, in keyset batches,
and fans them out in chunks of ``CHUNK_SIZE`` ids, enqueued when its transaction commits. The worker task calls
the one service, which re-checks the condition in its ``UPDATE``: a chunk delivered or swept twice changes
nothing the second time. ``now`` is read here, at the edge.
"""

from functools import partial

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from config.task_retry import RETRY
from entitlements import selectors, services

CHUNK_SIZE = 100
SELECT_BATCH_SIZE = 1000


@shared_task(**RETRY)
def expire_promotional_entitlements(promotion_ids: list[int]) -> int:
    return services.promotional_entitlements_expire(promotion_ids=promotion_ids, now=timezone.now())


@shared_task
def sweep_promotion_expiries() -> int:
    """Enqueue ``expire_promotional_entitlements`` once per chunk of due ids, after commit; returns how many ids
    were found."""
    now = timezone.now()
    found = 0
    after_pk = 0
    with transaction.atomic():
        while True:
            ids = selectors.promotion_ids_due(selectors.expiry_due(now), after_pk=after_pk, limit=SELECT_BATCH_SIZE)
            for start in range(0, len(ids), CHUNK_SIZE):
                chunk = ids[start : start + CHUNK_SIZE]
                transaction.on_commit(partial(expire_promotional_entitlements.delay, chunk))
            found += len(ids)
            if len(ids) < SELECT_BATCH_SIZE:
                return found
            after_pk = ids[-1]

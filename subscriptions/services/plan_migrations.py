"""Plan migrations: moving every subscriber of older versions to a version published with ``ALL_CUSTOMERS``.

A ``PlanMigration`` is one job per package and target version. Two tasks (``subscriptions.tasks``) drive it over
the services below:

1. ``plan_migration_start`` records the job, inside the publish transaction (through the catalog's publish hook),
   with the number of subscriptions to move.
2. ``plan_migration_next_batch`` takes the next ``BATCH_SIZE`` subscriptions to move after the job's cursor, in
   primary-key order, and splits them into chunks of ``CHUNK_SIZE``; its task fans the chunks out after commit.
3. ``plan_migration_run_chunk`` moves each subscription of a chunk with ``subscription_migrate_to_latest`` (which
   prorates the price difference), each in its own transaction together with the job's counter (``F()``), then
   marks its chunk done. The chunk that completes its batch moves the cursor, and its task asks for the next batch.
4. When nothing is left after the cursor the job is ``DONE``.

Why it is exact and resumable: a subscription is moved only after its row is locked and re-checked to be still on
an older version, so a chunk delivered twice (or a batch dispatched again) moves nothing twice and counts nothing
twice; a failure is a ``PlanMigrationFailure`` row, unique per job and subscription, and is not retried by the job.
Chunk completion is a bit per chunk of the batch in flight (numbered by ``batch``), so a duplicate or stale
completion is ignored. Every moved item touches ``updated_at``; a job whose ``updated_at`` stopped moving for
``STALLED_AFTER`` (a crash lost its tasks) is resumed by the sweeper from its cursor (``resume=True``).

A job whose target is no longer the latest version (another version was published since) stops as ``FAILED``:
moving subscribers "to latest" would otherwise hand them a version published for new customers only.

Without a broker (tasks run eagerly, in development) the whole job runs inside the publishing request, each batch
one call deeper than the last: fine for development data, not for hundreds of thousands of subscriptions.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.db import transaction
from django.db.models import F, Q

from catalog.enums import PackageKind
from catalog.models import PackageVersion
from config.errors import DomainError
from subscriptions.enums import MigrationTime
from subscriptions.errors import SubscriptionNotMigrated
from subscriptions.models import CURRENT_STATUSES, PlanMigration, PlanMigrationFailure, Subscription
from subscriptions.services.migration import subscription_migrate_to_latest

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
CHUNK_SIZE = 100
# A running job that has not moved for this long lost its tasks (a crash): the sweeper resumes it.
STALLED_AFTER = timedelta(minutes=10)
# Chunk completion is one bit per chunk in ``batch_chunks_done``.
assert -(-BATCH_SIZE // CHUNK_SIZE) <= 30

Status = PlanMigration.Status
FINISHED = (Status.DONE, Status.FAILED)


class Outcome(StrEnum):
    MIGRATED = "migrated"
    FAILED = "failed"
    # No longer on an older version (moved already, by this job or by hand) or no longer current (ended).
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Batch:
    migration_id: int
    number: int
    chunks: list[list[int]]


def actor_of(migration: PlanMigration) -> str:
    return f"job:plan-migration-{migration.pk}"


def _older_version_ids(package_id: int, target: PackageVersion) -> list[int]:
    return list(
        PackageVersion.objects.filter(package_id=package_id, version_number__lt=target.version_number).values_list(
            "pk", flat=True
        )
    )


def to_migrate(migration: PlanMigration) -> Q:
    """The subscriptions the job moves: current (live or not yet started) ones on an older version of the package,
    as their plan or as one of their add-ons (a subscription has an add-on once: the join repeats no row)."""
    older = _older_version_ids(migration.package_id, migration.target_version)
    if migration.package.kind == PackageKind.PLAN:
        return Q(status__in=CURRENT_STATUSES, plan_version_id__in=older)
    return Q(status__in=CURRENT_STATUSES, addons__addon_version_id__in=older)


def _failed_ids(migration: PlanMigration) -> Q:
    return Q(pk__in=PlanMigrationFailure.objects.filter(migration=migration).values("subscription_id"))


def _lock(migration_id: int) -> PlanMigration:
    return (
        PlanMigration.objects.select_for_update(of=("self",))
        .select_related("package", "target_version")
        .get(pk=migration_id)
    )


@transaction.atomic
def plan_migration_start(*, version: PackageVersion, now: datetime) -> PlanMigration:
    """Record the job moving the package's subscribers on older versions to ``version`` (just published).

    Idempotent per package and version (a unique constraint; a second call returns the first job unchanged).
    ``total`` is the number of subscriptions to move now. The caller queues the job's first batch after commit.
    """
    migration, created = PlanMigration.objects.get_or_create(
        package_id=version.package_id,
        target_version=version,
        defaults={"status": Status.PENDING, "created_at": now, "updated_at": now},
    )
    if created:
        migration.total = Subscription.objects.filter(to_migrate(migration)).count()
        migration.save(update_fields=["total"])
    return migration


def _finish(migration: PlanMigration, *, status: str, now: datetime, error: str = "") -> None:
    migration.status = status
    migration.error = error
    migration.batch_end = None
    migration.finished_at = now
    migration.updated_at = now
    migration.save(update_fields=["status", "error", "batch_end", "finished_at", "updated_at"])


def _superseded(migration: PlanMigration) -> str:
    """Why the job must stop because its target is no longer the latest version, or ``""``."""
    latest = PackageVersion.objects.filter(package_id=migration.package_id, is_latest=True).first()
    if latest is not None and latest.pk == migration.target_version_id:
        return ""
    shown = f"v{latest.version_number}" if latest is not None else "no version"
    return f"superseded: {shown} is the latest version of {migration.package.ref_id} now"


@transaction.atomic
def plan_migration_next_batch(*, migration_id: int, now: datetime, resume: bool = False) -> Batch | None:
    """The job's next batch: up to ``BATCH_SIZE`` subscriptions to move after the cursor, in chunks.

    Locks the job row. Nothing (``None``) for a finished job, or while a batch is in flight (a duplicate request);
    with ``resume``, only for a job that stalled (``updated_at`` older than ``STALLED_AFTER``), whose batch in
    flight is then dispatched again from the cursor (what it had moved is no longer on an older version). Marks the
    job ``RUNNING``; ``DONE`` when nothing is left; ``FAILED`` when its target is no longer the latest version.
    """
    migration = _lock(migration_id)
    if migration.status in FINISHED:
        return None
    if resume:
        if migration.updated_at > now - STALLED_AFTER:
            return None
    elif migration.batch_end is not None:
        return None
    superseded = _superseded(migration)
    if superseded:
        _finish(migration, status=Status.FAILED, now=now, error=superseded)
        return None
    ids = list(
        Subscription.objects.filter(to_migrate(migration), pk__gt=migration.cursor)
        .exclude(_failed_ids(migration))
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH_SIZE]
    )
    if not ids:
        _finish(migration, status=Status.DONE, now=now)
        return None
    chunks = [ids[start : start + CHUNK_SIZE] for start in range(0, len(ids), CHUNK_SIZE)]
    migration.status = Status.RUNNING
    migration.batch += 1
    migration.batch_end = ids[-1]
    migration.batch_chunks = len(chunks)
    migration.batch_chunks_done = 0
    migration.updated_at = now
    migration.save(update_fields=["status", "batch", "batch_end", "batch_chunks", "batch_chunks_done", "updated_at"])
    return Batch(migration_id=migration.pk, number=migration.batch, chunks=chunks)


def _lock_if_to_migrate(condition: Q, subscription_id: int) -> bool:
    """Lock the subscription row (only it, as every update does), then check, in a statement that sees what was
    committed while it waited for the lock, that it is still to be moved. (Filtering the locking statement instead
    would re-check the joined add-on rows as they were before the wait.)"""
    if not Subscription.objects.select_for_update().filter(pk=subscription_id).exists():
        return False
    return Subscription.objects.filter(condition, pk=subscription_id).exists()


def _record_failure(migration: PlanMigration, subscription_id: int, error: DomainError, now: datetime) -> None:
    """One failure row per job and subscription; the counter moves only when the row is new."""
    with transaction.atomic():
        _, created = PlanMigrationFailure.objects.get_or_create(
            migration=migration,
            subscription_id=subscription_id,
            defaults={"code": error.code, "message": error.message[:500], "occurred_at": now},
        )
        if created:
            PlanMigration.objects.filter(pk=migration.pk).update(failed=F("failed") + 1, updated_at=now)


def _migrate_one(migration: PlanMigration, subscription_id: int, *, condition: Q, now: datetime) -> Outcome:
    """Move one subscription of the job (``condition``: ``to_migrate(migration)``) to the latest version, at once.

    In one transaction: lock the subscription, re-check that it is still on an older version (else ``SKIPPED``),
    call ``subscription_migrate_to_latest`` (its plan and add-ons move to their latest versions, the price
    difference prorated) and add one to ``migrated``. A refusal (``DomainError``) rolls that back and is recorded
    once as a ``PlanMigrationFailure`` (``FAILED``).
    """
    try:
        with transaction.atomic():
            if not _lock_if_to_migrate(condition, subscription_id):
                return Outcome.SKIPPED
            subscription_migrate_to_latest(
                subscription_id=subscription_id, now=now, when=MigrationTime.IMMEDIATE, actor=actor_of(migration)
            )
            if Subscription.objects.filter(condition, pk=subscription_id).exists():
                raise SubscriptionNotMigrated(f"subscription {subscription_id} is still on an older version")
            PlanMigration.objects.filter(pk=migration.pk).update(migrated=F("migrated") + 1, updated_at=now)
            return Outcome.MIGRATED
    except DomainError as error:
        logger.warning("plan migration %s: subscription %s not moved: %s", migration.pk, subscription_id, error)
        _record_failure(migration, subscription_id, error, now)
        return Outcome.FAILED


@transaction.atomic
def _complete_chunk(*, migration_id: int, batch: int, index: int, now: datetime) -> bool:
    migration = _lock(migration_id)
    bit = 1 << index
    if migration.status != Status.RUNNING or migration.batch != batch or migration.batch_chunks_done & bit:
        return False
    migration.batch_chunks_done |= bit
    completed = migration.batch_chunks_done == (1 << migration.batch_chunks) - 1
    if completed:
        assert migration.batch_end is not None
        migration.cursor = migration.batch_end
        migration.batch_end = None
    migration.updated_at = now
    migration.save(update_fields=["batch_chunks_done", "cursor", "batch_end", "updated_at"])
    return completed


def plan_migration_run_chunk(
    *, migration_id: int, batch: int, index: int, subscription_ids: list[int], now: datetime
) -> bool:
    """Move the subscriptions of chunk ``index`` of batch ``batch``, one transaction each, then mark the chunk done.

    A chunk of a batch that is no longer in flight (the job was resumed, or finished) does nothing. When the target
    is no longer the latest version, nothing is moved and the next batch stops the job. Returns ``True`` when this
    chunk completed its batch: the caller then asks for the next batch (``plan_migration_next_batch``).
    """
    migration = PlanMigration.objects.select_related("package", "target_version").get(pk=migration_id)
    if migration.status != Status.RUNNING or migration.batch != batch:
        return False
    if not _superseded(migration):
        condition = to_migrate(migration)
        for subscription_id in subscription_ids:
            _migrate_one(migration, subscription_id, condition=condition, now=now)
    return _complete_chunk(migration_id=migration_id, batch=batch, index=index, now=now)


def plan_migration_ids_stalled(*, now: datetime) -> list[int]:
    """Unfinished jobs that have not moved for ``STALLED_AFTER``, oldest first (the sweeper resumes them)."""
    return list(
        PlanMigration.objects.filter(status__in=[Status.PENDING, Status.RUNNING], updated_at__lte=now - STALLED_AFTER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )

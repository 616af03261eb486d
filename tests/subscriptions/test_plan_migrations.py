"""Plan migrations: publishing with ALL_CUSTOMERS moves every subscriber of older versions, as a batched job.

Tasks run eagerly; what they enqueue on commit runs inside ``django_capture_on_commit_callbacks(execute=True)``
(the test's transaction never commits). Small batches and chunks (``small_batches``) make several of each.
A "crash" is a set of on-commit callbacks that is captured and never run: the tasks it would have queued are lost.
"""

import inspect
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from catalog import enums
from catalog.models import Package
from catalog.services.packages import Publication, package_create_draft, package_publish_with_task, package_update
from config.errors import InvalidInput
from subscriptions import tasks
from subscriptions.enums import ScheduleStatus
from subscriptions.models import Invoice, PlanMigration, PlanMigrationFailure, Subscription, SubscriptionScheduledUpdate
from subscriptions.services import plan_migrations
from subscriptions.services.cancellation import subscription_cancel
from tests.subscriptions.builders import catalog_for_subscriptions, customer, flat_fee, price, provision, reload

pytestmark = pytest.mark.django_db

D = Decimal
PROVISIONED_AT = datetime(2027, 1, 1, tzinfo=UTC)
# 16 of January's 31 days are left: moving from 10 to 12 a month invoices 2 * 16 / 31 = 1.03.
PUBLISHED_AT = datetime(2027, 1, 16, tzinfo=UTC)
PRORATED = D("1.03")
CUSTOMERS = [f"customer-{number}" for number in range(1, 8)]
MIGRATIONS = "/admin/subscriptions/planmigration"
SUBSCRIPTIONS = "/admin/subscriptions/subscription"


@pytest.fixture(autouse=True)
def subscribers() -> list[Subscription]:
    """Seven live subscriptions to plan-basic v1, one cancelled one, and one to plan-pro (another plan)."""
    catalog_for_subscriptions()
    for ref_id in [*CUSTOMERS, "customer-cancelled", "customer-pro"]:
        customer(ref_id)
    live = [
        provision("plan-basic", now=PROVISIONED_AT, customer_ref_id=ref_id, billing_period="MONTHLY")
        for ref_id in CUSTOMERS
    ]
    cancelled = provision(
        "plan-basic", now=PROVISIONED_AT, customer_ref_id="customer-cancelled", billing_period="MONTHLY"
    )
    subscription_cancel(subscription=cancelled, now=PROVISIONED_AT, actor="test", cancellation_time="IMMEDIATE")
    provision("plan-pro", now=PROVISIONED_AT, customer_ref_id="customer-pro", billing_period="MONTHLY", unit_quantity=1)
    return live


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 4 in chunks of 2: seven subscriptions make batches [2, 2] and [2, 1]."""
    monkeypatch.setattr(plan_migrations, "BATCH_SIZE", 4)
    monkeypatch.setattr(plan_migrations, "CHUNK_SIZE", 2)


@pytest.fixture
def migrate_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """Counts the job's calls of the single-subscription migration, by subscription id (the real one runs)."""
    calls: Counter[int] = Counter()
    real = plan_migrations.subscription_migrate_to_latest

    def counting(*, subscription_id: int, **kwargs: Any) -> Subscription:
        calls[subscription_id] += 1
        return real(subscription_id=subscription_id, **kwargs)

    monkeypatch.setattr(plan_migrations, "subscription_migrate_to_latest", counting)
    return calls


def new_basic_version(*, monthly: str = "12", at: datetime = PUBLISHED_AT) -> Package:
    """A draft of plan-basic v2 at ``monthly`` usd a month (annual and German prices unchanged)."""
    plan = Package.objects.get(ref_id="plan-basic")
    package_create_draft(package=plan, now=at)
    charges = {
        "pricing_type": enums.PricingType.PAID,
        "pricing_models": [
            flat_fee(price("MONTHLY", monthly), price("ANNUALLY", "100"), price("MONTHLY", "9", "eur", country="DE"))
        ],
    }
    package_update(package=plan, changes={"charges": charges}, now=at)
    return plan


def publish(
    capture: Callable | None = None, *, migration_type: str = "ALL_CUSTOMERS", at: datetime = PUBLISHED_AT
) -> Publication:
    """Publish plan-basic's draft at ``at``. With ``capture`` (``django_capture_on_commit_callbacks``) the job runs
    to its end; without, what the publish queues on commit never runs: a crash right after the publish."""
    plan = Package.objects.get(ref_id="plan-basic")
    with time_machine.travel(at, tick=False), capture(execute=True) if capture else nullcontext():
        return package_publish_with_task(package=plan, migration_type=migration_type, now=at)


def tick(capture: Callable, at: datetime) -> None:
    with time_machine.travel(at, tick=False), capture(execute=True):
        call_command("tick", stdout=StringIO())


def versions(subscriptions: list[Subscription]) -> list[int]:
    return [reload(subscription).plan_version.version_number for subscription in subscriptions]


def update_invoices(subscription: Subscription) -> list[Decimal]:
    return list(
        Invoice.objects.filter(subscription=subscription, billing_reason="SUBSCRIPTION_UPDATE")
        .order_by("pk")
        .values_list("total", flat=True)
    )


def progress(migration: PlanMigration) -> tuple[str, int, int, int, int]:
    migration.refresh_from_db()
    return migration.status, migration.total, migration.migrated, migration.failed, migration.cursor


# --- publishing with ALL_CUSTOMERS ----------------------------------------------------------------------------------


def test_publishing_for_all_customers_migrates_every_subscription_on_older_versions(
    subscribers: list[Subscription],
    small_batches: None,
    migrate_calls: Counter[int],
    django_capture_on_commit_callbacks: Callable,
) -> None:
    new_basic_version()

    publication = publish(django_capture_on_commit_callbacks)

    migration = PlanMigration.objects.get()
    assert publication.task_id == str(migration.pk)
    assert (migration.package.ref_id, migration.target_version.version_number) == ("plan-basic", 2)
    assert progress(migration) == ("DONE", 7, 7, 0, subscribers[-1].pk)
    assert (migration.batch, migration.finished_at) == (2, PUBLISHED_AT)
    assert versions(subscribers) == [2] * 7
    assert [update_invoices(subscription) for subscription in subscribers] == [[PRORATED]] * 7
    assert migrate_calls == Counter({subscription.pk: 1 for subscription in subscribers})
    # Ended subscriptions and other plans stay where they are.
    assert Subscription.objects.get(customer__ref_id="customer-cancelled").plan_version.version_number == 1
    assert Subscription.objects.get(customer__ref_id="customer-pro").plan_version.version_number == 1


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_job_runs_its_batches_one_after_the_other_not_nested(
    subscribers: list[Subscription], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Committed for real, so each task's on-commit work runs inline (eager Celery, autocommit): the chunk that ends
    a batch asks for the next one from inside the task running the batch. The stack must not grow per batch."""
    monkeypatch.setattr(plan_migrations, "BATCH_SIZE", 1)
    monkeypatch.setattr(plan_migrations, "CHUNK_SIZE", 1)
    depths: list[int] = []
    real = plan_migrations.plan_migration_next_batch

    def measuring(**kwargs: Any) -> plan_migrations.Batch | None:
        depths.append(len(inspect.stack(context=0)))
        return real(**kwargs)

    monkeypatch.setattr(plan_migrations, "plan_migration_next_batch", measuring)
    new_basic_version()

    publish()

    assert progress(PlanMigration.objects.get()) == ("DONE", 7, 7, 0, subscribers[-1].pk)
    assert versions(subscribers) == [2] * 7
    assert len(depths) == 8  # seven batches of one, and the call that finds nothing left
    assert len(set(depths)) == 1


def test_publishing_for_new_customers_starts_no_job(
    subscribers: list[Subscription], django_capture_on_commit_callbacks: Callable
) -> None:
    new_basic_version()

    publication = publish(django_capture_on_commit_callbacks, migration_type="NEW_CUSTOMERS")

    assert publication.task_id is None
    assert not PlanMigration.objects.exists()
    assert versions(subscribers) == [1] * 7


def test_the_job_is_queued_only_when_the_publish_commits(
    django_capture_on_commit_callbacks: Callable, settings: Any
) -> None:
    settings.ENTITLEMENT_DECISION_CACHE = False  # count the job only, not the decision cache's invalidation
    new_basic_version()

    with django_capture_on_commit_callbacks() as callbacks:
        publish()

    migration = PlanMigration.objects.get()
    assert progress(migration) == ("PENDING", 7, 0, 0, 0)
    assert len(callbacks) == 1


def test_starting_twice_for_one_version_records_one_job(subscribers: list[Subscription]) -> None:
    new_basic_version()
    version = publish().version

    first = plan_migrations.plan_migration_start(version=version, now=PUBLISHED_AT)
    second = plan_migrations.plan_migration_start(version=version, now=PUBLISHED_AT + timedelta(hours=1))

    assert first.pk == second.pk
    assert PlanMigration.objects.count() == 1
    assert (second.total, second.created_at) == (7, PUBLISHED_AT)


def test_publishing_an_addon_for_all_customers_migrates_subscriptions_that_have_it(
    django_capture_on_commit_callbacks: Callable,
) -> None:
    customer("customer-storage")
    with_storage = provision(
        "plan-pro",
        now=PROVISIONED_AT,
        customer_ref_id="customer-storage",
        billing_period="MONTHLY",
        unit_quantity=1,
        addons=[("addon-storage", 2)],
    )
    addon = Package.objects.get(ref_id="addon-storage")
    package_create_draft(package=addon, now=PUBLISHED_AT)

    with time_machine.travel(PUBLISHED_AT, tick=False), django_capture_on_commit_callbacks(execute=True):
        publication = package_publish_with_task(package=addon, migration_type="ALL_CUSTOMERS", now=PUBLISHED_AT)

    migration = PlanMigration.objects.get(pk=publication.task_id)
    assert progress(migration)[:4] == ("DONE", 1, 1, 0)
    assert list(with_storage.addons.values_list("addon_version__version_number", flat=True)) == [2]
    assert Subscription.objects.get(customer__ref_id="customer-pro").addons.count() == 0


# --- batches, chunks and exact progress -----------------------------------------------------------------------------


def test_progress_is_exact_batch_by_batch_and_stale_chunks_do_nothing(
    subscribers: list[Subscription], small_batches: None
) -> None:
    new_basic_version()
    publish()
    migration = PlanMigration.objects.get()
    ids = [subscription.pk for subscription in subscribers]

    first = plan_migrations.plan_migration_next_batch(migration_id=migration.pk, now=PUBLISHED_AT)
    assert first == plan_migrations.Batch(migration_id=migration.pk, number=1, chunks=[ids[0:2], ids[2:4]])
    # Asked again while the batch is in flight (a duplicate delivery): nothing.
    assert plan_migrations.plan_migration_next_batch(migration_id=migration.pk, now=PUBLISHED_AT) is None
    assert progress(migration) == ("RUNNING", 7, 0, 0, 0)

    run_chunk = plan_migrations.plan_migration_run_chunk
    assert run_chunk(migration_id=migration.pk, batch=1, index=1, subscription_ids=ids[2:4], now=PUBLISHED_AT) is False
    assert progress(migration) == ("RUNNING", 7, 2, 0, 0)
    # The same chunk delivered twice completes once and moves nothing twice.
    assert run_chunk(migration_id=migration.pk, batch=1, index=1, subscription_ids=ids[2:4], now=PUBLISHED_AT) is False
    assert progress(migration) == ("RUNNING", 7, 2, 0, 0)
    assert run_chunk(migration_id=migration.pk, batch=1, index=0, subscription_ids=ids[0:2], now=PUBLISHED_AT) is True
    assert progress(migration) == ("RUNNING", 7, 4, 0, ids[3])

    second = plan_migrations.plan_migration_next_batch(migration_id=migration.pk, now=PUBLISHED_AT)
    assert second == plan_migrations.Batch(migration_id=migration.pk, number=2, chunks=[ids[4:6], ids[6:7]])
    # A late chunk of batch 1: stale, ignored.
    assert run_chunk(migration_id=migration.pk, batch=1, index=0, subscription_ids=ids[0:2], now=PUBLISHED_AT) is False
    assert run_chunk(migration_id=migration.pk, batch=2, index=0, subscription_ids=ids[4:6], now=PUBLISHED_AT) is False
    assert run_chunk(migration_id=migration.pk, batch=2, index=1, subscription_ids=ids[6:7], now=PUBLISHED_AT) is True
    assert progress(migration) == ("RUNNING", 7, 7, 0, ids[6])

    assert plan_migrations.plan_migration_next_batch(migration_id=migration.pk, now=PUBLISHED_AT) is None
    assert progress(migration) == ("DONE", 7, 7, 0, ids[6])
    assert versions(subscribers) == [2] * 7
    assert [update_invoices(subscription) for subscription in subscribers] == [[PRORATED]] * 7


# --- crashes, the sweeper and resuming ------------------------------------------------------------------------------


def test_a_crash_mid_batch_resumes_from_the_cursor_without_moving_anything_twice(
    subscribers: list[Subscription],
    small_batches: None,
    migrate_calls: Counter[int],
    django_capture_on_commit_callbacks: Callable,
) -> None:
    new_basic_version()
    publish()
    migration = PlanMigration.objects.get()
    ids = [subscription.pk for subscription in subscribers]
    # Batch 1 completes; batch 2 runs its first chunk; then the worker dies and batch 2's other chunk is lost.
    plan_migrations.plan_migration_next_batch(migration_id=migration.pk, now=PUBLISHED_AT)
    for index, chunk in enumerate([ids[0:2], ids[2:4]]):
        plan_migrations.plan_migration_run_chunk(
            migration_id=migration.pk, batch=1, index=index, subscription_ids=chunk, now=PUBLISHED_AT
        )
    plan_migrations.plan_migration_next_batch(migration_id=migration.pk, now=PUBLISHED_AT)
    plan_migrations.plan_migration_run_chunk(
        migration_id=migration.pk, batch=2, index=0, subscription_ids=ids[4:6], now=PUBLISHED_AT
    )
    assert progress(migration) == ("RUNNING", 7, 6, 0, ids[3])

    # Not stalled yet: the sweeper leaves it alone.
    tick(django_capture_on_commit_callbacks, PUBLISHED_AT + timedelta(minutes=9))
    assert progress(migration) == ("RUNNING", 7, 6, 0, ids[3])

    resumed_at = PUBLISHED_AT + timedelta(minutes=10)
    tick(django_capture_on_commit_callbacks, resumed_at)

    assert progress(migration) == ("DONE", 7, 7, 0, ids[6])
    assert (migration.batch, migration.finished_at) == (3, resumed_at)
    assert migrate_calls == Counter({pk: 1 for pk in ids})
    assert versions(subscribers) == [2] * 7
    assert [len(update_invoices(subscription)) for subscription in subscribers] == [1] * 7

    # The sweeper again, twice: nothing more.
    tick(django_capture_on_commit_callbacks, resumed_at + timedelta(hours=1))
    tick(django_capture_on_commit_callbacks, resumed_at + timedelta(hours=2))
    assert progress(migration) == ("DONE", 7, 7, 0, ids[6])
    assert migration.updated_at == resumed_at
    assert migrate_calls == Counter({pk: 1 for pk in ids})
    assert Invoice.objects.filter(billing_reason="SUBSCRIPTION_UPDATE").count() == 7


def test_a_job_whose_first_task_was_lost_is_resumed_by_the_sweeper(
    subscribers: list[Subscription], small_batches: None, django_capture_on_commit_callbacks: Callable
) -> None:
    new_basic_version()
    publish()
    migration = PlanMigration.objects.get()

    assert tasks.sweep_stalled_plan_migrations() == 0
    tick(django_capture_on_commit_callbacks, PUBLISHED_AT + timedelta(minutes=10))

    assert progress(migration) == ("DONE", 7, 7, 0, subscribers[-1].pk)
    assert versions(subscribers) == [2] * 7


# --- refusals and superseded versions -------------------------------------------------------------------------------


def test_a_refused_subscription_is_recorded_once_and_the_rest_move_on(
    subscribers: list[Subscription],
    small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    refused = subscribers[2]
    real = plan_migrations.subscription_migrate_to_latest

    def refusing(*, subscription_id: int, **kwargs: Any) -> Subscription:
        if subscription_id == refused.pk:
            raise InvalidInput("add-on no longer compatible", field="addons")
        return real(subscription_id=subscription_id, **kwargs)

    monkeypatch.setattr(plan_migrations, "subscription_migrate_to_latest", refusing)
    new_basic_version()

    publish(django_capture_on_commit_callbacks)

    migration = PlanMigration.objects.get()
    assert progress(migration) == ("DONE", 7, 6, 1, subscribers[-1].pk)
    failure = PlanMigrationFailure.objects.get()
    assert (failure.subscription_id, failure.code, failure.message, failure.occurred_at) == (
        refused.pk,
        "VALIDATION_ERROR",
        "addons: add-on no longer compatible",
        PUBLISHED_AT,
    )
    assert versions(subscribers) == [2, 2, 1, 2, 2, 2, 2]
    assert update_invoices(refused) == []

    # Resuming (it is not stalled, and finished) and sweeping do not retry it.
    tick(django_capture_on_commit_callbacks, PUBLISHED_AT + timedelta(hours=1))
    assert progress(migration) == ("DONE", 7, 6, 1, subscribers[-1].pk)
    assert PlanMigrationFailure.objects.count() == 1


def test_a_job_whose_version_is_no_longer_the_latest_stops_as_failed(
    subscribers: list[Subscription], django_capture_on_commit_callbacks: Callable, settings: Any
) -> None:
    settings.ENTITLEMENT_DECISION_CACHE = False  # count the job only, not the decision cache's invalidation
    new_basic_version()
    with django_capture_on_commit_callbacks() as lost_start:
        publish()
    new_basic_version(monthly="15", at=PUBLISHED_AT + timedelta(minutes=1))
    publish(django_capture_on_commit_callbacks, migration_type="NEW_CUSTOMERS", at=PUBLISHED_AT + timedelta(minutes=1))

    with time_machine.travel(PUBLISHED_AT + timedelta(minutes=2), tick=False):
        tasks.run_plan_migration(PlanMigration.objects.get().pk)

    migration = PlanMigration.objects.get()
    assert progress(migration) == ("FAILED", 7, 0, 0, 0)
    assert migration.error == "superseded: v3 is the latest version of plan-basic now"
    assert versions(subscribers) == [1] * 7
    assert len(lost_start) == 1


# --- the API and the admin ------------------------------------------------------------------------------------------


def test_the_publish_endpoint_answers_the_jobs_id(
    api_client: APIClient, subscribers: list[Subscription], django_capture_on_commit_callbacks: Callable
) -> None:
    new_basic_version()

    with time_machine.travel(PUBLISHED_AT, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/plans/plan-basic/publish", {"migrationType": "ALL_CUSTOMERS"}, format="json"
        )

    migration = PlanMigration.objects.get()
    assert (response.status_code, response.json()) == (200, {"data": {"taskId": str(migration.pk)}})
    assert progress(migration)[:4] == ("DONE", 7, 7, 0)
    assert versions(subscribers) == [2] * 7


@pytest.fixture
def finished_job(
    subscribers: list[Subscription], monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Callable
) -> PlanMigration:
    real = plan_migrations.subscription_migrate_to_latest

    def refusing_one(*, subscription_id: int, **kwargs: Any) -> Subscription:
        if subscription_id == subscribers[0].pk:
            raise InvalidInput("cannot be sold like this")
        return real(subscription_id=subscription_id, **kwargs)

    monkeypatch.setattr(plan_migrations, "subscription_migrate_to_latest", refusing_one)
    new_basic_version()
    publish(django_capture_on_commit_callbacks)
    return PlanMigration.objects.get()


def test_the_migrations_page_shows_progress_and_failures_read_only(
    admin_client: Client, finished_job: PlanMigration, subscribers: list[Subscription]
) -> None:
    listing = admin_client.get(f"{MIGRATIONS}/")
    assert listing.status_code == 200
    content = listing.content.decode()
    assert '<progress class="plan-migration-progress" value="100" max="100"></progress> 7 / 7 (100%)' in content
    assert "subscription-badge-done" in content

    page = admin_client.get(f"{MIGRATIONS}/{finished_job.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "cannot be sold like this" in content
    assert subscribers[0].ref_id in content
    assert admin_client.get(f"{MIGRATIONS}/add/").status_code == 403
    assert admin_client.post(f"{MIGRATIONS}/{finished_job.pk}/change/", {"status": "PENDING"}).status_code == 403
    assert admin_client.get(f"{MIGRATIONS}/{finished_job.pk}/delete/").status_code == 403
    assert progress(finished_job)[:4] == ("DONE", 7, 6, 1)


def test_a_running_job_shows_its_percentage(admin_client: Client, subscribers: list[Subscription]) -> None:
    new_basic_version()
    publish()
    PlanMigration.objects.update(status="RUNNING", migrated=3, failed=1)

    content = admin_client.get(f"{MIGRATIONS}/").content.decode()

    assert '<progress class="plan-migration-progress" value="57" max="100"></progress> 4 / 7 (57%)' in content
    assert "subscription-badge-running" in content


def test_the_migrate_to_latest_action_asks_when_then_migrates(
    admin_client: Client, subscribers: list[Subscription], django_capture_on_commit_callbacks: Callable
) -> None:
    now = datetime.now(tz=UTC)
    customer("customer-now")
    subscription = provision("plan-basic", now=now, customer_ref_id="customer-now", billing_period="MONTHLY")
    new_basic_version(at=now)
    publish(django_capture_on_commit_callbacks, migration_type="NEW_CUSTOMERS", at=now)
    selected = {"action": "migrate_to_latest", "_selected_action": [subscription.pk]}

    form_page = admin_client.post(f"{SUBSCRIPTIONS}/", selected)
    assert form_page.status_code == 200
    assert 'id="migrate_to_latest-form"' in form_page.content.decode()
    assert reload(subscription).plan_version.version_number == 1

    response = admin_client.post(f"{SUBSCRIPTIONS}/", {**selected, "apply": "1", "when": "IMMEDIATE"}, follow=True)

    subscription = reload(subscription)
    assert subscription.plan_version.version_number == 2
    assert [str(message) for message in response.context["messages"]] == [f"Migrated: {subscription.ref_id} (plan v2)."]
    # Already on the latest versions: nothing to do, and no error.
    admin_client.post(f"{SUBSCRIPTIONS}/", {**selected, "apply": "1", "when": "IMMEDIATE"})
    assert len(update_invoices(subscription)) == 1


def test_a_scheduled_migration_can_be_cancelled_from_the_admin(
    admin_client: Client, subscribers: list[Subscription], django_capture_on_commit_callbacks: Callable
) -> None:
    now = datetime.now(tz=UTC)
    customer("customer-now")
    subscription = provision("plan-basic", now=now, customer_ref_id="customer-now", billing_period="MONTHLY")
    new_basic_version(at=now)
    publish(django_capture_on_commit_callbacks, migration_type="NEW_CUSTOMERS", at=now)
    selected = {"_selected_action": [subscription.pk]}

    scheduling = admin_client.post(
        f"{SUBSCRIPTIONS}/",
        {**selected, "action": "migrate_to_latest", "apply": "1", "when": "END_OF_BILLING_PERIOD"},
        follow=True,
    )
    assert [str(message) for message in scheduling.context["messages"]] == [
        f"Migration scheduled for period end: {subscription.ref_id} (plan v1)."
    ]
    scheduled = SubscriptionScheduledUpdate.objects.get(subscription=subscription)
    assert (scheduled.status, scheduled.schedule_type) == (ScheduleStatus.SCHEDULED, "MIGRATE_TO_LATEST")
    assert reload(subscription).plan_version.version_number == 1

    response = admin_client.post(f"{SUBSCRIPTIONS}/", {**selected, "action": "cancel_scheduled_updates"}, follow=True)

    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.finished_by) == (ScheduleStatus.CANCELED, "admin:admin")
    assert [str(message) for message in response.context["messages"]] == [
        f"Scheduled updates cancelled: {subscription.ref_id} (1)."
    ]
    assert reload(subscription).plan_version.version_number == 1

"""Benchmark: one renewal sweep of N due subscriptions on PostgreSQL, with a real Celery worker on Redis.

Usage (from the project root; Redis must be running; without ``DATABASE_URL``, on the embedded PostgreSQL server)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/monetization \\
    REDIS_URL=redis://127.0.0.1:6379/9 \\
    .venv/bin/python bench/renewal_sweep.py [--count 100000] [--concurrency 2] [--database monetization_bench] [--keep]

What it does:

1. Creates a database of its own (``--database``, default ``monetization_bench``, on the server of
   ``DATABASE_URL``, else the embedded one; dropped first if it exists) and migrates it, so it never touches other data.
2. Creates a product with a 10 usd monthly plan and ``--count`` customers, each with an active monthly subscription
   whose period ended yesterday (``bulk_create`` in batches; setup is not timed).
3. Starts a real worker, ``celery -A config worker --concurrency N``, against that database and ``REDIS_URL``.
   The broker's default queue in ``REDIS_URL``'s Redis database is purged first: give the bench a Redis database
   of its own (``/9`` above).
4. Times the sweep: from queuing ``sweep_renewals`` (the sweeper selects the due ids and fans them out in chunks of
   ``subscriptions.tasks.CHUNK_SIZE``) until every subscription has its renewal invoice; prints the elapsed time
   and the rate, and checks that each subscription was renewed and invoiced exactly once.
5. Stops the worker and drops the database (``--keep`` keeps it for inspection).

The target is 100,000 renewals in at most 90 seconds on 2 cores; the measured figure is in README.md
("Benchmarks").
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TARGET_COUNT = 100_000
TARGET_SECONDS = 90
BULK_BATCH = 5000


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=TARGET_COUNT, help="due subscriptions to renew (default 100000)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--database", default="monetization_bench", help="database to create and use")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds")
    return parser.parse_args()


def server_url() -> str:
    """The PostgreSQL server to bench on: ``DATABASE_URL``'s, else the project's embedded server (started if it is
    not running), as for every other command."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.path.insert(0, str(PROJECT_ROOT))
        from config.embedded_postgres.server import server_ensure

        # The settings' EMBEDDED_POSTGRES_FOLDER (the settings are not loaded yet).
        return server_ensure(PROJECT_ROOT / ".pgdata").url("postgres")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must point at PostgreSQL (the bench creates its own database on that server)")
    return url


def bench_database_url(database: str) -> str:
    url = server_url()
    if not os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL is required: the bench runs a real worker on a Redis broker")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def maintenance_connection(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def recreate_database(url: str, database: str) -> None:
    with maintenance_connection(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{database}"')


def drop_database(url: str, database: str) -> None:
    with maintenance_connection(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key")
    sys.path.insert(0, str(PROJECT_ROOT))
    import django

    django.setup()


def create_due_subscriptions(count: int) -> None:
    """A published monthly plan and ``count`` customers with an active subscription whose period ended yesterday."""
    from django.db import transaction
    from django.utils import timezone

    from catalog import enums
    from catalog.models import PackageVersion
    from catalog.services.packages import package_create
    from catalog.services.products import product_create
    from customers.models import Customer
    from subscriptions import periods
    from subscriptions.enums import SubscriptionStatus
    from subscriptions.models import Subscription

    now = timezone.now()
    product = product_create(ref_id="bench-product", display_name="Bench", now=now)
    version: PackageVersion = package_create(
        kind=enums.PackageKind.PLAN,
        ref_id="bench-plan",
        product_ref_id=product.ref_id,
        display_name="Bench plan",
        charges={
            "pricing_type": enums.PricingType.PAID,
            "pricing_models": [
                {
                    "billing_model": enums.BillingModel.FLAT_FEE,
                    "price_periods": [
                        {
                            "billing_period": "MONTHLY",
                            "billing_country_code": None,
                            "price": {"amount": Decimal(10), "currency": "usd"},
                        }
                    ],
                }
            ],
        },
        status=enums.PackageStatus.PUBLISHED,
        now=now,
    )
    # Anchored 40 days ago: the first month ended about 10 days ago, the next one ends about 20 days from now, so
    # each subscription renews exactly one period.
    anchor = now - timedelta(days=40)
    period_end = periods.next_billing_boundary(anchor=anchor, billing_period="MONTHLY", after=anchor)
    assert period_end <= now < periods.next_billing_boundary(anchor=anchor, billing_period="MONTHLY", after=period_end)
    for start in range(0, count, BULK_BATCH):
        size = min(BULK_BATCH, count - start)
        with transaction.atomic():
            customers = Customer.objects.bulk_create(
                Customer(ref_id=f"bench-customer-{start + index}", created_at=now, updated_at=now)
                for index in range(size)
            )
            Subscription.objects.bulk_create(
                Subscription(
                    ref_id=f"bench-subscription-{start + index}",
                    customer=customer,
                    product=product,
                    plan_id=version.package_id,
                    plan_version=version,
                    status=SubscriptionStatus.ACTIVE,
                    billing_period="MONTHLY",
                    currency="usd",
                    start_date=anchor,
                    billing_cycle_anchor=anchor,
                    current_period_start=anchor,
                    current_period_end=period_end,
                    created_at=anchor,
                    updated_at=anchor,
                )
                for index, customer in enumerate(customers)
            )


def start_worker(url: str, concurrency: int, name: str) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "warning",
        "--hostname",
        name,
        "--without-gossip",
        "--without-mingle",
    ]
    # The banner (stdout) is noise here; warnings and errors (stderr) are not.
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=subprocess.DEVNULL)


def wait_until_ready(name: str, worker: subprocess.Popen[bytes], timeout: float = 60) -> None:
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            sys.exit(f"the worker exited with status {worker.returncode}")
        if app.control.ping(destination=[name], timeout=1):
            return
    sys.exit("the worker did not answer within a minute")


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def run_sweep(count: int, timeout: float, worker: subprocess.Popen[bytes]) -> float:
    """Queue the renewal sweeper and wait until every subscription has its renewal invoice. Returns the seconds."""
    from subscriptions.enums import InvoiceBillingReason
    from subscriptions.models import Invoice
    from subscriptions.tasks import sweep_renewals

    renewals = Invoice.objects.filter(billing_reason=InvoiceBillingReason.BILLING_CYCLE)
    started = time.perf_counter()
    sweep_renewals.delay()
    last_report = started
    while True:
        renewed = renewals.count()
        elapsed = time.perf_counter() - started
        if renewed >= count:
            return elapsed
        if elapsed > timeout:
            sys.exit(f"gave up after {elapsed:.0f} s with {renewed} of {count} renewed")
        if worker.poll() is not None:
            sys.exit(f"the worker exited with status {worker.returncode} after {renewed} of {count} renewed")
        if time.perf_counter() - last_report >= 10:
            print(f"  {elapsed:5.0f} s: {renewed} renewed", flush=True)
            last_report = time.perf_counter()
        time.sleep(0.25)


def check_exactly_once(count: int) -> None:
    from django.db.models import Count
    from django.utils import timezone

    from subscriptions.enums import InvoiceBillingReason
    from subscriptions.models import Invoice, Subscription
    from subscriptions.selectors import renewal_due

    per_subscription = (
        Invoice.objects.filter(billing_reason=InvoiceBillingReason.BILLING_CYCLE)
        .values("subscription_id")
        .annotate(invoices=Count("pk"))
    )
    invoiced_once = per_subscription.filter(invoices=1).count()
    invoiced_more = per_subscription.filter(invoices__gt=1).count()
    still_due = Subscription.objects.filter(renewal_due(timezone.now())).count()
    if (invoiced_once, invoiced_more, still_due) != (count, 0, 0):
        sys.exit(f"not exactly once: {invoiced_once} invoiced once, {invoiced_more} more than once, {still_due} due")


def main() -> None:
    arguments = parse_arguments()
    # Stopped with SIGTERM: still stop the worker and drop the database (the ``finally`` below).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(f"stopped by signal {signum}"))
    url = bench_database_url(arguments.database)
    print(f"database {arguments.database}: creating and migrating", flush=True)
    recreate_database(url, arguments.database)
    worker = None
    try:
        setup_django(url)
        from django.core.management import call_command
        from django.db import connections

        from config.celery import app

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        create_due_subscriptions(arguments.count)
        print(f"created {arguments.count} due subscriptions in {time.perf_counter() - started:.1f} s", flush=True)
        app.control.purge()
        name = f"bench-{os.getpid()}@localhost"
        worker = start_worker(url, arguments.concurrency, name)
        wait_until_ready(name, worker)
        print(f"worker ready (concurrency {arguments.concurrency}); sweeping", flush=True)
        elapsed = run_sweep(arguments.count, arguments.timeout, worker)
        check_exactly_once(arguments.count)
        rate = arguments.count / elapsed
        print(
            f"renewed {arguments.count} subscriptions in {elapsed:.1f} s: {rate:.0f} renewals/s, each invoiced "
            f"exactly once (worker concurrency {arguments.concurrency}, {os.cpu_count()} cores)",
            flush=True,
        )
        if arguments.count == TARGET_COUNT:
            verdict = "met" if elapsed <= TARGET_SECONDS else "missed"
            print(f"target: {TARGET_COUNT} in <= {TARGET_SECONDS} s on 2 cores: {verdict}", flush=True)
        connections.close_all()
    finally:
        if worker is not None:
            stop_worker(worker)
        if arguments.keep:
            print(f"kept database {arguments.database}")
        else:
            drop_database(url, arguments.database)
            print(f"dropped database {arguments.database}")


if __name__ == "__main__":
    main()

"""What the load benchmarks share: their own database and Redis database, a seeded catalog, gunicorn, and wrk.

Every load script (``bench/load_*.py``):

1. creates PostgreSQL database ``monetization_bench_load`` (``BENCH_DATABASE``) on the server of ``DATABASE_URL``
   (unset: the project's embedded server), dropped first and afterwards, and empties Redis database 15
   (``BENCH_REDIS_URL``, a whole URL) before and after, so it never touches other data;
2. seeds a catalog (a metered feature ``bench-calls`` with a COUNT meter on events named ``bench-call``, a boolean
   ``bench-sso``, a published plan granting both) and N customers each subscribed to the plan;
3. starts the project under gunicorn (``bench.settings``: the project plus ``GET /bench/bare``, a DRF view answering
   a constant through the same middleware, authentication and renderer) on 127.0.0.1, and loads it with ``wrk``
   (Debian package ``wrk``; installed with apt-get when missing) from a second process with the Lua scripts in
   ``bench/lua``;
4. prints each figure next to the bare view's, measured in the same run with the same gunicorn configuration.

Figures are requests/s and latency percentiles as wrk reports them; items/s are requests/s times the batch size.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.renewal_sweep import drop_database, recreate_database, server_url, setup_django

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "lua"
# Overridable, so benchmarks run side by side on one server keep apart: BENCH_DATABASE, BENCH_REDIS_URL.
DATABASE = os.environ.get("BENCH_DATABASE", "monetization_bench_load")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
PORT = 8765
BULK_BATCH = 5000
FEATURE = "bench-calls"
EVENT_NAME = "bench-call"
# Gunicorn's own advice (about two workers per core), each with two threads so a worker waiting on PostgreSQL or
# Redis still serves: threads of one process share its interpreter lock, and with more of them CPU-bound requests
# (a usage batch is tens of ms of Python) queue on it; processes do not.
GUNICORN_WORKERS = 2 * (os.cpu_count() or 1)
GUNICORN_THREADS = 2


def arguments(description: str, **defaults: float) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--customers", type=int, default=int(defaults.get("customers", 1000)))
    parser.add_argument("--duration", type=int, default=int(defaults.get("duration", 15)), help="seconds per figure")
    parser.add_argument("--workers", type=int, default=GUNICORN_WORKERS, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=GUNICORN_THREADS, help="threads per gunicorn worker")
    parser.add_argument("--samples", type=int, default=50, help="visibility samples (load_events.py)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def database_url() -> str:
    return urlunsplit(urlsplit(server_url())._replace(path=f"/{DATABASE}"))


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing the Debian package with apt-get", flush=True)
    command = ["apt-get", "install", "-y", "wrk"]
    if os.geteuid() != 0:
        command.insert(0, "sudo")
    if subprocess.run(command, stdout=subprocess.DEVNULL).returncode != 0 or not shutil.which("wrk"):
        sys.exit("wrk is required: install it with `apt-get install wrk` and run again")
    return shutil.which("wrk") or "wrk"


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def prepare() -> str:
    """Fresh database and Redis database, Django set up on them, migrated. Returns the database URL."""
    require_wrk()
    url = database_url()
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key")
    flush_redis()
    print(f"database {DATABASE}, Redis {REDIS_URL}: creating and migrating", flush=True)
    recreate_database(url, DATABASE)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def finish(url: str, *, keep: bool) -> None:
    from django.db import connections

    connections.close_all()
    flush_redis()
    if keep:
        print(f"kept database {DATABASE}")
    else:
        drop_database(url, DATABASE)
        print(f"dropped database {DATABASE}; emptied Redis {REDIS_URL}")


def seed(customers: int) -> str:
    """The catalog, ``customers`` subscribed customers (``bench-customer-<n>``) and an API key (returned raw)."""
    from django.db import transaction
    from django.utils import timezone

    from catalog import enums
    from catalog.services.entitlements import entitlements_create
    from catalog.services.features import feature_create
    from catalog.services.packages import package_create, package_publish
    from catalog.services.products import product_create
    from config.api_keys import api_key_create
    from customers.models import Customer
    from subscriptions.enums import SubscriptionStatus
    from subscriptions.models import Subscription

    now = timezone.now()
    started = time.perf_counter()
    product_create(ref_id="bench-product", display_name="Bench", now=now)
    feature_create(
        ref_id=FEATURE,
        display_name="Bench calls",
        feature_type=enums.FeatureType.NUMBER,
        meter_type=enums.MeterType.INCREMENTAL,
        meter={
            "aggregation": {"function": enums.AggregationFunction.COUNT},
            "filters": [
                {"conditions": [{"field": "eventName", "operation": enums.FilterOperation.EQUALS, "value": EVENT_NAME}]}
            ],
        },
        now=now,
    )
    feature_create(ref_id="bench-sso", display_name="Bench SSO", feature_type=enums.FeatureType.BOOLEAN, now=now)
    version = package_create(
        kind=enums.PackageKind.PLAN,
        ref_id="bench-plan",
        product_ref_id="bench-product",
        display_name="Bench plan",
        charges={"pricing_type": enums.PricingType.FREE, "pricing_models": []},
        now=now,
    )
    entitlements_create(
        package=version.package,
        items=[
            {
                "type": enums.EntitlementType.FEATURE,
                "target_ref_id": FEATURE,
                "usage_limit": 10**12,
                "reset_period": "MONTH",
                "reset_configuration": {"monthly": "SubscriptionStart"},
            },
            {"type": enums.EntitlementType.FEATURE, "target_ref_id": "bench-sso"},
        ],
        now=now,
    )
    package_publish(package=version.package, migration_type=enums.MigrationType.NEW_CUSTOMERS, now=now)
    version.refresh_from_db()
    start = now - timezone.timedelta(days=3)
    for first in range(0, customers, BULK_BATCH):
        size = min(BULK_BATCH, customers - first)
        with transaction.atomic():
            created = Customer.objects.bulk_create(
                Customer(ref_id=f"bench-customer-{first + index}", created_at=now, updated_at=now)
                for index in range(size)
            )
            Subscription.objects.bulk_create(
                Subscription(
                    ref_id=f"bench-subscription-{first + index}",
                    customer=customer,
                    product_id=version.package.product_id,
                    plan_id=version.package_id,
                    plan_version=version,
                    status=SubscriptionStatus.ACTIVE,
                    start_date=start,
                    created_at=start,
                    updated_at=start,
                )
                for index, customer in enumerate(created)
            )
    _, raw_key = api_key_create(name="bench", now=now)
    from django.db import connection

    with connection.cursor() as cursor:
        # Planner statistics for the fresh tables now, as a live database has them, rather than whenever autovacuum
        # gets to them (on a machine busy with other databases, minutes into the run).
        cursor.execute("ANALYZE")
    print(f"seeded {customers} subscribed customers in {time.perf_counter() - started:.1f} s", flush=True)
    return raw_key


# --- gunicorn ---------------------------------------------------------------------------------------------------------


class Server:
    """The project under gunicorn on 127.0.0.1:``port`` (sync-free ``gthread`` workers, keep-alive on)."""

    def __init__(
        self, url: str, api_key: str, *, workers: int, threads: int, decision_cache: bool = True, port: int = PORT
    ) -> None:
        self.url, self.api_key, self.workers, self.threads = url, api_key, workers, threads
        self.decision_cache, self.port = decision_cache, port
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "Server":
        environment = {
            **os.environ,
            "DATABASE_URL": self.url,
            "REDIS_URL": REDIS_URL,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "BENCH_DECISION_CACHE": "1" if self.decision_cache else "0",
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(self.threads),
            "--keep-alive",
            "30",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited with status {self.process.returncode}")
            try:
                if self.get("/bench/bare") == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()
        sys.exit("gunicorn did not answer within a minute")

    def get(self, path: str) -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers={"X-API-KEY": self.api_key})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=body,
            method="POST",
            headers={"X-API-KEY": self.api_key, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def describe(self) -> str:
        return f"gunicorn gthread, {self.workers} workers x {self.threads} threads, {os.cpu_count()} cores"


# --- wrk --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    script: str,
    environment: dict[str, str],
    *,
    duration: int,
    connections: int,
    threads: int = 1,
    port: int = PORT,
) -> Figure:
    """Run wrk against the server with ``bench/lua/<script>``; non-2xx answers and socket errors are counted."""
    command = [
        require_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(LUA / script),
        f"http://127.0.0.1:{port}",
    ]
    output = subprocess.run(
        command, env={**os.environ, **environment}, capture_output=True, text=True, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    # Anchored to the latency distribution's lines: a stdev column such as "62.50%" must not match.
    p50 = _milliseconds(re.search(r"^\s*50%[ \t]+(\S+)", output, re.MULTILINE).group(1))  # type: ignore[union-attr]
    p99 = _milliseconds(re.search(r"^\s*99%[ \t]+(\S+)", output, re.MULTILINE).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, socket.groups())) if socket else 0)
    return Figure(requests_per_second=rate, p50_ms=p50, p99_ms=p99, requests=total, errors=errors)


def bare(api_key: str, *, duration: int, connections: int, port: int = PORT) -> Figure:
    return wrk(
        "get.lua",
        {"BENCH_PATH": "/bench/bare", "BENCH_API_KEY": api_key},
        duration=duration,
        connections=connections,
        port=port,
    )


def insert_ceiling(url: str, *, duration: int, writers: int = 2, batch: int = 1000) -> float:
    """Rows/s of plain batched PostgreSQL inserts (``writers`` connections, ``batch`` rows a statement, a commit
    each) into a copy of the measurement table with its indexes and constraints, measured on the machine as it is
    during the run. Rows are made by PostgreSQL (customers spread over 1000, a unique key each), so no client, no
    transfer and no parsing is counted: an upper bound of what any client gets."""
    import threading

    import psycopg

    from metering.models import UsageMeasurement

    table = UsageMeasurement._meta.db_table
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_insert_ceiling")
        connection.execute(f'CREATE TABLE bench_insert_ceiling (LIKE "{table}" INCLUDING ALL)')
    statement = (
        'INSERT INTO bench_insert_ceiling ("ref_id", "customer_id", "resource_key", "feature_id", "value", '
        '"update_behavior", "idempotency_key", "dimensions", "timestamp", "created_at", "current_usage", '
        "\"period_start\", \"period_end\") SELECT gen_random_uuid(), 1 + (random() * 999)::int, '', 1, 1, 'DELTA', "
        "%s || g, '{}', now(), now(), g, now(), now() FROM generate_series(1, %s) g"
    )
    counts = [0] * writers
    deadline = time.monotonic() + duration

    def write(number: int) -> None:
        with psycopg.connect(url, autocommit=True) as connection:
            while time.monotonic() < deadline:
                connection.execute(statement, [f"w{number}-{counts[number]}-", batch])
                counts[number] += batch

    started = time.monotonic()
    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE bench_insert_ceiling")
    return sum(counts) / elapsed


def show(label: str, figure: Figure, *, unit: str = "req/s", scale: int = 1) -> None:
    errors = f", {figure.errors} ERRORS" if figure.errors else ""
    print(
        f"  {label:<34} {figure.requests_per_second * scale:>10,.0f} {unit:<9} p50 {figure.p50_ms:7.1f} ms  "
        f"p99 {figure.p99_ms:7.1f} ms  ({figure.requests} requests{errors})",
        flush=True,
    )


def verdict(label: str, value: float, target: float, *, at_most: bool = False) -> None:
    met = value <= target if at_most else value >= target
    sign = "<=" if at_most else ">="
    print(f"  {label:<44} {value:6.2f}   target {sign} {target:g}: {'met' if met else 'MISSED'}", flush=True)

"""Load benchmark: ``POST /api/v1/events`` in batches of 1000 under gunicorn, and event-to-check visibility.

Usage (from the project root; PostgreSQL and Redis must be running)::

    .venv/bin/python bench/load_events.py [--customers 1000] [--duration 15] [--samples 50]

Written against the contract (§3.4 E1: ``{"events": [EventInput]}`` answered ``{"data": {}}``); it stops with a
clear message when the server answers 404 (the endpoint not built). Seeds ``--customers`` subscribed customers
(see ``bench/harness.py``; the metered feature ``bench-calls`` has a COUNT meter on events named ``bench-call``),
starts gunicorn and one Celery worker (aggregation may run there), then:

1. the bare view (``GET /bench/bare``), the machine's ceiling;
2. events: batches of 1000 over random customers, each with its own idempotency key, 4 connections, for
   ``--duration`` seconds; prints events/s;
3. the aggregation backlog: the events stored but not yet counted (``PendingEvent`` rows), sampled every second
   during the load; prints the samples, how fast the backlog grew over the second half of the load (about 0 when
   aggregation keeps up with ingestion), the backlog when the load stopped and how long the worker took to drain it;
4. visibility: ``--samples`` times, reads a customer's check, sends one event for it, and polls the check
   (every 50 ms) until ``currentUsage`` has grown; prints p50/p99 of the delay.

Targets (2 cores): >= 25,000 events/s; an event visible in a check within 10 s at p99; a backlog that does not
grow under the sustained load (it drains in seconds once the load stops).
"""

import json
import os
import random
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness
from bench.renewal_sweep import start_worker, stop_worker, wait_until_ready

BATCH = 1000
CONNECTIONS = 4
EVENTS_PATH = "/api/v1/events"
VISIBILITY_TIMEOUT = 60.0
DRAIN_TIMEOUT = 300.0


def send_events(server: harness.Server, events: list[dict]) -> None:
    status, body = server.post(EVENTS_PATH, json.dumps({"events": events}).encode())
    if status == 404:
        sys.exit(
            f"POST {EVENTS_PATH} answered 404: the events endpoint is not in this build (it comes with the metering "
            "events work); nothing to measure"
        )
    if status != 200:
        sys.exit(f"POST {EVENTS_PATH} answered {status}: {body[:300]!r}")


def current_usage(server: harness.Server, customer: str) -> float:
    path = f"/api/v1/customers/{customer}/entitlements/check?featureId={harness.FEATURE}"
    request = urllib.request.Request(f"http://127.0.0.1:{harness.PORT}{path}", headers={"X-API-KEY": server.api_key})
    with urllib.request.urlopen(request, timeout=10) as response:
        return float(json.loads(response.read())["data"]["currentUsage"])


def visibility(server: harness.Server, customers: int, samples: int) -> list[float]:
    delays = []
    for sample in range(samples):
        customer = f"bench-customer-{random.randrange(customers)}"
        before = current_usage(server, customer)
        event = {"customerId": customer, "eventName": harness.EVENT_NAME, "idempotencyKey": f"visible-{sample}"}
        started = time.perf_counter()
        send_events(server, [event])
        while current_usage(server, customer) <= before:
            if time.perf_counter() - started > VISIBILITY_TIMEOUT:
                sys.exit(f"an event for {customer} was not visible in its check after {VISIBILITY_TIMEOUT:.0f} s")
            time.sleep(0.05)
        delays.append(time.perf_counter() - started)
    return delays


def pending_events() -> int:
    """The aggregation backlog: events stored and not yet counted."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM metering_pendingevent")
        return cursor.fetchone()[0]


class BacklogSampler(threading.Thread):
    """``pending_events()`` every second (with its time) until stopped."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, int]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        from django.db import connection

        started = time.perf_counter()
        try:
            while not self.stopped.wait(1.0):
                self.samples.append((time.perf_counter() - started, pending_events()))
        finally:
            connection.close()


def drain_seconds(timeout: float = DRAIN_TIMEOUT) -> float:
    """How long until the backlog is empty (polled every 100 ms)."""
    started = time.perf_counter()
    while pending_events():
        if time.perf_counter() - started > timeout:
            sys.exit(f"the aggregation backlog was not drained within {timeout:.0f} s")
        time.sleep(0.1)
    return time.perf_counter() - started


def show_backlog(samples: list[tuple[float, int]], at_end: int, drained_in: float, events_per_second: float) -> None:
    print(f"  aggregation backlog during the load (pending events, each second): {[count for _, count in samples]}")
    second_half = [sample for sample in samples if sample[0] >= samples[-1][0] / 2] if samples else []
    if len(second_half) >= 2:
        # The least-squares slope: the backlog rises and falls as batches are taken, so its ends alone mislead.
        growth = statistics.linear_regression(*zip(*second_half, strict=True)).slope
        print(
            f"  backlog growth over the second half of the load: {growth:+,.0f} events/s "
            f"({growth / events_per_second:+.1%} of the ingestion rate)",
            flush=True,
        )
    print(
        f"  backlog when the load stopped: {at_end:,} events ({at_end / events_per_second:.2f} s of ingestion); "
        f"drained in {drained_in:.2f} s",
        flush=True,
    )


def main() -> None:
    parser_defaults = {"customers": 1000, "duration": 15}
    arguments = harness.arguments(__doc__.split("\n", 1)[0], **parser_defaults)
    url = harness.prepare()
    worker = None
    try:
        api_key = harness.seed(arguments.customers)
        from config.celery import app

        app.control.purge()
        name = f"bench-events-{os.getpid()}@localhost"
        worker = start_worker(url, 1, name)
        wait_until_ready(name, worker)
        with harness.Server(url, api_key, workers=arguments.workers, threads=arguments.threads) as server:
            send_events(
                server, [{"customerId": "bench-customer-0", "eventName": harness.EVENT_NAME, "idempotencyKey": "probe"}]
            )
            print(f"{server.describe()}; one Celery worker; wrk 1 thread, {arguments.duration} s", flush=True)
            bare = harness.bare(api_key, duration=arguments.duration, connections=16)
            drain_seconds()
            sampler = BacklogSampler()
            sampler.start()
            events = harness.wrk(
                "batch.lua",
                {
                    "BENCH_KIND": "events",
                    "BENCH_PATH": EVENTS_PATH,
                    "BENCH_BATCH": str(BATCH),
                    "BENCH_CUSTOMERS": str(arguments.customers),
                    "BENCH_RUN": "load",
                    "BENCH_API_KEY": api_key,
                },
                duration=arguments.duration,
                connections=CONNECTIONS,
            )
            backlog = pending_events()
            sampler.stopped.set()
            sampler.join()
            drained_in = drain_seconds()
            delays = visibility(server, arguments.customers, arguments.samples)
        harness.show("bare view", bare)
        harness.show("events, batches of 1000", events, unit="events/s", scale=BATCH)
        show_backlog(sampler.samples, backlog, drained_in, events.requests_per_second * BATCH)
        p50 = statistics.median(delays)
        p99 = statistics.quantiles(delays, n=100)[98] if len(delays) >= 2 else delays[0]
        print(f"  event-to-check visibility over {len(delays)} events: p50 {p50:.2f} s, p99 {p99:.2f} s", flush=True)
        harness.verdict("events/s / 1000", events.requests_per_second, 25)
        harness.verdict("visibility p99 (s)", p99, 10, at_most=True)
        if events.errors:
            sys.exit("some requests failed: the figures above are not valid")
    finally:
        if worker is not None:
            stop_worker(worker)
        harness.finish(url, keep=arguments.keep)


if __name__ == "__main__":
    main()

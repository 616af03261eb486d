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
3. visibility: ``--samples`` times, reads a customer's check, sends one event for it, and polls the check
   (every 50 ms) until ``currentUsage`` has grown; prints p50/p99 of the delay.

Targets (2 cores): >= 25,000 events/s; an event visible in a check within 10 s at p99.
"""

import json
import os
import random
import statistics
import sys
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
            delays = visibility(server, arguments.customers, arguments.samples)
        harness.show("bare view", bare)
        harness.show("events, batches of 1000", events, unit="events/s", scale=BATCH)
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

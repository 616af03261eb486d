"""Load benchmark: entitlement checks under gunicorn, cached and uncached, against the bare view's ceiling.

Usage (from the project root; PostgreSQL and Redis must be running)::

    .venv/bin/python bench/load_checks.py [--customers 1000] [--duration 15] [--connections 16]

Seeds ``--customers`` subscribed customers (see ``bench/harness.py`` for the database, Redis database and
catalog), then, each for ``--duration`` seconds with wrk on loopback (``--connections`` connections):

1. the bare view (``GET /bench/bare``), the machine's ceiling;
2. checks, cached: ``GET /api/v1/customers/{random customer}/entitlements/check?featureId=bench-calls`` with the
   decision cache on, after a warm-up pass that checks every customer once;
3. checks, uncached: the same with the decision cache off (the server restarted with ``BENCH_DECISION_CACHE=0``),
   so every check reads its grants and usage from PostgreSQL;

and prints each figure and its ratio to the bare view. Targets (2 cores): cached >= 0.6x the bare requests/s with
p99 <= 2x the bare p99; uncached >= 0.35x.
"""

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

CHECK_PATH = "/api/v1/customers/bench-customer-{c}/entitlements/check?featureId=" + harness.FEATURE


def warm_up(server: harness.Server, customers: int) -> None:
    """One check per customer, so the cached figure measures answers served from the cache."""
    paths = [CHECK_PATH.replace("{c}", str(number)) for number in range(customers)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = set(pool.map(server.get, paths))
    if statuses != {200}:
        sys.exit(f"warm-up checks answered {statuses}")


def main() -> None:
    parser_defaults = {"customers": 1000, "duration": 15}
    arguments = harness.arguments(__doc__.split("\n", 1)[0], **parser_defaults)
    connections = 16
    url = harness.prepare()
    try:
        api_key = harness.seed(arguments.customers)
        check = {"BENCH_PATH": CHECK_PATH, "BENCH_API_KEY": api_key, "BENCH_CUSTOMERS": str(arguments.customers)}
        duration = arguments.duration
        with harness.Server(url, api_key, workers=arguments.workers, threads=arguments.threads) as server:
            print(f"{server.describe()}; wrk 1 thread, {connections} connections, {duration} s per figure", flush=True)
            warm_up(server, arguments.customers)
            bare = harness.bare(api_key, duration=duration, connections=connections)
            cached = harness.wrk("get.lua", check, duration=duration, connections=connections)
        with harness.Server(
            url, api_key, workers=arguments.workers, threads=arguments.threads, decision_cache=False
        ) as server:
            harness.wrk("get.lua", check, duration=3, connections=connections)  # connections, imports
            uncached = harness.wrk("get.lua", check, duration=duration, connections=connections)
        harness.show("bare view", bare)
        harness.show("check, cached", cached)
        harness.show("check, uncached", uncached)
        harness.verdict("cached / bare requests/s", cached.requests_per_second / bare.requests_per_second, 0.6)
        harness.verdict("cached p99 / bare p99", cached.p99_ms / bare.p99_ms, 2, at_most=True)
        harness.verdict("uncached / bare requests/s", uncached.requests_per_second / bare.requests_per_second, 0.35)
        if bare.errors or cached.errors or uncached.errors:
            sys.exit("some requests failed: the figures above are not valid")
    finally:
        harness.finish(url, keep=arguments.keep)


if __name__ == "__main__":
    main()

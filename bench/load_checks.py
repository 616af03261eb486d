"""Load benchmark: entitlement checks under gunicorn, cached and uncached, against the bare view's ceiling.

Usage (from the project root; PostgreSQL and Redis must be running)::

    .venv/bin/python bench/load_checks.py [--customers 1000] [--duration 15] [--connections 16]

Seeds ``--customers`` subscribed customers (see ``bench/harness.py`` for the database, Redis database and
catalog), then, each for ``--duration`` seconds with wrk on loopback (``--connections`` connections):

1. the bare view (``GET /bench/bare``), the machine's ceiling;
2. checks, cached: ``GET /api/v1/customers/{random customer}/entitlements/check?featureId=bench-calls`` with the
   decision cache on, after a warm-up pass that checks every customer once;
3. checks, uncached: the same with the decision cache off (a second server, started with
   ``BENCH_DECISION_CACHE=0`` on the next port), so every check reads its grants and usage from PostgreSQL;

each figure in three slices, interleaved (bare, cached, uncached, then again), so a drift in the machine's speed
during the run weighs on the three alike; and prints each figure, each slice's ratios, and the ratios to the bare
view. Targets (2 cores): cached >= 0.6x the bare requests/s with
p99 <= 2x the bare p99; uncached >= 0.35x.
"""

import statistics
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


SLICES = 3


def combined(figures: list[harness.Figure], duration: int) -> harness.Figure:
    """The slices of one figure as one: requests/s over their whole time, the median slice's p50 and p99."""
    requests = sum(figure.requests for figure in figures)
    return harness.Figure(
        requests_per_second=requests / (duration * len(figures)),
        p50_ms=statistics.median(figure.p50_ms for figure in figures),
        p99_ms=statistics.median(figure.p99_ms for figure in figures),
        requests=requests,
        errors=sum(figure.errors for figure in figures),
    )


def main() -> None:
    parser_defaults = {"customers": 1000, "duration": 15}
    arguments = harness.arguments(__doc__.split("\n", 1)[0], **parser_defaults)
    connections = 16
    url = harness.prepare()
    try:
        api_key = harness.seed(arguments.customers)
        check = {"BENCH_PATH": CHECK_PATH, "BENCH_API_KEY": api_key, "BENCH_CUSTOMERS": str(arguments.customers)}
        piece = max(1, arguments.duration // SLICES)
        options = {"workers": arguments.workers, "threads": arguments.threads}
        uncached_port = harness.PORT + 1
        with (
            harness.Server(url, api_key, **options) as server,
            harness.Server(url, api_key, **options, decision_cache=False, port=uncached_port),
        ):
            print(
                f"{server.describe()} (one server with the decision cache, one without); wrk 1 thread, "
                f"{connections} connections; each figure {SLICES} slices of {piece} s, interleaved",
                flush=True,
            )
            warm_up(server, arguments.customers)
            harness.wrk("get.lua", check, duration=3, connections=connections, port=uncached_port)  # connections
            slices: dict[str, list[harness.Figure]] = {"bare": [], "cached": [], "uncached": []}
            for _ in range(SLICES):
                slices["bare"].append(harness.bare(api_key, duration=piece, connections=connections))
                slices["cached"].append(harness.wrk("get.lua", check, duration=piece, connections=connections))
                slices["uncached"].append(
                    harness.wrk("get.lua", check, duration=piece, connections=connections, port=uncached_port)
                )
        bare, cached, uncached = (combined(slices[name], piece) for name in ("bare", "cached", "uncached"))
        harness.show("bare view", bare)
        harness.show("check, cached", cached)
        harness.show("check, uncached", uncached)
        for index in range(SLICES):
            ceiling = slices["bare"][index].requests_per_second
            print(
                f"  slice {index + 1}: bare {ceiling:,.0f} req/s, cached "
                f"{slices['cached'][index].requests_per_second / ceiling:.2f}x, uncached "
                f"{slices['uncached'][index].requests_per_second / ceiling:.2f}x",
                flush=True,
            )
        harness.verdict("cached / bare requests/s", cached.requests_per_second / bare.requests_per_second, 0.6)
        harness.verdict("cached p99 / bare p99", cached.p99_ms / bare.p99_ms, 2, at_most=True)
        harness.verdict("uncached / bare requests/s", uncached.requests_per_second / bare.requests_per_second, 0.35)
        if bare.errors or cached.errors or uncached.errors:
            sys.exit("some requests failed: the figures above are not valid")
    finally:
        harness.finish(url, keep=arguments.keep)


if __name__ == "__main__":
    main()

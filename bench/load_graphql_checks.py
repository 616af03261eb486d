"""Load benchmark: an entitlement check through GraphQL against the same check through REST v1, in one run.

Usage (from the project root; PostgreSQL and Redis must be running)::

    .venv/bin/python bench/load_graphql_checks.py [--customers 1000] [--duration 15]

Seeds ``--customers`` subscribed customers (``bench/harness.py``), starts the project under gunicorn with the
decision cache on, and loads it with wrk on loopback, in three interleaved slices per figure:

1. REST v1: ``GET /api/v1/customers/{random customer}/entitlements/check?featureId=bench-calls``;
2. GraphQL: ``POST /graphql`` with the Python SDK's own ``GetEntitlement`` document (``entitlement(query:)`` and
   its ``EntitlementFragment``) for the same customer and feature, as ``stigg-api-client-v2`` sends it;

after checking that one GraphQL answer carries no errors and grants the feature, and checking every customer once
through each door (both figures then measure answers from the decision cache, as ``load_checks``'s cached one).
Prints both figures and the ratio; the target is GraphQL >= 0.5x REST's requests/s.
"""

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness
from bench.load_checks import CHECK_PATH, SLICES, combined, warm_up


def graphql_body(document: str) -> str:
    variables = {"query": {"customerId": "bench-customer-{c}", "featureId": harness.FEATURE}}
    return json.dumps({"query": document, "operationName": "GetEntitlement", "variables": variables})


def warm_up_graphql(server: harness.Server, body: str, customers: int) -> None:
    """One GraphQL check per customer, so both figures measure answers served from the decision cache."""
    bodies = [body.replace("{c}", str(number)).encode() for number in range(customers)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = {status for status, _ in pool.map(lambda data: server.post("/graphql", data), bodies)}
    if statuses != {200}:
        sys.exit(f"warm-up GraphQL checks answered {statuses}")


def main() -> None:
    arguments = harness.arguments(__doc__.split("\n", 1)[0], customers=1000, duration=15)
    from config.graphql import sdk_documents
    from tests.sdk import install

    document = sdk_documents.python_documents(install.python_sdk_site_packages())["GetEntitlement"]
    body = graphql_body(document)
    connections = 16
    url = harness.prepare()
    try:
        api_key = harness.seed(arguments.customers)
        rest = {"BENCH_PATH": CHECK_PATH, "BENCH_API_KEY": api_key, "BENCH_CUSTOMERS": str(arguments.customers)}
        graphql = {
            "BENCH_PATH": "/graphql",
            "BENCH_BODY": body,
            "BENCH_API_KEY": api_key,
            "BENCH_CUSTOMERS": str(arguments.customers),
        }
        piece = max(1, arguments.duration // SLICES)
        with harness.Server(url, api_key, workers=arguments.workers, threads=arguments.threads) as server:
            print(
                f"{server.describe()}; wrk 1 thread, {connections} connections; each figure {SLICES} slices of "
                f"{piece} s, interleaved",
                flush=True,
            )
            status, answer = server.post("/graphql", body.replace("{c}", "0").encode())
            payload = json.loads(answer)
            if status != 200 or payload.get("errors") or not payload["data"]["entitlement"]["isGranted"]:
                sys.exit(f"the GraphQL check did not answer a granted entitlement: {status} {answer[:500]!r}")
            warm_up(server, arguments.customers)
            warm_up_graphql(server, body, arguments.customers)
            harness.wrk("post.lua", graphql, duration=3, connections=connections)
            slices: dict[str, list[harness.Figure]] = {"rest": [], "graphql": []}
            for _ in range(SLICES):
                slices["rest"].append(harness.wrk("get.lua", rest, duration=piece, connections=connections))
                slices["graphql"].append(harness.wrk("post.lua", graphql, duration=piece, connections=connections))
        rest_figure, graphql_figure = combined(slices["rest"], piece), combined(slices["graphql"], piece)
        harness.show("check through REST v1", rest_figure)
        harness.show("check through GraphQL", graphql_figure)
        for index in range(SLICES):
            ratio = slices["graphql"][index].requests_per_second / slices["rest"][index].requests_per_second
            print(f"  slice {index + 1}: GraphQL / REST {ratio:.2f}x", flush=True)
        harness.verdict(
            "GraphQL / REST requests/s", graphql_figure.requests_per_second / rest_figure.requests_per_second, 0.5
        )
        if rest_figure.errors or graphql_figure.errors:
            sys.exit("some requests failed: the figures above are not valid")
    finally:
        harness.finish(url, keep=arguments.keep)


if __name__ == "__main__":
    main()

"""No input gets a server error: every operation of the OpenAPI schema (``/api/schema``) is called with inputs
schemathesis generates from it, valid and not, and must answer below 500.

Identifiers in paths and in the credit queries are those of a small seeded world (the demo catalog, two
customers, a subscription, a credit grant), so the calls reach past the 404 of an unknown id. Examples are
derandomized: a run is repeatable, and a failure names the case to replay.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.fuzz_world import CUSTOMER, SUBSCRIPTION

# The identifier each path parameter takes, by the path's prefix (the first match wins).
PATH_IDS: list[tuple[str, dict[str, str]]] = [
    ("/api/v1/customers/", {"ref_id": CUSTOMER, "feature_ref_id": "api-calls"}),
    ("/api/v1/subscriptions/", {"ref_id": SUBSCRIPTION}),
    ("/api/v1/plans/", {"ref_id": "pro"}),
    ("/api/v1/addons/", {"ref_id": "extra-projects"}),
    ("/api/v1/features/", {"ref_id": "api-calls"}),
    ("/api/v1/coupons/", {"ref_id": "launch-20"}),
    ("/api/v1/products/", {"ref_id": "revvenu"}),
    ("/api/v1/credits/custom-currencies/", {"ref_id": "ai-tokens"}),
    ("/api/v1/usage/", {"customer_id": CUSTOMER, "feature_id": "api-calls"}),
]
# The credit reads, which take the customer and currency in their query.
CREDIT_QUERIES = (
    "/api/v1/credits/grants",
    "/api/v1/credits/ledger",
    "/api/v1/credits/usage",
    "/api/v1/credits/auto-recharge",
)


# Called in-process through Django's WSGI handler, in the test's transaction.
schema = schemathesis.openapi.from_wsgi("/api/schema", WSGIHandler())


@contextmanager
def connection_kept() -> Iterator[None]:
    """As with Django's test client, a request does not close the database connection when it ends."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def known_ids(case: Any, world: dict[str, str]) -> None:
    """Put the seeded world's identifiers into the case's path (and the credit reads' query)."""
    path = case.operation.path
    prefixes = [("/api/v1/credits/grants/", {"ref_id": world["grant"]}), *PATH_IDS]
    ids = next((found for prefix, found in prefixes if path.startswith(prefix)), {})
    for name in case.path_parameters or {}:
        if name in ids:
            case.path_parameters[name] = ids[name]
    if path in CREDIT_QUERIES:
        case.query = {**(case.query or {}), "customerId": CUSTOMER, "currencyId": "ai-tokens"}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_input_gets_a_server_error(case: Any, world: dict[str, str], api_key: str) -> None:
    known_ids(case, world)
    with connection_kept():
        case.call_and_validate(headers={"X-API-KEY": api_key}, checks=[not_a_server_error])

import re
from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from catalog.demo import demo_catalog_load
from subscriptions.enums import SubscriptionStatus


@pytest.mark.django_db
def test_schema_is_an_openapi_document_served_without_a_key(client: Client) -> None:
    response = client.get("/api/schema", {"format": "json"})

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Monetization backoffice API"


@pytest.mark.django_db
def test_schema_defaults_to_yaml(client: Client) -> None:
    response = client.get("/api/schema")

    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


@pytest.mark.django_db
def test_docs_page_is_html_served_without_a_key(client: Client) -> None:
    response = client.get("/api/docs")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"swagger-ui" in response.content


# The query parameters of the schema are those the views read. A view's reads are recorded by looking up every name
# asked of ``request.query_params`` while each GET operation answers a query that reaches all of its reads.
CUSTOMER = "schema-customer"
PATH_IDS = {"ref_id": CUSTOMER, "customer_id": CUSTOMER, "feature_id": "api-calls", "entitlement_id": "api-calls"}
PATH_IDS_BY_PREFIX = {"/api/v1/plans/": "pro", "/api/v1/addons/": "extra-projects"}
CREDITS_QUERY = {"customerId": CUSTOMER, "currencyId": "ai-tokens"}
QUERIES = {
    "/api/v1/paywall": {"productId": "revvenu"},
    "/api/v1/usage/{customer_id}/history/{feature_id}": {
        "startDate": "2024-01-01T00:00:00Z",
        "endDate": "2024-01-02T00:00:00Z",
    },
    # Not the common query alone (featureId), which skips the serializer reading the other parameters.
    "/api/v1/customers/{ref_id}/entitlements/check": {"featureId": "api-calls", "requestedUsage": "1"},
    "/api/v1/credits/grants": CREDITS_QUERY,
    "/api/v1/credits/ledger": CREDITS_QUERY,
    "/api/v1/credits/usage": CREDITS_QUERY,
    "/api/v1/credits/auto-recharge": CREDITS_QUERY,
}


class RecordedQuery(QueryDict):
    """A query string that remembers every parameter looked up by name."""

    def __init__(
        self,
        query_string: str | None = None,
        mutable: bool = False,
        encoding: str | None = None,
        *,
        reads: set[str] | None = None,
    ) -> None:
        self.reads: set[str] = set()  # Filling the query looks its names up: those are not reads.
        super().__init__(query_string, mutable=mutable, encoding=encoding)
        self.reads = set() if reads is None else reads

    def get(self, key: str, default: Any = None) -> Any:
        self.reads.add(key)
        return super().get(key, default)

    def getlist(self, key: str, default: Any = None) -> Any:
        self.reads.add(key)
        return super().getlist(key, default)

    def __getitem__(self, key: str) -> Any:
        self.reads.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.reads.add(str(key))
        return super().__contains__(key)


@pytest.fixture(scope="module")
def operations() -> dict[str, dict[str, Any]]:
    """Every operation of the schema, by ``METHOD path``."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return {
        f"{method.upper()} {path}": operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


def query_parameters(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {parameter["name"]: parameter for parameter in operation.get("parameters", []) if parameter["in"] == "query"}


def concrete_path(path: str) -> str:
    ids = {
        **PATH_IDS,
        "ref_id": next((id_ for prefix, id_ in PATH_IDS_BY_PREFIX.items() if path.startswith(prefix)), CUSTOMER),
    }
    return re.sub(r"\{(\w+)\}", lambda match: ids[match.group(1)], path)


@pytest.fixture
def recorded_reads(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The names the views look up in their query strings (DRF's own ``format`` lookup left out)."""
    reads: set[str] = set()

    def query_params(request: Request) -> RecordedQuery:
        return RecordedQuery(request._request.GET.urlencode(), reads=reads)

    monkeypatch.setattr(Request, "query_params", property(query_params))
    return reads


@pytest.fixture
def world(api_client: APIClient) -> None:
    demo_catalog_load(now=timezone.now())
    assert api_client.post("/api/v1/customers", {"id": CUSTOMER, "name": "Schema"}, format="json").status_code == 200


@pytest.mark.django_db
def test_every_get_operation_declares_exactly_the_query_parameters_it_reads(
    operations: dict[str, dict[str, Any]], world: None, api_client: APIClient, recorded_reads: set[str]
) -> None:
    differences = {}
    for key, operation in operations.items():
        method, path = key.split(" ")
        if method != "GET":
            continue
        recorded_reads.clear()
        response = api_client.get(concrete_path(path), QUERIES.get(path, {}))
        reads = recorded_reads - {api_settings.URL_FORMAT_OVERRIDE}
        declared = set(query_parameters(operation))
        # A view that answers an error before its reads would hide them.
        if reads != declared or (declared and response.status_code != 200):
            differences[key] = (response.status_code, sorted(reads), sorted(declared))

    assert differences == {}


@pytest.mark.django_db
def test_a_required_query_parameter_is_one_the_view_refuses_to_go_without(
    operations: dict[str, dict[str, Any]], world: None, api_client: APIClient
) -> None:
    required = {
        (path, name)
        for key, operation in operations.items()
        for method, path in [key.split(" ")]
        for name, parameter in query_parameters(operation).items()
        if parameter.get("required")
    }
    statuses = {
        (path, name): api_client.get(
            concrete_path(path), {key: value for key, value in QUERIES.get(path, {}).items() if key != name}
        ).status_code
        for path, name in required
    }

    assert statuses == {
        ("/api/v1/paywall", "productId"): 400,
        ("/api/v1/usage/{customer_id}/history/{feature_id}", "startDate"): 400,
        ("/api/v1/credits/grants", "customerId"): 400,
        ("/api/v1/credits/ledger", "customerId"): 400,
        ("/api/v1/credits/usage", "customerId"): 400,
        ("/api/v1/credits/auto-recharge", "customerId"): 400,
        ("/api/v1/credits/auto-recharge", "currencyId"): 400,
    }


def test_the_entitlement_check_declares_its_query(operations: dict[str, dict[str, Any]]) -> None:
    parameters = query_parameters(operations["GET /api/v1/customers/{ref_id}/entitlements/check"])

    assert {name: parameter["schema"] for name, parameter in parameters.items()} == {
        "currencyId": {"type": "string"},
        "featureId": {"type": "string"},
        "requestedUsage": {"type": "number", "minimum": 0},
        "requestedValues": {"type": "array", "items": {"type": "string"}},
        "resourceId": {"type": "string"},
    }
    assert (parameters["requestedValues"]["style"], parameters["requestedValues"]["explode"]) == ("form", False)
    assert [name for name, parameter in parameters.items() if parameter.get("required")] == []


def test_credit_grants_require_a_customer(operations: dict[str, dict[str, Any]]) -> None:
    parameters = query_parameters(operations["GET /api/v1/credits/grants"])

    assert [name for name, parameter in parameters.items() if parameter.get("required")] == ["customerId"]


def test_a_list_declares_its_pages_and_filters(operations: dict[str, dict[str, Any]]) -> None:
    parameters = query_parameters(operations["GET /api/v1/subscriptions"])

    assert parameters["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
    assert parameters["after"]["schema"] == parameters["before"]["schema"] == {"type": "string"}
    assert parameters["createdAt[gte]"]["schema"] == {"type": "string", "format": "date-time"}
    assert parameters["status"]["schema"] == {
        "type": "array",
        "items": {"type": "string", "enum": SubscriptionStatus.values},
    }
    assert (parameters["status"]["style"], parameters["status"]["explode"]) == ("form", False)

"""No GraphQL input gets a server error: every operation document of both official SDKs runs with variables
generated from its input types (right in shape, arbitrary in value: the seeded world's ids and unknown ones, empty
and odd strings, extreme numbers and dates, nulls where allowed) and must answer data or coded errors, never
``INTERNAL_SERVER_ERROR`` (what an unexpected exception, or a null in a non-null field, becomes).

In-process, against the REST fuzz test's seeded world (the demo catalog, two customers, a subscription, a credit
grant); examples are derandomized, so a run is repeatable and a failure names the case to replay.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    OperationDefinitionNode,
    parse,
    type_from_ast,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.graphql import sdk_documents
from config.graphql.schema import executable_schema
from tests.fuzz_world import CUSTOMER, SUBSCRIPTION
from tests.sdk import install

KNOWN_TEXT = [
    CUSTOMER,
    "fuzz-customer-2",
    SUBSCRIPTION,
    "pro",
    "revvenu",
    "api-calls",
    "ai-tokens",
    "launch-20",
    "extra-projects",
    "",
    " ",
    "unknown-id",
    "x" * 300,
]
ODD_MOMENTS = [
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "1970-01-01T00:00:00Z",
    "2026-12-07T10:00:00+02:00",
    "2026-02-30T00:00:00Z",
    "yesterday",
]
MAX_DEPTH = 4


def _scalar(name: str) -> st.SearchStrategy[Any]:
    text = st.one_of(st.sampled_from(KNOWN_TEXT), st.text(max_size=20))
    return {
        "String": text,
        "ID": text,
        "Int": st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, 1, -1])),
        "Float": st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([0.0, 1.5, -1.0, 1e300])),
        "Boolean": st.booleans(),
        "DateTime": st.sampled_from(ODD_MOMENTS),
        "UUID": st.one_of(st.uuids().map(str), text),
        "JSON": st.dictionaries(
            st.text(max_size=5), st.one_of(st.text(max_size=5), st.integers(), st.none()), max_size=3
        ),
        "ConnectionCursor": text,
    }[name]


def value_of(kind: GraphQLInputType, depth: int = 0) -> st.SearchStrategy[Any]:
    if isinstance(kind, GraphQLNonNull):
        return _required(kind.of_type, depth)
    if depth >= MAX_DEPTH:
        return st.none()
    return st.one_of(st.none(), _required(kind, depth))


def _required(kind: Any, depth: int) -> st.SearchStrategy[Any]:
    if isinstance(kind, GraphQLList):
        return st.lists(value_of(kind.of_type, depth + 1), max_size=3)
    if isinstance(kind, GraphQLEnumType):
        return st.sampled_from(list(kind.values))
    if isinstance(kind, GraphQLScalarType):
        return _scalar(kind.name)
    assert isinstance(kind, GraphQLInputObjectType), kind
    required = {
        name: value_of(field.type, depth + 1)
        for name, field in kind.fields.items()
        if isinstance(field.type, GraphQLNonNull)
    }
    optional = {name: value_of(field.type, depth + 1) for name, field in kind.fields.items() if name not in required}
    return st.fixed_dictionaries(required, optional=optional)


def _operations() -> list[tuple[str, str]]:
    node = sdk_documents.node_documents(install.node_modules())
    python = sdk_documents.python_documents(install.python_sdk_site_packages())
    every = [(f"node:{name}", text) for name, text in sorted(node.items())]
    every += [(f"python:{name}", text) for name, text in sorted(python.items())]
    # subscriptions are served over websockets (a separate issue); /graphql answers them with a coded error
    return [(name, text) for name, text in every if not text.lstrip().startswith("subscription")]


def _variables(text: str) -> st.SearchStrategy[dict[str, Any]]:
    schema = executable_schema()
    operation = next(node for node in parse(text).definitions if isinstance(node, OperationDefinitionNode))
    strategies = {
        variable.variable.name.value: value_of(type_from_ast(schema, variable.type))  # type: ignore[arg-type]
        for variable in operation.variable_definitions or ()
    }
    return st.fixed_dictionaries(strategies)


OPERATIONS = _operations()


@pytest.mark.django_db
@pytest.mark.usefixtures("world")
@pytest.mark.parametrize(("name", "text"), OPERATIONS, ids=[name for name, _ in OPERATIONS])
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_sdk_operation_gets_a_server_error(name: str, text: str, data: st.DataObject, api_key: str) -> None:
    variables = data.draw(_variables(text), label="variables")
    response = Client().post(
        "/graphql",
        {"query": text, "variables": variables},
        content_type="application/json",
        headers={"X-API-KEY": api_key},
    )
    assert response.status_code == 200, response.content[:500]
    codes = [error["extensions"]["code"] for error in response.json().get("errors", [])]
    assert "INTERNAL_SERVER_ERROR" not in codes, response.json()["errors"]

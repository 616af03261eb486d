"""Bad or hostile GraphQL gets a GraphQL error or a 4xx with a code: never a 500, never a partial write."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from config.graphql import limits

pytestmark = pytest.mark.django_db


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


def test_an_unknown_field_is_a_validation_error(graphql: Any) -> None:
    status, body = graphql("query { sdkConfiguration { nope } }")
    assert status == 200
    assert _codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "nope" in body["errors"][0]["message"]
    assert "data" not in body


def test_a_missing_required_argument_is_a_validation_error(graphql: Any) -> None:
    status, body = graphql("query { entitlementsState { accessDeniedReason } }")
    assert (status, _codes(body)) == (200, ["GRAPHQL_VALIDATION_FAILED"])
    assert "query" in body["errors"][0]["message"]


def test_a_variable_of_the_wrong_type_is_bad_user_input_naming_the_field(graphql: Any) -> None:
    query = "query Q($query: FetchEntitlementsQuery!) { entitlementsState(query: $query) { accessDeniedReason } }"
    status, body = graphql(query, {"query": {"customerId": 42, "nope": True}})
    assert status == 200
    assert _codes(body) == ["BAD_USER_INPUT", "BAD_USER_INPUT"]
    messages = " ".join(error["message"] for error in body["errors"])
    assert "customerId" in messages and "nope" in messages


def test_a_bad_datetime_variable_is_bad_user_input(graphql: Any) -> None:
    query = "mutation M($input: ReportUsageInput!) { reportUsage(input: $input) { id } }"
    status, body = graphql(
        query, {"input": {"customerId": "c", "featureId": "f", "value": 1, "createdAt": "yesterday"}}
    )
    assert (status, _codes(body)) == (200, ["BAD_USER_INPUT"])
    assert "createdAt" in body["errors"][0]["message"]


def test_fifty_levels_of_fields_are_refused_as_too_deep(graphql: Any) -> None:
    # the schema has a cycle (Plan.product.downgradePlan.product...), so depth is reachable with real fields
    chain = "product { downgradePlan { " * 25 + "refId" + " } }" * 25
    query = "query { products { edges { node { " + chain + " } } } }"
    status, body = graphql(query)
    assert status == 200
    assert "QUERY_TOO_DEEP" in _codes(body)
    assert "data" not in body


def test_a_thousand_aliases_are_refused(graphql: Any) -> None:
    query = "query { " + " ".join(f"a{index}: sdkConfiguration {{ sentryDsn }}" for index in range(1000)) + " }"
    status, body = graphql(query)
    assert status == 200
    assert "QUERY_TOO_COMPLEX" in _codes(body)
    assert "data" not in body


def test_a_one_megabyte_query_is_a_413(api_key: str) -> None:
    query = "query { sdkConfiguration { sentryDsn } }" + " " * (1024 * 1024)
    response = Client().post(
        "/graphql", {"query": query}, content_type="application/json", headers={"X-API-KEY": api_key}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert limits.MAX_BODY_BYTES < 1024 * 1024


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"query": 5}', b'{"query": "{ a }", "variables": [1]}'])
def test_a_body_that_is_not_a_graphql_request_is_a_400(api_key: str, body: bytes) -> None:
    response = Client().post("/graphql", body, content_type="application/json", headers={"X-API-KEY": api_key})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_a_syntax_error_is_a_graphql_error(graphql: Any) -> None:
    status, body = graphql("query { sdkConfiguration { ")
    assert (status, _codes(body)) == (200, ["GRAPHQL_VALIDATION_FAILED"])


def test_get_is_not_allowed(api_key: str) -> None:
    response = Client().get("/graphql", headers={"X-API-KEY": api_key})
    assert response.status_code == 405


def test_a_document_is_parsed_and_validated_once_and_refused_every_time(graphql: Any) -> None:
    from config.graphql import view

    query = "query Again { " + " ".join(f"a{index}: sdkConfiguration {{ sentryDsn }}" for index in range(21)) + " }"
    before = view._prepared_cached.cache_info()
    first, second = graphql(query), graphql(query)
    after = view._prepared_cached.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)
    assert _codes(first[1]) == _codes(second[1]) == ["QUERY_TOO_COMPLEX"]
    good = "query Fine { sdkConfiguration { sentryDsn } }"
    assert graphql(good)[1] == graphql(good)[1] == {"data": {"sdkConfiguration": {"sentryDsn": None}}}


def test_a_nul_character_anywhere_in_the_variables_is_bad_user_input_naming_it(graphql: Any) -> None:
    query = "query Q($input: GetActiveSubscriptionsInput!) { getActiveSubscriptions(input: $input) { refId } }"
    status, body = graphql(query, {"input": {"customerId": "c", "resourceIds": ["ok", "b\x00d"]}})
    assert status == 200
    assert body == {
        "errors": [
            {
                "message": "input.resourceIds[1]: must not contain a NUL character",
                "extensions": {"code": "BAD_USER_INPUT", "details": {"field": "input.resourceIds[1]"}},
            }
        ]
    }

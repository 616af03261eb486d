"""The edge reads answer what the GraphQL query would, for SDKs configured with ``enableEdge``."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.sdk.runners import NodeSdk

pytestmark = pytest.mark.django_db(transaction=True)


def _get(path: str, api_key: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"X-API-KEY": api_key} if api_key else {}
    response = Client().get(path, headers=headers)
    return response.status_code, response.json()


def test_node_sdk_with_edge_initialises_from_the_edge_configuration(node_sdk: NodeSdk) -> None:
    node_sdk.enable_edge = True
    assert node_sdk.run("return { initialised: true, events }") == {"initialised": True, "events": []}


def test_the_edge_configuration_is_the_graphql_answer(api_key: str, graphql: Any) -> None:
    status, body = _get("/v1/config/server-sdk-configuration.json", api_key)
    _, expected = graphql("query { sdkConfiguration { sentryDsn isWidgetWatermarkEnabled showWatermark } }")
    assert status == 200
    assert body == {"data": {"sdkConfiguration": expected["data"]["sdkConfiguration"]}}


def test_an_edge_read_without_a_key_is_refused_as_graphql_refuses_it(api_key: str) -> None:
    status, body = _get("/v1/config/server-sdk-configuration.json", None)
    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_an_edge_parameter_of_the_wrong_type_is_a_400_naming_it(api_key: str) -> None:
    status, body = _get("/v1/c/someone/entitlements.json?featureId=f&requestedUsage=lots", api_key)
    assert status == 400
    assert body == {"errors": [{"message": "requestedUsage: must be a number",
                                "extensions": {"code": "BAD_USER_INPUT"}}]}
    status, body = _get("/v1/paywall.json?includeHiddenPlans=maybe", api_key)
    assert (status, body["errors"][0]["message"]) == (400, "includeHiddenPlans: must be true or false")

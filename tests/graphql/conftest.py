"""Fixtures for the GraphQL tests: both official SDKs pointed at the live server, and a raw GraphQL poster."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from pytest_django.live_server_helper import LiveServer

from tests.sdk.runners import NodeSdk, PythonSdk


@pytest.fixture
def node_sdk(live_server: LiveServer, api_key: str) -> NodeSdk:
    """``@stigg/node-server-sdk`` 3.95.0 against the live server (edge off; ``node_sdk.enable_edge = True`` for it)."""
    return NodeSdk(base_uri=live_server.url, api_key=api_key)


@pytest.fixture
def python_sdk(live_server: LiveServer, api_key: str) -> PythonSdk:
    """``stigg-api-client-v2`` against the live server (edge off unless ``python_sdk.enable_edge = True``)."""
    return PythonSdk(base_uri=live_server.url, api_key=api_key)


@pytest.fixture
def graphql(api_key: str):  # type: ignore[no-untyped-def]
    """POST a GraphQL request in-process: ``graphql(query, variables) -> (status, body)``."""
    client = Client()

    def post(query: str, variables: dict[str, Any] | None = None, **headers: str) -> tuple[int, dict[str, Any]]:
        response = client.post(
            "/graphql",
            {"query": query, "variables": variables or {}},
            content_type="application/json",
            headers={"X-API-KEY": api_key, **headers},
        )
        return response.status_code, response.json()

    return post

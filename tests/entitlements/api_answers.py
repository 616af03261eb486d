"""The entitlement answers as the REST API gives them (through a DRF test client), for the tests that check what a
change does to the next answer."""

from typing import Any

from rest_framework.test import APIClient


def check(client: APIClient, feature: str, customer_ref_id: str = "customer-1", **query: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/customers/{customer_ref_id}/entitlements/check", {"featureId": feature, **query})
    assert response.status_code == 200, response.content
    return response.json()["data"]


def state(client: APIClient, customer_ref_id: str = "customer-1") -> dict[str, Any]:
    response = client.get(f"/api/v1/customers/{customer_ref_id}/entitlements")
    assert response.status_code == 200, response.content
    return response.json()["data"]

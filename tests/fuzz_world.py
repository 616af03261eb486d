"""The small world the fuzz tests call into (REST's and GraphQL's), so generated inputs reach past an unknown id."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.demo import demo_catalog_load

CUSTOMER = "fuzz-customer"
SUBSCRIPTION = "fuzz-subscription"


@pytest.fixture
def world(api_client: APIClient) -> dict[str, str]:
    """The demo catalog, two customers, a paid subscription and a credit grant, made through the API. The grant's
    id, for the paths that take one."""
    demo_catalog_load(now=timezone.now())
    for ref_id in (CUSTOMER, "fuzz-customer-2"):
        assert api_client.post("/api/v1/customers", {"id": ref_id, "name": ref_id}, format="json").status_code == 200
    subscription = {
        "customerId": CUSTOMER,
        "planId": "pro",
        "billingPeriod": "MONTHLY",
        "id": SUBSCRIPTION,
        "unitQuantity": 3,
        "trialOverrideConfiguration": {"isTrial": False},
    }
    assert api_client.post("/api/v1/subscriptions", subscription, format="json").status_code == 200
    grant = {
        "customerId": CUSTOMER,
        "currencyId": "ai-tokens",
        "amount": 100,
        "grantType": "PROMOTIONAL",
        "displayName": "Welcome",
    }
    response = api_client.post("/api/v1/credits/grants", grant, format="json")
    assert response.status_code == 200, response.content
    return {"grant": response.json()["data"]["id"]}

"""``estimateUsageCost`` and ``estimateEventCost`` (Python SDK only): our credits engine prices no usage in credits,
so both answer Stigg's code for an unsupported request, never an estimate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.metering.meter_builders import metered_catalog
from tests.sdk.runners import PythonSdk

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalog(db: None) -> None:
    metered_catalog(subscribed_at=timezone.now() - timedelta(days=3))


def test_python_sdk_asks_for_credit_cost_estimates_and_gets_a_coded_refusal(
    python_sdk: PythonSdk, catalog: None
) -> None:
    result = python_sdk.run(
        """
outcomes = []
for method, model, fields in (
    (client.estimate_usage_cost, generated.EstimateUsageCostInput, input["usage"]),
    (client.estimate_event_cost, generated.EstimateEventCostInput, input["event"]),
):
    try:
        outcomes.append(method(model.model_validate(fields)))
    except generated.GraphQLClientGraphQLMultiError as error:
        outcomes.append({"code": error.errors[0].extensions["code"], "message": error.errors[0].message})
result = outcomes
""",
        {
            "usage": {"customerId": "customer-1", "featureId": "api-calls", "value": 10},
            "event": {"customerId": "customer-1", "eventName": "api-call", "dimensions": {"region": "eu"}},
        },
    )

    assert result == [
        {
            "code": "UnsupportedParameter",
            "message": "credit cost estimates are not available: usage is not priced in credits here",
        },
        {
            "code": "UnsupportedParameter",
            "message": "credit cost estimates are not available: events are not priced in credits here",
        },
    ]

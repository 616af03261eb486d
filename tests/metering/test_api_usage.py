"""U1 and V2 usage reports through the official Stigg client against the live server, and the checks that read
the counted usage."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import stigg
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from customers.selectors import customer_get
from customers.services import customer_archive
from metering.models import UsageCounter, UsageMeasurement
from tests.entitlements.builders import catalog_for_entitlements, customer, provision

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def catalog(db: None) -> None:
    """customer-1 on plan-basic (api-calls 1000 a month from the subscription's start, storage 10, seats 5)."""
    catalog_for_entitlements()
    customer("customer-1")
    provision("plan-basic", now=timezone.now() - timedelta(days=3))


def usage(value: Any, feature: str = "api-calls", **fields: Any) -> dict[str, Any]:
    return {"customer_id": "customer-1", "feature_id": feature, "value": value, **fields}


def error_body(error: stigg.APIStatusError) -> dict[str, Any]:
    return error.body["error"]  # type: ignore[index]


def test_delta_reports_add_up(stigg_client: stigg.Stigg, catalog: None) -> None:
    first = stigg_client.v1.usage.report(usages=[usage(3)]).data
    second = stigg_client.v1.usage.report(usages=[usage(4), usage(0.5)]).data

    assert [item.current_usage for item in first + second] == [3, 7, 7.5]
    (measurement,) = first
    assert (measurement.customer_id, measurement.feature_id, measurement.value) == ("customer-1", "api-calls", 3)
    start = customer_get("customer-1").subscriptions.get().start_date
    assert measurement.usage_period_start == start.replace(microsecond=start.microsecond // 1000 * 1000)
    assert measurement.usage_period_end is not None and measurement.usage_period_end > timezone.now()
    assert measurement.next_reset_date == measurement.usage_period_end
    assert UsageCounter.objects.get().value == Decimal("7.5")
    assert UsageMeasurement.objects.count() == 3


def test_set_replaces_the_total(stigg_client: stigg.Stigg, catalog: None) -> None:
    stigg_client.v1.usage.report(usages=[usage(5, "storage")])

    (measurement,) = stigg_client.v1.usage.report(usages=[usage(2, "storage", update_behavior="SET")]).data

    assert measurement.current_usage == 2
    assert measurement.usage_period_start is None and measurement.next_reset_date is None
    assert UsageCounter.objects.get().value == 2


def test_duplicate_idempotency_key_returns_the_original_and_counts_once(
    stigg_client: stigg.Stigg, catalog: None
) -> None:
    (original,) = stigg_client.v1.usage.report(usages=[usage(10, idempotency_key="report-1")]).data
    (duplicate,) = stigg_client.v1.usage.report(usages=[usage(10, idempotency_key="report-1")]).data

    assert duplicate.id == original.id
    assert duplicate.current_usage == original.current_usage == 10
    assert UsageCounter.objects.get().value == 10
    assert UsageMeasurement.objects.count() == 1


@pytest.mark.parametrize(
    ("bad_item", "status", "field"),
    [
        (usage(1, customer_id="nobody"), 404, "usages[1].customerId"),
        (usage(1, feature="no-such-feature"), 404, "usages[1].featureId"),
        (usage(1, feature="sso"), 400, "usages[1].featureId"),
        (usage(1, feature="seats"), 400, "usages[1].featureId"),
        (usage("1"), 400, "usages[1].value"),
        (usage(1, resource_id="no-such-site"), 404, "usages[1].resourceId"),
    ],
)
def test_a_batch_with_one_bad_item_writes_nothing(
    stigg_client: stigg.Stigg, catalog: None, bad_item: dict[str, Any], status: int, field: str
) -> None:
    with pytest.raises(stigg.APIStatusError) as raised:
        stigg_client.v1.usage.report(usages=[usage(1), bad_item, usage(2)])

    assert raised.value.status_code == status
    assert field in error_body(raised.value)["message"]
    assert not UsageCounter.objects.exists()
    assert not UsageMeasurement.objects.exists()


def test_an_archived_customer_cannot_report(stigg_client: stigg.Stigg, catalog: None) -> None:
    customer_archive(customer=customer_get("customer-1"), now=timezone.now())

    with pytest.raises(stigg.BadRequestError):
        stigg_client.v1.usage.report(usages=[usage(1)])

    assert not UsageMeasurement.objects.exists()


def test_v2_answers_usages_and_credits(stigg_client: stigg.Stigg, catalog: None) -> None:
    response = stigg_client.v2.usage.with_raw_response.report(usages=[usage(2), usage(3)])

    data = json.loads(response.text(), parse_float=Decimal)["data"]
    assert [item["currentUsage"] for item in data["usages"]] == [2, 5]
    assert data["credits"] == []


def test_usage_of_a_resource_is_counted_apart(stigg_client: stigg.Stigg, catalog: None) -> None:
    provision("plan-site", now=timezone.now() - timedelta(hours=1), resource_ref_id="site-1")

    stigg_client.v1.usage.report(usages=[usage(4, "storage", resource_id="site-1"), usage(1, "storage")])

    assert dict(UsageCounter.objects.values_list("resource_key", "value")) == {"site-1": 4, "": 1}


def test_check_reports_current_usage_and_denies_over_the_limit(stigg_client: stigg.Stigg, catalog: None) -> None:
    stigg_client.v1.usage.report(usages=[usage(999)])

    check = stigg_client.v1.customers.check_entitlement("customer-1", feature_id="api-calls").data
    assert (check.is_granted, check.current_usage) == (True, 999)
    too_much = stigg_client.v1.customers.check_entitlement("customer-1", feature_id="api-calls", requested_usage=2).data
    assert (too_much.is_granted, too_much.access_denied_reason) == (False, "RequestedUsageExceedingLimit")

    stigg_client.v1.usage.report(usages=[usage(1)])

    used_up = stigg_client.v1.customers.check_entitlement("customer-1", feature_id="api-calls").data
    assert (used_up.is_granted, used_up.current_usage) == (False, 1000)
    assert used_up.access_denied_reason == "RequestedUsageExceedingLimit"
    state = {
        item.feature.id: item  # type: ignore[union-attr]
        for item in stigg_client.v1.customers.retrieve_entitlements("customer-1").data.entitlements
        if item.type == "FEATURE"
    }
    assert state["api-calls"].current_usage == 1000
    assert state["api-calls"].is_granted is False
    assert state["storage"].current_usage == 0


# --- windows --------------------------------------------------------------------------------------------------------

START = datetime(2024, 6, 1, 9, tzinfo=UTC)


@pytest.fixture
def june(db: None) -> None:
    """customer-1 on plan-basic since June 1st: api-calls reset monthly on the 1st at 09:00."""
    catalog_for_entitlements()
    customer("customer-1")
    provision("plan-basic", now=START)


def report(client: APIClient, *items: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post("/api/v1/usage", {"usages": list(items)}, format="json")
    assert response.status_code == 200, response.content
    return json.loads(response.content, parse_float=Decimal)["data"]


def check(client: APIClient, feature: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/customers/customer-1/entitlements/check?featureId={feature}")
    return json.loads(response.content, parse_float=Decimal)["data"]


def item(value: int, feature: str = "api-calls", **fields: Any) -> dict[str, Any]:
    return {"customerId": "customer-1", "featureId": feature, "value": value, **fields}


def test_a_monthly_window_starts_at_zero_in_the_next_month(api_client: APIClient, june: None) -> None:
    with time_machine.travel(datetime(2024, 6, 20, tzinfo=UTC), tick=False):
        (measurement,) = report(api_client, item(700))
        assert measurement["usagePeriodStart"] == "2024-06-01T09:00:00.000Z"
        assert measurement["usagePeriodEnd"] == "2024-07-01T09:00:00.000Z"
        assert check(api_client, "api-calls")["currentUsage"] == 700

    with time_machine.travel(datetime(2024, 7, 1, 9, 0, 1, tzinfo=UTC), tick=False):
        assert check(api_client, "api-calls")["currentUsage"] == 0
        (measurement,) = report(api_client, item(5))

    assert measurement["currentUsage"] == 5
    assert measurement["usagePeriodStart"] == "2024-07-01T09:00:00.000Z"
    assert UsageCounter.objects.count() == 2


def test_fluctuating_usage_never_resets(api_client: APIClient, june: None) -> None:
    with time_machine.travel(datetime(2024, 6, 20, tzinfo=UTC), tick=False):
        report(api_client, item(6, "storage"))

    with time_machine.travel(datetime(2025, 3, 2, tzinfo=UTC), tick=False):
        assert check(api_client, "storage")["currentUsage"] == 6
        (measurement,) = report(api_client, item(1, "storage"))

    assert measurement["currentUsage"] == 7
    assert measurement["usagePeriodStart"] is None
    assert UsageCounter.objects.count() == 1


def test_a_past_created_at_counts_in_its_own_window(api_client: APIClient, june: None) -> None:
    with time_machine.travel(datetime(2024, 7, 3, tzinfo=UTC), tick=False):
        (late,) = report(api_client, item(9, createdAt="2024-06-30T10:00:00Z"))
        assert check(api_client, "api-calls")["currentUsage"] == 0

    assert late["usagePeriodStart"] == "2024-06-01T09:00:00.000Z"
    assert late["timestamp"] == "2024-06-30T10:00:00.000Z"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"usages": []}, "usages"),
        ({"usages": [item(1)] * 1001}, "usages"),
        ({"usages": [item(True)]}, "usages[0].value"),  # type: ignore[arg-type]
        ({"usages": [item(2**53)]}, "usages[0].value"),
        ({"usages": [{**item(1), "value": 35000000000.5}]}, "usages[0].value"),
        ({"usages": [item(1, updateBehavior="ADD")]}, "usages[0].updateBehavior"),
        ({"usages": [item(1, dimensions={"nested": {"a": 1}})]}, "usages[0].dimensions.nested"),
    ],
)
def test_malformed_reports_are_refused(api_client: APIClient, june: None, body: dict[str, Any], field: str) -> None:
    response = api_client.post("/api/v2/usage", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]["fields"]
    assert not UsageMeasurement.objects.exists()


def test_fractional_values_are_rounded_half_away_from_zero(api_client: APIClient, june: None) -> None:
    (first, second) = report(api_client, item(Decimal("0.000005")), item(Decimal("-0.000015")))  # type: ignore[arg-type]

    assert (first["value"], second["value"]) == (Decimal("0.00001"), Decimal("-0.00002"))
    assert UsageCounter.objects.get().value == Decimal("-0.00001")

"""The usage report service and the usage selectors against the database."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from entitlements.usage_periods import UsagePeriod
from metering.models import NEVER_RESETS, UsageCounter, UsageMeasurement
from metering.selectors import current_usage, current_usages
from metering.services import UsageReport, usage_idempotency_keys_expire, usage_report
from tests.entitlements.builders import catalog_for_entitlements, customer, provision

NOW = datetime(2024, 6, 15, 12, tzinfo=UTC)
START = datetime(2024, 6, 1, 9, tzinfo=UTC)
JUNE = UsagePeriod(anchor=START, start=START, end=datetime(2024, 7, 1, 9, tzinfo=UTC))


@pytest.fixture
def catalog(db: None) -> None:
    catalog_for_entitlements()
    customer("customer-1")
    provision("plan-basic", now=START)


def test_a_duplicate_is_the_original_measurement(catalog: None) -> None:
    item = UsageReport(
        "customer-1", "api-calls", Decimal(3), idempotency_key="key-1", dimensions={"size": Decimal("1.5")}
    )

    (original,) = usage_report(items=[item], now=NOW)
    (duplicate,) = usage_report(items=[item], now=NOW + timedelta(minutes=1))

    assert duplicate.ref_id == original.ref_id
    assert (duplicate.current_usage, duplicate.created_at) == (3, NOW)
    assert UsageCounter.objects.get().value == 3
    assert UsageMeasurement.objects.get().dimensions == {"size": "1.5"}


def test_the_same_key_of_another_customer_counts(catalog: None) -> None:
    customer("customer-2")
    usage_report(items=[UsageReport("customer-1", "storage", Decimal(1), idempotency_key="same")], now=NOW)

    (other,) = usage_report(items=[UsageReport("customer-2", "storage", Decimal(1), idempotency_key="same")], now=NOW)

    assert other.current_usage == 1
    assert UsageMeasurement.objects.count() == 2


def test_expired_keys_are_forgotten_and_count_again(catalog: None) -> None:
    item = UsageReport("customer-1", "storage", Decimal(2), idempotency_key="weekly")
    usage_report(items=[item], now=NOW)
    assert usage_idempotency_keys_expire(now=NOW + timedelta(days=7)) == 0

    assert usage_idempotency_keys_expire(now=NOW + timedelta(days=7, seconds=1)) == 1
    (again,) = usage_report(items=[item], now=NOW + timedelta(days=8))

    assert again.current_usage == 4
    assert list(UsageMeasurement.objects.order_by("pk").values_list("idempotency_key", flat=True)) == [None, "weekly"]


def test_usage_without_a_granting_subscription_never_resets(db: None) -> None:
    catalog_for_entitlements()
    customer("customer-1")

    (measurement,) = usage_report(items=[UsageReport("customer-1", "api-calls", Decimal(1))], now=NOW)

    assert (measurement.period_start, measurement.period_end) == (NEVER_RESETS, None)


def test_current_usages_reads_every_window_in_one_query(catalog: None, django_assert_num_queries: Any) -> None:
    usage_report(
        items=[
            UsageReport("customer-1", "api-calls", Decimal(7)),
            UsageReport("customer-1", "storage", Decimal(3)),
            UsageReport("customer-1", "api-calls", Decimal(100), created_at=datetime(2024, 5, 20, tzinfo=UTC)),
        ],
        now=NOW,
    )

    with django_assert_num_queries(1):
        usage = current_usages(
            customer_ref_id="customer-1", resource_ref_id=None, windows={"api-calls": JUNE, "storage": None}
        )

    assert usage == {"api-calls": 7, "storage": 3}
    assert current_usage(
        customer_ref_id="customer-1", resource_ref_id=None, feature_ref_id="api-calls", period_start=START
    ) == Decimal(7)


def test_tick_forgets_keys_past_their_window(catalog: None) -> None:
    usage_report(items=[UsageReport("customer-1", "storage", Decimal(2), idempotency_key="old")], now=NOW)

    with time_machine.travel(NOW + timedelta(days=7, seconds=1), tick=False):
        call_command("tick", stdout=StringIO())
        call_command("tick", stdout=StringIO())

    assert list(UsageMeasurement.objects.values_list("idempotency_key", flat=True)) == [None]

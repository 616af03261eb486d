"""Concurrent usage reports with real threads on PostgreSQL: counters never lose or double count."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from metering.models import UsageCounter, UsageMeasurement
from metering.services import UsageReport, usage_report
from tests.entitlements.builders import catalog_for_entitlements, customer, provision
from tests.races import THREADS, race

pytestmark = [
    pytest.mark.django_db(transaction=True),
]

REPORTS_PER_THREAD = 250
NOW = datetime(2024, 6, 15, 12, tzinfo=UTC)


@pytest.fixture
def catalog(transactional_db: None) -> None:
    catalog_for_entitlements()
    customer("customer-1")
    provision("plan-basic", now=NOW - timedelta(days=3))


def test_concurrent_delta_reports_are_all_counted(catalog: None) -> None:
    def report_many(index: int) -> list[Decimal]:
        return [
            usage_report(items=[UsageReport("customer-1", "api-calls", Decimal(1))], now=NOW)[0].current_usage
            for _ in range(REPORTS_PER_THREAD)
        ]

    results, errors = race(report_many)

    assert errors == []
    total = THREADS * REPORTS_PER_THREAD
    assert UsageCounter.objects.get().value == total
    assert UsageMeasurement.objects.count() == total
    # Each report saw its own result: the values it left behind are exactly 1..2000, once each.
    assert sorted(value for values in results for value in values) == list(range(1, total + 1))


def test_the_same_idempotency_key_from_many_threads_counts_once(catalog: None) -> None:
    def report_once(index: int) -> str:
        item = UsageReport("customer-1", "api-calls", Decimal(5), idempotency_key="retry-me")
        return str(usage_report(items=[item], now=NOW + timedelta(seconds=index))[0].ref_id)

    results, errors = race(report_once)

    assert errors == []
    assert len(set(results)) == 1
    assert UsageCounter.objects.get().value == 5
    assert UsageMeasurement.objects.get().current_usage == 5


def test_concurrent_set_reports_leave_one_of_the_values(catalog: None) -> None:
    def set_value(index: int) -> Decimal:
        item = UsageReport("customer-1", "storage", Decimal(index), update_behavior="SET")
        return usage_report(items=[item], now=NOW)[0].current_usage

    results, errors = race(set_value)

    assert errors == []
    assert sorted(results) == list(range(THREADS))
    assert UsageCounter.objects.get().value in results


def test_concurrent_batches_sharing_idempotency_keys_count_each_key_once(catalog: None) -> None:
    """Batches of 150 keyed items, each thread's a different slice of 300 keys (every key in two or three batches),
    some repeated inside a batch: every key counts once, and every batch answers the one measurement of each key."""
    keys = [f"shared-{number}" for number in range(300)]

    def report_batch(index: int) -> dict[str, str]:
        start = index * 75
        mine = [keys[(start + offset) % len(keys)] for offset in range(150)]
        items = [UsageReport("customer-1", "api-calls", Decimal(1), idempotency_key=key) for key in [*mine, *mine[:10]]]
        measured = usage_report(items=items, now=NOW)
        return {item.idempotency_key: str(result.ref_id) for item, result in zip(items, measured, strict=True)}

    results, errors = race(report_batch, threads=4)

    assert errors == []
    answers: dict[str, set[str]] = {}
    for answer in results:
        for key, ref_id in answer.items():
            answers.setdefault(key, set()).add(ref_id)
    assert len(answers) == len(keys)
    assert all(len(ref_ids) == 1 for ref_ids in answers.values())
    assert UsageCounter.objects.get().value == len(keys)
    assert UsageMeasurement.objects.count() == len(keys)
    assert {str(ref_id) for ref_id in UsageMeasurement.objects.values_list("ref_id", flat=True)} == {
        ref_id for ref_ids in answers.values() for ref_id in ref_ids
    }

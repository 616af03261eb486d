"""The usage reader entitlement answers read through: metering registers it, and the answers count what it reads."""

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from entitlements import answers, usage_reader
from entitlements.usage_periods import UsagePeriod
from metering.selectors import CounterUsageReader
from tests.entitlements.builders import catalog_for_entitlements, customer, provision


class FixedUsage:
    """A stand-in reader: the same usage for every feature, and the windows it was asked about."""

    def __init__(self, value: Decimal) -> None:
        self.value = value
        self.windows: list[UsagePeriod | None] = []

    def usage_in_window(
        self, *, customer_ref_id: str, resource_ref_id: str | None, feature_ref_id: str, window: UsagePeriod | None
    ) -> Decimal:
        self.windows.append(window)
        return self.value

    def usages_in_windows(
        self, *, customer_ref_id: str, resource_ref_id: str | None, windows: Mapping[str, UsagePeriod | None]
    ) -> dict[str, Decimal]:
        self.windows.extend(windows.values())
        return dict.fromkeys(windows, self.value)


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> FixedUsage:
    reader = FixedUsage(Decimal(1000))
    monkeypatch.setattr(usage_reader, "_reader", None)
    usage_reader.register_usage_reader(reader)
    return reader


def test_metering_registers_its_counters_as_the_reader() -> None:
    assert isinstance(usage_reader.usage_reader(), CounterUsageReader)


def test_without_a_reader_an_answer_is_refused_rather_than_counted_as_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(usage_reader, "_reader", None)

    with pytest.raises(usage_reader.UsageReaderMissing):
        usage_reader.usage_reader()


@pytest.mark.django_db
def test_answers_count_the_usage_the_registered_reader_reads(stand_in: FixedUsage) -> None:
    now = timezone.now()
    catalog_for_entitlements()
    customer("customer-1")
    subscription = provision("plan-basic", now=now - timedelta(days=3))

    check = answers.feature_check(
        customer_ref_id="customer-1",
        resource_ref_id=None,
        feature_ref_id="api-calls",
        requested_usage=None,
        requested_values=(),
        now=now,
    )
    state, _ = answers.entitlements_state(customer_ref_id="customer-1", resource_ref_id=None, now=now)

    assert (check.is_granted, check.access_denied_reason, check.current_usage) == (
        False,
        "RequestedUsageExceedingLimit",
        Decimal(1000),
    )
    listed = {decision.feature.ref_id: decision.current_usage for decision in state.entitlements if decision.feature}
    assert listed == {"api-calls": Decimal(1000), "seats": Decimal(0), "storage": Decimal(1000), "support-tier": 0}
    window = stand_in.windows[0]
    assert window is not None and window.start == subscription.start_date

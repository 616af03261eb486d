"""Metering writes: usage reports counted into per-window counters.

Counters are keyed by customer, resource, feature and window start; the window comes from the customer's
entitlement at the usage's time (``entitlements.evaluation.usage_windows``), so a new window starts a new row at
zero and nothing ever resets a counter. Concurrent reports never lose or double count: DELTA is an ``F()``
increment of the row, SET rewrites it under ``select_for_update``, and the row is created through its unique
constraint (``get_or_create``).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F

from catalog.enums import FeatureType
from catalog.models import Feature
from customers.models import Customer, CustomerResource
from entitlements.cache import invalidate_customers
from entitlements.evaluation import CustomerGrants, usage_windows
from entitlements.selectors import customer_grants
from entitlements.usage_periods import UsagePeriod
from metering import errors
from metering.enums import UpdateBehavior
from metering.models import UsageCounter, UsageMeasurement
from metering.selectors import counter_period_start

# How long a client's idempotency key protects against counting a report twice (contract §3.4).
IDEMPOTENCY_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class UsageReport:
    """One reported item, as the API validated it."""

    customer_ref_id: str
    feature_ref_id: str
    value: Decimal
    update_behavior: str = UpdateBehavior.DELTA
    resource_ref_id: str | None = None
    idempotency_key: str | None = None
    # When the usage happened; ``None``: now.
    created_at: datetime | None = None
    dimensions: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Checked:
    report: UsageReport
    customer: Customer
    feature: Feature


def _validate(items: Sequence[UsageReport]) -> list[_Checked]:
    """Every item's customer, feature and resource, in three queries; the first bad item raises, naming it."""
    customers = {
        customer.ref_id: customer
        for customer in Customer.objects.filter(ref_id__in={item.customer_ref_id for item in items})
    }
    features = {
        feature.ref_id: feature
        for feature in Feature.objects.filter(ref_id__in={item.feature_ref_id for item in items})
    }
    resources = set(
        CustomerResource.objects.filter(
            customer__in=list(customers.values()),
            ref_id__in={item.resource_ref_id for item in items if item.resource_ref_id},
        ).values_list("customer__ref_id", "ref_id")
    )
    checked = []
    for index, item in enumerate(items):
        prefix = f"usages[{index}]"
        customer = customers.get(item.customer_ref_id)
        if customer is None:
            raise errors.UsageCustomerNotFound(f"no customer {item.customer_ref_id}", field=f"{prefix}.customerId")
        if customer.is_archived:
            raise errors.CustomerArchived(f"customer {customer.ref_id} is archived", field=f"{prefix}.customerId")
        feature = features.get(item.feature_ref_id)
        if feature is None:
            raise errors.UsageFeatureNotFound(f"no feature {item.feature_ref_id}", field=f"{prefix}.featureId")
        if feature.feature_type == FeatureType.BOOLEAN or not feature.is_metered:
            raise errors.FeatureNotMetered(
                f"feature {feature.ref_id} is not metered; usage cannot be reported", field=f"{prefix}.featureId"
            )
        if item.resource_ref_id and (customer.ref_id, item.resource_ref_id) not in resources:
            raise errors.UsageResourceNotFound(
                f"customer {customer.ref_id} has no resource {item.resource_ref_id}", field=f"{prefix}.resourceId"
            )
        checked.append(_Checked(report=item, customer=customer, feature=feature))
    return checked


def _window(
    item: _Checked, *, at: datetime, now: datetime, cache: dict[tuple[str, str | None], CustomerGrants]
) -> UsagePeriod | None:
    """The feature's usage window containing ``at``, from the grants the customer holds ``now`` (fetched once per
    customer and resource in a batch); ``None`` when its usage never resets or nothing grants it."""
    key = (item.customer.ref_id, item.report.resource_ref_id)
    if key not in cache:
        cache[key] = customer_grants(customer_ref_id=key[0], resource_ref_id=key[1], now=now)
    return usage_windows(cache[key], now=at).get(item.feature.ref_id)


def _count(item: _Checked, *, period_start: datetime, now: datetime) -> Decimal:
    """Apply the item to its counter and return the counter's new value. Call inside a transaction: the row stays
    locked by this transaction from the update on, so the value read back is this report's result."""
    report = item.report
    counter, _ = UsageCounter.objects.get_or_create(
        customer=item.customer,
        resource_key=report.resource_ref_id or "",
        feature=item.feature,
        period_start=period_start,
        defaults={"value": Decimal(0), "updated_at": now},
    )
    rows = UsageCounter.objects.filter(pk=counter.pk)
    if report.update_behavior == UpdateBehavior.SET:
        rows.select_for_update().get()
        rows.update(value=report.value, updated_at=now)
        return report.value
    rows.update(value=F("value") + report.value, updated_at=now)
    return rows.values_list("value", flat=True).get()


def _record(item: _Checked, *, window: UsagePeriod | None, now: datetime) -> UsageMeasurement:
    """Count one item in one transaction; a known idempotency key returns the original measurement instead."""
    report = item.report
    period_start = counter_period_start(window)
    fields = {
        "resource_key": report.resource_ref_id or "",
        "feature": item.feature,
        "value": report.value,
        "update_behavior": report.update_behavior,
        "dimensions": dict(report.dimensions),
        "timestamp": report.created_at or now,
        "created_at": now,
        "current_usage": Decimal(0),
        "period_start": period_start,
        "period_end": window.end if window is not None else None,
    }
    with transaction.atomic():
        if report.idempotency_key is not None:
            # The unique constraint decides between concurrent twins: the loser waits for the winner's commit,
            # then finds its row.
            measurement, created = UsageMeasurement.objects.select_related("customer", "feature").get_or_create(
                customer=item.customer, idempotency_key=report.idempotency_key, defaults=fields
            )
            if not created:
                return measurement
        else:
            measurement = UsageMeasurement.objects.create(customer=item.customer, **fields)
        measurement.current_usage = _count(item, period_start=period_start, now=now)
        measurement.save(update_fields=["current_usage"])
    return measurement


def usage_report(*, items: Sequence[UsageReport], now: datetime) -> list[UsageMeasurement]:
    """Count a batch of usage reports (U1, V2); the measurements come back in the order of ``items``.

    The whole batch is validated first and nothing is written when any item is bad: an unknown customer, feature
    or resource (404), an archived customer or a feature that is not metered (400), each naming
    ``usages[i].<field>``. Then each item is counted in its own short transaction, in the window of the customer's
    entitlement (as held ``now``) containing the item's time (``createdAt``, else ``now``): DELTA adds to the
    counter with an ``F()`` update, SET replaces it with the row locked (``select_for_update``). Idempotency key:
    the client's ``idempotencyKey``, unique per customer; a duplicate returns the original measurement and counts
    nothing (also past 7 days, until ``usage_idempotency_keys_expire`` forgets the key).
    """
    checked = _validate(items)
    grants: dict[tuple[str, str | None], CustomerGrants] = {}
    measurements = []
    try:
        for item in checked:
            window = _window(item, at=item.report.created_at or now, now=now, cache=grants)
            measurements.append(_record(item, window=window, now=now))
    finally:
        invalidate_customers(item.customer.ref_id for item in checked)
    return measurements


def usage_idempotency_keys_expire(*, now: datetime, batch_size: int = 1000) -> int:
    """Forget idempotency keys older than ``IDEMPOTENCY_WINDOW`` (the measurements stay), so a key may be used
    again. Batches of ``batch_size`` rows in primary-key order; returns how many keys were cleared."""
    cleared = 0
    stale = UsageMeasurement.objects.filter(idempotency_key__isnull=False, created_at__lt=now - IDEMPOTENCY_WINDOW)
    while True:
        ids = list(stale.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return cleared
        cleared += UsageMeasurement.objects.filter(pk__in=ids).update(idempotency_key=None)

"""Metering reads: the usage counted in a window, for entitlement checks."""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from django.db.models import Q

from entitlements.usage_periods import UsagePeriod
from metering.models import NEVER_RESETS, UsageCounter

ZERO = Decimal(0)


def counter_period_start(window: UsagePeriod | None) -> datetime:
    """The ``period_start`` a counter has in ``window`` (``None``: usage that never resets)."""
    return window.start if window is not None else NEVER_RESETS


def current_usage(
    *, customer_ref_id: str, resource_ref_id: str | None, feature_ref_id: str, period_start: datetime
) -> Decimal:
    """The usage counted for the feature in the window starting at ``period_start`` (0 when nothing was reported).
    One query."""
    value = (
        UsageCounter.objects.filter(
            customer__ref_id=customer_ref_id,
            resource_key=resource_ref_id or "",
            feature__ref_id=feature_ref_id,
            period_start=period_start,
        )
        .values_list("value", flat=True)
        .first()
    )
    return value if value is not None else ZERO


def current_usages(
    *, customer_ref_id: str, resource_ref_id: str | None, windows: Mapping[str, UsagePeriod | None]
) -> dict[str, Decimal]:
    """The usage counted for each feature of ``windows`` in its window, by feature id (features with nothing
    reported are left out). One query, however many features."""
    if not windows:
        return {}
    condition = Q()
    for feature_ref_id, window in windows.items():
        condition |= Q(feature__ref_id=feature_ref_id, period_start=counter_period_start(window))
    rows = UsageCounter.objects.filter(
        condition, customer__ref_id=customer_ref_id, resource_key=resource_ref_id or ""
    ).values_list("feature__ref_id", "value")
    return dict(rows)

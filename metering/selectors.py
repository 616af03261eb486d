"""Metering reads: the usage counted in a window, for entitlement checks."""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Q

from catalog.models import Feature
from config.prepared import fetch_all
from customers.models import Customer
from entitlements.usage_periods import UsagePeriod
from metering.models import NEVER_RESETS, UsageCounter

ZERO = Decimal(0)
COUNTER_VALUE = UsageCounter._meta.get_field("value")
# The counter of one customer, resource, feature and window (``usage_counter_window`` makes it unique).
CURRENT_USAGE_SQL = (
    f"SELECT u.value FROM {UsageCounter._meta.db_table} u"
    f" JOIN {Customer._meta.db_table} c ON c.id = u.customer_id JOIN {Feature._meta.db_table} f ON f.id = u.feature_id"
    " WHERE c.ref_id = %s AND u.resource_key = %s AND f.ref_id = %s AND u.period_start = %s"
)


def counter_period_start(window: UsagePeriod | None) -> datetime:
    """The ``period_start`` a counter has in ``window`` (``None``: usage that never resets)."""
    return window.start if window is not None else NEVER_RESETS


def current_usage(
    *, customer_ref_id: str, resource_ref_id: str | None, feature_ref_id: str, period_start: datetime
) -> Decimal:
    """The usage counted for the feature in the window starting at ``period_start`` (0 when nothing was reported).
    One query, in plain SQL and prepared (it is on every uncached check), its value converted as the ORM converts it."""
    params = [customer_ref_id, resource_ref_id or "", feature_ref_id]
    rows = fetch_all(CURRENT_USAGE_SQL, [*params, connection.ops.adapt_datetimefield_value(period_start)])
    row = rows[0] if rows else None
    if row is None or row[0] is None:
        return ZERO
    value, column = row[0], COUNTER_VALUE.cached_col
    for converter in [*connection.ops.get_db_converters(column), *COUNTER_VALUE.get_db_converters(connection)]:
        value = converter(value, column, connection)
    return value


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


class CounterUsageReader:
    """Entitlements' ``UsageReader`` over the usage counters (registered from ``MeteringConfig.ready()``)."""

    def usage_in_window(
        self, *, customer_ref_id: str, resource_ref_id: str | None, feature_ref_id: str, window: UsagePeriod | None
    ) -> Decimal:
        return current_usage(
            customer_ref_id=customer_ref_id,
            resource_ref_id=resource_ref_id,
            feature_ref_id=feature_ref_id,
            period_start=counter_period_start(window),
        )

    def usages_in_windows(
        self, *, customer_ref_id: str, resource_ref_id: str | None, windows: Mapping[str, UsagePeriod | None]
    ) -> dict[str, Decimal]:
        return current_usages(customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, windows=windows)

"""Usage history (U2): a feature's usage over a time range, as series of points with the resets marked.

The usage at a moment is what a check would have shown then: within the usage window containing that moment, the
reported usage (``UsageMeasurement`` rows, counted in the window they were counted in) plus what the feature's
meter makes of the raw events (``Event`` rows, replayed through the meter, in the window of their time). Windows
come from the entitlement the customer holds now. Points are hourly for ranges up to two days, daily beyond; each
point is the usage at the end of its bucket, and it is a reset point when a window started inside the bucket.
Markers name each window start in range: ``SUBSCRIPTION_CHANGE_RESET`` for the subscription's start and for a plan
change that reset usage (``Subscription.usage_reset_at``, which starts a window of its own), ``PERIODIC_RESET``
otherwise.
With ``groupBy`` (a dimension), each value of that dimension gets its own series (events and reports without it
share the series tagged ``""``).
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any

from catalog.enums import AggregationFunction
from catalog.models import Feature
from customers.models import Customer, CustomerResource
from entitlements.evaluation import effective_entitlements, usage_window
from entitlements.selectors import customer_grants
from entitlements.usage_periods import UsagePeriod
from metering import errors
from metering.enums import UpdateBehavior
from metering.meters import Aggregate, Meter, merge, meter_of, text
from metering.models import NEVER_RESETS, Event, UsageMeasurement
from metering.selectors import counter_period_start

HOURLY_UP_TO = timedelta(days=2)
MAX_POINTS = 1000
MAX_MARKERS = 1000
INSTANT = timedelta(microseconds=1)
ZERO = Decimal(0)
# The range a history may cover: usage windows are at most a year long, and every window around the range must stay
# within what a ``datetime`` holds (years 1 to 9999).
EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 1, 1, tzinfo=UTC)
# What a moment outside that range is told (also for the times of usage reports and events).
OUT_OF_RANGE = f"must be between {EARLIEST.date().isoformat()} and {LATEST.date().isoformat()}"


class MarkerType:
    PERIODIC_RESET = "PERIODIC_RESET"
    SUBSCRIPTION_CHANGE_RESET = "SUBSCRIPTION_CHANGE_RESET"


@dataclass(frozen=True)
class HistoryPoint:
    timestamp: datetime
    value: Decimal
    is_reset_point: bool


@dataclass(frozen=True)
class HistorySeries:
    tags: tuple[tuple[str, str], ...]
    points: tuple[HistoryPoint, ...]


@dataclass(frozen=True)
class UsageHistory:
    markers: tuple[tuple[datetime, str], ...]
    series: tuple[HistorySeries, ...]


@dataclass(frozen=True)
class _Change:
    """One reported measurement or one raw event, in the window it counts in."""

    timestamp: datetime
    window_start: datetime
    dimensions: dict[str, Any]
    report: UsageMeasurement | None = None
    measured: Decimal | str | None = None


@dataclass
class _WindowState:
    reported: Decimal = ZERO
    aggregate: Aggregate = field(default_factory=Aggregate)
    unique_values: set[str] = field(default_factory=set)

    def add(self, change: _Change) -> None:
        if change.report is not None:
            value = change.report.value
            is_set = change.report.update_behavior == UpdateBehavior.SET
            self.reported = value if is_set else self.reported + value
            return
        measured = change.measured
        if isinstance(measured, str):
            self.unique_values.add(measured)
        self.aggregate = merge(
            self.aggregate,
            event_count=1,
            measures=[measured] if isinstance(measured, Decimal) else [],
            unique_count=len(self.unique_values),
        )

    def usage(self, meter: Meter | None) -> Decimal:
        return self.reported + (meter.usage(self.aggregate) if meter is not None else ZERO)


def _subject(*, customer_ref_id: str, feature_ref_id: str, resource_ref_id: str | None) -> tuple[Customer, Feature]:
    customer = Customer.objects.filter(ref_id=customer_ref_id).first()
    if customer is None:
        raise errors.UsageCustomerNotFound(f"no customer {customer_ref_id}", field="customerId")
    feature = Feature.objects.filter(ref_id=feature_ref_id).first()
    if feature is None:
        raise errors.UsageFeatureNotFound(f"no feature {feature_ref_id}", field="featureId")
    if not feature.is_metered:
        raise errors.FeatureNotMetered(f"feature {feature_ref_id} is not metered; it has no usage", field="featureId")
    if resource_ref_id and not CustomerResource.objects.filter(customer=customer, ref_id=resource_ref_id).exists():
        raise errors.UsageResourceNotFound(
            f"customer {customer_ref_id} has no resource {resource_ref_id}", field="resourceId"
        )
    return customer, feature


def _buckets(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Hours (ranges up to two days) or days, aligned to UTC, covering [start, end)."""
    hourly = end - start <= HOURLY_UP_TO
    step = timedelta(hours=1) if hourly else timedelta(days=1)
    first = start.replace(minute=0, second=0, microsecond=0)
    if not hourly:
        first = first.replace(hour=0)
    count = -(-(end - first) // step)
    if count > MAX_POINTS:
        raise errors.HistoryRangeTooLong(
            f"the range holds {count} daily points; at most {MAX_POINTS} are returned", field="endDate"
        )
    return [(first + index * step, min(first + (index + 1) * step, end)) for index in range(count)]


def _window_starts(
    window_at: Callable[[datetime], UsagePeriod | None], start: datetime, end: datetime, reset_at: datetime | None
) -> Iterator[datetime]:
    """The starts of the windows that begin in [start, end): the periodic ones and, when usage was reset by a plan
    change (``reset_at``, inside a periodic window), the window starting at the reset."""
    window = window_at(start)
    while window is not None and window.start < end:
        if window.start >= start:
            yield window.start
        following = window_at(reset_at) if reset_at is not None and window.start < reset_at < window.end else None
        window = following if following is not None and following.start > window.start else window_at(window.end)


def _changes(
    *,
    customer: Customer,
    feature: Feature,
    resource_key: str,
    since: datetime,
    end: datetime,
    meter: Meter | None,
    window_at: Callable[[datetime], UsagePeriod | None],
) -> list[_Change]:
    """Reports and matching events from ``since`` (the start of the first window in range) to ``end``, by time."""
    scope = {"customer": customer, "resource_key": resource_key, "timestamp__gte": since, "timestamp__lt": end}
    changes = [
        _Change(
            timestamp=report.timestamp, window_start=report.period_start, dimensions=report.dimensions, report=report
        )
        for report in UsageMeasurement.objects.filter(feature=feature, **scope)
    ]
    if meter is not None:
        rows = Event.objects.filter(**scope).values_list("event_name", "dimensions", "timestamp")
        for event_name, dimensions, timestamp in rows.iterator(chunk_size=5000):
            dimensions = dimensions or {}
            if not meter.matches(event_name, dimensions):
                continue
            measured = meter.measure(dimensions)
            if measured is None and meter.function != AggregationFunction.COUNT:
                continue
            window_start = counter_period_start(window_at(timestamp))
            changes.append(_Change(timestamp, window_start, dimensions, measured=measured))
    changes.sort(key=lambda change: change.timestamp)
    return changes


def _series(
    changes: Iterable[_Change],
    *,
    buckets: list[tuple[datetime, datetime]],
    window_at: Callable[[datetime], UsagePeriod | None],
    meter: Meter | None,
) -> tuple[HistoryPoint, ...]:
    pending = list(changes)
    position = 0
    states: dict[datetime, _WindowState] = {}
    points = []
    for bucket_start, bucket_end in buckets:
        while position < len(pending) and pending[position].timestamp < bucket_end:
            change = pending[position]
            states.setdefault(change.window_start, _WindowState()).add(change)
            position += 1
        window = window_at(bucket_end - INSTANT)
        state = states.get(counter_period_start(window))
        points.append(
            HistoryPoint(
                timestamp=bucket_start,
                value=state.usage(meter) if state is not None else ZERO,
                is_reset_point=window is not None and bucket_start <= window.start < bucket_end,
            )
        )
    return tuple(points)


def usage_history(
    *,
    customer_ref_id: str,
    feature_ref_id: str,
    start: datetime,
    end: datetime | None,
    now: datetime,
    resource_ref_id: str | None = None,
    group_by: str | None = None,
) -> UsageHistory:
    """The usage of a metered feature for a customer (and resource) from ``start`` to ``end`` (default ``now``).

    Errors: unknown customer, feature or resource (404), a feature that is not metered, ``end`` not after
    ``start`` or either outside ``EARLIEST``..``LATEST`` (400), more than ``MAX_POINTS`` daily points (400). Reads
    only; the cost grows with the reports and events in the windows the range touches (all of them for usage that
    never resets).
    """
    end = end or now
    if not EARLIEST <= start <= LATEST:
        raise errors.HistoryRangeInvalid(OUT_OF_RANGE, field="startDate")
    if end <= start:
        raise errors.HistoryRangeInvalid("must be after startDate", field="endDate")
    if end > LATEST:
        raise errors.HistoryRangeInvalid(OUT_OF_RANGE, field="endDate")
    customer, feature = _subject(
        customer_ref_id=customer_ref_id, feature_ref_id=feature_ref_id, resource_ref_id=resource_ref_id
    )
    buckets = _buckets(start, end)
    grants = customer_grants(customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now)
    entitlement = effective_entitlements(grants.grants, now=now).get(feature_ref_id)

    def window_at(moment: datetime) -> UsagePeriod | None:
        return usage_window(entitlement, now=moment) if entitlement is not None else None

    first_window = window_at(buckets[0][0])
    since = first_window.start if first_window is not None else NEVER_RESETS
    meter = meter_of(feature.ref_id, feature.meter, feature.unit_transformation) if feature.meter else None
    changes = _changes(
        customer=customer,
        feature=feature,
        resource_key=resource_ref_id or "",
        since=since,
        end=end,
        meter=meter,
        window_at=window_at,
    )
    anchor = entitlement.usage_anchor if entitlement is not None else None
    # Usage restarted from zero at the subscription's start (windows counted from it) or at a plan change under the
    # product's usage-reset rule (``Subscription.usage_reset_at``); every other window start is a periodic reset.
    reset_at = entitlement.usage_reset_at if entitlement is not None else None
    markers = tuple(
        (moment, MarkerType.SUBSCRIPTION_CHANGE_RESET if moment in (anchor, reset_at) else MarkerType.PERIODIC_RESET)
        for moment in islice(_window_starts(window_at, start, end, reset_at), MAX_MARKERS)
        if anchor is None or moment >= anchor
    )
    if not group_by:
        return UsageHistory(
            markers=markers,
            series=(
                HistorySeries(tags=(), points=_series(changes, buckets=buckets, window_at=window_at, meter=meter)),
            ),
        )
    groups: dict[str, list[_Change]] = {}
    for change in changes:
        value = change.dimensions.get(group_by)
        groups.setdefault(text(value) if value is not None else "", []).append(change)
    return UsageHistory(
        markers=markers,
        series=tuple(
            HistorySeries(
                tags=((group_by, tag),),
                points=_series(groups[tag], buckets=buckets, window_at=window_at, meter=meter),
            )
            for tag in sorted(groups)
        ),
    )

"""Billing calendar arithmetic: pure functions, no ORM, no clock.

Datetimes are timezone-aware UTC. Every boundary is computed from the subscription's anchor, never chained from
the previous boundary, so an anchor on the 31st bills on Jan 31, Feb 28 (29 in a leap year), Mar 31, ...
"""

import calendar
from datetime import datetime, timedelta

from catalog import enums

MONTHS_PER_PERIOD = {enums.BillingPeriod.MONTHLY: 1, enums.BillingPeriod.ANNUALLY: 12}


def months_per_period(billing_period: str) -> int:
    """The length of one billing period in months; ``ValueError`` for a value that is not a ``BillingPeriod``."""
    try:
        return MONTHS_PER_PERIOD[enums.BillingPeriod(billing_period)]
    except ValueError:
        raise ValueError(f"unknown billing period {billing_period!r}") from None


def add_months(moment: datetime, months: int, *, anchor_day: int) -> datetime:
    """``moment`` moved by ``months`` calendar months, same time of day, on ``anchor_day`` or the month's last day."""
    month_index = moment.year * 12 + (moment.month - 1) + months
    year, month_zero_based = divmod(month_index, 12)
    month = month_zero_based + 1
    day = min(anchor_day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _boundary(anchor: datetime, step: int, index: int) -> datetime:
    return add_months(anchor, step * index, anchor_day=anchor.day)


def _next_boundary_index(anchor: datetime, step: int, after: datetime) -> int:
    """The smallest ``k >= 1`` with ``anchor + k * step`` months strictly after ``after``."""
    months_between = (after.year - anchor.year) * 12 + (after.month - anchor.month)
    index = max(1, months_between // step)
    while _boundary(anchor, step, index) <= after:
        index += 1
    while index > 1 and _boundary(anchor, step, index - 1) > after:
        index -= 1
    return index


def next_billing_boundary(*, anchor: datetime, billing_period: str, after: datetime) -> datetime:
    """The first boundary ``anchor + k`` periods (``k >= 1``) strictly after ``after``."""
    step = months_per_period(billing_period)
    return _boundary(anchor, step, _next_boundary_index(anchor, step, after))


def billing_period_range(*, anchor: datetime, billing_period: str, at: datetime) -> tuple[datetime, datetime]:
    """The billing period containing ``at``: ``(start, end)`` with ``start <= at < end``.

    Precondition: ``at >= anchor`` (there is no period before the anchor); ``ValueError`` otherwise.
    """
    if at < anchor:
        raise ValueError(f"{at.isoformat()} is before the billing anchor {anchor.isoformat()}")
    step = months_per_period(billing_period)
    index = _next_boundary_index(anchor, step, at)
    return _boundary(anchor, step, index - 1), _boundary(anchor, step, index)


def trial_end(*, start: datetime, duration: int, units: str | None) -> datetime:
    """When a trial of ``duration`` ``units`` (``TrialUnits``) begun at ``start`` ends."""
    if units == enums.TrialUnits.DAY:
        return start + timedelta(days=duration)
    if units == enums.TrialUnits.MONTH:
        return add_months(start, duration, anchor_day=start.day)
    raise ValueError(f"unknown trial units {units!r}")

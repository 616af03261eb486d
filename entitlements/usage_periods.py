"""Usage windows of metered features: which reset period ``now`` falls in. Pure: no ORM, no clock."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from catalog.enums import MonthlyAnchor, ResetPeriod, WeeklyAnchor
from subscriptions.periods import add_months


@dataclass(frozen=True)
class UsagePeriod:
    anchor: datetime
    start: datetime
    end: datetime


WEEKDAYS: dict[str, int] = {
    WeeklyAnchor.EVERY_MONDAY: 0,
    WeeklyAnchor.EVERY_TUESDAY: 1,
    WeeklyAnchor.EVERY_WEDNESDAY: 2,
    WeeklyAnchor.EVERY_THURSDAY: 3,
    WeeklyAnchor.EVERY_FRIDAY: 4,
    WeeklyAnchor.EVERY_SATURDAY: 5,
    WeeklyAnchor.EVERY_SUNDAY: 6,
}
FIXED_STEPS = {
    ResetPeriod.HOUR: timedelta(hours=1),
    ResetPeriod.DAY: timedelta(days=1),
    ResetPeriod.WEEK: timedelta(weeks=1),
}


def _fixed_window(anchor: datetime, step: timedelta, now: datetime) -> tuple[datetime, datetime]:
    index = (now - anchor) // step
    start = anchor + index * step
    return start, start + step


def _month_window(anchor: datetime, months: int, now: datetime) -> tuple[datetime, datetime]:
    elapsed = (now.year - anchor.year) * 12 + (now.month - anchor.month)
    index = elapsed // months
    while add_months(anchor, index * months, anchor_day=anchor.day) > now:
        index -= 1
    while add_months(anchor, (index + 1) * months, anchor_day=anchor.day) <= now:
        index += 1
    start = add_months(anchor, index * months, anchor_day=anchor.day)
    return start, add_months(anchor, (index + 1) * months, anchor_day=anchor.day)


def _midnight(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def usage_period(
    *,
    reset_period: str | None,
    reset_anchor: str | None,
    anchor: datetime | None,
    now: datetime,
    reset_at: datetime | None = None,
) -> UsagePeriod | None:
    """The usage window containing ``now``, or ``None`` when usage never resets.

    HOUR, DAY and WEEK (``SubscriptionStart``) windows are fixed steps from ``anchor``; a weekday anchor starts
    weeks at that weekday's midnight UTC; MONTH counts calendar months from ``anchor`` (``SubscriptionStart``, the
    day clamped to short months) or from the 1st at midnight UTC (``StartOfTheMonth``); YEAR counts years from
    ``anchor``. ``UsagePeriod.anchor`` is the moment the windows are counted from.

    ``reset_at`` is a moment usage restarted from zero (a plan change under the product's usage-reset rule): the
    window containing it starts there instead (``max(window start, reset_at)``, so its counter is a new one) and
    ends as usual; earlier and later windows are unchanged, and so is ``now`` before ``reset_at``.
    """
    period = _usage_period(reset_period=reset_period, reset_anchor=reset_anchor, anchor=anchor, now=now)
    if period is not None and reset_at is not None and period.start < reset_at <= now:
        return UsagePeriod(anchor=period.anchor, start=reset_at, end=period.end)
    return period


def _usage_period(
    *, reset_period: str | None, reset_anchor: str | None, anchor: datetime | None, now: datetime
) -> UsagePeriod | None:
    if reset_period is None or anchor is None:
        return None
    if reset_period == ResetPeriod.WEEK and reset_anchor in WEEKDAYS:
        midnight = _midnight(anchor)
        base = midnight - timedelta(days=(midnight.weekday() - WEEKDAYS[reset_anchor]) % 7)
        start, end = _fixed_window(base, FIXED_STEPS[ResetPeriod.WEEK], now)
        return UsagePeriod(anchor=base, start=start, end=end)
    if reset_period in FIXED_STEPS:
        start, end = _fixed_window(anchor, FIXED_STEPS[ResetPeriod(reset_period)], now)
        return UsagePeriod(anchor=anchor, start=start, end=end)
    if reset_period == ResetPeriod.MONTH:
        base = _midnight(anchor).replace(day=1) if reset_anchor == MonthlyAnchor.START_OF_THE_MONTH else anchor
        start, end = _month_window(base, 1, now)
        return UsagePeriod(anchor=base, start=start, end=end)
    if reset_period == ResetPeriod.YEAR:
        start, end = _month_window(anchor, 12, now)
        return UsagePeriod(anchor=anchor, start=start, end=end)
    raise ValueError(f"unknown reset period {reset_period!r}")

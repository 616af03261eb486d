"""The usage window of a window rule, remembered: metering asks for the windows of hundreds of customers per batch,
and a customer's window stays the same until it ends, so computing it anew each time (calendar arithmetic for
months and years) would cost more than the rest of the customer's share of the batch. Pure: no ORM, no clock."""

from datetime import datetime

from entitlements.evaluation import WindowRule, usage_window
from entitlements.usage_periods import UsagePeriod

# Rules remembered at most (a few hundred bytes each); emptied when full.
LIMIT = 100_000
_windows: dict[WindowRule, UsagePeriod] = {}


def window_holds(rule: WindowRule, window: UsagePeriod, at: datetime) -> bool:
    """Whether ``window``, a window of ``rule``, is the one ``usage_window(rule, now=at)`` gives: ``at`` falls in it,
    and it is not the part before a usage reset (``usage_reset_at``) that ``at`` has passed, which a window
    containing the reset is cut at."""
    reset_at = rule.usage_reset_at
    return window.start <= at < window.end and not (reset_at is not None and window.start < reset_at <= at)


def window_at(rule: WindowRule, at: datetime) -> UsagePeriod | None:
    """``usage_window(rule, now=at)``, from the last window of the same rule while it holds (``window_holds``)."""
    if rule.reset_period is None or rule.usage_anchor is None:
        return None
    last = _windows.get(rule)
    if last is not None and window_holds(rule, last, at):
        return last
    window = usage_window(rule, now=at)
    if window is not None:
        if len(_windows) >= LIMIT:
            _windows.clear()
        _windows[rule] = window
    return window

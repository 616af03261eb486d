"""Usage windows: the window of an entitlement's usage containing a moment, from its reset period and anchors."""

from datetime import datetime
from typing import NamedTuple

from entitlements.evaluation.merging import effective_entitlements
from entitlements.evaluation.values import CustomerGrants, EffectiveEntitlement
from entitlements.usage_periods import UsagePeriod, usage_period


class WindowRule(NamedTuple):
    """What an entitlement's usage windows are computed from, and nothing else: small enough for metering to cache
    per customer and read back for every usage report. No reset period: the usage never resets."""

    reset_period: str | None
    reset_anchor: str | None
    usage_anchor: datetime | None
    usage_reset_at: datetime | None


NEVER_RESETS = WindowRule(None, None, None, None)


def window_rule(entitlement: EffectiveEntitlement) -> WindowRule:
    """The rule of ``entitlement``'s usage windows (``NEVER_RESETS`` for a FLUCTUATING meter, an unmetered
    feature)."""
    if not entitlement.feature.resets:
        return NEVER_RESETS
    return WindowRule(
        entitlement.reset_period, entitlement.reset_anchor, entitlement.usage_anchor, entitlement.usage_reset_at
    )


def usage_window(entitlement: EffectiveEntitlement | WindowRule, *, now: datetime) -> UsagePeriod | None:
    """The usage window of ``entitlement`` (or of its ``window_rule``) containing ``now``; ``None`` when its usage
    never resets (a FLUCTUATING meter, an unmetered feature, no reset period)."""
    rule = entitlement if isinstance(entitlement, WindowRule) else window_rule(entitlement)
    return usage_period(
        reset_period=rule.reset_period,
        reset_anchor=rule.reset_anchor,
        anchor=rule.usage_anchor,
        now=now,
        reset_at=rule.usage_reset_at,
    )


def usage_windows(customer: CustomerGrants, *, now: datetime) -> dict[str, UsagePeriod | None]:
    """The current usage window of every metered feature the customer's grants mention, by feature id (metering
    counts usage in these windows; a feature not listed, like one with ``None``, never resets)."""
    return {
        feature_ref_id: usage_window(entitlement, now=now)
        for feature_ref_id, entitlement in effective_entitlements(customer.grants, now=now).items()
        if entitlement.feature.is_metered
    }

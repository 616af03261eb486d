"""The usage windows event aggregation counts in, for every customer (and resource) of a batch at once.

A window is the one ``usage_report`` would count in: from the entitlements the customer holds at aggregation time
(``metering.services.window_rules``, the effective entitlement of each metered feature), the window containing the
event's time (``entitlements.evaluation.usage_window``). The rules of every customer of the batch come from the
decision cache in one round trip (``usage_report``'s own cached entries; for the customers not cached, the grants
of all of them are read at once: ``entitlements.selectors.grants_read_together``), and the last window found per
rule is reused while events fall inside it (``entitlements.usage_window_memo``).
"""

from datetime import datetime

from config.decision_cache import cached_many
from entitlements.evaluation import WindowRule
from entitlements.selectors import grants_read_together
from entitlements.usage_periods import UsagePeriod
from entitlements.usage_window_memo import window_at, window_holds
from metering.meters import Meter
from metering.models import NEVER_RESETS
from metering.services import window_rules


class Windows:
    """The windows of the customers (and resources) of ``scopes``, as of ``now``."""

    def __init__(self, scopes: set[tuple[str, str | None]], *, now: datetime) -> None:
        # Customers the cache does not hold (a cold cache: hundreds) have their grants read together.
        with grants_read_together(scopes, now=now):
            self.rules = cached_many(
                scopes, now=now, compute=lambda ref_id, resource: window_rules(ref_id, resource, now=now)
            )

    def period_start(
        self, *, customer_ref_id: str, resource_ref_id: str | None, meter: Meter, at: datetime
    ) -> datetime:
        """The start of the window the meter's feature counts ``at`` in (``NEVER_RESETS`` when its usage never
        resets or nothing grants it)."""
        window = self._window(customer_ref_id, resource_ref_id, meter, at)
        return NEVER_RESETS if window is None else window.start

    def _rule(self, customer_ref_id: str, resource_ref_id: str | None, meter: Meter) -> WindowRule | None:
        return self.rules[(customer_ref_id, resource_ref_id)].get(meter.feature_ref_id)

    def _window(
        self, customer_ref_id: str, resource_ref_id: str | None, meter: Meter, at: datetime
    ) -> UsagePeriod | None:
        rule = self._rule(customer_ref_id, resource_ref_id, meter)
        return None if rule is None else window_at(rule, at)

    def counts(
        self, *, customer_ref_id: str, resource_ref_id: str | None, meter: Meter, moments: list[datetime]
    ) -> dict[datetime, int]:
        """How many of ``moments`` fall in each window (by its start): one lookup when they share a window."""
        rule = self._rule(customer_ref_id, resource_ref_id, meter)
        window = window_at(rule, min(moments)) if rule is not None else None
        # Usage that never resets (or that nothing grants) has one window whatever the time.
        if rule is None or window is None:
            return {NEVER_RESETS: len(moments)}
        if window_holds(rule, window, max(moments)):
            return {window.start: len(moments)}
        counts: dict[datetime, int] = {}
        for at in moments:
            start = self.period_start(
                customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, meter=meter, at=at
            )
            counts[start] = counts.get(start, 0) + 1
        return counts

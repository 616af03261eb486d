"""The usage counted in a feature's current window: what an entitlement answer needs from metering.

Metering sits above this app (it asks the engine which window a report counts in), so this app never imports it:
metering registers its reader here from ``MeteringConfig.ready()``. Asking before a reader is registered is a
wiring error (metering missing from ``INSTALLED_APPS``), never an answer of zero usage.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol

from entitlements.usage_periods import UsagePeriod


class UsageReader(Protocol):
    """Reads only; ``window`` ``None`` is usage that never resets."""

    def usage_in_window(
        self, *, customer_ref_id: str, resource_ref_id: str | None, feature_ref_id: str, window: UsagePeriod | None
    ) -> Decimal:
        """The usage counted for one feature in its window (0 when nothing was reported). One query."""
        ...

    def usages_in_windows(
        self, *, customer_ref_id: str, resource_ref_id: str | None, windows: Mapping[str, UsagePeriod | None]
    ) -> dict[str, Decimal]:
        """The usage counted for each feature of ``windows`` in its window, by feature id (features with nothing
        reported may be left out). One query, however many features."""
        ...


class UsageReaderMissing(RuntimeError):
    """No reader was registered: the app that counts usage is not installed."""


_reader: UsageReader | None = None


def register_usage_reader(reader: UsageReader) -> None:
    """Called once per process by the app that counts usage; a later registration replaces the earlier one (tests
    may register a stand-in)."""
    global _reader
    _reader = reader


def usage_reader() -> UsageReader:
    if _reader is None:
        raise UsageReaderMissing("no usage reader is registered: is metering in INSTALLED_APPS?")
    return _reader

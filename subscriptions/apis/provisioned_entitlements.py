"""The ``entitlements`` a provisioning answer carries (contract §3.3 S1): the customer's runtime entitlements in the
new subscription's scope, as C8 answers them.

C8 belongs to the entitlements app, which sits above this one, so this app never imports it: the entitlements app
registers its reader here from ``EntitlementsConfig.ready()`` (as its GraphQL resolvers bind the provisioning
results' ``entitlements`` fields).
"""

from datetime import datetime
from typing import Any, Protocol


class EntitlementsReader(Protocol):
    def __call__(self, *, customer_ref_id: str, resource_ref_id: str | None, now: datetime) -> list[dict[str, Any]]: ...


class EntitlementsReaderMissing(RuntimeError):
    """No reader was registered: the entitlements app is not installed."""


_reader: EntitlementsReader | None = None


def register_entitlements_reader(reader: EntitlementsReader) -> None:
    """Called once per process by the entitlements app; a later registration replaces the earlier one."""
    global _reader
    _reader = reader


def provisioned_entitlements(
    *, customer_ref_id: str, resource_ref_id: str | None, now: datetime
) -> list[dict[str, Any]]:
    if _reader is None:
        raise EntitlementsReaderMissing("no entitlements reader is registered: is entitlements in INSTALLED_APPS?")
    return _reader(customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now)

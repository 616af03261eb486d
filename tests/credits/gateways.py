"""Payment gateways for tests: providers that answer in a chosen way (no network)."""

from typing import Any

from config.payments.gateway import CollectionOutcome, CollectionResult

CALLS: list[str] = []


class RaisingGateway:
    """A provider that cannot be reached: the charge's outcome is unknown."""

    def collect(self, *, invoice: Any, idempotency_key: str) -> CollectionResult:
        raise ConnectionError("provider unreachable")


class CollectingGateway:
    """A provider that collects every charge, recording the idempotency keys it was given."""

    def collect(self, *, invoice: Any, idempotency_key: str) -> CollectionResult:
        CALLS.append(idempotency_key)
        return CollectionResult(status=CollectionOutcome.COLLECTED, provider_reference=f"pay-{len(CALLS)}")


class DecliningGateway:
    def collect(self, *, invoice: Any, idempotency_key: str) -> CollectionResult:
        return CollectionResult(status=CollectionOutcome.FAILED, error="card declined")

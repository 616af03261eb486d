"""The one way to call a payment provider: claim, commit, call, finalize (style.md, "Outside calls are crash-safe").

1. **Claim**, in a transaction of its own that commits before the provider hears of anything: lock the record and
   mark it claimed (an attempt time, a ``PENDING`` row), or decline (``None``) because it is claimed or finalized
   already, or has nothing to collect.
2. **Call** the gateway with the record's idempotency key, outside any transaction and so holding no lock.
3. **Finalize**, in a new transaction: write the provider's answer.

A crash or a provider error between 1 and 3 leaves the record claimed and not finalized: each app shows it to
operators (its "needs attention" list) and nobody claims it again, so a blind retry never charges twice. An
operator who wants the outcome asks the provider again with the same key (``provider_call_resume``); a provider
answers a known key with the first result instead of charging again.

Both transactions are ``durable``: calling this inside a caller's transaction is refused (``RuntimeError``), since
the claim would not be committed before the call and the call would hold the caller's locks.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db import transaction

from config.payments.gateway import Collectable, CollectionResult, payment_gateway

RecordT = TypeVar("RecordT")
FinalizedT = TypeVar("FinalizedT")


@dataclass(frozen=True)
class ProviderCall(Generic[RecordT]):
    """A claimed record and what the provider is asked: ``charge`` (its amount and currency) under
    ``idempotency_key``, which names what the record is for, so a repeated call is recognised by the provider."""

    record: RecordT
    charge: Collectable
    idempotency_key: str


Claim = Callable[[], ProviderCall[RecordT] | None]
Finalize = Callable[[ProviderCall[RecordT], CollectionResult], FinalizedT]


def provider_call_run(*, claim: Claim[RecordT], finalize: Finalize[RecordT, FinalizedT]) -> FinalizedT | None:
    """Claim (committed), call the configured gateway, finalize (module doc). ``None`` when ``claim`` declined: the
    provider is then not called. An exception from the gateway propagates and leaves the record claimed."""
    with transaction.atomic(durable=True):
        call = claim()
    if call is None:
        return None
    return provider_call_resume(call=call, finalize=finalize)


def provider_call_resume(*, call: ProviderCall[RecordT], finalize: Finalize[RecordT, FinalizedT]) -> FinalizedT:
    """Call the gateway for a record claimed earlier, with its own idempotency key, and finalize: the second half of
    ``provider_call_run``, and an operator's way to settle a record left claimed (``finalize`` must then ignore a
    record that was finalized meanwhile)."""
    result = payment_gateway().collect(invoice=call.charge, idempotency_key=call.idempotency_key)
    with transaction.atomic(durable=True):
        return finalize(call, result)

"""The payment gateway: how an invoice's money is collected. The amounts are this project's (one pricing engine);
a provider only collects them.

``PaymentGateway`` is what a provider integration implements (Stripe comes later): one method, ``collect``.
``settings.PAYMENT_GATEWAY`` is the dotted path of the class in use, resolved by ``payment_gateway``; the default,
``ManualCollectionGateway``, collects nothing itself: invoices stay ``OPEN`` until an operator marks them paid.

A gateway is only called through ``provider_calls.provider_call_run`` (or an operator's ``provider_call_resume``):
after the record it collects for is committed, outside any transaction and row lock, with that record's
idempotency key, which the provider must honour: a repeated call with the same key returns the first result
instead of charging twice.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_PAYMENT_GATEWAY = "config.payments.gateway.ManualCollectionGateway"


class CollectionOutcome(StrEnum):
    """What a provider answered. The values are those of the apps' collection statuses
    (``subscriptions.enums.CollectionStatus``), which add ``NOT_REQUIRED`` for what has nothing to collect."""

    COLLECTED = "COLLECTED"
    PENDING = "PENDING"
    FAILED = "FAILED"


@dataclass(frozen=True)
class CollectionResult:
    """What a collection attempt came to: ``COLLECTED`` (the money is in), ``PENDING`` (not yet, or collected by
    other means) or ``FAILED`` (with ``error``); ``provider_reference`` is the provider's id of the payment."""

    status: CollectionOutcome
    provider_reference: str = ""
    error: str = ""


class Collectable(Protocol):
    """What a gateway reads of anything it collects: a subscription invoice (``amount_due`` is its total less what
    the customer's credit balance paid), a credit grant's invoice or an auto-recharge."""

    @property
    def amount_due(self) -> Decimal: ...

    @property
    def currency(self) -> str: ...


class PaymentGateway(Protocol):
    def collect(self, *, invoice: Collectable, idempotency_key: str) -> CollectionResult:
        """Collect ``invoice.amount_due`` in ``invoice.currency``.
        Raises only for a transient failure (the attempt's outcome is then unknown, and the record stays claimed
        for an operator)."""
        ...


class ManualCollectionGateway:
    """No provider: the invoice stays ``OPEN`` for collection by hand (bank transfer, a check), and an operator
    marks it paid. Every collection is therefore ``PENDING``."""

    def collect(self, *, invoice: Collectable, idempotency_key: str) -> CollectionResult:
        return CollectionResult(status=CollectionOutcome.PENDING)


def payment_gateway() -> PaymentGateway:
    """The gateway ``settings.PAYMENT_GATEWAY`` names (a dotted path to a class taking no arguments)."""
    path = getattr(settings, "PAYMENT_GATEWAY", DEFAULT_PAYMENT_GATEWAY)
    gateway: PaymentGateway = import_string(path)()
    return gateway

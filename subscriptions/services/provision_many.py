"""Provisioning more than one thing at once, all or nothing: a customer with its first subscription, and a batch
of subscriptions imported from another system. Both run the one provisioning path (``services.provisioning``)."""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from django.db import transaction

from config.errors import DomainError
from customers.models import Customer
from customers.services import customer_provision
from subscriptions.services.provision_terms import ProvisionRequest
from subscriptions.services.provisioning import ProvisionResult, subscription_provision


@transaction.atomic
def customer_provision_with_subscription(
    *, customer_arguments: Mapping[str, Any], request: ProvisionRequest | None, now: datetime, actor: str
) -> tuple[Customer, ProvisionResult | None]:
    """Provision the customer (``customers.services.customer_provision``, keyword arguments as it takes them) and,
    when ``request`` is given, subscribe it (``subscription_provision``; the request's customer is this one).

    One transaction: a subscription refused leaves no new customer behind. Idempotent as both services are (the
    customer id; the subscription id when given). Errors: those of both services.
    """
    customer = customer_provision(**customer_arguments, now=now)
    if request is None:
        return customer, None
    request = replace(request, customer_ref_id=customer.ref_id)
    return customer, subscription_provision(request=request, now=now, actor=actor)


def _prefixed(error: DomainError, prefix: str) -> DomainError:
    """The same error, naming the item it is about (``subscriptions[3].planId``)."""
    field = f"{prefix}.{error.field}" if error.field else prefix
    message = error.message.removeprefix(f"{error.field}: ") if error.field else error.message
    renamed = type(error).__new__(type(error))
    details = {key: value for key, value in error.details.items() if key != "field"}
    DomainError.__init__(renamed, message, field=field, details=details)
    return renamed


@transaction.atomic
def subscriptions_import(*, requests: Sequence[ProvisionRequest], now: datetime, actor: str) -> list[ProvisionResult]:
    """Provision every subscription of an import, in order, each by the provisioning rules (from its own start
    date). All or nothing: the first refused item rolls the whole import back and its error names it
    (``subscriptions[i]...``). Idempotency key: each item's subscription id, as in provisioning (an import retried
    with the same ids returns the subscriptions it created)."""
    results = []
    for index, request in enumerate(requests):
        try:
            results.append(subscription_provision(request=request, now=now, actor=actor))
        except DomainError as error:
            raise _prefixed(error, f"subscriptions[{index}]") from error
    return results

"""The subscription state machine, written as data, and the one helper that moves a subscription along it.

Every status change (API, admin, jobs) goes through ``subscription_transition``: it locks the row, refuses moves
the map does not allow with a coded 409, writes the new status with an event row (who, when, old, new, why) and
queues the caller's side effects to run after commit. Scheduled changes (a cancellation at period end, a start
date in the future) are fields on the subscription that the jobs act on; they are not statuses.
"""

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from customers.decision_cache import invalidate_customer_pks
from subscriptions.enums import SubscriptionStatus as Status
from subscriptions.errors import IllegalSubscriptionTransition
from subscriptions.models import Subscription, SubscriptionStatusEvent

logger = logging.getLogger(__name__)

# What a subscription may become from each status. CANCELED and EXPIRED are final. Nothing produces EXPIRED or
# PAYMENT_PENDING yet (there is no payment provider); they are listed so stored values stay meaningful.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    Status.NOT_STARTED: frozenset({Status.ACTIVE, Status.IN_TRIAL, Status.CANCELED}),
    Status.IN_TRIAL: frozenset({Status.ACTIVE, Status.CANCELED}),
    Status.PAYMENT_PENDING: frozenset({Status.ACTIVE, Status.CANCELED}),
    Status.ACTIVE: frozenset({Status.CANCELED}),
    Status.CANCELED: frozenset(),
    Status.EXPIRED: frozenset(),
}

# The statuses a subscription is created in.
INITIAL_STATUSES = frozenset({Status.NOT_STARTED, Status.ACTIVE, Status.IN_TRIAL})


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS[from_status]


def subscription_record_creation(*, subscription: Subscription, actor: str, reason: str, now: datetime) -> None:
    """The first event of a new subscription (from no status to its initial one)."""
    if subscription.status not in INITIAL_STATUSES:
        raise ValueError(f"a subscription cannot be created {subscription.status}")
    SubscriptionStatusEvent.objects.create(
        subscription=subscription,
        from_status=None,
        to_status=subscription.status,
        reason=reason,
        actor=actor,
        occurred_at=now,
    )
    invalidate_customer_pks([subscription.customer_id])


@transaction.atomic
def subscription_transition(
    *,
    subscription_id: int,
    to_status: str,
    reason: str,
    actor: str,
    now: datetime,
    changes: Mapping[str, Any] | None = None,
) -> Subscription:
    """Move a subscription to ``to_status`` and return the updated row.

    Locks the subscription row (``SELECT … FOR UPDATE``) and decides on the locked row, so two callers cannot both
    make the same move. ``changes`` are further fields written in the same save (cancel reason, dates, periods).
    Side effects outside the database run after the surrounding transaction commits, never if it rolls back: the
    change is logged and the customer's cached entitlement decisions are invalidated.
    Errors: ``IllegalSubscriptionTransition`` (409) when the map does not allow the move; nothing is written.
    """
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    from_status = subscription.status
    if not can_transition(from_status, to_status):
        raise IllegalSubscriptionTransition(
            f"subscription {subscription.ref_id} is {from_status} and cannot become {to_status}",
            details={"from": from_status, "to": to_status},
        )
    for name, value in (changes or {}).items():
        setattr(subscription, name, value)
    subscription.status = to_status
    subscription.updated_at = now
    subscription.save()
    SubscriptionStatusEvent.objects.create(
        subscription=subscription,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        actor=actor,
        occurred_at=now,
    )
    invalidate_customer_pks([subscription.customer_id])
    transaction.on_commit(
        lambda: logger.info(
            "subscription %s: %s -> %s (%s, by %s)", subscription.ref_id, from_status, to_status, reason, actor
        )
    )
    return subscription

"""Cancelling (S5), and the customer-archive hook that cancels everything a customer has."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from catalog import enums as catalog_enums
from customers.decision_cache import invalidate_customer_pks
from customers.models import Customer
from subscriptions.enums import BalanceTransactionKind, CancellationAction, CancelReason
from subscriptions.enums import SubscriptionStatus as Status
from subscriptions.errors import IllegalSubscriptionTransition, InvalidSubscriptionInput
from subscriptions.models import CURRENT_STATUSES, Subscription
from subscriptions.services.balance import balance_credit, payer_id
from subscriptions.services.changes import unused_rest_of_period
from subscriptions.services.common import end_subscription, lock_customer
from subscriptions.services.provisioning import apply_end_setup

CancellationTime = catalog_enums.CancellationTime


def _scheduled_end(
    subscription: Subscription, *, cancellation_time: str, end_date: datetime | None, now: datetime
) -> datetime | None:
    """When a cancellation takes effect: ``None`` for now, else the scheduled moment."""
    if subscription.status == Status.NOT_STARTED or cancellation_time == CancellationTime.IMMEDIATE:
        return None
    if cancellation_time == CancellationTime.END_OF_BILLING_PERIOD:
        period_end = subscription.current_period_end
        return period_end if period_end is not None and period_end > now else None
    if end_date is None:
        raise InvalidSubscriptionInput("is required with cancellationTime SPECIFIC_DATE", field="endDate")
    if end_date <= subscription.start_date:
        raise InvalidSubscriptionInput("must be after the subscription's start date", field="endDate")
    if end_date <= now:
        raise InvalidSubscriptionInput("must be in the future", field="endDate")
    return end_date


@transaction.atomic
def subscription_cancel(
    *,
    subscription: Subscription,
    now: datetime,
    actor: str,
    cancellation_time: str | None = None,
    cancellation_action: str | None = None,
    end_date: datetime | None = None,
    prorate: bool = False,
) -> Subscription:
    """Cancel a subscription now or at a scheduled moment.

    ``cancellation_time`` defaults to the product's setting: ``IMMEDIATE`` ends it now (reason ``Immediate``);
    ``END_OF_BILLING_PERIOD`` keeps it live until its current period (or trial) ends and sets
    ``cancellationDate`` then (the cancellation job ends it, reason ``ScheduledCancellation``); ``SPECIFIC_DATE``
    does the same at ``end_date``. A subscription that has not started, or has no billing period, ends now.
    ``REVOKE_ENTITLEMENTS`` ends it now whatever the time, and skips the product's end setup; otherwise ending now
    applies it (``DOWNGRADE_TO_FREE`` subscribes the customer to the downgrade plan). With ``prorate``, a
    subscription being billed that ends now gets the unused rest of its period back on the payer's credit balance
    (``PRORATION_CREDIT``, key ``cancellation:{subscription}``); a scheduled end uses its period up, nothing to give.
    Scheduling again moves the date. Locks the customer, then the subscription.
    Errors: ``IllegalSubscriptionTransition`` (409) for a subscription that has ended; ``InvalidSubscriptionInput``
    (400) for a missing or past ``endDate`` or one before the start.
    """
    lock_customer(subscription.customer_id, active=False)
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.status not in CURRENT_STATUSES:
        raise IllegalSubscriptionTransition(
            f"subscription {subscription.ref_id} is {subscription.status} and cannot be cancelled",
            details={"from": subscription.status, "to": Status.CANCELED},
        )
    revoke = cancellation_action == CancellationAction.REVOKE_ENTITLEMENTS
    timing = cancellation_time or subscription.product.subscription_cancellation_time
    scheduled_at = None
    if not revoke:
        scheduled_at = _scheduled_end(subscription, cancellation_time=timing, end_date=end_date, now=now)
    if scheduled_at is not None:
        subscription.cancellation_date = subscription.effective_end_date = subscription.end_date = scheduled_at
        subscription.replaced_by = None
        subscription.updated_at = now
        subscription.save(
            update_fields=["cancellation_date", "effective_end_date", "end_date", "replaced_by", "updated_at"]
        )
        invalidate_customer_pks([subscription.customer_id])
        return subscription
    had_started = subscription.status != Status.NOT_STARTED
    if prorate:
        _credit_unused_time(subscription, now=now, actor=actor)
    ended = end_subscription(
        subscription_id=subscription.pk, reason=CancelReason.IMMEDIATE, ended_at=now, now=now, actor=actor
    )
    if had_started and not revoke:
        apply_end_setup(ended=ended, now=now, actor=actor)
    return ended


def _credit_unused_time(subscription: Subscription, *, now: datetime, actor: str) -> None:
    unused = unused_rest_of_period(subscription, now)
    if unused is None or unused.total <= 0:
        return
    balance_credit(
        customer_id=payer_id(subscription),
        currency=unused.currency,
        amount=unused.total,
        kind=BalanceTransactionKind.PRORATION_CREDIT,
        description=f"Unused time on cancelled subscription {subscription.ref_id}",
        idempotency_key=f"cancellation:{subscription.pk}",
        actor=actor,
        now=now,
        subscription=subscription,
    )


def subscriptions_cancel_for_archived_customer(*, customer: Customer, now: datetime) -> list[Subscription]:
    """End every subscription of a customer being archived, now, with reason ``CustomerArchived`` and no end
    setup: those it uses and those it pays for (delegated to another customer: nobody would pay for them). Called
    by ``customers.services.customer_archive`` (registered in ``SubscriptionsConfig.ready``) inside its transaction,
    under its customer lock."""
    current = Subscription.objects.filter(
        Q(customer=customer) | Q(paying_customer=customer), status__in=CURRENT_STATUSES
    ).order_by("pk")
    return [
        end_subscription(
            subscription_id=subscription.pk,
            reason=CancelReason.CUSTOMER_ARCHIVED,
            ended_at=now,
            now=now,
            actor="customer-archive",
        )
        for subscription in current
    ]

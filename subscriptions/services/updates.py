"""Updating a subscription in place (S3) and previewing the update: the change of ``services.changes``, applied
or answered.

``subscription_update`` locks the subscription, computes the change on the locked row and writes it with
``change_apply``, which the migration and the scheduled-updates job use too; ``subscription_update_preview``
computes the same change and answers it. See ``services.changes`` for the rules.
"""

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from customers.decision_cache import invalidate_customer_pks
from subscriptions.change_listeners import subscription_changed
from subscriptions.enums import BalanceTransactionKind, InvoiceBillingReason, ScheduleStatus, ScheduleType
from subscriptions.models import (
    Subscription,
    SubscriptionAddon,
    SubscriptionFeatureQuantity,
    SubscriptionScheduledUpdate,
)
from subscriptions.services.balance import BalanceOutcome, balance_credit, balance_preview, payer_id
from subscriptions.services.changes import SubscriptionChange, subscription_change
from subscriptions.services.common import record_invoice
from subscriptions.services.custom_entitlements import custom_entitlements_write
from subscriptions.services.update_requests import UNCHANGED, UpdateRequest, payload_of
from subscriptions.services.usage_reset import usage_reset_on_billing_period_change


def update_key(subscription: Subscription, change: SubscriptionChange) -> str:
    """``update:{subscription}:{updated_at}:{digest of the change}``: the state changed from, and to what."""
    quote = change.target.quote
    described = repr(
        (
            quote.plan_version.pk,
            quote.billing_period,
            quote.unit_quantity,
            sorted((ref_id, str(quantity)) for ref_id, quantity in quote.feature_quantities.items()),
            [(version.pk, quantity) for version, quantity in quote.addons],
            quote.coupon.pk if quote.coupon is not None else None,
            str(quote.tax_percentage),
        )
    )
    digest = hashlib.sha256(described.encode()).hexdigest()[:16]
    return f"update:{subscription.pk}:{subscription.updated_at.isoformat()}:{digest}"


def _write_terms(subscription: Subscription, change: SubscriptionChange) -> None:
    """Write the target terms onto the subscription (saved by the caller) and replace its add-on and quantity rows.
    A new billing period restarts usage when the product's rule says so (``services.usage_reset``)."""
    target = change.target
    quote = target.quote
    usage_reset_on_billing_period_change(subscription, billing_period=quote.billing_period, at=change.effective_at)
    subscription.plan_version = quote.plan_version
    subscription.billing_period = quote.billing_period
    subscription.unit_quantity = quote.unit_quantity
    subscription.coupon = quote.coupon
    subscription.coupon_applied_at = target.coupon_applied_at if quote.coupon is not None else None
    subscription.tax_percentage = quote.tax_percentage
    subscription.current_period_start, subscription.current_period_end = change.period
    if change.recurring_invoice.lines:
        subscription.currency = change.recurring_invoice.currency
    rows = {row.addon_id: row for row in subscription.addons.all()}
    wanted = {version.package_id: (version, quantity) for version, quantity in quote.addons}
    SubscriptionAddon.objects.filter(subscription=subscription).exclude(addon_id__in=list(wanted)).delete()
    for package_id, (version, quantity) in wanted.items():
        row = rows.get(package_id)
        if row is None:
            SubscriptionAddon.objects.create(
                subscription=subscription, addon=version.package, addon_version=version, quantity=quantity
            )
        elif (row.addon_version_id, row.quantity) != (version.pk, quantity):
            row.addon_version, row.quantity = version, quantity
            row.save(update_fields=["addon_version", "quantity"])
    if ScheduleType.UNIT_AMOUNT in change.changed_groups:
        SubscriptionFeatureQuantity.objects.filter(subscription=subscription).delete()
        SubscriptionFeatureQuantity.objects.bulk_create(
            SubscriptionFeatureQuantity(subscription=subscription, feature=feature, quantity=quantity)
            for feature, quantity in target.features
        )


def _write_dates(subscription: Subscription, request: UpdateRequest) -> None:
    if request.metadata is not UNCHANGED:
        subscription.metadata = dict(request.metadata)
    if request.cancellation_date is not UNCHANGED:
        ends = request.cancellation_date
        subscription.cancellation_date = subscription.effective_end_date = subscription.end_date = ends
    if request.trial_end_date is not UNCHANGED:
        # A trial is one period up to its end, and billing is anchored there (as provisioning does it).
        trial_ends = request.trial_end_date
        subscription.trial_end_date = subscription.billing_cycle_anchor = subscription.current_period_end = trial_ends


# What a scheduled update may become from each status. Only PENDING_PAYMENT and SCHEDULED rows are still to happen;
# the others are final. (Nothing produces PENDING_PAYMENT without a payment provider.)
SCHEDULE_TRANSITIONS: Mapping[str, frozenset[str]] = {
    ScheduleStatus.PENDING_PAYMENT: frozenset({ScheduleStatus.SCHEDULED, ScheduleStatus.CANCELED}),
    ScheduleStatus.SCHEDULED: frozenset({ScheduleStatus.DONE, ScheduleStatus.CANCELED, ScheduleStatus.FAILED}),
    ScheduleStatus.DONE: frozenset(),
    ScheduleStatus.CANCELED: frozenset(),
    ScheduleStatus.FAILED: frozenset(),
}


def scheduled_updates_finish(
    updates: QuerySet[SubscriptionScheduledUpdate], *, status: str, now: datetime, actor: str, outcome: str
) -> int:
    """Move these scheduled updates to ``status``, recording when, by whom and why. Rows whose status does not allow
    the move (``SCHEDULE_TRANSITIONS``) are left alone. The caller holds the subscription's row lock. Returns how
    many moved."""
    allowed_from = [from_status for from_status, targets in SCHEDULE_TRANSITIONS.items() if status in targets]
    return updates.filter(status__in=allowed_from).update(
        status=status, finished_at=now, finished_by=actor, outcome=outcome[:500]
    )


def scheduled_updates_supersede(
    *, subscription: Subscription, schedule_types: Sequence[str], now: datetime, actor: str
) -> int:
    """Cancel the subscription's scheduled updates of these kinds: a later request for them wins."""
    if not schedule_types:
        return 0
    superseded = SubscriptionScheduledUpdate.objects.filter(
        subscription=subscription, status=ScheduleStatus.SCHEDULED, schedule_type__in=list(schedule_types)
    )
    return scheduled_updates_finish(
        superseded, status=ScheduleStatus.CANCELED, now=now, actor=actor, outcome="superseded by a later update"
    )


def change_apply(
    change: SubscriptionChange, *, now: datetime, actor: str, invoice_key: str | None = None, supersede: bool = True
) -> Subscription:
    """Write a computed change. The caller holds the subscription's row lock and computed ``change`` under it.

    Supersedes scheduled updates of the kinds the request names (unless ``supersede`` is off: a scheduled update
    being run). A deferred billing change becomes one ``SubscriptionScheduledUpdate`` per kind of change; one that
    applies now is written, and its positive net proration invoiced (``SUBSCRIPTION_UPDATE``, idempotency key
    ``invoice_key``, by default ``update_key``), or its negative one credited to the payer's balance (key
    ``proration:{invoice key}``). Dates, metadata and custom entitlements (replaced whole) are
    written either way.
    """
    subscription = change.subscription
    key = invoice_key or update_key(subscription, change)
    if supersede:
        scheduled_updates_supersede(subscription=subscription, schedule_types=change.given_groups, now=now, actor=actor)
    if change.deferred:
        SubscriptionScheduledUpdate.objects.bulk_create(
            SubscriptionScheduledUpdate(
                subscription=subscription,
                schedule_type=group,
                execute_at=change.effective_at,
                payload=payload_of(group, change.request, change.target.quote),
                created_by=actor,
                created_at=now,
            )
            for group in change.changed_groups
        )
    elif change.changed_groups:
        _write_terms(subscription, change)
    _write_dates(subscription, change.request)
    if change.custom_entitlements is not None:
        custom_entitlements_write(subscription=subscription, entitlements=change.custom_entitlements, now=now)
    subscription.updated_at = now
    subscription.save()
    if change.balance_credit > 0:
        assert change.proration is not None
        balance_credit(
            customer_id=payer_id(subscription),
            currency=change.proration.net.currency,
            amount=change.balance_credit,
            kind=BalanceTransactionKind.PRORATION_CREDIT,
            description=f"Unused time on subscription {subscription.ref_id}",
            idempotency_key=f"proration:{key}",
            actor=actor,
            now=now,
            subscription=subscription,
        )
    invalidate_customer_pks([subscription.customer_id])
    if change.invoice is not None:
        record_invoice(
            subscription=subscription,
            draft=change.invoice,
            billing_reason=InvoiceBillingReason.SUBSCRIPTION_UPDATE,
            idempotency_key=key,
            now=now,
        )
    subscription_changed(subscription_id=subscription.pk)
    return subscription


def lock_subscription(subscription_id: int) -> Subscription:
    """Lock the subscription row (``FOR UPDATE``) until commit. Updates touch one subscription, so, like renewals,
    they take its lock only (never the customer's), which keeps the customer-then-subscription lock order. No
    joins: PostgreSQL re-checks a join after waiting for the lock, and a migration that moved ``plan_version``
    meanwhile would make the row vanish from the result."""
    return Subscription.objects.select_for_update().get(pk=subscription_id)


@transaction.atomic
def subscription_update(*, subscription_id: int, request: UpdateRequest, now: datetime, actor: str) -> Subscription:
    """Update a subscription in place (S3), by the rules of the module docstring.

    Locks the subscription row, computes the change on the locked row (``subscription_change``: everything is
    validated before anything is written), then applies it (``change_apply``). Idempotency: the invoice key names
    the state changed from and to (``update_key``); a retried request finds the change made and changes nothing.
    Errors: those of ``subscription_change``; nothing is written.
    """
    subscription = lock_subscription(subscription_id)
    change = subscription_change(subscription=subscription, request=request, at=now)
    return change_apply(change, now=now, actor=actor)


def subscription_update_preview(*, subscription_id: int, request: UpdateRequest, now: datetime) -> SubscriptionChange:
    """What ``subscription_update`` would do with ``request`` now: the same computation, answered. Writes nothing.
    Errors: those of ``subscription_change``."""
    subscription = Subscription.objects.select_related("plan", "plan_version", "customer").get(pk=subscription_id)
    return subscription_change(subscription=subscription, request=request, at=now)


def change_balance_outcome(change: SubscriptionChange) -> BalanceOutcome:
    """What applying ``change`` now does to the payer's credit balance: what of its invoice the balance pays, and
    what the change credits. Reads only; the same rule ``change_apply`` follows (``balance.balance_outcome``)."""
    invoice = change.immediate_invoice
    currency = change.proration.net.currency if change.proration is not None else invoice.currency
    return balance_preview(
        subscription=change.subscription,
        currency=currency,
        invoice_total=invoice.total,
        credited=change.balance_credit,
    )

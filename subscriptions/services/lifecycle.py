"""What happens to subscriptions as time passes: starts, trial ends, scheduled cancellations, renewals.

One service per kind of due work, each for one subscription. Each locks what it changes and re-checks, on the
locked row, that the work is still due (the ``*_due`` conditions of ``subscriptions.selectors``), so running a job
twice, or on two workers at once, does the work once; invoices are keyed by the period they bill. Each returns
what it changed, or nothing when there was nothing (left) to do.
"""

import logging
from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction

from catalog.enums import TrialEndBehavior
from config.errors import DomainError
from customers.decision_cache import invalidate_customer_pks
from subscriptions import periods, states
from subscriptions.change_listeners import subscription_changed
from subscriptions.enums import CancelReason, InvoiceBillingReason
from subscriptions.enums import SubscriptionStatus as Status
from subscriptions.models import Invoice, InvoiceLine, Subscription
from subscriptions.pricing import InvoiceDraft
from subscriptions.quote import QuoteInput, quote_period
from subscriptions.selectors import cancellation_due, renewal_due, start_due, trial_end_due
from subscriptions.services.balance import balance_apply_to_invoices
from subscriptions.services.common import (
    BILLING_ACTOR,
    QUOTE_PREFETCH,
    creation_key,
    end_subscription,
    invoice_lines_unsaved,
    invoice_period,
    invoice_unsaved,
    lock_due,
    quote_input_of,
    record_invoice,
    renewal_key,
    replaced_by_new,
)
from subscriptions.services.invoices import schedule_collection
from subscriptions.services.provisioning import apply_end_setup
from subscriptions.services.usage_reset import usage_counting_of_replacement

logger = logging.getLogger(__name__)

# A subscription whose renewals fell far behind (the jobs did not run) catches up this many periods per run.
MAX_PERIODS_PER_RUN = 36


def _end_replaced(
    subscription: Subscription, *, as_trial: bool, ended_at: datetime, now: datetime, actor: str
) -> list[tuple[Subscription, str]]:
    """End what ``subscription`` replaces now that it takes its slot, as a trial or not (provisioning rules 2, 3).
    Returns what it ended, with the reasons."""
    replaced = replaced_by_new(
        customer_id=subscription.customer_id,
        product_id=subscription.product_id,
        resource_key=subscription.resource_key,
        plan_id=subscription.plan_id,
        is_trial=as_trial,
        exclude_pk=subscription.pk,
    )
    for other, reason in replaced:
        end_subscription(subscription_id=other.pk, reason=reason, ended_at=ended_at, now=now, actor=actor)
    return replaced


@transaction.atomic
def subscription_start(*, subscription_id: int, now: datetime) -> Subscription | None:
    """A subscription provisioned to start later, whose start date has come, becomes ``ACTIVE`` (or ``IN_TRIAL``).

    It ends what it replaces (as provisioning would have), continuing or resetting usage by the product's rule
    (``services.usage_reset``; the change happens at the start date), and a paid non-trial one gets its first invoice
    (``SUBSCRIPTION_CREATION``, key ``creation:{subscription}``) for the period stored at provisioning.
    Locks the customer, then the subscription.
    """
    actor = "job:subscription-start"
    subscription = lock_due(subscription_id, start_due(now))
    if subscription is None:
        return None
    to_status = Status.IN_TRIAL if subscription.is_trial else Status.ACTIVE
    started_at = subscription.start_date
    replaced = _end_replaced(subscription, as_trial=subscription.is_trial, ended_at=started_at, now=now, actor=actor)
    if not replaced:
        # The subscriptions it replaces may have ended at this start already (their scheduled end ran first).
        earlier = Subscription.objects.filter(replaced_by=subscription, cancel_reason__isnull=False).order_by("-pk")
        replaced = [(other, other.cancel_reason) for other in earlier if other.cancel_reason is not None]
    usage_counting = usage_counting_of_replacement(
        replaced=replaced, product=subscription.product, billing_period=subscription.billing_period, at=started_at
    )
    subscription = states.subscription_transition(
        subscription_id=subscription.pk,
        to_status=to_status,
        reason="start date reached",
        actor=actor,
        now=now,
        changes=usage_counting,
    )
    if not subscription.is_trial:
        invoice_period(
            subscription=subscription,
            quote=quote_input_of(subscription),
            billing_reason=InvoiceBillingReason.SUBSCRIPTION_CREATION,
            idempotency_key=creation_key(subscription),
            now=now,
        )
    subscription_changed(subscription_id=subscription.pk)
    return subscription


@transaction.atomic
def subscription_end_trial(*, subscription_id: int, now: datetime) -> Subscription | None:
    """A trial that is over: ``CONVERT_TO_PAID`` makes it ``ACTIVE`` with billing anchored at the trial's end, a
    first period from there and its invoice (``BILLING_CYCLE``, key ``renewal:{subscription}:{trial end}``); it
    ends the slot's paid subscription it now replaces. ``CANCEL_SUBSCRIPTION`` cancels it (``TRIAL_ENDED``) and
    applies the product's end setup. Locks the customer, then the subscription.
    """
    actor = "job:trial-end"
    subscription = lock_due(subscription_id, trial_end_due(now))
    if subscription is None:
        return None
    trial_ended_at = subscription.trial_end_date
    assert trial_ended_at is not None  # the due condition (and a check constraint) guarantee it
    if subscription.trial_end_behavior == TrialEndBehavior.CANCEL_SUBSCRIPTION:
        ended = end_subscription(
            subscription_id=subscription.pk,
            reason=CancelReason.TRIAL_ENDED,
            ended_at=trial_ended_at,
            now=now,
            actor=actor,
        )
        apply_end_setup(ended=ended, now=now, actor=actor)
        return ended
    _end_replaced(subscription, as_trial=False, ended_at=trial_ended_at, now=now, actor=actor)
    period_end = None
    if subscription.billing_period is not None:
        period_end = periods.next_billing_boundary(
            anchor=trial_ended_at, billing_period=subscription.billing_period, after=trial_ended_at
        )
    subscription = states.subscription_transition(
        subscription_id=subscription.pk,
        to_status=Status.ACTIVE,
        reason="trial ended: converted to paid",
        actor=actor,
        now=now,
        changes={
            "is_trial": False,
            "billing_cycle_anchor": trial_ended_at,
            "current_period_start": trial_ended_at if period_end else None,
            "current_period_end": period_end,
        },
    )
    invoice_period(
        subscription=subscription,
        quote=quote_input_of(subscription),
        billing_reason=InvoiceBillingReason.BILLING_CYCLE,
        idempotency_key=renewal_key(subscription, trial_ended_at),
        now=now,
    )
    return subscription


@transaction.atomic
def subscription_end_scheduled(*, subscription_id: int, now: datetime) -> Subscription | None:
    """A live subscription whose scheduled end (``cancellation_date``) has come is cancelled as of that date.

    When a subscription provisioned to start then replaces it (``replaced_by``), the reason is
    ``UPGRADE_OR_DOWNGRADE`` (``TRIAL_CONVERTED`` for a trial) and the replacement takes over; otherwise it is
    ``ScheduledCancellation`` and the product's end setup applies. Locks the customer, then the subscription.
    """
    actor = "job:scheduled-cancellation"
    subscription = lock_due(subscription_id, cancellation_due(now))
    if subscription is None:
        return None
    ended_at = subscription.cancellation_date
    assert ended_at is not None  # the due condition guarantees it
    if subscription.replaced_by_id is not None:
        reason = CancelReason.TRIAL_CONVERTED if subscription.is_trial else CancelReason.UPGRADE_OR_DOWNGRADE
        return end_subscription(subscription_id=subscription.pk, reason=reason, ended_at=ended_at, now=now, actor=actor)
    ended = end_subscription(
        subscription_id=subscription.pk,
        reason=CancelReason.SCHEDULED_CANCELLATION,
        ended_at=ended_at,
        now=now,
        actor=actor,
    )
    apply_end_setup(ended=ended, now=now, actor=actor)
    return ended


@transaction.atomic
def subscription_renew(*, subscription_id: int, now: datetime) -> int:
    """Move an active subscription whose period is over to its next period(s) and invoice each one.

    The next period runs from the stored period's end to the next boundary of the billing cycle anchor
    (``periods.next_billing_boundary``, month ends clamped from the anchor). Each period is invoiced
    (``BILLING_CYCLE``) with the coupon while it lasts; idempotency key ``renewal:{subscription}:{period start}``
    (an invoice already there under that key is kept, not doubled). Stops before a period the subscription will
    not reach (a scheduled end at or before its start). Locks the subscription row only. Returns the number of
    periods renewed (0 when it was not, or no longer, due).
    """
    return _renew_locked([subscription_id], now=now, in_bulk=False)


def subscriptions_renew(*, subscription_ids: Sequence[int], now: datetime) -> int:
    """Renew the due subscriptions among ``subscription_ids`` (a sweeper's chunk): ``subscription_renew`` for each,
    in one transaction and a few queries per subscription instead of a transaction and a dozen queries each.

    Locks the chunk's due rows (``FOR UPDATE`` of the subscription rows only, in primary-key order). The invoices
    are written in bulk. Should anything fail (pricing refuses a subscription, an invoice key is already taken),
    the chunk is rolled back and each id is renewed on its own with ``subscription_renew``; a refusal there is
    logged and leaves only that subscription due, for the next sweep. Returns the number of periods renewed.
    """
    try:
        return _renew_locked(subscription_ids, now=now, in_bulk=True)
    except (DomainError, IntegrityError):
        logger.info("renewing %s subscription(s) in bulk failed; renewing them one by one", len(subscription_ids))
    renewed = 0
    for subscription_id in subscription_ids:
        try:
            renewed += subscription_renew(subscription_id=subscription_id, now=now)
        except DomainError:
            logger.exception("subscription_renew refused subscription %s", subscription_id)
    return renewed


@transaction.atomic
def _renew_locked(subscription_ids: Sequence[int], *, now: datetime, in_bulk: bool) -> int:
    """The one renewal procedure, for one subscription or a chunk: in rounds of one period each, lock (first round)
    and re-select the subscriptions still due (``renewal_due``, the sweeper's own condition), move each to its
    next period and draft that period's invoice; up to ``MAX_PERIODS_PER_RUN`` rounds. Then write the invoices:
    in bulk (``in_bulk``; a taken key raises ``IntegrityError``) or one by one with ``record_invoice`` (a taken
    key returns the existing invoice)."""
    quotes: dict[int, QuoteInput] = {}
    invoices: list[tuple[Subscription, str, InvoiceDraft]] = []
    renewed = 0
    customer_ids: set[int] = set()
    due_ids = list(subscription_ids)
    for _ in range(MAX_PERIODS_PER_RUN):
        due = list(
            Subscription.objects.select_for_update(of=("self",))
            .select_related("plan_version", "coupon")
            .prefetch_related(*QUOTE_PREFETCH)
            .filter(renewal_due(now), pk__in=due_ids)
            .order_by("pk")
        )
        if not due:
            break
        for subscription in due:
            assert subscription.billing_period is not None and subscription.billing_cycle_anchor is not None
            if subscription.pk not in quotes:
                quotes[subscription.pk] = quote_input_of(subscription)
            quote = quotes[subscription.pk]
            period_start = subscription.current_period_end
            assert period_start is not None
            period_end = periods.next_billing_boundary(
                anchor=subscription.billing_cycle_anchor, billing_period=subscription.billing_period, after=period_start
            )
            subscription.current_period_start = period_start
            subscription.current_period_end = period_end
            subscription.updated_at = now
            draft = quote_period(
                quote,
                period_start=period_start,
                period_end=period_end,
                coupon_applied_at=subscription.coupon_applied_at,
            )
            # As ``invoice_period``: nothing billed in advance, no invoice.
            if draft.lines:
                invoices.append((subscription, renewal_key(subscription, period_start), draft))
        Subscription.objects.bulk_update(due, ["current_period_start", "current_period_end", "updated_at"])
        renewed += len(due)
        customer_ids.update(subscription.customer_id for subscription in due)
        due_ids = [subscription.pk for subscription in due]
    invalidate_customer_pks(customer_ids)
    if in_bulk:
        _record_invoices_in_bulk(invoices, now=now)
    else:
        for subscription, key, draft in invoices:
            record_invoice(
                subscription=subscription,
                draft=draft,
                billing_reason=InvoiceBillingReason.BILLING_CYCLE,
                idempotency_key=key,
                now=now,
            )
    return renewed


def _record_invoices_in_bulk(invoices: Sequence[tuple[Subscription, str, InvoiceDraft]], *, now: datetime) -> None:
    """``common.record_invoice`` for many renewal invoices in two inserts (and their collection after commit). A
    taken idempotency key raises ``IntegrityError`` (the caller then renews one by one, where a taken key returns
    the existing invoice)."""
    rows = Invoice.objects.bulk_create(
        invoice_unsaved(
            subscription=subscription,
            draft=draft,
            billing_reason=InvoiceBillingReason.BILLING_CYCLE,
            idempotency_key=key,
            now=now,
        )
        for subscription, key, draft in invoices
    )
    InvoiceLine.objects.bulk_create(
        line
        for invoice, (_, _, draft) in zip(rows, invoices, strict=True)
        for line in invoice_lines_unsaved(invoice, draft)
    )
    balance_apply_to_invoices(rows, actor=BILLING_ACTOR, now=now)
    schedule_collection(rows, now=now)

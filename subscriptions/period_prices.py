"""Prices of stored subscriptions, read without writing: what the current billing period costs (the
subscription's ``totalPrice``) and what its next renewal would invoice (``previewNextInvoice``). Both quote the
subscription as the renewal job does (``services.common.quote_input_of`` and ``quote.quote_period``), so they cannot
disagree with the invoices it records."""

from collections.abc import Iterable
from datetime import datetime

from config.errors import InvalidInput
from subscriptions import periods
from subscriptions.models import LIVE_STATUSES, Subscription
from subscriptions.pricing import InvoiceDraft
from subscriptions.quote import quote_period
from subscriptions.services.common import QUOTE_PREFETCH, quote_input_of


def _period_quote(subscription: Subscription, *, period_start: datetime, period_end: datetime) -> InvoiceDraft | None:
    # A stored subscription whose quote no longer holds (a per-unit price without quantity) has no price to show.
    try:
        return quote_period(
            quote_input_of(subscription),
            period_start=period_start,
            period_end=period_end,
            coupon_applied_at=subscription.coupon_applied_at,
        )
    except InvalidInput:
        return None


def _quotable(subscription_ids: Iterable[int]) -> list[Subscription]:
    return list(
        Subscription.objects.select_related("plan_version", "coupon")
        .prefetch_related(*QUOTE_PREFETCH)
        .filter(pk__in=list(subscription_ids), billing_period__isnull=False)
    )


def subscriptions_period_prices(subscription_ids: Iterable[int]) -> dict[int, InvoiceDraft | None]:
    """What each subscription costs for its current billing period, undiscounted by proration (the renewal's own
    quote of that period), by pk; ``None`` for one without a billing period or a period yet (a free plan, a trial
    not yet started). A fixed number of queries for any number of subscriptions."""
    prices: dict[int, InvoiceDraft | None] = {}
    for subscription in _quotable(subscription_ids):
        if subscription.current_period_start is None or subscription.current_period_end is None:
            continue
        prices[subscription.pk] = _period_quote(
            subscription, period_start=subscription.current_period_start, period_end=subscription.current_period_end
        )
    return prices


def subscription_next_invoice(subscription: Subscription) -> InvoiceDraft | None:
    """The invoice the subscription's next renewal would record on its current terms (its next billing period;
    updates scheduled for then are not applied), or ``None`` when there is none to come: no billing period, or the
    subscription ends with its current period."""
    found = _quotable([subscription.pk])
    if not found or subscription.status not in LIVE_STATUSES:
        return None
    subscription = found[0]
    period_start = subscription.current_period_end or subscription.trial_end_date
    anchor = subscription.billing_cycle_anchor or period_start
    if period_start is None or anchor is None or subscription.billing_period is None:
        return None
    if subscription.cancellation_date is not None and subscription.cancellation_date <= period_start:
        return None
    period_end = periods.next_billing_boundary(
        anchor=anchor, billing_period=subscription.billing_period, after=period_start
    )
    return _period_quote(subscription, period_start=period_start, period_end=period_end)

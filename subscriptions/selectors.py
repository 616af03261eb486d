"""Subscription reads: lookups for the API and the admin, the due-work queries of the jobs.

The "due" conditions are ``Q`` objects used twice: by the sweepers to select ids, and by the per-item services to
re-check, on the locked row, that the item is still due. One definition, so the two cannot disagree.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery

from catalog.models import Price
from subscriptions.enums import CollectionStatus, InvoiceStatus, ScheduleStatus
from subscriptions.enums import SubscriptionStatus as Status
from subscriptions.errors import SubscriptionNotFound
from subscriptions.models import (
    LIVE_STATUSES,
    CustomerBalance,
    Invoice,
    Subscription,
    SubscriptionEntitlement,
    SubscriptionScheduledUpdate,
)

# --- the API's reads ------------------------------------------------------------------------------------------------

PRICES_FOR_WIRE = Price.objects.select_related("feature", "top_up_currency", "credit_rate_currency")
# The scheduled updates a subscription shows as ``futureUpdates``: those still to happen.
PENDING_UPDATE_STATUSES = (ScheduleStatus.SCHEDULED, ScheduleStatus.PENDING_PAYMENT)


def subscriptions_for_wire() -> QuerySet[Subscription]:
    """Subscriptions with everything ``subscriptions.apis.wire`` reads, in a fixed number of queries per page:
    the row with its customer, plan, version, product, resource and coupon; the plan's prices; the add-ons with
    their prices; the coupon's amounts; the pending scheduled updates (``pending_updates``); the custom
    entitlements; the id of the latest invoice (fetched by ``latest_invoices``)."""
    latest_invoice = Invoice.objects.filter(subscription=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    pending_updates = SubscriptionScheduledUpdate.objects.filter(status__in=PENDING_UPDATE_STATUSES).order_by(
        "execute_at", "pk"
    )
    return (
        Subscription.objects.select_related(
            "customer", "paying_customer", "plan", "plan_version", "product", "resource", "coupon"
        )
        .prefetch_related(
            Prefetch("plan_version__prices", queryset=PRICES_FOR_WIRE),
            "addons__addon",
            Prefetch("addons__addon_version__prices", queryset=PRICES_FOR_WIRE),
            "coupon__amounts_off",
            Prefetch("scheduled_updates", queryset=pending_updates, to_attr="pending_updates"),
            Prefetch(
                "custom_entitlements", queryset=SubscriptionEntitlement.objects.select_related("feature", "currency")
            ),
        )
        .annotate(latest_invoice_id=Subquery(latest_invoice))
    )


def subscription_get(ref_id: str) -> Subscription:
    """The subscription with this id, ready for the wire. ``SubscriptionNotFound`` (404) otherwise."""
    subscription = subscriptions_for_wire().filter(ref_id=ref_id).first()
    if subscription is None:
        raise SubscriptionNotFound(f"Subscription {ref_id} not found")
    return subscription


def subscription_list(
    *,
    customer_ref_id: str | None = None,
    plan_ref_id: str | None = None,
    resource_ref_id: str | None = None,
    pricing_types: Iterable[str] = (),
    statuses: Iterable[str] = (),
    created_at: dict | None = None,
) -> QuerySet[Subscription]:
    """Subscriptions matching every given filter (ids match exactly; unknown ids match nothing). The caller pages
    it in primary-key order, which is creation order."""
    queryset = subscriptions_for_wire()
    if customer_ref_id:
        queryset = queryset.filter(customer__ref_id=customer_ref_id)
    if plan_ref_id:
        queryset = queryset.filter(plan__ref_id=plan_ref_id)
    if resource_ref_id:
        queryset = queryset.filter(resource__ref_id=resource_ref_id)
    if pricing_types:
        queryset = queryset.filter(plan_version__pricing_type__in=list(pricing_types))
    if statuses:
        queryset = queryset.filter(status__in=list(statuses))
    return queryset.filter(**(created_at or {}))


def latest_invoices(subscriptions: Iterable[Subscription]) -> dict[int, Invoice]:
    """The latest invoice of each subscription (annotated by ``subscriptions_for_wire``), by subscription pk. One
    query."""
    by_invoice = {subscription.latest_invoice_id: subscription.pk for subscription in subscriptions}  # type: ignore[attr-defined]
    by_invoice.pop(None, None)
    invoices = Invoice.objects.in_bulk(list(by_invoice))
    return {by_invoice[invoice_pk]: invoice for invoice_pk, invoice in invoices.items()}


# --- due work -------------------------------------------------------------------------------------------------------


def start_due(now: datetime) -> Q:
    """Provisioned to start later, and the start has come."""
    return Q(status=Status.NOT_STARTED, start_date__lte=now)


def trial_end_due(now: datetime) -> Q:
    """In trial and the trial is over, unless a cancellation comes first (the cancellation job ends those)."""
    return Q(status=Status.IN_TRIAL, trial_end_date__lte=now) & (
        Q(cancellation_date__isnull=True) | Q(cancellation_date__gt=F("trial_end_date"))
    )


def cancellation_due(now: datetime) -> Q:
    """Live, with a scheduled end that has come."""
    return Q(status__in=LIVE_STATUSES, cancellation_date__lte=now)


def renewal_due(now: datetime) -> Q:
    """Active, with a billing period that is over, and not ending at (or before) that period's end; and no
    scheduled update due by that end (it runs first, so the next period is invoiced on the updated terms)."""
    update_first = SubscriptionScheduledUpdate.objects.filter(
        subscription=OuterRef("pk"), status=ScheduleStatus.SCHEDULED, execute_at__lte=OuterRef("current_period_end")
    )
    return (
        Q(status=Status.ACTIVE, billing_period__isnull=False, current_period_end__lte=now)
        & (Q(cancellation_date__isnull=True) | Q(cancellation_date__gt=F("current_period_end")))
        & ~Q(Exists(update_first))
    )


def scheduled_update_due(now: datetime) -> Q:
    """Has a scheduled update whose time has come."""
    due = SubscriptionScheduledUpdate.objects.filter(
        subscription=OuterRef("pk"), status=ScheduleStatus.SCHEDULED, execute_at__lte=now
    )
    return Q(Exists(due))


def subscription_ids_due(due: Q, *, after_pk: int = 0, limit: int) -> list[int]:
    """Up to ``limit`` ids of subscriptions matching ``due``, above ``after_pk``, in primary-key order (a keyset
    page, so a sweeper walks every due row once even while rows change under it)."""
    return list(Subscription.objects.filter(due, pk__gt=after_pk).order_by("pk").values_list("pk", flat=True)[:limit])


# A collection attempt that has not finalized in this long (a crash, a provider that never answered, an invoice left
# for manual collection) needs an operator.
COLLECTION_STALE_AFTER = timedelta(days=1)


def invoices_needing_attention(now: datetime) -> Q:
    """Invoices whose collection needs an operator: FAILED, or still PENDING a day after they were recorded."""
    stale = Q(collection_status=CollectionStatus.PENDING, created_at__lte=now - COLLECTION_STALE_AFTER)
    return Q(status=InvoiceStatus.OPEN) & (Q(collection_status=CollectionStatus.FAILED) | stale)


# --- credit balances ------------------------------------------------------------------------------------------------


def customer_balance(*, customer_id: int, currency: str) -> Decimal:
    """The customer's credit balance in ``currency``: what its next invoices in that currency use first. The one
    definition of the balance (``services.balance`` keeps ``CustomerBalance.amount`` equal to its ledger's sum)."""
    amount = (
        CustomerBalance.objects.filter(customer_id=customer_id, currency=currency)
        .values_list("amount", flat=True)
        .first()
    )
    return amount if amount is not None else Decimal(0)


def customer_balances(*, customer_id: int) -> dict[str, Decimal]:
    """Every currency the customer has a balance in (zero ones included), by currency."""
    rows = CustomerBalance.objects.filter(customer_id=customer_id).order_by("currency")
    return {row.currency: row.amount for row in rows}

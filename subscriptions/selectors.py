"""Subscription reads: lookups for the API and the admin, the due-work queries of the jobs.

The "due" conditions are ``Q`` objects used twice: by the sweepers to select ids, and by the per-item services to
re-check, on the locked row, that the item is still due. One definition, so the two cannot disagree.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery

from catalog.enums import PricingType
from catalog.models import Price
from catalog.paywall import localized_prices
from subscriptions.enums import CollectionStatus, InvoiceStatus, ScheduleStatus
from subscriptions.enums import SubscriptionStatus as Status
from subscriptions.errors import SubscriptionNotFound
from subscriptions.models import (
    CURRENT_STATUSES,
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
    ref_ids: Iterable[str] = (),
    customer_ref_ids: Iterable[str] = (),
    plan_ref_ids: Iterable[str] = (),
    resource_ref_ids: Iterable[str] = (),
    product_ref_ids: Iterable[str] = (),
) -> QuerySet[Subscription]:
    """Subscriptions matching every given filter (ids match exactly; unknown ids match nothing; an empty list is no
    filter). The caller pages it in primary-key order, which is creation order."""
    queryset = subscriptions_for_wire()
    if customer_ref_id:
        queryset = queryset.filter(customer__ref_id=customer_ref_id)
    if plan_ref_id:
        queryset = queryset.filter(plan__ref_id=plan_ref_id)
    if resource_ref_id:
        queryset = queryset.filter(resource__ref_id=resource_ref_id)
    lists = {
        "plan_version__pricing_type__in": pricing_types,
        "status__in": statuses,
        "ref_id__in": ref_ids,
        "customer__ref_id__in": customer_ref_ids,
        "plan__ref_id__in": plan_ref_ids,
        "resource__ref_id__in": resource_ref_ids,
        "product__ref_id__in": product_ref_ids,
    }
    for lookup, values in lists.items():
        values = list(values)
        if values:
            queryset = queryset.filter(**{lookup: values})
    return queryset.filter(**(created_at or {}))


def _applicable_prices(prices: Iterable[Price], subscription: Subscription) -> list[Price]:
    """The version's prices this subscription pays: its billing period, localized to its country."""
    recurring = [price for price in prices if not price.is_overage]
    return [
        price
        for price in localized_prices(recurring, subscription.billing_country_code)
        if price.billing_period == subscription.billing_period
    ]


def subscription_prices(subscription: Subscription) -> list[tuple[Price, str | None]]:
    """The prices the subscription pays (its plan's, then each add-on's), each with the add-on's id (``None`` for
    the plan's). Reads only what ``subscriptions_for_wire`` prefetched."""
    if subscription.billing_period is None:
        return []
    rows: list[tuple[Price, str | None]] = [
        (price, None) for price in _applicable_prices(subscription.plan_version.prices.all(), subscription)
    ]
    for addon in subscription.addons.all():
        rows += [
            (price, addon.addon.ref_id) for price in _applicable_prices(addon.addon_version.prices.all(), subscription)
        ]
    return rows


def subscription_of_resource(*, customer_ref_id: str, resource_ref_id: str) -> Subscription:
    """The customer's current subscription on this resource (the oldest, if it has several products there), ready
    for the wire. ``SubscriptionNotFound`` (404) when there is none."""
    subscription = (
        subscriptions_for_wire()
        .filter(customer__ref_id=customer_ref_id, resource__ref_id=resource_ref_id, status__in=CURRENT_STATUSES)
        .order_by("pk")
        .first()
    )
    if subscription is None:
        raise SubscriptionNotFound(
            f"Customer {customer_ref_id} has no subscription on resource {resource_ref_id}", field="sourceResourceId"
        )
    return subscription


def trials_used(customer_ids: Iterable[int]) -> Q:
    """The subscriptions that used these customers' trials: every subscription that had a trial, theirs or one they
    pay for as another's payer (provisioning's rule 4: one trial per customer per product, ever)."""
    customer_ids = list(customer_ids)
    return Q(trial_end_date__isnull=False) & (Q(customer_id__in=customer_ids) | Q(paying_customer_id__in=customer_ids))


def customers_trial_subscriptions(customer_ids: Iterable[int]) -> dict[int, list[Subscription]]:
    """For each customer, the subscriptions that used its trials (``trials_used``), with plan and product. One
    query."""
    customer_ids = list(customer_ids)
    found: dict[int, list[Subscription]] = {customer_id: [] for customer_id in customer_ids}
    rows = Subscription.objects.filter(trials_used(customer_ids)).select_related("plan", "product").order_by("pk")
    for subscription in rows:
        for customer_id in {subscription.customer_id, subscription.paying_customer_id}:
            if customer_id in found:
                found[customer_id].append(subscription)
    return found


def customers_current_subscriptions(customer_ids: Iterable[int]) -> dict[int, list[Subscription]]:
    """Each customer's subscriptions that have not ended (live or waiting to start), ready for the wire, oldest
    first. A fixed number of queries for any number of customers."""
    customer_ids = list(customer_ids)
    found: dict[int, list[Subscription]] = {customer_id: [] for customer_id in customer_ids}
    rows = subscriptions_for_wire().filter(customer_id__in=customer_ids, status__in=CURRENT_STATUSES).order_by("pk")
    for subscription in rows:
        found[subscription.customer_id].append(subscription)
    return found


def customers_live_subscription_counts(customer_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """For each customer, how many live subscriptions it has per pricing type (a free plan counts as ``FREE``). One
    query."""
    customer_ids = list(customer_ids)
    counts: dict[int, dict[str, int]] = {customer_id: {} for customer_id in customer_ids}
    rows = (
        Subscription.objects.filter(customer_id__in=customer_ids, status__in=LIVE_STATUSES)
        .values_list("customer_id", "plan_version__pricing_type")
        .annotate(total=Count("pk"))
        .order_by()
    )
    for customer_id, pricing_type, total in rows:
        key = pricing_type or PricingType.FREE
        counts[customer_id][key] = counts[customer_id].get(key, 0) + total
    return counts


def latest_invoices(subscriptions: Iterable[Subscription]) -> dict[int, Invoice]:
    """The latest invoice of each subscription (annotated by ``subscriptions_for_wire``), by subscription pk. One
    query."""
    # ``latest_invoice_id``: an annotation of ``subscriptions_for_wire``, unknown to the model's type.
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

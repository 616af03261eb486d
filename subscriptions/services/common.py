"""Pieces every subscription service shares: locks, slots, ending a subscription, quotes and invoices.

Lock order, everywhere: the customer row first, then its subscription rows. Provisioning, cancelling, starting,
ending trials and the customer-archive hook take the customer lock, because they may end or create other
subscriptions of the same customer; renewals touch one subscription and lock only it.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet

from catalog.models import Price
from customers.errors import CustomerNotFound
from customers.models import Customer
from subscriptions import states
from subscriptions.enums import CancelReason, CollectionStatus
from subscriptions.enums import SubscriptionStatus as Status
from subscriptions.models import (
    LIVE_STATUSES,
    Invoice,
    InvoiceLine,
    Subscription,
    SubscriptionAddon,
    SubscriptionFeatureQuantity,
)
from subscriptions.pricing import InvoiceDraft
from subscriptions.quote import QuoteInput, quote_period
from subscriptions.services.balance import balance_apply_to_invoices
from subscriptions.services.invoices import schedule_collection

BILLING_ACTOR = "billing"


def lock_customer(customer_id: int, *, active: bool = True) -> Customer:
    """Lock the customer row (``FOR UPDATE``) until commit. With ``active``, an archived customer (archived while
    the caller was validating) is ``CustomerNotFound``."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    if active and customer.is_archived:
        raise CustomerNotFound(f"Customer {customer.ref_id} not found", field="customerId")
    return customer


def lock_due(subscription_id: int, due: Q) -> Subscription | None:
    """Lock the subscription's customer, then the subscription if it still matches ``due``; ``None`` when it no
    longer does (another worker got there first, or it changed). The re-check happens on the locked row."""
    customer_id = Subscription.objects.filter(pk=subscription_id).values_list("customer_id", flat=True).first()
    if customer_id is None:
        return None
    lock_customer(customer_id, active=False)
    return Subscription.objects.select_for_update().filter(due, pk=subscription_id).first()


def slot(*, customer_id: int, product_id: int, resource_key: str) -> QuerySet[Subscription]:
    """The customer's subscriptions to one product for one resource (see ``subscriptions.models``)."""
    return Subscription.objects.filter(customer_id=customer_id, product_id=product_id, resource_key=resource_key)


def replaced_by_new(
    *, customer_id: int, product_id: int, resource_key: str, plan_id: int, is_trial: bool, exclude_pk: int | None
) -> list[tuple[Subscription, str]]:
    """The live subscriptions a new subscription of ``plan_id`` ends, with the cancel reason for each.

    A trial ends nothing (provisioning rule 1: a trial runs beside the paid subscription; and a customer gets one
    trial per product, so there is no other trial to end). A non-trial ends the slot's live non-trial subscription
    (rule 3, ``UPGRADE_OR_DOWNGRADE``) and a live trial of the same plan (rule 2, ``TRIAL_CONVERTED``).
    """
    if is_trial:
        return []
    live = slot(customer_id=customer_id, product_id=product_id, resource_key=resource_key).filter(
        status__in=LIVE_STATUSES
    )
    replaced: list[tuple[Subscription, str]] = []
    others = live if exclude_pk is None else live.exclude(pk=exclude_pk)
    for subscription in others.order_by("pk"):
        if not subscription.is_trial:
            replaced.append((subscription, CancelReason.UPGRADE_OR_DOWNGRADE))
        elif subscription.plan_id == plan_id:
            replaced.append((subscription, CancelReason.TRIAL_CONVERTED))
    return replaced


def end_subscription(
    *, subscription_id: int, reason: str, ended_at: datetime, now: datetime, actor: str
) -> Subscription:
    """Cancel a subscription through the state machine, ending at ``ended_at`` (``now`` or a scheduled date).

    A subscription that never started also releases the ones it was to replace: their scheduled end is removed.
    The product's end setup is the caller's business (``provisioning.apply_end_setup``).
    """
    subscription = states.subscription_transition(
        subscription_id=subscription_id,
        to_status=Status.CANCELED,
        reason=reason,
        actor=actor,
        now=now,
        changes={
            "cancel_reason": reason,
            "cancellation_date": ended_at,
            "effective_end_date": ended_at,
            "end_date": ended_at,
        },
    )
    Subscription.objects.filter(replaced_by=subscription, status__in=LIVE_STATUSES).update(
        replaced_by=None, cancellation_date=None, effective_end_date=None, end_date=None, updated_at=now
    )
    return subscription


def quote_input_of(subscription: Subscription) -> QuoteInput:
    """What a stored subscription is quoted from: its pinned versions, quantities, coupon and tax. Two queries,
    none for rows prefetched as ``QUOTE_PREFETCH`` does (the renewal job prefetches a whole chunk)."""
    prefetched = getattr(subscription, "_prefetched_objects_cache", {})
    feature_rows = (
        subscription.feature_quantities.all()
        if "feature_quantities" in prefetched
        else subscription.feature_quantities.select_related("feature")
    )
    addon_rows = (
        subscription.addons.all()
        if "addons" in prefetched
        else subscription.addons.select_related("addon_version__package").order_by("pk")
    )
    return QuoteInput(
        plan_version=subscription.plan_version,
        billing_period=subscription.billing_period,
        billing_country_code=subscription.billing_country_code,
        unit_quantity=subscription.unit_quantity,
        feature_quantities={row.feature.ref_id: row.quantity for row in feature_rows},
        addons=[(row.addon_version, row.quantity) for row in addon_rows],
        coupon=subscription.coupon,
        tax_percentage=subscription.tax_percentage,
    )


# Everything ``quote_input_of`` and ``quote.quote_period`` read, for ``prefetch_related`` on subscriptions selected
# with ``select_related("plan_version", "coupon")``: quoting a chunk of subscriptions then takes a few queries in all.
QUOTE_PREFETCH = (
    Prefetch("feature_quantities", queryset=SubscriptionFeatureQuantity.objects.select_related("feature")),
    Prefetch("addons", queryset=SubscriptionAddon.objects.select_related("addon_version__package").order_by("pk")),
    Prefetch("addons__addon_version__prices", queryset=Price.objects.select_related("feature")),
    Prefetch("plan_version__prices", queryset=Price.objects.select_related("feature")),
    "coupon__amounts_off",
)


def renewal_key(subscription: Subscription, period_start: datetime) -> str:
    return f"renewal:{subscription.pk}:{period_start.isoformat()}"


def creation_key(subscription: Subscription) -> str:
    return f"creation:{subscription.pk}"


def invoice_unsaved(
    *, subscription: Subscription, draft: InvoiceDraft, billing_reason: str, idempotency_key: str, now: datetime
) -> Invoice:
    """An invoice row for ``draft``, not yet saved; one with something to pay starts ``PENDING`` collection."""
    return Invoice(
        subscription=subscription,
        billing_reason=billing_reason,
        period_start=draft.period_start,
        period_end=draft.period_end,
        currency=draft.currency,
        subtotal=draft.subtotal,
        discount=draft.discount,
        tax=draft.tax,
        total=draft.total,
        tax_percentage=draft.tax_percentage,
        coupon_ref_id=draft.coupon_ref_id,
        idempotency_key=idempotency_key,
        created_at=now,
        collection_status=CollectionStatus.PENDING if draft.total > 0 else CollectionStatus.NOT_REQUIRED,
    )


def invoice_lines_unsaved(invoice: Invoice, draft: InvoiceDraft) -> list[InvoiceLine]:
    return [
        InvoiceLine(
            invoice=invoice,
            position=position,
            description=line.description[:500],
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            currency=line.currency,
        )
        for position, line in enumerate(draft.lines)
    ]


def record_invoice(
    *, subscription: Subscription, draft: InvoiceDraft, billing_reason: str, idempotency_key: str, now: datetime
) -> Invoice:
    """Store an invoice and its lines. Idempotency key: ``idempotency_key`` (unique); when it is taken the
    existing invoice is returned unchanged, so a period is invoiced once however often this runs.

    The payer's credit balance pays it first (``balance.balance_apply_to_invoices``). Side effect: a new invoice
    with something left to pay is collected after commit (``invoices.invoice_collect``,
    through the payment gateway, with the same key); one of zero is ``NOT_REQUIRED``. The renewal path records
    many at once with the same row builders (``lifecycle._record_invoices_in_bulk``)."""
    try:
        with transaction.atomic():
            invoice = invoice_unsaved(
                subscription=subscription,
                draft=draft,
                billing_reason=billing_reason,
                idempotency_key=idempotency_key,
                now=now,
            )
            invoice.save(force_insert=True)
            InvoiceLine.objects.bulk_create(invoice_lines_unsaved(invoice, draft))
            balance_apply_to_invoices([invoice], actor=BILLING_ACTOR, now=now)
            schedule_collection([invoice], now=now)
            return invoice
    except IntegrityError:
        existing = Invoice.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing


def invoice_period(
    *,
    subscription: Subscription,
    quote: QuoteInput,
    billing_reason: str,
    idempotency_key: str,
    now: datetime,
) -> Invoice | None:
    """Invoice the subscription's current period when something in it is billed (no invoice for a plan and add-ons
    without in-advance prices). The coupon discounts it while it lasts from ``coupon_applied_at``."""
    if subscription.current_period_start is None or subscription.current_period_end is None:
        return None
    draft = quote_period(
        quote,
        period_start=subscription.current_period_start,
        period_end=subscription.current_period_end,
        coupon_applied_at=subscription.coupon_applied_at,
    )
    if not draft.lines:
        return None
    return record_invoice(
        subscription=subscription, draft=draft, billing_reason=billing_reason, idempotency_key=idempotency_key, now=now
    )

"""Provisioning (S1): a customer subscribes to a plan; and the product's end setup, which provisions too.

The rules (seeds: backend operations, Node SDK ``provisionSubscription``), with a customer's subscriptions to one
product grouped in slots (one per resource, see ``subscriptions.models``):

1. A trial and a non-trial subscription to different plans of the same product run in parallel.
2. Subscribing to the plan the customer is trialling creates a non-trial subscription and ends the trial
   (``TRIAL_CONVERTED``).
3. Otherwise a new non-trial subscription ends the slot's live one (``UPGRADE_OR_DOWNGRADE``): at once when it
   starts now, at its start date when it starts later (the old one keeps ``cancellation_date`` and
   ``replaced_by`` until then).
4. The trial can be skipped (``trialOverrideConfiguration.isTrial: false``), or set (``trialEndDate``). A customer
   gets one trial per product, ever: later subscriptions start without one (an explicit ``isTrial: true`` is then
   refused with 409 ``TRIAL_ALREADY_USED``). A plan the customer already pays for in the slot is not trialled.
5. A product with ``multipleSubscriptions`` keeps one slot per resource: ``resourceId`` is required there (the
   seeds: "required when a product supports multiple active subscriptions") and the rules above apply per
   resource. A product without it has one slot per customer and refuses a ``resourceId``.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from catalog import enums as catalog_enums
from catalog.models import Package, PackageVersion
from catalog.selectors import package_latest_published_version
from config.errors import InvalidInput
from config.ids import validate_external_id
from customers.models import Customer
from customers.selectors import customer_get
from customers.services import customer_resource_get_or_create
from subscriptions import periods, states
from subscriptions.change_listeners import subscription_changed
from subscriptions.enums import CancelReason, InvoiceBillingReason
from subscriptions.enums import SubscriptionStatus as Status
from subscriptions.errors import DuplicateSubscriptionId, TrialNotAvailable
from subscriptions.models import (
    CURRENT_STATUSES,
    LIVE_STATUSES,
    Subscription,
    SubscriptionAddon,
    SubscriptionFeatureQuantity,
)
from subscriptions.quote import (
    QuoteInput,
    quote_period,
    validate_quote_input,
)
from subscriptions.selectors import trials_used
from subscriptions.services.common import (
    creation_key,
    end_subscription,
    invoice_period,
    lock_customer,
    replaced_by_new,
    slot,
)
from subscriptions.services.custom_entitlements import (
    custom_entitlements_write,
)
from subscriptions.services.provision_terms import ProvisionRequest, SubscriptionTerms, subscription_terms
from subscriptions.services.usage_reset import usage_counting_after, usage_counting_of_replacement

logger = logging.getLogger(__name__)

REF_ID_PLAN_PART = 200


@dataclass(frozen=True)
class ProvisionResult:
    subscription: Subscription
    # The subscription starts later (NOT_STARTED): the contract's ``isScheduled``.
    is_scheduled: bool


def _generated_ref_id(plan: Package) -> str:
    """Like Stigg's ``subscription-plan-basic-ed5dac``, with 48 random bits so ids do not collide."""
    return f"subscription-{plan.ref_id[:REF_ID_PLAN_PART]}-{secrets.token_hex(6)}"


def _trial_available(*, customer: Customer, plan: Package, resource_key: str) -> bool:
    """Rule 4: one trial per customer per product, and no trial of a plan the slot already pays for. A trial the
    customer delegated to another (it still pays for it) counts as its own."""
    product_id = plan.product_id
    if Subscription.objects.filter(trials_used([customer.pk]), product_id=product_id).exists():
        return False
    paid = slot(customer_id=customer.pk, product_id=product_id, resource_key=resource_key).filter(
        status__in=LIVE_STATUSES, is_trial=False, plan=plan
    )
    return not paid.exists()


def _first_period(
    *, start: datetime, billing_period: str | None, trial_ends: datetime | None, now: datetime
) -> tuple[datetime, datetime | None, datetime | None]:
    """``(billing cycle anchor, current period start, current period end)`` of a new subscription.

    A trial is one period up to its end, and billing is anchored at the trial's end. Otherwise billing is anchored
    at the start; a start in the past gets the period containing ``now`` (backdated: earlier periods are not
    billed). Without a billing period (free plans) there is no period.
    """
    if trial_ends is not None:
        return trial_ends, start, trial_ends
    if billing_period is None:
        return start, None, None
    period_start, period_end = periods.billing_period_range(
        anchor=start, billing_period=billing_period, at=max(start, now)
    )
    return start, period_start, period_end


def _currency(terms: SubscriptionTerms, *, anchor: datetime) -> str | None:
    """The currency the subscription is billed in: that of its first paid period, if anything is billed."""
    billing_period = terms.quote.billing_period
    if billing_period is None:
        return None
    period_end = periods.next_billing_boundary(anchor=anchor, billing_period=billing_period, after=anchor)
    draft = quote_period(terms.quote, period_start=anchor, period_end=period_end)
    return draft.currency if draft.lines else None


def create_subscription_locked(
    *,
    customer: Customer,
    terms: SubscriptionTerms,
    ref_id: str | None,
    now: datetime,
    actor: str,
    downgraded_from: Subscription | None = None,
) -> Subscription:
    """Create a subscription from validated terms, applying the provisioning rules. The caller holds the customer
    lock (``lock_customer``), which serialises everything done to the customer's subscriptions.

    Ends or schedules the end of the subscriptions it replaces (usage carries over or resets by the product's rule,
    ``services.usage_reset``; for a later start, when it starts), creates the resource on first use, records the
    creation event, its custom entitlements and, for a paid subscription starting now outside a trial, its first invoice
    (``SUBSCRIPTION_CREATION``, key ``creation:{subscription}``).
    """
    plan = terms.plan
    resource_key = terms.resource_ref_id or ""
    trial_ends = terms.trial_ends
    if trial_ends is not None and not _trial_available(customer=customer, plan=plan, resource_key=resource_key):
        if terms.trial_requested:
            raise TrialNotAvailable(
                f"customer {customer.ref_id} already had a trial of product {plan.product.ref_id}, or pays for "
                f"plan {plan.ref_id} already",
                field="trialOverrideConfiguration.isTrial",
            )
        trial_ends = None
    is_trial = trial_ends is not None
    starts_now = terms.start <= now
    anchor, period_start, period_end = _first_period(
        start=terms.start, billing_period=terms.quote.billing_period, trial_ends=trial_ends, now=now
    )
    same_slot = slot(customer_id=customer.pk, product_id=plan.product_id, resource_key=resource_key)
    # A newer request for the same slot wins over one still waiting to start.
    for pending in same_slot.filter(status=Status.NOT_STARTED, is_trial=is_trial).order_by("pk"):
        end_subscription(
            subscription_id=pending.pk, reason=CancelReason.UPGRADE_OR_DOWNGRADE, ended_at=now, now=now, actor=actor
        )
    replaced = replaced_by_new(
        customer_id=customer.pk,
        product_id=plan.product_id,
        resource_key=resource_key,
        plan_id=plan.pk,
        is_trial=is_trial,
        exclude_pk=None,
    )
    if starts_now:
        for subscription, reason in replaced:
            end_subscription(subscription_id=subscription.pk, reason=reason, ended_at=now, now=now, actor=actor)
    usage_counting: dict[str, datetime | None] = {"usage_anchor": None, "usage_reset_at": None}
    if downgraded_from is not None:
        usage_counting = usage_counting_after(
            previous=downgraded_from, product=plan.product, billing_period=terms.quote.billing_period, at=terms.start
        )
    elif starts_now:
        # The change happens now, when the replaced subscription ends (also for a start date in the past).
        usage_counting = usage_counting_of_replacement(
            replaced=replaced, product=plan.product, billing_period=terms.quote.billing_period, at=now
        )
    resource = None
    if terms.resource_ref_id:
        resource = customer_resource_get_or_create(customer=customer, ref_id=terms.resource_ref_id, now=now)
    ref_id = ref_id or _generated_ref_id(plan)
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(
                ref_id=ref_id,
                customer=customer,
                product_id=plan.product_id,
                plan=plan,
                plan_version=terms.quote.plan_version,
                resource=resource,
                resource_key=resource_key,
                status=(Status.IN_TRIAL if is_trial else Status.ACTIVE) if starts_now else Status.NOT_STARTED,
                is_trial=is_trial,
                trial_end_date=trial_ends,
                trial_end_behavior=(
                    (terms.trial_end_behavior or catalog_enums.TrialEndBehavior.CONVERT_TO_PAID) if is_trial else None
                ),
                billing_period=terms.quote.billing_period,
                billing_country_code=terms.quote.billing_country_code,
                currency=_currency(terms, anchor=anchor),
                unit_quantity=terms.quote.unit_quantity,
                tax_percentage=terms.quote.tax_percentage,
                start_date=terms.start,
                **usage_counting,
                billing_cycle_anchor=anchor,
                current_period_start=period_start,
                current_period_end=period_end,
                cancellation_date=terms.cancellation_date,
                effective_end_date=terms.cancellation_date,
                end_date=terms.cancellation_date,
                downgraded_from=downgraded_from,
                metadata=dict(terms.metadata),
                coupon=terms.quote.coupon,
                coupon_applied_at=terms.coupon_applied_at,
                payment_collection_method=terms.payment_collection_method,
                billing_id=terms.billing_id,
                paying_customer=terms.paying_customer,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError as error:
        if Subscription.objects.filter(ref_id=ref_id).exists():
            raise DuplicateSubscriptionId(f"Subscription with id {ref_id} already exists", field="id") from error
        raise
    SubscriptionAddon.objects.bulk_create(
        SubscriptionAddon(subscription=subscription, addon=version.package, addon_version=version, quantity=quantity)
        for version, quantity in terms.quote.addons
    )
    SubscriptionFeatureQuantity.objects.bulk_create(
        SubscriptionFeatureQuantity(subscription=subscription, feature=feature, quantity=quantity)
        for feature, quantity in terms.features
    )
    if terms.custom_entitlements:
        custom_entitlements_write(subscription=subscription, entitlements=terms.custom_entitlements, now=now)
    states.subscription_record_creation(
        subscription=subscription,
        actor=actor,
        reason="downgrade (product end setup)" if downgraded_from else "provisioned",
        now=now,
    )
    if not starts_now:
        # Rule 3 for a later start: the replaced subscriptions end when this one starts (unless they end earlier).
        for replaced_subscription, _ in replaced:
            if replaced_subscription.cancellation_date is None or replaced_subscription.cancellation_date > terms.start:
                Subscription.objects.filter(pk=replaced_subscription.pk).update(
                    replaced_by=subscription,
                    cancellation_date=terms.start,
                    effective_end_date=terms.start,
                    end_date=terms.start,
                    updated_at=now,
                )
    elif not is_trial:
        invoice_period(
            subscription=subscription,
            quote=terms.quote,
            billing_reason=InvoiceBillingReason.SUBSCRIPTION_CREATION,
            idempotency_key=creation_key(subscription),
            now=now,
        )
    subscription_changed(subscription_id=subscription.pk)
    return subscription


def _provisioned_again(existing: Subscription, *, customer: Customer, plan: Package) -> ProvisionResult:
    """A provision with an id that is taken: the same request retried gets its subscription; anything else is 409."""
    if existing.customer_id != customer.pk or existing.plan_id != plan.pk:
        raise DuplicateSubscriptionId(f"Subscription with id {existing.ref_id} already exists", field="id")
    return ProvisionResult(subscription=existing, is_scheduled=existing.status == Status.NOT_STARTED)


@transaction.atomic
def subscription_provision(*, request: ProvisionRequest, now: datetime, actor: str) -> ProvisionResult:
    """Subscribe a customer to the latest published version of a plan, applying the provisioning rules above.

    Everything is resolved and validated (``subscription_terms``) before anything is written (a refused request
    writes nothing). Then the customer row is locked (``FOR UPDATE``), so two provisions for one customer run one
    after the other and the second sees the first's subscription.
    Idempotency key: the client's subscription ``id`` when given: a retry (same id, customer and plan) returns the
    subscription it created; the id on anything else is 409 ``DUPLICATE_ID``.
    Errors: ``CustomerNotFound`` (404, also for an archived customer), those of ``subscription_terms``,
    ``TrialNotAvailable`` (409).
    """
    if request.ref_id is not None:
        validate_external_id(request.ref_id)
    customer = customer_get(request.customer_ref_id, field="customerId")
    terms = subscription_terms(customer=customer, request=request, now=now)
    customer = lock_customer(customer.pk)
    if request.ref_id is not None:
        existing = Subscription.objects.filter(ref_id=request.ref_id).first()
        if existing is not None:
            return _provisioned_again(existing, customer=customer, plan=terms.plan)
    subscription = create_subscription_locked(
        customer=customer, terms=terms, ref_id=request.ref_id, now=now, actor=actor
    )
    return ProvisionResult(subscription=subscription, is_scheduled=subscription.status == Status.NOT_STARTED)


def apply_end_setup(*, ended: Subscription, now: datetime, actor: str) -> Subscription | None:
    """The product's end setup for a subscription that just ended: with ``DOWNGRADE_TO_FREE``, subscribe the
    customer to the product's downgrade plan in the same slot, from the moment the old one ended.

    Nothing happens when the product cancels instead, when the ended subscription was on the downgrade plan
    already, when another subscription takes the slot, or when the customer is archived. Idempotency key: the
    ended subscription (``downgraded_from`` is unique). The caller holds the customer lock. A downgrade plan that
    cannot be sold (unpublished, archived, or refused by validation) is logged and skipped, so ending a
    subscription never fails because of the catalog.
    """
    product = ended.product
    if product.subscription_end_setup != catalog_enums.SubscriptionEndSetup.DOWNGRADE_TO_FREE:
        return None
    if product.downgrade_plan_id is None or product.downgrade_plan_id == ended.plan_id:
        return None
    customer = ended.customer
    if customer.is_archived:
        return None
    if Subscription.objects.filter(downgraded_from=ended).exists():
        return None
    others = slot(customer_id=customer.pk, product_id=product.pk, resource_key=ended.resource_key).filter(
        status__in=CURRENT_STATUSES, is_trial=False
    )
    if others.exists():
        return None
    # ``downgrade_plan_id`` was checked above; the relation is typed nullable.
    plan: Package = product.downgrade_plan  # type: ignore[assignment]
    version: PackageVersion | None = package_latest_published_version(plan)
    if version is None or plan.archived_at is not None:
        logger.warning("end setup of %s skipped: downgrade plan %s cannot be sold", ended.ref_id, plan.ref_id)
        return None
    started_at = min(ended.effective_end_date or now, now)
    quote = QuoteInput(
        plan_version=version,
        billing_period=ended.billing_period if version.pricing_type == catalog_enums.PricingType.PAID else None,
        billing_country_code=ended.billing_country_code,
        unit_quantity=None,
        feature_quantities={},
        addons=[],
        coupon=None,
        tax_percentage=ended.tax_percentage,
    )
    try:
        validate_quote_input(quote)
    except InvalidInput as error:
        logger.warning("end setup of %s skipped: downgrade plan %s refused: %s", ended.ref_id, plan.ref_id, error)
        return None
    terms = SubscriptionTerms(
        quote=quote,
        features=[],
        resource_ref_id=ended.resource.ref_id if ended.resource else None,
        start=started_at,
        trial_ends=None,
        trial_requested=False,
        trial_end_behavior=None,
        cancellation_date=None,
        coupon_applied_at=None,
        metadata={},
        payment_collection_method=None,
        billing_id=None,
    )
    return create_subscription_locked(
        customer=customer, terms=terms, ref_id=None, now=now, actor=actor, downgraded_from=ended
    )

"""What an update does to a subscription, computed once and read only: the change that S3's update and its preview,
the migration and the scheduled-updates job all share (``services.updates`` applies it).

``subscription_change`` works out, for an ``UpdateRequest`` made at a moment, the target terms (validated with
``quote.validate_quote_input``), when the billing part takes effect, its proration and the next full period on the
new terms. A preview answers that; an update writes it (``updates.change_apply``). So a preview and the change it
previews are the same computation. The rules:

* Only present keys change; start date and billing cycle anchor are kept. ``metadata`` and ``addons`` are replaced
  whole; ``charges`` replace every billable quantity (``unitQuantity`` included, unless it is given too). Add-ons
  the subscription has keep their pinned version; new ones get their latest published version.
* Metadata, ``cancellationDate`` (``None`` clears a scheduled end) and ``trialEndDate`` apply at once, and so
  does ``entitlements`` (the custom entitlements, replaced whole and not invoiced).
* A billing change (quantities, add-ons, coupon, billing period, tax, plan version) of a subscription that is being
  billed (active, with a period) is prorated by the second (``pricing.proration_factor``): a credit for the unused
  rest of the period at the old terms, a debit for the rest of the period at the new ones (for a new billing
  period: the period of that length containing the moment, counted from the same anchor).
* An upgrade (the net is positive: the change costs more) applies now and is invoiced (``SUBSCRIPTION_UPDATE``).
  A downgrade (the net is negative; or it is zero and units or add-ons go down, or the price per month does)
  follows ``scheduleStrategy``: ``END_OF_BILLING_PERIOD`` (default), ``END_OF_BILLING_MONTH`` (the anchor's next
  monthly boundary, which differs for annual subscriptions) or ``IMMEDIATE``. A deferred change is stored as
  ``SubscriptionScheduledUpdate`` rows, one per kind of change (its ``ScheduleType``, ``update_requests``'
  ``GROUP_FIELDS``), whose payload holds that kind's target values.
* A negative net is never invoiced (invoices are never negative): a change that costs less and takes effect inside
  a period (``IMMEDIATE``, or at the end of a billing month of an annual subscription) credits it to the paying
  customer's credit balance (``services.balance``), which the next invoices use first. The preview shows it.
* Trials and subscriptions that have not started are not billed yet: their changes apply at once, uninvoiced.
* A request that names a kind of change supersedes (cancels) the scheduled updates of that kind.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from catalog import enums as catalog_enums
from catalog.errors import CouponNotFound
from catalog.models import Coupon, Feature, PackageVersion
from catalog.selectors import coupon_get, feature_get, package_latest_published_version
from config.errors import InvalidInput
from subscriptions import periods
from subscriptions.enums import ScheduleStatus, ScheduleStrategy, ScheduleType
from subscriptions.enums import SubscriptionStatus as Status
from subscriptions.errors import MixedCurrencies, SubscriptionNotUpdatable
from subscriptions.models import (
    CURRENT_STATUSES,
    Subscription,
    SubscriptionEntitlement,
    SubscriptionScheduledUpdate,
)
from subscriptions.pricing import InvoiceDraft, invoice_draft, proration_factor
from subscriptions.quote import (
    QuoteInput,
    published_version,
    quote_period,
    validate_quote_input,
)
from subscriptions.services.common import quote_input_of
from subscriptions.services.custom_entitlements import custom_entitlements_build
from subscriptions.services.update_requests import UNCHANGED, UpdateRequest, given_groups

ZERO = Decimal(0)
BILLED_STATUSES = frozenset({Status.ACTIVE, Status.PAYMENT_PENDING})


@dataclass(frozen=True)
class Terms:
    """What a subscription is billed for: its quote, the features behind its quantities, when its coupon applied.
    ``coupon_is_new``: the coupon applies from whenever the change takes effect (no start date was given)."""

    quote: QuoteInput
    features: tuple[tuple[Feature, Decimal], ...]
    coupon_applied_at: datetime | None
    coupon_is_new: bool = False

    def at(self, moment: datetime) -> "Terms":
        return replace(self, coupon_applied_at=moment) if self.coupon_is_new else self


@dataclass(frozen=True)
class Proration:
    """The rest of the period at the old terms (``credit``) and at the new ones (``debit``), and the invoice of the
    difference (``net``: debit lines and negated credit lines)."""

    credit: InvoiceDraft
    debit: InvoiceDraft
    net: InvoiceDraft
    at: datetime


class Timing(StrEnum):
    BY_DIRECTION = "BY_DIRECTION"  # S3: upgrades now, downgrades per the schedule strategy
    NOW = "NOW"  # at the given moment whatever the direction: a migration now, a scheduled update being run
    PERIOD_END = "PERIOD_END"  # at the end of the current period whatever the direction: a migration then


@dataclass(frozen=True)
class SubscriptionChange:
    """What an update does to a subscription, computed once (``subscription_change``), then answered or applied."""

    subscription: Subscription
    request: UpdateRequest
    current: Terms
    target: Terms
    given_groups: tuple[str, ...]
    changed_groups: tuple[str, ...]  # kinds of billing change whose target differs from the current terms
    is_downgrade: bool
    effective_at: datetime  # when the billing change takes effect
    deferred: bool  # the billing change is scheduled for ``effective_at`` instead of applied now
    period: tuple[datetime | None, datetime | None]  # the current billing period once the change applies
    proration: Proration | None  # at ``effective_at``; None when the subscription is not being billed
    invoice: InvoiceDraft | None  # what is invoiced now: the net proration when it is positive
    recurring_invoice: InvoiceDraft  # the first full period on the new terms
    has_scheduled_updates: bool  # scheduled updates remain once the change is made
    # The custom entitlements that replace the subscription's at once (unsaved rows); None: left as they are.
    custom_entitlements: tuple[SubscriptionEntitlement, ...] | None = None

    @property
    def balance_credit(self) -> Decimal:
        """What the change credits to the payer's balance now: a negative net proration taking effect now."""
        proration = self.proration
        if proration is None or self.deferred or proration.net.total >= 0:
            return ZERO
        return -proration.net.total

    @property
    def immediate_invoice(self) -> InvoiceDraft:
        """What is invoiced now, as a draft: the invoice, or an empty one from now to the end of the period."""
        if self.invoice is not None:
            return self.invoice
        start = self.proration.at if self.proration is not None else self.effective_at
        return _empty_draft(
            self.recurring_invoice.currency, start, self.period[1] or self.recurring_invoice.period_start
        )


def _empty_draft(currency: str, start: datetime, end: datetime) -> InvoiceDraft:
    return invoice_draft(
        items=(), currency=currency, coupon=None, tax_percentage=None, period_start=start, period_end=end
    )


def current_terms(subscription: Subscription) -> Terms:
    rows = subscription.feature_quantities.select_related("feature").order_by("pk")
    return Terms(
        quote=quote_input_of(subscription),
        features=tuple((row.feature, row.quantity) for row in rows),
        coupon_applied_at=subscription.coupon_applied_at,
    )


def check_updatable(subscription: Subscription) -> None:
    if subscription.status not in CURRENT_STATUSES:
        raise SubscriptionNotUpdatable(
            f"subscription {subscription.ref_id} is {subscription.status} and cannot be updated",
            details={"status": subscription.status},
        )


def _check_dates(subscription: Subscription, request: UpdateRequest, at: datetime) -> None:
    cancellation_date = request.cancellation_date
    if cancellation_date is not UNCHANGED:
        if subscription.replaced_by_id is not None:
            raise SubscriptionNotUpdatable(
                f"subscription {subscription.ref_id} ends when the subscription replacing it starts; "
                "cancel that one instead",
                field="cancellationDate",
            )
        if cancellation_date is not None and (cancellation_date <= at or cancellation_date <= subscription.start_date):
            raise InvalidInput("must be in the future and after the start date", field="cancellationDate")
    trial_end_date = request.trial_end_date
    if trial_end_date is not UNCHANGED:
        in_trial = subscription.status == Status.IN_TRIAL or (
            subscription.status == Status.NOT_STARTED and subscription.is_trial
        )
        if not in_trial:
            raise InvalidInput(f"subscription {subscription.ref_id} is not in a trial", field="trialEndDate")
        if trial_end_date <= at or trial_end_date <= subscription.start_date:
            raise InvalidInput("must be in the future and after the start date", field="trialEndDate")


def _coupon(ref_id: str) -> Coupon:
    try:
        return coupon_get(ref_id)
    except CouponNotFound as error:
        raise CouponNotFound(f"Coupon {ref_id} not found", field="appliedCoupon.couponId") from error


def _target_addons(current: QuoteInput, request: UpdateRequest) -> list[tuple[PackageVersion, int]]:
    """Pinned versions for add-ons the subscription has (their latest when migrating), the latest for new ones."""
    pinned = {version.package.ref_id: version for version, _ in current.addons}
    wanted = (
        [(version.package.ref_id, quantity) for version, quantity in current.addons]
        if request.addons is UNCHANGED
        else list(request.addons)
    )
    addons = []
    for index, (ref_id, quantity) in enumerate(wanted):
        version = pinned.get(ref_id)
        if version is None:
            version = published_version(catalog_enums.PackageKind.ADDON, ref_id, field=f"addons[{index}].id")
        elif request.migrate_to_latest:
            version = package_latest_published_version(version.package) or version
        addons.append((version, quantity))
    return addons


def _target_terms(subscription: Subscription, current: Terms, request: UpdateRequest, at: datetime) -> Terms:
    """The terms after the change, validated. Errors: 404 for an unknown add-on, feature or coupon; 400 for a
    billing period on a plan that is not PAID and every ``validate_quote_input`` refusal."""
    quote = current.quote
    version = quote.plan_version
    if request.migrate_to_latest:
        version = published_version(catalog_enums.PackageKind.PLAN, subscription.plan.ref_id, field="planId")
    unit_quantity, feature_quantities, features = quote.unit_quantity, dict(quote.feature_quantities), current.features
    if request.feature_quantities is not UNCHANGED:
        feature_quantities = dict(request.feature_quantities)
        features = tuple(
            (feature_get(ref_id, field=f"charges[{ref_id}]"), quantity)
            for ref_id, quantity in feature_quantities.items()
        )
        unit_quantity = None
    if request.unit_quantity is not UNCHANGED:
        unit_quantity = request.unit_quantity
    coupon, coupon_applied_at, coupon_is_new = quote.coupon, current.coupon_applied_at, False
    if request.coupon_ref_id is not UNCHANGED:
        if request.coupon_ref_id is None:
            coupon, coupon_applied_at = None, None
        elif coupon is None or coupon.ref_id != request.coupon_ref_id or request.coupon_start_date is not None:
            coupon = _coupon(request.coupon_ref_id)
            coupon_applied_at = request.coupon_start_date or at
            coupon_is_new = request.coupon_start_date is None
    billing_period = quote.billing_period
    if request.billing_period is not UNCHANGED and request.billing_period != billing_period:
        if version.pricing_type != catalog_enums.PricingType.PAID:
            pricing_type = version.pricing_type or catalog_enums.PricingType.FREE
            raise InvalidInput(
                f"plan {subscription.plan.ref_id} is {pricing_type}: it has no billing period to change",
                field="billingPeriod",
            )
        billing_period = request.billing_period
    target = QuoteInput(
        plan_version=version,
        billing_period=billing_period,
        billing_country_code=quote.billing_country_code,
        unit_quantity=unit_quantity,
        feature_quantities=feature_quantities,
        addons=_target_addons(quote, request),
        coupon=coupon,
        tax_percentage=quote.tax_percentage if request.tax_percentage is UNCHANGED else request.tax_percentage,
    )
    # A coupon kept from before is not re-checked: archiving it later does not block other changes.
    coupon_changed = coupon is not None and (quote.coupon is None or coupon.pk != quote.coupon.pk)
    validate_quote_input(target if coupon_changed else replace(target, coupon=None))
    return Terms(quote=target, features=features, coupon_applied_at=coupon_applied_at, coupon_is_new=coupon_is_new)


def _changed_groups(current: Terms, target: Terms) -> tuple[str, ...]:
    old, new = current.quote, target.quote
    old_addons = {version.package_id: (version.pk, quantity) for version, quantity in old.addons}
    new_addons = {version.package_id: (version.pk, quantity) for version, quantity in new.addons}
    changes = {
        ScheduleType.UNIT_AMOUNT: old.unit_quantity != new.unit_quantity
        or dict(old.feature_quantities) != dict(new.feature_quantities),
        ScheduleType.ADDON: {pk: quantity for pk, (_, quantity) in old_addons.items()}
        != {pk: quantity for pk, (_, quantity) in new_addons.items()},
        ScheduleType.COUPON: (old.coupon and old.coupon.pk) != (new.coupon and new.coupon.pk)
        or current.coupon_applied_at != target.coupon_applied_at,
        ScheduleType.BILLING_PERIOD: old.billing_period != new.billing_period,
        ScheduleType.BILLING_INFO_METADATA: old.tax_percentage != new.tax_percentage,
        ScheduleType.MIGRATE_TO_LATEST: old.plan_version.pk != new.plan_version.pk
        or any(new_addons[pk][0] != version_pk for pk, (version_pk, _) in old_addons.items() if pk in new_addons),
    }
    return tuple(group for group, changed in changes.items() if changed)


def _fewer(old: QuoteInput, new: QuoteInput) -> bool:
    """Units or add-ons go down: a lower unit or feature quantity, an add-on removed or fewer of it."""
    if (new.unit_quantity or 0) < (old.unit_quantity or 0):
        return True
    if any(new.feature_quantities.get(ref_id, ZERO) < quantity for ref_id, quantity in old.feature_quantities.items()):
        return True
    new_addons = {version.package_id: quantity for version, quantity in new.addons}
    return any(new_addons.get(version.package_id, 0) < quantity for version, quantity in old.addons)


def _is_billed(subscription: Subscription) -> bool:
    """Being billed period by period now: what a change must be prorated against."""
    return (
        subscription.status in BILLED_STATUSES
        and not subscription.is_trial
        and subscription.current_period_start is not None
        and subscription.current_period_end is not None
    )


def _period_after(
    subscription: Subscription, billing_period: str | None, at: datetime
) -> tuple[datetime | None, datetime | None]:
    """The current period once a change made at ``at`` applies: the stored one, or with a new billing period the
    period of that length containing ``at`` (counted from the same anchor). A trial's period is the trial; a
    period that is over stays (the renewal moves on from its end, in the new billing period)."""
    start, end = subscription.current_period_start, subscription.current_period_end
    anchor = subscription.billing_cycle_anchor
    if billing_period in (None, subscription.billing_period) or subscription.is_trial or anchor is None:
        return start, end
    if end is not None and at >= end:
        return start, end
    return periods.billing_period_range(anchor=anchor, billing_period=billing_period, at=max(at, anchor))


def _next_full_period(
    subscription: Subscription,
    billing_period: str | None,
    period: tuple[datetime | None, datetime | None],
    at: datetime,
) -> tuple[datetime, datetime]:
    """The first full period after ``period`` (ranged monthly from the anchor when there is no billing period)."""
    anchor = subscription.billing_cycle_anchor or subscription.start_date
    ranged = billing_period or catalog_enums.BillingPeriod.MONTHLY
    start = period[1] or periods.next_billing_boundary(anchor=anchor, billing_period=ranged, after=max(at, anchor))
    return start, periods.next_billing_boundary(anchor=anchor, billing_period=ranged, after=start)


def _remaining(terms: Terms, period: tuple[datetime, datetime], at: datetime) -> InvoiceDraft:
    """The rest of ``period`` from ``at`` on ``terms``; the coupon as the period's invoice had (or will have) it."""
    start, end = period
    factor = proration_factor(period_start=start, period_end=end, effective_at=at)
    draft = quote_period(
        terms.quote, period_start=start, period_end=end, proration=factor, coupon_applied_at=terms.coupon_applied_at
    )
    return replace(draft, period_start=min(max(at, start), end))


def unused_rest_of_period(subscription: Subscription, at: datetime) -> InvoiceDraft | None:
    """The rest of the current period from ``at`` at the subscription's current terms: what a change credits for
    it, and what a prorated cancellation gives back. ``None`` when the subscription is not being billed."""
    if not _is_billed(subscription):
        return None
    assert subscription.current_period_start is not None and subscription.current_period_end is not None
    period = (subscription.current_period_start, subscription.current_period_end)
    return _remaining(current_terms(subscription), period, at)


def _net(credit: InvoiceDraft, debit: InvoiceDraft) -> InvoiceDraft:
    if credit.lines and debit.lines and credit.currency != debit.currency:
        raise MixedCurrencies(
            f"the subscription is billed in {credit.currency}; the change is priced in {debit.currency}"
        )
    credit_lines = tuple(
        replace(line, description=f"Unused time on {line.description}", amount=-line.amount) for line in credit.lines
    )
    debit_lines = tuple(replace(line, description=f"Remaining time on {line.description}") for line in debit.lines)
    return InvoiceDraft(
        currency=debit.currency if debit.lines else credit.currency,
        lines=credit_lines + debit_lines,
        subtotal=debit.subtotal - credit.subtotal,
        discount=debit.discount - credit.discount,
        tax=debit.tax - credit.tax,
        total=debit.total - credit.total,
        period_start=debit.period_start,
        period_end=debit.period_end,
        coupon_ref_id=debit.coupon_ref_id,
        tax_percentage=debit.tax_percentage,
    )


def _proration(subscription: Subscription, current: Terms, target: Terms, at: datetime) -> Proration:
    assert subscription.current_period_start is not None and subscription.current_period_end is not None
    new_start, new_end = _period_after(subscription, target.quote.billing_period, at)
    assert new_start is not None and new_end is not None
    credit = _remaining(current, (subscription.current_period_start, subscription.current_period_end), at)
    debit = _remaining(target.at(at), (new_start, new_end), at)
    return Proration(credit=credit, debit=debit, net=_net(credit, debit), at=at)


def _monthly(draft: InvoiceDraft, billing_period: str | None) -> Decimal:
    return draft.total / periods.months_per_period(billing_period) if billing_period else draft.total


def _deferral(subscription: Subscription, *, timing: Timing, strategy: str, at: datetime) -> datetime | None:
    """When a deferred change takes effect: the end of the period, or of the billing month (``None``: no period)."""
    period_end = subscription.current_period_end
    if period_end is None:
        return None
    anchor = subscription.billing_cycle_anchor
    if timing == Timing.BY_DIRECTION and strategy == ScheduleStrategy.END_OF_BILLING_MONTH and anchor is not None:
        month_end = periods.next_billing_boundary(
            anchor=anchor, billing_period=catalog_enums.BillingPeriod.MONTHLY, after=max(at, anchor)
        )
        return min(month_end, period_end)
    return period_end


@dataclass(frozen=True)
class _Outcome:
    """A change's effect when it takes effect at one moment."""

    period: tuple[datetime | None, datetime | None]
    proration: Proration | None
    recurring_invoice: InvoiceDraft


def _outcome(subscription: Subscription, current: Terms, target: Terms, moment: datetime, *, prorate: bool) -> _Outcome:
    target = target.at(moment)
    period = _period_after(subscription, target.quote.billing_period, moment)
    next_start, next_end = _next_full_period(subscription, target.quote.billing_period, period, moment)
    recurring = quote_period(
        target.quote, period_start=next_start, period_end=next_end, coupon_applied_at=target.coupon_applied_at
    )
    proration = _proration(subscription, current, target, moment) if prorate else None
    return _Outcome(period=period, proration=proration, recurring_invoice=recurring)


def _is_downgrade(subscription: Subscription, current: Terms, target: Terms, outcome: _Outcome, at: datetime) -> bool:
    """The net proration is negative; or nothing is owed either way and units or add-ons go down, or the price per
    month of the next full period does."""
    if outcome.proration is not None and outcome.proration.net.total != 0:
        return outcome.proration.net.total < 0
    if _fewer(current.quote, target.quote):
        return True
    stored = (subscription.current_period_start, subscription.current_period_end)
    old_start, old_end = _next_full_period(subscription, current.quote.billing_period, stored, at)
    old_recurring = quote_period(
        current.quote, period_start=old_start, period_end=old_end, coupon_applied_at=current.coupon_applied_at
    )
    new_monthly = _monthly(outcome.recurring_invoice, target.quote.billing_period)
    return new_monthly < _monthly(old_recurring, current.quote.billing_period)


def subscription_change(
    *, subscription: Subscription, request: UpdateRequest, at: datetime, timing: Timing = Timing.BY_DIRECTION
) -> SubscriptionChange:
    """What ``request`` does to ``subscription`` when made at ``at``. Reads only; see the module docstring.

    ``timing`` decides when the billing part takes effect: by its direction and the request's schedule strategy
    (S3), at ``at`` whatever it is, or at the end of the current period. Nothing is deferred for a subscription
    that has not started or has no period, nor to a moment that has passed.
    Errors: ``SubscriptionNotUpdatable`` (409) for an ended subscription or a replaced one's end date;
    ``InvalidInput`` (400) for dates in the past or out of place and every ``validate_quote_input`` refusal; 404
    for an unknown add-on, feature, coupon or custom entitlement target; those of
    ``custom_entitlements.custom_entitlements_build``.
    """
    check_updatable(subscription)
    _check_dates(subscription, request, at)
    custom_entitlements = (
        None if request.entitlements is UNCHANGED else tuple(custom_entitlements_build(request.entitlements))
    )
    current = current_terms(subscription)
    target = _target_terms(subscription, current, request, at)
    changed = _changed_groups(current, target)
    billed = _is_billed(subscription)
    outcome = _outcome(subscription, current, target, at, prorate=billed and bool(changed))
    is_downgrade = _is_downgrade(subscription, current, target, outcome, at)
    strategy = request.schedule_strategy or ScheduleStrategy.END_OF_BILLING_PERIOD
    wants_deferral = timing == Timing.PERIOD_END or (
        timing == Timing.BY_DIRECTION and billed and is_downgrade and strategy != ScheduleStrategy.IMMEDIATE
    )
    effective_at, deferred, period = at, False, outcome.period
    if changed and wants_deferral and subscription.status != Status.NOT_STARTED:
        moment = _deferral(subscription, timing=timing, strategy=strategy, at=at)
        if moment is not None and moment > at:
            effective_at, deferred = moment, True
            outcome = _outcome(subscription, current, target, moment, prorate=billed)
            period = (subscription.current_period_start, subscription.current_period_end)
    proration = outcome.proration
    given = given_groups(request)
    pending = SubscriptionScheduledUpdate.objects.filter(subscription=subscription, status=ScheduleStatus.SCHEDULED)
    remaining = set(pending.values_list("schedule_type", flat=True)) - set(given)
    return SubscriptionChange(
        subscription=subscription,
        request=request,
        current=current,
        target=target.at(effective_at),
        given_groups=given,
        changed_groups=changed,
        is_downgrade=is_downgrade,
        effective_at=effective_at,
        deferred=deferred,
        period=period,
        proration=proration,
        invoice=proration.net if proration is not None and not deferred and proration.net.total > 0 else None,
        recurring_invoice=outcome.recurring_invoice,
        has_scheduled_updates=deferred or bool(remaining),
        custom_entitlements=custom_entitlements,
    )

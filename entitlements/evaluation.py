"""The entitlement engine: already-fetched grants in, a typed decision out. No ORM, no clock.

``entitlements.selectors.customer_grants`` fetches what a customer holds as ``Grant`` values; everything that
interprets grants is here, so the API, the admin and metering get the same answer.

Merge rules, per feature:

* **Within one subscription** (grants carry the subscription's id): the plan's own entitlement overrides what it
  inherits, and a nearer parent overrides a farther one (``inheritance_depth``). Add-ons then apply with their
  quantity: ``Override`` add-ons replace that value (the most generous override, limit times quantity), ``Increment``
  add-ons add limit times quantity to it. A subscription-level custom entitlement (``CUSTOM``) replaces the result.
  A plan entitlement with ``is_granted`` false denies what a parent would grant.
* **Across sources** (subscriptions, a trial beside a paid subscription, promotions): the most generous value
  wins: granted over denied, unlimited over any limit, a higher limit over a lower one, a soft limit over a hard
  one at the same limit. Enum values are the union of every granting source; a BOOLEAN feature is granted when
  any source grants it.

Time: promotions carry ``expires_at`` and grant nothing from then on (honoured here, whatever the expiry sweeper
has done). Subscription grants carry ``changes_at`` (trial end, scheduled cancellation): reported in
``validUntil`` but not enforced, because a subscription's status (kept by its own sweepers) is the truth there.
Usage windows of metered features are computed from the reset period, its anchor and ``now``.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from catalog.enums import (
    EntitlementBehavior,
    FeatureType,
    MeterType,
)
from entitlements.usage_periods import UsagePeriod, usage_period

ZERO = Decimal(0)


class SourceKind(StrEnum):
    PLAN = "PLAN"
    PARENT_PLAN = "PARENT_PLAN"
    ADDON = "ADDON"
    # The plan of a subscription in trial.
    TRIAL = "TRIAL"
    PROMOTIONAL = "PROMOTIONAL"
    # A subscription-level custom entitlement.
    CUSTOM = "CUSTOM"


PLAN_LEVEL = (SourceKind.PLAN, SourceKind.TRIAL, SourceKind.PARENT_PLAN)


class AccessDeniedReason(StrEnum):
    """Contract §6 ``AccessDeniedReason``, verbatim."""

    FEATURE_NOT_FOUND = "FeatureNotFound"
    CUSTOMER_NOT_FOUND = "CustomerNotFound"
    CUSTOMER_IS_ARCHIVED = "CustomerIsArchived"
    CUSTOMER_RESOURCE_NOT_FOUND = "CustomerResourceNotFound"
    NO_ACTIVE_SUBSCRIPTION = "NoActiveSubscription"
    NO_FEATURE_ENTITLEMENT_IN_SUBSCRIPTION = "NoFeatureEntitlementInSubscription"
    REQUESTED_USAGE_EXCEEDING_LIMIT = "RequestedUsageExceedingLimit"
    REQUESTED_VALUES_MISMATCH = "RequestedValuesMismatch"
    BUDGET_EXCEEDED = "BudgetExceeded"
    UNKNOWN = "Unknown"
    FEATURE_TYPE_MISMATCH = "FeatureTypeMismatch"
    REVOKED = "Revoked"
    INSUFFICIENT_CREDITS = "InsufficientCredits"
    ENTITLEMENT_NOT_FOUND = "EntitlementNotFound"


# --- inputs -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureInfo:
    ref_id: str
    display_name: str
    status: str
    feature_type: str
    meter_type: str = MeterType.NONE

    @property
    def is_metered(self) -> bool:
        return self.meter_type != MeterType.NONE

    @property
    def resets(self) -> bool:
        """Only incremental meters reset; a fluctuating meter (seats, storage) is a level, never a period total."""
        return self.meter_type == MeterType.INCREMENTAL


@dataclass(frozen=True)
class GrantSource:
    """Where a grant comes from: the kind, the plan/add-on/promotion id, and the subscription it belongs to."""

    kind: SourceKind
    ref_id: str
    subscription_ref_id: str | None = None

    def __str__(self) -> str:
        suffix = f" ({self.subscription_ref_id})" if self.subscription_ref_id else ""
        return f"{self.kind} {self.ref_id}{suffix}"


@dataclass(frozen=True)
class Grant:
    """One entitlement of one source to one feature, as stored (limits not yet multiplied by ``quantity``)."""

    feature: FeatureInfo
    source: GrantSource
    is_granted: bool = True
    behavior: str = EntitlementBehavior.INCREMENT
    usage_limit: int | None = None
    has_unlimited_usage: bool = False
    has_soft_limit: bool = False
    reset_period: str | None = None
    reset_anchor: str | None = None
    enum_values: tuple[str, ...] = ()
    # Add-ons: how many the subscription holds.
    quantity: int = 1
    # Plan-level grants: 0 for the plan itself, 1 for its parent, 2 for the parent's parent...
    inheritance_depth: int = 0
    # The moment ``SubscriptionStart`` anchors count from: the subscription's start, the promotion's start.
    usage_anchor: datetime | None = None
    # When usage last restarted from zero on a plan change (the product's usage-reset rule); ``None``: never.
    usage_reset_at: datetime | None = None
    # Hard end (promotions): from then on the grant grants nothing.
    expires_at: datetime | None = None
    # When the source is scheduled to change (trial end, scheduled cancellation): reported, not enforced.
    changes_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def group(self) -> str:
        """Grants of one subscription merge together; every other grant (a promotion) stands alone."""
        if self.source.subscription_ref_id is not None:
            return f"subscription:{self.source.subscription_ref_id}"
        return f"{self.source.kind}:{self.source.ref_id}"


@dataclass(frozen=True)
class CustomerGrants:
    """What the selector found for one customer (and resource)."""

    customer_found: bool
    customer_archived: bool = False
    resource_found: bool = True
    # Live subscriptions in scope (ACTIVE, IN_TRIAL), by id.
    subscription_ref_ids: tuple[str, ...] = ()
    grants: tuple[Grant, ...] = ()

    @property
    def has_live_subscription(self) -> bool:
        return bool(self.subscription_ref_ids)


@dataclass(frozen=True)
class CurrencyInfo:
    ref_id: str
    display_name: str
    description: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    unit_singular: str | None = None
    unit_plural: str | None = None
    # False for an id no active currency has.
    is_found: bool = True


@dataclass(frozen=True)
class CreditWallet:
    """A customer's credits in one currency as the credits app computes them (``credits.wallets.wallet_totals``):
    ``usage_limit`` is what the grants active now granted, ``current_usage`` what was consumed from them."""

    usage_limit: Decimal = ZERO
    current_usage: Decimal = ZERO
    updated_at: datetime | None = None
    # The next moment time alone changes the numbers (a grant starting or expiring).
    changes_at: datetime | None = None

    @property
    def balance(self) -> Decimal:
        return self.usage_limit - self.current_usage


# --- outputs ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EffectiveEntitlement:
    """A feature's merged value for the customer; ``sources`` lists the deciding source first."""

    feature: FeatureInfo
    is_granted: bool
    usage_limit: int | None
    has_unlimited_usage: bool
    has_soft_limit: bool
    reset_period: str | None
    reset_anchor: str | None
    usage_anchor: datetime | None
    enum_values: tuple[str, ...]
    expires_at: datetime | None
    changes_at: datetime | None
    updated_at: datetime | None
    sources: tuple[GrantSource, ...]
    usage_reset_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    """The answer to "may this customer use this feature (this much, with these values)?"."""

    is_granted: bool
    access_denied_reason: AccessDeniedReason | None
    feature: FeatureInfo | None
    entitlement: EffectiveEntitlement | None = None
    current_usage: Decimal = ZERO
    usage_period: UsagePeriod | None = None
    valid_until: datetime | None = None

    @property
    def usage_limit(self) -> int | None:
        return self.entitlement.usage_limit if self.entitlement else None

    @property
    def has_unlimited_usage(self) -> bool:
        return self.entitlement.has_unlimited_usage if self.entitlement else False

    @property
    def reset_period(self) -> str | None:
        return self.entitlement.reset_period if self.usage_period and self.entitlement else None

    @property
    def updated_at(self) -> datetime | None:
        return self.entitlement.updated_at if self.entitlement else None

    @property
    def sources(self) -> tuple[GrantSource, ...]:
        return self.entitlement.sources if self.entitlement else ()


@dataclass(frozen=True)
class CreditDecision:
    """The CREDIT side of a check: the wallet's numbers and whether the request fits its balance."""

    is_granted: bool
    access_denied_reason: AccessDeniedReason | None
    currency: CurrencyInfo
    usage_limit: Decimal = ZERO
    current_usage: Decimal = ZERO
    updated_at: datetime | None = None
    valid_until: datetime | None = None


@dataclass(frozen=True)
class EntitlementsState:
    """Every granted feature of a customer (C8), and the customer's credit wallets; ``access_denied_reason`` only
    when nothing can be granted."""

    access_denied_reason: AccessDeniedReason | None
    entitlements: tuple[Decision, ...]
    credits: tuple[CreditDecision, ...] = ()


# --- merging ----------------------------------------------------------------------------------------------------------


def _from_grant(grant: Grant) -> EffectiveEntitlement:
    quantity = max(grant.quantity, 0)
    limit = grant.usage_limit * quantity if grant.usage_limit is not None else None
    return EffectiveEntitlement(
        feature=grant.feature,
        is_granted=grant.is_granted,
        usage_limit=None if grant.has_unlimited_usage else limit,
        has_unlimited_usage=grant.has_unlimited_usage,
        has_soft_limit=grant.has_soft_limit,
        reset_period=grant.reset_period,
        reset_anchor=grant.reset_anchor,
        usage_anchor=grant.usage_anchor,
        usage_reset_at=grant.usage_reset_at,
        enum_values=_unique(grant.enum_values),
        expires_at=grant.expires_at,
        changes_at=grant.changes_at,
        updated_at=grant.updated_at,
        sources=(grant.source,),
    )


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _earliest(*moments: datetime | None) -> datetime | None:
    present = [moment for moment in moments if moment is not None]
    return min(present) if present else None


def _latest(*moments: datetime | None) -> datetime | None:
    present = [moment for moment in moments if moment is not None]
    return max(present) if present else None


def _increment(base: EffectiveEntitlement | None, addition: EffectiveEntitlement) -> EffectiveEntitlement:
    """``base`` plus an ``Increment`` add-on: limits add up, unlimited stays unlimited, enum values join."""
    if not addition.is_granted:
        return base if base is not None else addition
    if base is None or not base.is_granted:
        return addition
    unlimited = base.has_unlimited_usage or addition.has_unlimited_usage
    if unlimited or (base.usage_limit is None and addition.usage_limit is None):
        limit = None
    else:
        limit = (base.usage_limit or 0) + (addition.usage_limit or 0)
    return replace(
        base,
        usage_limit=limit,
        has_unlimited_usage=unlimited,
        has_soft_limit=base.has_soft_limit or addition.has_soft_limit,
        reset_period=base.reset_period or addition.reset_period,
        reset_anchor=base.reset_anchor if base.reset_period else addition.reset_anchor,
        enum_values=_unique(base.enum_values + addition.enum_values),
        expires_at=_earliest(base.expires_at, addition.expires_at),
        changes_at=_earliest(base.changes_at, addition.changes_at),
        updated_at=_latest(base.updated_at, addition.updated_at),
        sources=base.sources + addition.sources,
    )


def _generosity(entitlement: EffectiveEntitlement) -> tuple[bool, bool, int, bool, int]:
    return (
        entitlement.is_granted,
        entitlement.has_unlimited_usage,
        entitlement.usage_limit or 0,
        entitlement.has_soft_limit,
        len(entitlement.enum_values),
    )


def most_generous(candidates: Sequence[EffectiveEntitlement]) -> EffectiveEntitlement:
    """The most generous of several values of one feature (ties: the first). Enum values of every granting
    candidate join the winner's; ``validUntil`` moments are the earliest of any granting candidate, since the
    value may change then; the other granting sources follow the winner's in ``sources``."""
    granting = [candidate for candidate in candidates if candidate.is_granted]
    if not granting:
        return candidates[0]
    winner = max(granting, key=_generosity)
    others = [candidate for candidate in granting if candidate is not winner]
    sources = winner.sources + tuple(
        source for other in others for source in other.sources if source not in winner.sources
    )
    return replace(
        winner,
        enum_values=_unique(value for candidate in [winner, *others] for value in candidate.enum_values),
        expires_at=_earliest(*(candidate.expires_at for candidate in granting)),
        changes_at=_earliest(*(candidate.changes_at for candidate in granting)),
        updated_at=_latest(*(candidate.updated_at for candidate in granting)),
        sources=_unique_sources(sources),
    )


def _unique_sources(sources: Iterable[GrantSource]) -> tuple[GrantSource, ...]:
    return tuple(dict.fromkeys(sources))


def _merge_group(grants: Sequence[Grant]) -> EffectiveEntitlement:
    """One feature's grants from one subscription (or one promotion) into its value (rules in the module doc)."""
    plan_level = [grant for grant in grants if grant.source.kind in PLAN_LEVEL]
    value: EffectiveEntitlement | None = None
    if plan_level:
        value = _from_grant(min(plan_level, key=lambda grant: grant.inheritance_depth))
    addons = [grant for grant in grants if grant.source.kind == SourceKind.ADDON]
    overrides = [_from_grant(grant) for grant in addons if grant.behavior == EntitlementBehavior.OVERRIDE]
    if overrides:
        value = most_generous(overrides)
    for grant in addons:
        if grant.behavior != EntitlementBehavior.OVERRIDE:
            value = _increment(value, _from_grant(grant))
    customs = [_from_grant(grant) for grant in grants if grant.source.kind == SourceKind.CUSTOM]
    if customs:
        value = most_generous(customs)
    promotions = [_from_grant(grant) for grant in grants if grant.source.kind == SourceKind.PROMOTIONAL]
    if value is None:
        return most_generous(promotions)
    return value


def effective_entitlements(grants: Iterable[Grant], *, now: datetime) -> dict[str, EffectiveEntitlement]:
    """Every feature any live grant mentions, merged, by feature id (denied values included: ``is_granted``)."""
    groups: dict[str, dict[str, list[Grant]]] = {}
    for grant in grants:
        if grant.expires_at is not None and grant.expires_at <= now:
            continue
        groups.setdefault(grant.feature.ref_id, {}).setdefault(grant.group, []).append(grant)
    return {
        feature_ref_id: most_generous([_merge_group(group) for group in by_group.values()])
        for feature_ref_id, by_group in groups.items()
    }


def effective_entitlement(
    grants: Iterable[Grant], feature_ref_id: str, *, now: datetime
) -> EffectiveEntitlement | None:
    """``effective_entitlements(grants, now=now).get(feature_ref_id)``, merging only that feature's grants (a check
    asks about one feature; features merge independently)."""
    mine = [grant for grant in grants if grant.feature.ref_id == feature_ref_id]
    return effective_entitlements(mine, now=now).get(feature_ref_id) if mine else None


# --- usage windows ----------------------------------------------------------------------------------------------------


class WindowRule(NamedTuple):
    """What an entitlement's usage windows are computed from, and nothing else: small enough for metering to cache
    per customer and read back for every usage report. No reset period: the usage never resets."""

    reset_period: str | None
    reset_anchor: str | None
    usage_anchor: datetime | None
    usage_reset_at: datetime | None


NEVER_RESETS = WindowRule(None, None, None, None)


def window_rule(entitlement: EffectiveEntitlement) -> WindowRule:
    """The rule of ``entitlement``'s usage windows (``NEVER_RESETS`` for a FLUCTUATING meter, an unmetered
    feature)."""
    if not entitlement.feature.resets:
        return NEVER_RESETS
    return WindowRule(
        entitlement.reset_period, entitlement.reset_anchor, entitlement.usage_anchor, entitlement.usage_reset_at
    )


def usage_window(entitlement: EffectiveEntitlement | WindowRule, *, now: datetime) -> UsagePeriod | None:
    """The usage window of ``entitlement`` (or of its ``window_rule``) containing ``now``; ``None`` when its usage
    never resets (a FLUCTUATING meter, an unmetered feature, no reset period)."""
    rule = entitlement if isinstance(entitlement, WindowRule) else window_rule(entitlement)
    return usage_period(
        reset_period=rule.reset_period,
        reset_anchor=rule.reset_anchor,
        anchor=rule.usage_anchor,
        now=now,
        reset_at=rule.usage_reset_at,
    )


def usage_windows(customer: CustomerGrants, *, now: datetime) -> dict[str, UsagePeriod | None]:
    """The current usage window of every metered feature the customer's grants mention, by feature id (metering
    counts usage in these windows; a feature not listed, like one with ``None``, never resets)."""
    return {
        feature_ref_id: usage_window(entitlement, now=now)
        for feature_ref_id, entitlement in effective_entitlements(customer.grants, now=now).items()
        if entitlement.feature.is_metered
    }


# --- checks -----------------------------------------------------------------------------------------------------------


def _customer_denial(customer: CustomerGrants) -> AccessDeniedReason | None:
    if not customer.customer_found:
        return AccessDeniedReason.CUSTOMER_NOT_FOUND
    if customer.customer_archived:
        return AccessDeniedReason.CUSTOMER_IS_ARCHIVED
    return None


def _usage_denial(
    entitlement: EffectiveEntitlement, *, current_usage: Decimal, requested_usage: Decimal | None
) -> AccessDeniedReason | None:
    """NUMBER features: a metered one needs room for the requested usage on top of what was used (any room at
    all when nothing is requested); a configuration value (not metered) must be at least the requested amount.
    Unlimited usage and soft limits never deny."""
    if entitlement.has_unlimited_usage or entitlement.has_soft_limit:
        return None
    limit = Decimal(entitlement.usage_limit or 0)
    if entitlement.feature.is_metered:
        exceeds = current_usage + requested_usage > limit if requested_usage is not None else current_usage >= limit
    else:
        exceeds = requested_usage is not None and requested_usage > limit
    return AccessDeniedReason.REQUESTED_USAGE_EXCEEDING_LIMIT if exceeds else None


def decide(
    entitlement: EffectiveEntitlement,
    *,
    now: datetime,
    current_usage: Decimal = ZERO,
    requested_usage: Decimal | None = None,
    requested_values: Sequence[str] = (),
) -> Decision:
    """The decision for one granted feature value."""
    feature = entitlement.feature
    usage = current_usage if feature.is_metered else ZERO
    period = usage_window(entitlement, now=now)
    reason: AccessDeniedReason | None = None
    if not entitlement.is_granted:
        reason = AccessDeniedReason.NO_FEATURE_ENTITLEMENT_IN_SUBSCRIPTION
    elif (requested_values and feature.feature_type != FeatureType.ENUM) or (
        requested_usage is not None and feature.feature_type != FeatureType.NUMBER
    ):
        reason = AccessDeniedReason.FEATURE_TYPE_MISMATCH
    elif feature.feature_type == FeatureType.ENUM:
        if any(value not in entitlement.enum_values for value in requested_values):
            reason = AccessDeniedReason.REQUESTED_VALUES_MISMATCH
    elif feature.feature_type == FeatureType.NUMBER:
        reason = _usage_denial(entitlement, current_usage=usage, requested_usage=requested_usage)
    return Decision(
        is_granted=reason is None,
        access_denied_reason=reason,
        feature=feature,
        entitlement=entitlement,
        current_usage=usage,
        usage_period=period,
        valid_until=_earliest(entitlement.expires_at, entitlement.changes_at, period.end if period else None),
    )


def check(
    customer: CustomerGrants,
    *,
    feature: FeatureInfo | None,
    now: datetime,
    current_usage: Decimal = ZERO,
    requested_usage: Decimal | None = None,
    requested_values: Sequence[str] = (),
) -> Decision:
    """C9: may the customer use ``feature`` (``None``: no such feature)?

    Denials, in this order: ``CustomerNotFound``, ``CustomerIsArchived``, ``FeatureNotFound``,
    ``CustomerResourceNotFound``, then ``NoActiveSubscription`` (nothing in scope grants it and there is no live
    subscription) or ``NoFeatureEntitlementInSubscription`` (there is one, it does not grant the feature), then
    ``FeatureTypeMismatch`` (requested values for a non-ENUM feature, requested usage for a non-NUMBER one),
    ``RequestedValuesMismatch`` and ``RequestedUsageExceedingLimit``. ``current_usage`` is the usage of the
    current window (``metering.selectors``).
    """
    reason = _customer_denial(customer)
    if reason is None and feature is None:
        reason = AccessDeniedReason.FEATURE_NOT_FOUND
    if reason is None and not customer.resource_found:
        reason = AccessDeniedReason.CUSTOMER_RESOURCE_NOT_FOUND
    if reason is not None or feature is None:
        return Decision(is_granted=False, access_denied_reason=reason, feature=feature)
    entitlement = effective_entitlement(customer.grants, feature.ref_id, now=now)
    if entitlement is None or not entitlement.is_granted:
        reason = (
            AccessDeniedReason.NO_FEATURE_ENTITLEMENT_IN_SUBSCRIPTION
            if customer.has_live_subscription
            else AccessDeniedReason.NO_ACTIVE_SUBSCRIPTION
        )
        return Decision(is_granted=False, access_denied_reason=reason, feature=feature)
    return decide(
        entitlement,
        now=now,
        current_usage=current_usage,
        requested_usage=requested_usage,
        requested_values=requested_values,
    )


def entitlements_state(
    customer: CustomerGrants,
    *,
    now: datetime,
    current_usage: Mapping[str, Decimal] | None = None,
    credit_wallets: Sequence[tuple[CurrencyInfo, CreditWallet]] = (),
) -> EntitlementsState:
    """C8: every feature granted to the customer, by feature id, each decided as a check without a request (a
    metered feature whose quota is used up shows ``RequestedUsageExceedingLimit``).

    ``access_denied_reason``: ``CustomerNotFound``, ``CustomerIsArchived``, or ``NoActiveSubscription`` when
    nothing is granted and no subscription is live (also for an unknown resource, the contract's closest value).
    Each of ``credit_wallets`` is decided as a credit check without a request.
    """
    reason = _customer_denial(customer)
    if reason is None and not customer.resource_found:
        reason = AccessDeniedReason.NO_ACTIVE_SUBSCRIPTION
    if reason is not None:
        return EntitlementsState(access_denied_reason=reason, entitlements=())
    usage = current_usage or {}
    decisions = tuple(
        decide(entitlement, now=now, current_usage=usage.get(feature_ref_id, ZERO))
        for feature_ref_id, entitlement in sorted(effective_entitlements(customer.grants, now=now).items())
        if entitlement.is_granted
    )
    credits = tuple(check_credit(customer, currency=currency, wallet=wallet) for currency, wallet in credit_wallets)
    if not decisions and not credits and not customer.has_live_subscription:
        reason = AccessDeniedReason.NO_ACTIVE_SUBSCRIPTION
    return EntitlementsState(access_denied_reason=reason, entitlements=decisions, credits=credits)


def check_credit(
    customer: CustomerGrants,
    *,
    currency: CurrencyInfo,
    wallet: CreditWallet | None = None,
    requested_usage: Decimal | None = None,
) -> CreditDecision:
    """The CREDIT side of C9. Denials, in this order: the customer-level ones, ``CustomerResourceNotFound``,
    ``EntitlementNotFound`` (no such currency), then ``InsufficientCredits``: the requested usage is more than
    the balance, or nothing was requested and the balance is used up (the same rule as a metered feature)."""
    wallet = wallet or CreditWallet()
    reason = _customer_denial(customer)
    if reason is None and not customer.resource_found:
        reason = AccessDeniedReason.CUSTOMER_RESOURCE_NOT_FOUND
    if reason is None and not currency.is_found:
        reason = AccessDeniedReason.ENTITLEMENT_NOT_FOUND
    if reason is not None:
        return CreditDecision(is_granted=False, access_denied_reason=reason, currency=currency)
    exceeds = requested_usage > wallet.balance if requested_usage is not None else wallet.balance <= 0
    return CreditDecision(
        is_granted=not exceeds,
        access_denied_reason=AccessDeniedReason.INSUFFICIENT_CREDITS if exceeds else None,
        currency=currency,
        usage_limit=wallet.usage_limit,
        current_usage=wallet.current_usage,
        updated_at=wallet.updated_at,
        valid_until=wallet.changes_at,
    )

"""Checks: a customer's grants, usage and request in, a decision out (C9, C8, and the CREDIT side of C9)."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from catalog.enums import FeatureType
from entitlements.evaluation.merging import earliest, effective_entitlement, effective_entitlements
from entitlements.evaluation.values import (
    ZERO,
    AccessDeniedReason,
    CreditDecision,
    CreditWallet,
    CurrencyInfo,
    CustomerGrants,
    Decision,
    EffectiveEntitlement,
    EntitlementsState,
    FeatureInfo,
)
from entitlements.evaluation.windows import usage_window


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
        valid_until=earliest(entitlement.expires_at, entitlement.changes_at, period.end if period else None),
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

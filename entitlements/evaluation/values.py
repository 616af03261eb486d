"""The engine's values: what goes in (a customer's grants, its credit wallets) and what comes out (effective
entitlements and decisions)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from catalog.enums import EntitlementBehavior, MeterType
from entitlements.usage_periods import UsagePeriod

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

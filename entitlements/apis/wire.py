"""Entitlement objects as the Stigg client parses them: the runtime entitlement (contract §2.4) and the
promotional entitlement (§2.6)."""

from datetime import UTC, datetime
from typing import Any

from catalog import enums as catalog_enums
from config.wire import iso, number
from entitlements.evaluation import CreditDecision, Decision, EntitlementsState, FeatureInfo
from entitlements.models import PromotionalEntitlement
from entitlements.selectors import promotion_status

# Promotional entitlements belong to the one environment this server has.
ENVIRONMENT_ID = "default"


def _feature_to_wire(feature: FeatureInfo | None) -> dict[str, Any] | None:
    if feature is None:
        return None
    return {
        "id": feature.ref_id,
        "displayName": feature.display_name,
        "featureStatus": feature.status,
        "featureType": feature.feature_type,
    }


def decision_to_wire(decision: Decision) -> dict[str, Any]:
    """A FEATURE runtime entitlement. ``usageLimit`` is a NUMBER feature's limit (null when unlimited or denied);
    the usage period fields are set for metered features that reset."""
    period = decision.usage_period
    reason = decision.access_denied_reason
    return {
        "type": catalog_enums.EntitlementType.FEATURE,
        "isGranted": decision.is_granted,
        "accessDeniedReason": reason.value if reason else None,
        "feature": _feature_to_wire(decision.feature),
        "usageLimit": decision.usage_limit,
        "hasUnlimitedUsage": decision.has_unlimited_usage,
        "currentUsage": number(decision.current_usage),
        "resetPeriod": decision.reset_period,
        "usagePeriodAnchor": iso(period.anchor) if period else None,
        "usagePeriodStart": iso(period.start) if period else None,
        "usagePeriodEnd": iso(period.end) if period else None,
        "validUntil": iso(decision.valid_until),
        "entitlementUpdatedAt": iso(decision.updated_at),
    }


def credit_decision_to_wire(decision: CreditDecision, *, now: datetime) -> dict[str, Any]:
    """A CREDIT runtime entitlement: ``usageLimit`` is what the active grants granted, ``currentUsage`` what was
    consumed from them (the balance is the difference); 0 and 0 for a denial before the wallet was read."""
    currency = decision.currency
    reason = decision.access_denied_reason
    return {
        "type": catalog_enums.EntitlementType.CREDIT,
        "isGranted": decision.is_granted,
        "accessDeniedReason": reason.value if reason else None,
        "currency": {
            "currencyId": currency.ref_id,
            "displayName": currency.display_name,
            "description": currency.description,
            "metadata": dict(currency.metadata),
            "unitSingular": currency.unit_singular,
            "unitPlural": currency.unit_plural,
        },
        "usageLimit": number(decision.usage_limit),
        "currentUsage": number(decision.current_usage),
        "usageUpdatedAt": iso(decision.updated_at or now),
        "entitlementUpdatedAt": iso(decision.updated_at),
        "reservation": None,
        "reserved": None,
        "reservedOnExpiredGrants": None,
        "usagePeriodEnd": None,
        "validUntil": iso(decision.valid_until),
    }


def entitlements_state_to_wire(state: EntitlementsState, *, now: datetime | None = None) -> dict[str, Any]:
    """C8's body; ``now`` (the credits' ``usageUpdatedAt`` fallback) is needed only when the state has credits."""
    reason = state.access_denied_reason
    return {
        "entitlements": [decision_to_wire(decision) for decision in state.entitlements]
        + [credit_decision_to_wire(credit, now=now or datetime.now(UTC)) for credit in state.credits],
        "accessDeniedReason": reason.value if reason else None,
    }


def promotion_to_wire(promotion: PromotionalEntitlement, *, now: datetime) -> dict[str, Any]:
    return {
        "id": promotion.ref_id,
        "environmentId": ENVIRONMENT_ID,
        "featureId": promotion.feature.ref_id,
        "period": promotion.period,
        "status": promotion_status(promotion, now=now),
        "startDate": iso(promotion.start_date),
        "endDate": iso(promotion.end_date),
        "isVisible": promotion.is_visible,
        "description": promotion.description,
        "usageLimit": promotion.usage_limit,
        "hasUnlimitedUsage": promotion.has_unlimited_usage,
        "hasSoftLimit": promotion.has_soft_limit,
        "enumValues": promotion.enum_values,
        "resetPeriod": promotion.reset_period,
        "resetPeriodConfiguration": {"accordingTo": promotion.reset_anchor} if promotion.reset_anchor else None,
        "featureGroupIds": [],
        "createdAt": iso(promotion.created_at),
        "updatedAt": iso(promotion.updated_at),
    }

"""The runtime entitlement types of Stigg's schema, shaped from the engine's decisions.

``Entitlement`` (the SDKs' ``EntitlementFragment``), ``FeatureEntitlement`` and ``CreditEntitlement`` (the members
of ``EntitlementUnion``) and ``EntitlementsState`` have no model: they are dicts with the SDL's camelCase keys,
built here from ``evaluation.Decision``, ``CreditDecision`` and ``EntitlementsState``. Their ``EntitlementFeature``
is a dict too (other apps answer these types as dicts, so no field resolvers are bound to them), shaped by the
catalog from the ``Feature`` rows, which one batch loader reads for a whole list in one query.

``Entitlement.validUntil`` is a number (epoch milliseconds: the Node SDK compares it with ``Date.now()``), the
union members' ``validUntil`` a ``DateTime``, as the schema types them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from ariadne import UnionType
from graphql import GraphQLResolveInfo

from catalog import enums as catalog_enums
from catalog.apis.graphql.values import entitlement_feature
from catalog.models import Feature
from catalog.selectors import feature_list
from entitlements.evaluation import CreditDecision, Decision, EntitlementsState

FEATURE_ENTITLEMENT = "FeatureEntitlement"
CREDIT_ENTITLEMENT = "CreditEntitlement"
TYPENAME = "__typename"
# ``EntitlementFeature`` answers by feature id.
Features = Mapping[str, dict[str, Any]]
# Which member of ``ResetPeriodConfiguration`` a reset period's anchor is, and the field that carries it.
RESET_CONFIGURATIONS = {
    catalog_enums.ResetPeriod.MONTH: ("MonthlyResetPeriodConfig", "monthlyAccordingTo"),
    catalog_enums.ResetPeriod.WEEK: ("WeeklyResetPeriodConfig", "weeklyAccordingTo"),
    catalog_enums.ResetPeriod.YEAR: ("YearlyResetPeriodConfig", "yearlyAccordingTo"),
}


def _float(value: Decimal | int | None) -> float | None:
    return None if value is None else float(value)


def _epoch_milliseconds(value: datetime | None) -> int | None:
    return None if value is None else round(value.timestamp() * 1000)


def _reset_configuration(decision: Decision) -> dict[str, Any] | None:
    entitlement = decision.entitlement
    if entitlement is None or decision.reset_period is None or entitlement.reset_anchor is None:
        return None
    found = RESET_CONFIGURATIONS.get(catalog_enums.ResetPeriod(decision.reset_period))
    if found is None:
        return None
    typename, field_name = found
    return {TYPENAME: typename, field_name: entitlement.reset_anchor}


def _feature_fields(decision: Decision, features: Features, *, now: datetime) -> dict[str, Any]:
    """The fields ``Entitlement`` and ``FeatureEntitlement`` share. ``usageUpdatedAt`` is when the usage shown was
    read (now), for metered features only; ``enumValues`` only for ENUM features."""
    feature, entitlement, period = decision.feature, decision.entitlement, decision.usage_period
    reason = decision.access_denied_reason
    is_metered = feature is not None and feature.is_metered and entitlement is not None
    is_enum = feature is not None and feature.feature_type == catalog_enums.FeatureType.ENUM
    return {
        "isGranted": decision.is_granted,
        "accessDeniedReason": reason.value if reason else None,
        "usageLimit": _float(decision.usage_limit),
        "hasUnlimitedUsage": decision.has_unlimited_usage,
        "hasSoftLimit": entitlement.has_soft_limit if entitlement else False,
        "currentUsage": _float(decision.current_usage),
        "enumValues": list(entitlement.enum_values) if entitlement is not None and is_enum else None,
        "entitlementUpdatedAt": decision.updated_at,
        "usageUpdatedAt": now if is_metered else None,
        "usagePeriodAnchor": period.anchor if period else None,
        "usagePeriodStart": period.start if period else None,
        "usagePeriodEnd": period.end if period else None,
        "resetPeriod": decision.reset_period,
        "resetPeriodConfiguration": _reset_configuration(decision),
        "feature": features.get(feature.ref_id) if feature is not None else None,
        # Credit rates belong to credit-priced plans here, not to a feature's entitlement.
        "creditRate": None,
    }


def entitlement(
    decision: Decision,
    features: Features,
    *,
    customer_ref_id: str,
    resource_ref_id: str | None,
    now: datetime,
    requested_usage: Decimal | None = None,
    requested_values: Sequence[str] | None = None,
) -> dict[str, Any]:
    """An ``Entitlement`` (the SDKs' ``EntitlementFragment``)."""
    period = decision.usage_period
    return {
        **_feature_fields(decision, features, now=now),
        "customerId": customer_ref_id,
        "resourceId": resource_ref_id,
        "requestedUsage": _float(requested_usage),
        "requestedValues": list(requested_values) if requested_values is not None else None,
        "nextResetDate": period.end if period else None,
        "validUntil": _epoch_milliseconds(decision.valid_until),
    }


def feature_entitlement(decision: Decision, features: Features, *, now: datetime) -> dict[str, Any]:
    """A ``FeatureEntitlement`` (a member of ``EntitlementUnion``)."""
    return {
        TYPENAME: FEATURE_ENTITLEMENT,
        **_feature_fields(decision, features, now=now),
        "validUntil": decision.valid_until,
    }


def credit_entitlement(decision: CreditDecision, *, now: datetime) -> dict[str, Any]:
    """A ``CreditEntitlement``: ``usageLimit`` is what the active grants granted, ``currentUsage`` what was
    consumed from them; credits have no soft limit and no usage period here."""
    currency, reason = decision.currency, decision.access_denied_reason
    return {
        TYPENAME: CREDIT_ENTITLEMENT,
        "isGranted": decision.is_granted,
        "accessDeniedReason": reason.value if reason else None,
        "currency": {
            "currencyId": currency.ref_id,
            "displayName": currency.display_name,
            "description": currency.description,
            "unitSingular": currency.unit_singular,
            "unitPlural": currency.unit_plural,
            "additionalMetaData": dict(currency.metadata),
        },
        "usageLimit": _float(decision.usage_limit),
        "currentUsage": _float(decision.current_usage),
        "hasSoftLimit": False,
        "usageUpdatedAt": decision.updated_at or now,
        "entitlementUpdatedAt": decision.updated_at,
        "usagePeriodEnd": None,
        "validUntil": decision.valid_until,
    }


def features_by_ref_id(ref_ids: list[str]) -> Mapping[str, Feature]:
    """The catalog's feature rows by id (a batch loader's function)."""
    return {feature.ref_id: feature for feature in feature_list().filter(ref_id__in=ref_ids)}


def features_of(info: GraphQLResolveInfo, decisions: Iterable[Decision]) -> Features:
    """The ``EntitlementFeature`` answers of the decisions' features, read in one query (per request: the loader
    keeps what it read)."""
    ref_ids = list(dict.fromkeys(decision.feature.ref_id for decision in decisions if decision.feature is not None))
    rows = info.context.loaders.get(features_by_ref_id).load_many(ref_ids)
    return {ref_id: entitlement_feature(row) for ref_id, row in zip(ref_ids, rows, strict=True) if row is not None}


def entitlements(
    info: GraphQLResolveInfo,
    state: EntitlementsState,
    *,
    customer_ref_id: str,
    resource_ref_id: str | None,
    now: datetime,
) -> list[dict[str, Any]]:
    """The ``Entitlement`` list of a state: its features (credits have no ``Entitlement`` form)."""
    features = features_of(info, state.entitlements)
    return [
        entitlement(decision, features, customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now)
        for decision in state.entitlements
    ]


def entitlements_v2(info: GraphQLResolveInfo, state: EntitlementsState, *, now: datetime) -> list[dict[str, Any]]:
    """The ``EntitlementUnion`` list of a state: its features, then its credit wallets."""
    features = features_of(info, state.entitlements)
    return [feature_entitlement(decision, features, now=now) for decision in state.entitlements] + [
        credit_entitlement(credit, now=now) for credit in state.credits
    ]


def entitlements_state(
    info: GraphQLResolveInfo,
    state: EntitlementsState,
    *,
    customer_ref_id: str,
    resource_ref_id: str | None,
    now: datetime,
) -> dict[str, Any]:
    """An ``EntitlementsState``."""
    reason = state.access_denied_reason
    return {
        "accessDeniedReason": reason.value if reason else None,
        "entitlements": entitlements(
            info, state, customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, now=now
        ),
        "entitlementsV2": entitlements_v2(info, state, now=now),
    }


# --- unions -----------------------------------------------------------------------------------------------------------


def _typename(parent: dict[str, Any], *_: Any) -> str:
    return str(parent[TYPENAME])


entitlement_union = UnionType("EntitlementUnion", _typename)
reset_period_configuration = UnionType("ResetPeriodConfiguration", _typename)

bindables: list[object] = [entitlement_union, reset_period_configuration]

"""Merging a customer's grants into one effective entitlement per feature (the rules: ``entitlements.evaluation``)."""

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from catalog.enums import EntitlementBehavior
from entitlements.evaluation.values import PLAN_LEVEL, EffectiveEntitlement, Grant, GrantSource, SourceKind


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


def earliest(*moments: datetime | None) -> datetime | None:
    """The first of the moments given (``None`` ones left out); ``None`` if there is none."""
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
        expires_at=earliest(base.expires_at, addition.expires_at),
        changes_at=earliest(base.changes_at, addition.changes_at),
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
        expires_at=earliest(*(candidate.expires_at for candidate in granting)),
        changes_at=earliest(*(candidate.changes_at for candidate in granting)),
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

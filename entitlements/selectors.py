"""Entitlement reads: the grants a customer holds (for the engine), features and currencies to check against,
and promotional entitlements for the API, the admin and the expiry sweeper."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from catalog.models import CustomCurrency, Feature
from customers.models import Customer
from entitlements import grant_rows
from entitlements.enums import PromoStatus
from entitlements.errors import PromotionalEntitlementNotFound
from entitlements.evaluation import CurrencyInfo, CustomerGrants, FeatureInfo, Grant, GrantSource, SourceKind
from entitlements.models import PromotionalEntitlement
from subscriptions.enums import SubscriptionStatus

# Subscriptions that grant access. (PAYMENT_PENDING waits for a payment and grants nothing yet.)
GRANTING_STATUSES = (SubscriptionStatus.ACTIVE, SubscriptionStatus.IN_TRIAL)


def feature_info(ref_id: str) -> FeatureInfo | None:
    """The feature to check, or ``None`` when there is no such feature. One query (plain SQL: on every check)."""
    row = grant_rows.feature_row(ref_id)
    return _Features().of(row) if row is not None else None


def currency_info(ref_id: str) -> CurrencyInfo:
    """The custom currency to check credits in (the active one with this id); an unknown id is described by the id
    itself, since a credit check answers in the body either way. One query."""
    currency = CustomCurrency.objects.filter(ref_id=ref_id, archived_at__isnull=True).first()
    if currency is None:
        return CurrencyInfo(ref_id=ref_id, display_name=ref_id, is_found=False)
    return currency_info_of(currency)


def currency_info_of(currency: CustomCurrency) -> CurrencyInfo:
    return CurrencyInfo(
        ref_id=currency.ref_id,
        display_name=currency.display_name,
        description=currency.description,
        metadata=currency.metadata or {},
        unit_singular=currency.unit_singular,
        unit_plural=currency.unit_plural,
    )


# --- the engine's input -----------------------------------------------------------------------------------------------
#
# An uncached check spends most of its time in the ORM, not in PostgreSQL, so its reads are plain SQL
# (``entitlements.grant_rows``: rows as dicts, keyed like ``values()``), and the entitlements of every package
# version involved (plans, their parents, add-ons) come in one query.


class _Features(dict[str, FeatureInfo]):
    """One ``FeatureInfo`` per feature of a row (``feature__*`` values), shared by every grant of that feature."""

    def of(self, row: dict[str, Any]) -> FeatureInfo:
        ref_id = row["feature__ref_id"]
        info = self.get(ref_id)
        if info is None:
            info = self[ref_id] = FeatureInfo(
                ref_id=ref_id,
                display_name=row["feature__display_name"],
                status=row["feature__status"],
                feature_type=row["feature__feature_type"],
                meter_type=row["feature__meter_type"],
            )
        return info


def _package_grant(
    entitlement: dict[str, Any],
    source: GrantSource,
    subscription: dict[str, Any],
    features: _Features,
    *,
    quantity: int = 1,
    depth: int = 0,
) -> Grant:
    changes_at = subscription["cancellation_date"]
    if subscription["status"] == SubscriptionStatus.IN_TRIAL and subscription["trial_end_date"] is not None:
        changes_at = min(filter(None, [subscription["trial_end_date"], subscription["cancellation_date"]]))
    return Grant(
        feature=features.of(entitlement),
        source=source,
        is_granted=entitlement["is_granted"],
        behavior=entitlement["behavior"],
        usage_limit=entitlement["usage_limit"],
        has_unlimited_usage=entitlement["has_unlimited_usage"],
        has_soft_limit=entitlement["has_soft_limit"],
        reset_period=entitlement["reset_period"],
        reset_anchor=entitlement["reset_anchor"],
        enum_values=tuple(entitlement["enum_values"] or ()),
        quantity=quantity,
        inheritance_depth=depth,
        usage_anchor=subscription["usage_counted_from"],
        usage_reset_at=subscription["usage_reset_at"],
        changes_at=changes_at,
        updated_at=entitlement["updated_at"],
    )


@dataclass
class _Holdings:
    """The rows the grants are built from, by subscription and by package version."""

    addons: dict[int, list[dict[str, Any]]]  # by subscription
    parents: dict[int, dict[str, Any]]  # the latest published plan versions, by plan (package)
    entitlements: dict[int, list[dict[str, Any]]]  # feature entitlements, by package version, in catalog order
    custom: dict[int, list[dict[str, Any]]]  # custom feature entitlements, by subscription
    features: _Features


def _subscription_grants(subscription: dict[str, Any], held: _Holdings) -> list[Grant]:
    """The plan's entitlements, its parent chain's (nearest first), and each add-on's with its quantity."""
    ref_id = subscription["ref_id"]
    in_trial = subscription["status"] == SubscriptionStatus.IN_TRIAL
    plan_source = GrantSource(SourceKind.TRIAL if in_trial else SourceKind.PLAN, subscription["plan__ref_id"], ref_id)
    features = held.features
    grants = [
        _package_grant(entitlement, plan_source, subscription, features)
        for entitlement in held.entitlements.get(subscription["plan_version_id"], ())
    ]
    seen = {subscription["plan_id"]}
    parent_id, depth = subscription["plan_version__parent_plan_id"], 1
    while parent_id is not None and parent_id in held.parents and parent_id not in seen:
        seen.add(parent_id)
        parent = held.parents[parent_id]
        source = GrantSource(SourceKind.PARENT_PLAN, parent["package__ref_id"], ref_id)
        grants += [
            _package_grant(entitlement, source, subscription, features, depth=depth)
            for entitlement in held.entitlements.get(parent["pk"], ())
        ]
        parent_id, depth = parent["parent_plan_id"], depth + 1
    for addon in held.addons.get(subscription["pk"], ()):
        source = GrantSource(SourceKind.ADDON, addon["addon__ref_id"], ref_id)
        grants += [
            _package_grant(entitlement, source, subscription, features, quantity=addon["quantity"])
            for entitlement in held.entitlements.get(addon["addon_version_id"], ())
        ]
    custom_source = GrantSource(SourceKind.CUSTOM, ref_id, ref_id)
    grants += [
        _custom_grant(entitlement, custom_source, subscription, features)
        for entitlement in held.custom.get(subscription["pk"], ())
    ]
    return grants


def _custom_grant(
    entitlement: dict[str, Any], source: GrantSource, subscription: dict[str, Any], features: _Features
) -> Grant:
    """A subscription's custom entitlement: it replaces what the subscription's plan and add-ons grant."""
    return Grant(
        feature=features.of(entitlement),
        source=source,
        usage_limit=entitlement["usage_limit"],
        has_unlimited_usage=entitlement["has_unlimited_usage"],
        has_soft_limit=entitlement["has_soft_limit"],
        reset_period=entitlement["reset_period"],
        reset_anchor=entitlement["reset_anchor"],
        usage_anchor=subscription["usage_counted_from"],
        usage_reset_at=subscription["usage_reset_at"],
        changes_at=subscription["cancellation_date"],
        updated_at=entitlement["updated_at"],
    )


def _by(rows: Iterable[dict[str, Any]], key: str) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row[key], []).append(row)
    return grouped


def _holdings(rows: grant_rows.CustomerRows) -> _Holdings:
    return _Holdings(
        addons=_by(rows.addons, "subscription_id"),
        parents={parent["package_id"]: parent for parent in rows.parents},
        entitlements=_by(rows.entitlements, "version_id"),
        custom=_by(rows.custom, "subscription_id"),
        features=_Features(),
    )


def _promotion_grant(promotion: dict[str, Any], features: _Features) -> Grant:
    return Grant(
        feature=features.of(promotion),
        source=GrantSource(SourceKind.PROMOTIONAL, PromotionalEntitlement.ref_id_of(promotion["pk"])),
        usage_limit=promotion["usage_limit"],
        has_unlimited_usage=promotion["has_unlimited_usage"],
        has_soft_limit=promotion["has_soft_limit"],
        reset_period=promotion["reset_period"],
        reset_anchor=promotion["reset_anchor"],
        enum_values=tuple(promotion["enum_values"] or ()),
        usage_anchor=promotion["start_date"],
        expires_at=promotion["end_date"],
        updated_at=promotion["updated_at"],
    )


def customer_grants(*, customer_ref_id: str, resource_ref_id: str | None, now: datetime) -> CustomerGrants:
    """Everything the engine needs to answer for a customer (and resource), in one query however many
    subscriptions, add-ons, parents, custom entitlements and promotions there are (``grant_rows.customer_rows``):

    the customer, archived or not, with whether ``resource_ref_id`` is one of its resources; its live subscriptions
    (ACTIVE, IN_TRIAL) in scope: customer-level ones, plus the resource's when one is asked for, with plan and plan
    version; their add-ons; when a subscribed plan inherits, the latest published plan versions of its product (the
    parent chain); the feature entitlements of every plan, parent and add-on version; the subscriptions' custom
    feature entitlements (``SourceKind.CUSTOM``); the promotions in force at ``now``.
    """
    return customer_grants_and_feature(
        customer_ref_id=customer_ref_id, resource_ref_id=resource_ref_id, feature_ref_id=None, now=now
    )[0]


def customer_grants_and_feature(
    *, customer_ref_id: str, resource_ref_id: str | None, feature_ref_id: str | None, now: datetime
) -> tuple[CustomerGrants, FeatureInfo | None]:
    """``customer_grants`` and ``feature_info(feature_ref_id)`` (``None`` when not asked for) in the same query."""
    rows = grant_rows.customer_rows(
        customer_ref_id, resource_ref_id, GRANTING_STATUSES, now, feature_ref_id=feature_ref_id
    )
    held = _holdings(rows)
    features = held.features
    feature = features.of(rows.feature) if rows.feature is not None else None
    return _customer_grants(rows, held, resource_ref_id=resource_ref_id), feature


def _customer_grants(rows: grant_rows.CustomerRows, held: _Holdings, *, resource_ref_id: str | None) -> CustomerGrants:
    customer, subscriptions = rows.customer, rows.subscriptions
    if customer is None:
        return CustomerGrants(customer_found=False)
    if customer["archived_at"] is not None:
        return CustomerGrants(customer_found=True, customer_archived=True)
    if resource_ref_id and not customer["resource_exists"]:
        return CustomerGrants(customer_found=True, resource_found=False)
    grants = [grant for subscription in subscriptions for grant in _subscription_grants(subscription, held)]
    grants += [_promotion_grant(promotion, held.features) for promotion in rows.promotions]
    return CustomerGrants(
        customer_found=True,
        subscription_ref_ids=tuple(subscription["ref_id"] for subscription in subscriptions),
        grants=tuple(grants),
    )


# --- promotional entitlements -----------------------------------------------------------------------------------------


def promotion_status(promotion: PromotionalEntitlement, *, now: datetime) -> str:
    """The status the API shows: an ended promotion is ``Expired`` even before the sweeper has written it."""
    if promotion.status == PromoStatus.ACTIVE and promotion.end_date is not None and promotion.end_date <= now:
        return PromoStatus.EXPIRED
    return promotion.status


def _status_filter(status: str, now: datetime) -> Q:
    ended = Q(end_date__isnull=False, end_date__lte=now)
    if status == PromoStatus.ACTIVE:
        return Q(status=PromoStatus.ACTIVE) & ~ended
    if status == PromoStatus.EXPIRED:
        return Q(status=PromoStatus.EXPIRED) | (Q(status=PromoStatus.ACTIVE) & ended)
    return Q(status=status)


def promotional_entitlement_list(
    *, customer: Customer, now: datetime, statuses: Iterable[str] = (), created_at: dict | None = None
) -> QuerySet[PromotionalEntitlement]:
    """The customer's current promotions (revoked and replaced ones are history, not listed), filtered by the
    status ``promotion_status`` shows. One query per page (the feature is joined)."""
    queryset = PromotionalEntitlement.objects.select_related("feature").filter(
        customer=customer, revoked_at__isnull=True
    )
    statuses = list(statuses)
    if statuses:
        condition = Q()
        for status in statuses:
            condition |= _status_filter(status, now)
        queryset = queryset.filter(condition)
    return queryset.filter(**(created_at or {}))


def promotional_entitlement_current(*, customer: Customer, feature: Feature) -> PromotionalEntitlement:
    """The customer's current promotion of ``feature``; ``PromotionalEntitlementNotFound`` (404) otherwise."""
    promotion = (
        PromotionalEntitlement.objects.select_related("feature", "customer")
        .filter(customer=customer, feature=feature, revoked_at__isnull=True)
        .first()
    )
    if promotion is None:
        raise PromotionalEntitlementNotFound(
            f"Customer {customer.ref_id} has no promotional entitlement for feature {feature.ref_id}"
        )
    return promotion


def expiry_due(now: datetime) -> Q:
    """Current promotions still marked ``Active`` whose end has come."""
    return Q(status=PromoStatus.ACTIVE, revoked_at__isnull=True, end_date__isnull=False, end_date__lte=now)


def promotion_ids_due(due: Q, *, after_pk: int = 0, limit: int) -> list[int]:
    """Up to ``limit`` ids matching ``due`` above ``after_pk``, in primary-key order (a keyset page)."""
    return list(
        PromotionalEntitlement.objects.filter(due, pk__gt=after_pk).order_by("pk").values_list("pk", flat=True)[:limit]
    )

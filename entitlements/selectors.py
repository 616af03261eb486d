"""Entitlement reads: the grants a customer holds (for the engine), features and currencies to check against,
and promotional entitlements for the API, the admin and the expiry sweeper."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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


# The limit columns every kind of grant row carries, as ``Grant`` takes them.
GRANT_LIMIT_KEYS = tuple(key for key in grant_rows.LIMIT_KEYS if key != "updated_at")


def _limits(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in GRANT_LIMIT_KEYS}


def _package_grant(
    entitlement: dict[str, Any],
    source: GrantSource,
    subscription: dict[str, Any],
    features: _Features,
    *,
    quantity: int = 1,
    depth: int = 0,
) -> Grant:
    return Grant(
        feature=features.of(entitlement),
        source=source,
        is_granted=entitlement["is_granted"],
        behavior=entitlement["behavior"],
        **_limits(entitlement),
        enum_values=tuple(entitlement["enum_values"] or ()),
        quantity=quantity,
        inheritance_depth=depth,
        usage_anchor=subscription["usage_counted_from"],
        usage_reset_at=subscription["usage_reset_at"],
        changes_at=_changes_at(subscription),
        updated_at=entitlement["updated_at"],
    )


def _changes_at(subscription: dict[str, Any]) -> datetime | None:
    """When what a subscription grants may change on its own: its scheduled cancellation, and in a trial the trial
    end (the trial may end without converting)."""
    ends = [subscription["cancellation_date"]]
    if subscription["status"] == SubscriptionStatus.IN_TRIAL:
        ends.append(subscription["trial_end_date"])
    return min(filter(None, ends), default=None)


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
        **_limits(entitlement),
        usage_anchor=subscription["usage_counted_from"],
        usage_reset_at=subscription["usage_reset_at"],
        changes_at=_changes_at(subscription),
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


def _holdings_of(subscriptions: list[dict[str, Any]]) -> _Holdings:
    """``_holdings`` of many customers' subscriptions, read per kind (add-ons, parents, the feature entitlements of
    every version involved, custom entitlements): 3 or 4 queries however many subscriptions."""
    subscription_ids = [row["pk"] for row in subscriptions]
    addons = grant_rows.addon_rows(subscription_ids)
    product_ids = sorted({row["product_id"] for row in subscriptions if row["plan_version__parent_plan_id"]})
    parents = {row["package_id"]: row for row in grant_rows.parent_rows(product_ids)} if product_ids else {}
    version_ids = {row["plan_version_id"] for row in subscriptions}
    version_ids |= {row["addon_version_id"] for row in addons} | {row["pk"] for row in parents.values()}
    return _Holdings(
        addons=_by(addons, "subscription_id"),
        parents=parents,
        entitlements=_by(grant_rows.entitlement_rows(sorted(version_ids)), "version_id"),
        custom=_by(grant_rows.custom_rows(subscription_ids), "subscription_id"),
        features=_Features(),
    )


def _promotion_grant(promotion: dict[str, Any], features: _Features) -> Grant:
    return Grant(
        feature=features.of(promotion),
        source=GrantSource(SourceKind.PROMOTIONAL, PromotionalEntitlement.ref_id_of(promotion["pk"])),
        **_limits(promotion),
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

    Inside ``grants_read_together`` the answer may come from one read for many customers (``customers_grants``: the
    same answer).
    """
    read_together = _READ_TOGETHER.get()
    if read_together is not None and read_together.covers(customer_ref_id, resource_ref_id, now):
        return read_together.grants(customer_ref_id, resource_ref_id)
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


Scope = tuple[str, str | None]


def customers_grants(scopes: Iterable[Scope], *, now: datetime) -> dict[Scope, CustomerGrants]:
    """``customer_grants`` of many (customer id, resource id) scopes, the same answers in at most 7 queries however
    many customers: the customers with their live subscriptions (of any resource), the resources asked for, then
    add-ons, parents, entitlements and custom entitlements of all those subscriptions together, and the customers'
    promotions in force at ``now``."""
    scopes = set(scopes)
    if not scopes:
        return {}
    customers: dict[str, dict[str, Any]] = {}
    subscriptions: dict[str, list[dict[str, Any]]] = {}
    for row in grant_rows.customers_with_subscriptions(sorted({ref_id for ref_id, _ in scopes}), GRANTING_STATUSES):
        customers.setdefault(row["customer__ref_id"], row)
        if row["pk"] is not None:
            subscriptions.setdefault(row["customer__ref_id"], []).append(row)
    live = sorted(row["customer_id"] for row in customers.values() if row["archived_at"] is None)
    resources = grant_rows.resources_of(live, sorted({resource for _, resource in scopes if resource}))
    wanted = [
        subscription
        for ref_id, held_by_customer in subscriptions.items()
        if customers[ref_id]["archived_at"] is None
        for subscription in held_by_customer
        if not subscription["resource_key"] or (ref_id, subscription["resource_key"]) in scopes
    ]
    held = _holdings_of(wanted) if wanted else None
    features = held.features if held is not None else _Features()
    promotions = _by(grant_rows.promotion_rows_of(live, now), "customer_id") if live else {}
    answers = {}
    for ref_id, resource_ref_id in scopes:
        customer = customers.get(ref_id)
        if customer is None:
            answers[(ref_id, resource_ref_id)] = CustomerGrants(customer_found=False)
        elif customer["archived_at"] is not None:
            answers[(ref_id, resource_ref_id)] = CustomerGrants(customer_found=True, customer_archived=True)
        elif resource_ref_id and (customer["customer_id"], resource_ref_id) not in resources:
            answers[(ref_id, resource_ref_id)] = CustomerGrants(customer_found=True, resource_found=False)
        else:
            in_scope = [
                subscription
                for subscription in subscriptions.get(ref_id, ())
                if subscription["resource_key"] in ("", resource_ref_id or "")
            ]
            # ``in_scope`` is part of ``wanted``: ``held`` is set whenever this runs over a subscription.
            grants = [grant for subscription in in_scope for grant in _subscription_grants(subscription, held)]  # type: ignore[arg-type]
            grants += [_promotion_grant(row, features) for row in promotions.get(customer["customer_id"], ())]
            answers[(ref_id, resource_ref_id)] = CustomerGrants(
                customer_found=True,
                subscription_ref_ids=tuple(subscription["ref_id"] for subscription in in_scope),
                grants=tuple(grants),
            )
    return answers


@dataclass
class _ReadTogether:
    scopes: set[Scope]
    now: datetime
    answers: dict[Scope, CustomerGrants] | None = None

    def covers(self, customer_ref_id: str, resource_ref_id: str | None, now: datetime) -> bool:
        return now == self.now and (customer_ref_id, resource_ref_id) in self.scopes

    def grants(self, customer_ref_id: str, resource_ref_id: str | None) -> CustomerGrants:
        if self.answers is None:
            self.answers = customers_grants(self.scopes, now=self.now)
        return self.answers[(customer_ref_id, resource_ref_id)]


_READ_TOGETHER: ContextVar[_ReadTogether | None] = ContextVar("grants_read_together", default=None)


@contextmanager
def grants_read_together(scopes: Iterable[Scope], *, now: datetime) -> Iterator[None]:
    """Within the block, the first ``customer_grants`` of one of ``scopes`` at ``now`` reads the grants of all of
    them at once (``customers_grants``), and the others are answered from that read. For a caller that may need the
    grants of many customers through code that asks for one at a time, without knowing which in advance (event
    aggregation: the usage windows of the customers the decision cache does not hold)."""
    token = _READ_TOGETHER.set(_ReadTogether(set(scopes), now))
    try:
        yield
    finally:
        _READ_TOGETHER.reset(token)


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


def current_promotions_by_customer(customer_ids: Iterable[int]) -> dict[int, list[PromotionalEntitlement]]:
    """``promotional_entitlement_list`` (unfiltered) of many customers, by customer id, in one query."""
    promotions: dict[int, list[PromotionalEntitlement]] = {}
    for promotion in (
        PromotionalEntitlement.objects.select_related("feature")
        .filter(customer_id__in=list(customer_ids), revoked_at__isnull=True)
        .order_by("pk")
    ):
        promotions.setdefault(promotion.customer_id, []).append(promotion)
    return promotions


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

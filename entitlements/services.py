"""Promotional entitlement writes: grant (replacing the current promotion of a feature), revoke, expire.

Every function is atomic, keyword-only and takes ``now`` from its caller. Lock order, as everywhere: the customer
row first (grant and revoke take it, so two grants of one feature for one customer serialise), then promotion
rows. The expiry sweeper flips a status with one conditional ``UPDATE`` and takes no customer lock; the other
writers therefore save only the columns they own.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction

from catalog import enums as catalog_enums
from catalog.models import Feature, PackageEntitlement
from catalog.selectors import feature_get
from catalog.services.entitlements import resolve_reset_anchor, validate_feature_entitlement
from config.decision_cache import invalidate_customer
from customers.decision_cache import invalidate_customer_pks
from customers.errors import CustomerNotFound
from customers.models import Customer
from entitlements.enums import PromoPeriod, PromoStatus
from entitlements.errors import InvalidPromotionInput
from entitlements.models import PromotionalEntitlement
from entitlements.selectors import expiry_due, promotional_entitlement_current
from subscriptions.periods import add_months

PERIOD_MONTHS = {PromoPeriod.ONE_MONTH: 1, PromoPeriod.SIX_MONTHS: 6, PromoPeriod.ONE_YEAR: 12}
ITEMS_FIELD = "promotionalEntitlements"


@dataclass(frozen=True)
class PromotionGrant:
    """One promotion to grant (contract ``PromoGrant``) in service terms."""

    feature_ref_id: str
    period: str
    custom_end_date: datetime | None = None
    usage_limit: int | None = None
    has_unlimited_usage: bool = False
    has_soft_limit: bool = False
    reset_period: str | None = None
    # {"monthly" | "weekly" | "yearly": anchor or None}, as ``catalog.apis.inputs.ResetConfigurationFields`` folds it.
    reset_configuration: Mapping[str, str | None] = field(default_factory=dict)
    enum_values: Sequence[str] | None = None
    is_visible: bool = True
    description: str | None = None


def promotion_end(*, period: str, start: datetime, custom_end_date: datetime | None) -> datetime | None:
    """When a promotion of ``period`` granted at ``start`` ends; ``None`` for a lifetime one. Months are calendar
    months from ``start`` (a grant on Jan 31 for a month ends on the last day of February)."""
    if period == PromoPeriod.ONE_WEEK:
        return start + timedelta(weeks=1)
    if period in PERIOD_MONTHS:
        return add_months(start, PERIOD_MONTHS[PromoPeriod(period)], anchor_day=start.day)
    if period == PromoPeriod.LIFETIME:
        return None
    if period == PromoPeriod.CUSTOM:
        return custom_end_date
    raise ValueError(f"unknown promotion period {period!r}")


def _lock_customer(customer: Customer) -> Customer:
    """Lock the customer row until commit; an archived customer (archived meanwhile) is ``CustomerNotFound``."""
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.is_archived:
        raise CustomerNotFound(f"Customer {locked.ref_id} not found")
    return locked


def _build(
    *, customer: Customer, feature: Feature, grant: PromotionGrant, now: datetime, actor: str, path: str
) -> PromotionalEntitlement:
    if feature.archived_at is not None:
        raise InvalidPromotionInput(f"feature {feature.ref_id} is archived", field=f"{path}featureId")
    if grant.period == PromoPeriod.CUSTOM:
        if grant.custom_end_date is None:
            raise InvalidPromotionInput("is required when period is custom", field=f"{path}customEndDate")
        if grant.custom_end_date <= now:
            raise InvalidPromotionInput("must be in the future", field=f"{path}customEndDate")
    elif grant.custom_end_date is not None:
        raise InvalidPromotionInput("applies only when period is custom", field=f"{path}customEndDate")
    reset_anchor = resolve_reset_anchor(grant.reset_period, grant.reset_configuration, path=path)
    # The catalog's rules for which values fit which kind of feature, applied to the promotion's values.
    shape = PackageEntitlement(
        type=catalog_enums.EntitlementType.FEATURE,
        feature=feature,
        usage_limit=grant.usage_limit,
        has_unlimited_usage=grant.has_unlimited_usage,
        has_soft_limit=grant.has_soft_limit,
        reset_period=grant.reset_period,
        enum_values=list(grant.enum_values) if grant.enum_values else None,
    )
    validate_feature_entitlement(feature, shape, path=path)
    return PromotionalEntitlement(
        customer=customer,
        feature=feature,
        period=grant.period,
        status=PromoStatus.ACTIVE,
        start_date=now,
        end_date=promotion_end(period=grant.period, start=now, custom_end_date=grant.custom_end_date),
        usage_limit=grant.usage_limit,
        has_unlimited_usage=grant.has_unlimited_usage,
        has_soft_limit=grant.has_soft_limit,
        reset_period=grant.reset_period,
        reset_anchor=reset_anchor,
        enum_values=shape.enum_values,
        is_visible=grant.is_visible,
        description=grant.description,
        granted_by=actor,
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def promotional_entitlements_grant(
    *, customer: Customer, grants: Sequence[PromotionGrant], now: datetime, actor: str
) -> list[PromotionalEntitlement]:
    """Grant promotions to a customer, all or none, each starting ``now``.

    Granting a feature the customer already has a promotion for replaces it: the current row is retired
    (``revoked_at``, ``replaced_by`` the new row), never stacked. Locks the customer, then the rows it replaces.
    Errors: ``CustomerNotFound`` (archived meanwhile), ``FeatureNotFound`` (404), ``InvalidInput`` (400) for an
    empty list, a feature named twice, an archived feature, values that do not fit the feature, or end dates.
    Retrying the same request grants again (a new row replacing the previous one, same values).
    """
    customer = _lock_customer(customer)
    if not grants:
        raise InvalidPromotionInput("must contain at least one promotional entitlement", field=ITEMS_FIELD)
    created: list[PromotionalEntitlement] = []
    for index, grant in enumerate(grants):
        path = f"{ITEMS_FIELD}[{index}]."
        feature = feature_get(grant.feature_ref_id, field=f"{path}featureId")
        if any(promotion.feature_id == feature.pk for promotion in created):
            raise InvalidPromotionInput(
                f"feature {feature.ref_id} is granted twice in one request", field=f"{path}featureId"
            )
        created.append(_build(customer=customer, feature=feature, grant=grant, now=now, actor=actor, path=path))
    replaced = {
        promotion.feature_id: promotion
        for promotion in PromotionalEntitlement.objects.select_for_update()
        .filter(customer=customer, feature_id__in=[promotion.feature_id for promotion in created])
        .filter(revoked_at__isnull=True)
        .order_by("pk")
    }
    for promotion in replaced.values():
        promotion.revoked_at = promotion.updated_at = now
        promotion.revoked_by = actor
        promotion.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    for promotion in created:
        promotion.save()
        previous = replaced.get(promotion.feature_id)
        if previous is not None:
            previous.replaced_by = promotion
            previous.save(update_fields=["replaced_by"])
    invalidate_customer(customer.ref_id)
    return created


@transaction.atomic
def promotional_entitlement_revoke(
    *, customer: Customer, feature_ref_id: str, now: datetime, actor: str
) -> PromotionalEntitlement:
    """Revoke the customer's current promotion of a feature (active or expired); it stops granting at once and
    leaves the list. Locks the customer. Errors: ``FeatureNotFound`` and ``PromotionalEntitlementNotFound`` (404;
    also for a second revoke of the same promotion)."""
    customer = _lock_customer(customer)
    feature = feature_get(feature_ref_id, field="featureId")
    promotion = promotional_entitlement_current(customer=customer, feature=feature)
    promotion.revoked_at = promotion.updated_at = now
    promotion.revoked_by = actor
    promotion.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    invalidate_customer(customer.ref_id)
    return promotion


@transaction.atomic
def promotional_entitlements_expire(*, promotion_ids: Sequence[int], now: datetime) -> int:
    """Mark the given promotions ``Expired`` where they are still due (``selectors.expiry_due``); returns how many
    changed. Idempotent: the condition is re-checked in the ``UPDATE`` itself, so a second run changes nothing.
    Evaluation does not wait for this: an ended promotion grants nothing whatever its stored status."""
    due = PromotionalEntitlement.objects.filter(expiry_due(now), pk__in=list(promotion_ids))
    invalidate_customer_pks(due.values_list("customer_id", flat=True))
    return due.update(status=PromoStatus.EXPIRED, updated_at=now)

"""Subscription-level custom entitlements (the ``entitlements`` input of provision and update).

A custom entitlement replaces, for its feature (or currency), what the subscription's plan, parents and add-ons
grant (the engine's ``SourceKind.CUSTOM``). The list is validated with the catalog's rules for package entitlements
before anything is written, and an update replaces it whole, at once and without an invoice.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from catalog import enums as catalog_enums
from catalog.errors import InvalidCatalogInput
from catalog.selectors import custom_currency_get, feature_get
from catalog.services.entitlements import (
    resolve_reset_anchor,
    validate_credit_entitlement,
    validate_feature_entitlement,
)
from subscriptions.models import Subscription, SubscriptionEntitlement


@dataclass(frozen=True)
class CustomEntitlementInput:
    """One ``SubscriptionEntitlementInput`` in service terms. ``target_ref_id`` is the feature id (FEATURE) or the
    custom currency id (CREDIT); ``reset_configuration`` is ``{"monthly"|"weekly"|"yearly": anchor}``."""

    type: str
    target_ref_id: str
    usage_limit: int | None = None
    has_unlimited_usage: bool = False
    has_soft_limit: bool = False
    reset_period: str | None = None
    reset_configuration: Mapping[str, str | None] = field(default_factory=dict)
    amount: Decimal | None = None
    cadence: str | None = None


def custom_entitlements_build(items: Sequence[CustomEntitlementInput]) -> list[SubscriptionEntitlement]:
    """Resolve and validate the items as unsaved rows (no subscription yet). Reads only.

    Errors, naming ``entitlements[i].<field>``: ``FeatureNotFound`` / ``CustomCurrencyNotFound`` (404) for an
    unknown id; ``InvalidCatalogInput`` (400) for a value that does not fit the feature (the catalog's
    ``validate_feature_entitlement``: a limit on a BOOLEAN feature, no limit on a NUMBER one...), a bad reset
    configuration, a CREDIT without a positive amount or a cadence, and the same feature or currency twice.
    """
    built = []
    seen: set[tuple[str, int]] = set()
    for index, item in enumerate(items):
        path = f"entitlements[{index}]."
        if item.type == catalog_enums.EntitlementType.FEATURE:
            feature = feature_get(item.target_ref_id, field=f"{path}id")
            entitlement = SubscriptionEntitlement(
                type=item.type,
                feature=feature,
                usage_limit=item.usage_limit,
                has_unlimited_usage=item.has_unlimited_usage,
                has_soft_limit=item.has_soft_limit,
                reset_period=item.reset_period,
            )
            entitlement.reset_anchor = resolve_reset_anchor(item.reset_period, item.reset_configuration, path=path)
            validate_feature_entitlement(feature, entitlement, path=path)
            key = (item.type, feature.pk)
        else:
            currency = custom_currency_get(item.target_ref_id, field=f"{path}id")
            entitlement = SubscriptionEntitlement(
                type=item.type,
                currency=currency,
                has_soft_limit=item.has_soft_limit,
                amount=item.amount,
                cadence=item.cadence,
            )
            validate_credit_entitlement(entitlement, path=path)
            key = (item.type, currency.pk)
        if key in seen:
            raise InvalidCatalogInput(f"{item.target_ref_id} is given twice", field=f"{path}id")
        seen.add(key)
        built.append(entitlement)
    return built


def custom_entitlements_write(
    *, subscription: Subscription, entitlements: Sequence[SubscriptionEntitlement], now: datetime
) -> list[SubscriptionEntitlement]:
    """Replace the subscription's custom entitlements with ``entitlements`` (built by ``custom_entitlements_build``).
    The caller holds the subscription's lock (or the customer's, for a new subscription) inside a transaction."""
    SubscriptionEntitlement.objects.filter(subscription=subscription).delete()
    rows = []
    for entitlement in entitlements:
        row = SubscriptionEntitlement(
            subscription=subscription,
            type=entitlement.type,
            feature=entitlement.feature,
            currency=entitlement.currency,
            usage_limit=entitlement.usage_limit,
            has_unlimited_usage=entitlement.has_unlimited_usage,
            has_soft_limit=entitlement.has_soft_limit,
            reset_period=entitlement.reset_period,
            reset_anchor=entitlement.reset_anchor,
            amount=entitlement.amount,
            cadence=entitlement.cadence,
            created_at=now,
            updated_at=now,
        )
        rows.append(row)
    return SubscriptionEntitlement.objects.bulk_create(rows)

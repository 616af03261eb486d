"""RECURRING grants from CREDIT entitlements: the plan's (with those it inherits, the nearest plan winning per
currency), its add-ons' (times their quantity) and the subscription's own custom ones (which replace the plan's
and add-ons' for their currency).

Each live subscription gets, for each such entitlement, one grant per cadence period (MONTH or YEAR, counted from
the subscription's start): effective at the period's start, expiring at its end, of ``amount`` times the
dependency feature's limit where the entitlement names one (the quantity the customer bought, else the plan's
limit). The grant's idempotency key ``recurring:{subscription}:{source}:{entitlement}:{period start}`` makes the
sweeper and the trigger from subscription provisioning safe to run any number of times.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Q

from catalog.enums import CreditCadence, EntitlementType
from catalog.models import CustomCurrency, PackageEntitlement, PackageVersion
from credits.enums import GrantSourceType, GrantType
from credits.models import CreditGrant
from credits.services.grants import GrantRequest, credit_grant_create
from subscriptions.enums import SubscriptionStatus as Status
from subscriptions.models import Subscription
from subscriptions.periods import add_months

CADENCE_MONTHS = {CreditCadence.MONTH: 1, CreditCadence.YEAR: 12}
GRANTING_STATUSES = (Status.ACTIVE, Status.IN_TRIAL)


@dataclass(frozen=True)
class RecurringCredit:
    """One CREDIT entitlement of a subscription, resolved: what to grant per period."""

    source: str  # plan, addon or custom
    entitlement_id: int
    currency: CustomCurrency
    amount: Decimal
    cadence: str
    source_type: str | None


def cadence_period(*, anchor: datetime, cadence: str, now: datetime) -> tuple[datetime, datetime]:
    """The cadence period (counted from ``anchor``) containing ``now``."""
    months = CADENCE_MONTHS[CreditCadence(cadence)]
    elapsed = (now.year - anchor.year) * 12 + (now.month - anchor.month)
    index = max(elapsed // months, 0)
    start = add_months(anchor, index * months, anchor_day=anchor.day)
    while start > now and index > 0:
        index -= 1
        start = add_months(anchor, index * months, anchor_day=anchor.day)
    end = add_months(anchor, (index + 1) * months, anchor_day=anchor.day)
    while end <= now:
        index += 1
        start, end = end, add_months(anchor, (index + 1) * months, anchor_day=anchor.day)
    return start, end


def _dependency_limit(subscription: Subscription, entitlement: PackageEntitlement) -> Decimal:
    feature_id = entitlement.dependency_feature_id
    if feature_id is None:
        return Decimal(1)
    for bought in subscription.feature_quantities.all():
        if bought.feature_id == feature_id:
            return Decimal(bought.quantity)
    for plan_entitlement in subscription.plan_version.entitlements.all():
        if plan_entitlement.feature_id == feature_id and plan_entitlement.usage_limit is not None:
            return Decimal(plan_entitlement.usage_limit)
    return Decimal(1)


def _plan_credit_entitlements(subscription: Subscription) -> list[PackageEntitlement]:
    """The plan's CREDIT entitlements and those it inherits from its parent chain (the latest version of each
    parent), the nearest one winning per currency: one query per level of inheritance."""
    found: dict[int | None, PackageEntitlement] = {}
    version = subscription.plan_version
    entitlements = list(version.entitlements.all())
    seen_packages = {version.package_id}
    while True:
        for entitlement in entitlements:
            if entitlement.type == EntitlementType.CREDIT and entitlement.currency_id not in found:
                found[entitlement.currency_id] = entitlement
        parent_id = version.parent_plan_id
        if parent_id is None or parent_id in seen_packages:
            return list(found.values())
        seen_packages.add(parent_id)
        parent = (
            PackageVersion.objects.filter(package_id=parent_id, is_latest=True)
            .prefetch_related("entitlements__currency")
            .first()
        )
        if parent is None:
            return list(found.values())
        version, entitlements = parent, list(parent.entitlements.all())


def recurring_credits(subscription: Subscription) -> list[RecurringCredit]:
    """The subscription's CREDIT entitlements that grant something, resolved (module doc)."""
    credits: list[RecurringCredit] = []
    custom_currencies = set()
    for custom in subscription.custom_entitlements.all():
        if custom.type == EntitlementType.CREDIT and custom.amount and custom.cadence:
            custom_currencies.add(custom.currency_id)
            # A CREDIT entitlement names its currency (constraint subscription_entitlement_one_target).
            currency = custom.currency
            credits.append(RecurringCredit("custom", custom.pk, currency, custom.amount, custom.cadence, None))  # type: ignore[arg-type]
    packaged = [(entitlement, 1, "plan") for entitlement in _plan_credit_entitlements(subscription)]
    for addon in subscription.addons.all():
        packaged += [(entitlement, addon.quantity, "addon") for entitlement in addon.addon_version.entitlements.all()]
    for entitlement, quantity, source in packaged:
        if (
            entitlement.type != EntitlementType.CREDIT
            or not entitlement.is_granted
            or not entitlement.amount
            or not entitlement.cadence
            or entitlement.currency_id in custom_currencies
        ):
            continue
        amount = entitlement.amount * quantity * _dependency_limit(subscription, entitlement)
        if amount <= 0:
            continue
        source_type = GrantSourceType.PLAN_ENTITLEMENT if source == "plan" else GrantSourceType.ADDON_ENTITLEMENT
        # A CREDIT entitlement names its currency (constraint entitlement_target_matches_type).
        currency = entitlement.currency
        credits.append(RecurringCredit(source, entitlement.pk, currency, amount, entitlement.cadence, source_type))  # type: ignore[arg-type]
    return credits


def recurring_grants_issue(*, subscription_id: int, now: datetime) -> list[CreditGrant]:
    """Issue the current period's grant of each CREDIT entitlement of a live (``ACTIVE``/``IN_TRIAL``)
    subscription that has started; grants issued before are returned, not repeated (idempotency key in the
    module doc). Each grant is written under its wallet's lock by ``credit_grant_create``."""
    subscription = (
        Subscription.objects.select_related("customer", "plan_version")
        .prefetch_related(
            "custom_entitlements__currency",
            "plan_version__entitlements__currency",
            "addons__addon_version__entitlements__currency",
            "feature_quantities",
        )
        .filter(pk=subscription_id, status__in=GRANTING_STATUSES, start_date__lte=now)
        .first()
    )
    if subscription is None or subscription.customer.archived_at is not None:
        return []
    grants = []
    for credit in recurring_credits(subscription):
        if credit.currency.archived_at is not None:
            continue
        start, end = cadence_period(anchor=subscription.start_date, cadence=credit.cadence, now=now)
        key = f"recurring:{subscription.ref_id}:{credit.source}:{credit.entitlement_id}:{start.isoformat()}"
        grants.append(
            credit_grant_create(
                request=GrantRequest(
                    customer_ref_id=subscription.customer.ref_id,
                    currency_ref_id=credit.currency.ref_id,
                    amount=credit.amount,
                    display_name=f"Recurring credits ({subscription.ref_id})",
                    grant_type=GrantType.RECURRING,
                    effective_at=start,
                    expire_at=end,
                    resource_ref_id=subscription.resource_key or None,
                    source_type=credit.source_type,
                    idempotency_key=key,
                    metadata={"subscriptionId": subscription.ref_id},
                    created_by="job:recurring-credits",
                ),
                now=now,
            )
        )
    return grants


def recurring_subscription_ids(*, now: datetime) -> list[int]:
    """Started live subscriptions with a CREDIT entitlement (plan, add-on or custom)."""
    credit = EntitlementType.CREDIT
    return sorted(
        set(
            Subscription.objects.filter(status__in=GRANTING_STATUSES, start_date__lte=now)
            .filter(
                Q(plan_version__entitlements__type=credit)
                | Q(addons__addon_version__entitlements__type=credit)
                | Q(custom_entitlements__type=credit)
            )
            .values_list("pk", flat=True)
        )
    )

"""A provision request (S1, contract ``ProvisionInput``) in service terms, and the terms it resolves to: its ids
looked up and every rule that needs no lock checked, before ``services.provisioning`` writes anything. Reads only."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from catalog import enums as catalog_enums
from catalog.models import Feature, Package
from catalog.selectors import feature_get
from config.ids import validate_external_id
from customers.models import Customer
from customers.selectors import customer_get
from subscriptions.errors import InvalidSubscriptionInput
from subscriptions.models import SubscriptionEntitlement
from subscriptions.quote import (
    QuoteInput,
    TrialOverride,
    published_version,
    resolve_coupon,
    trial_end_for,
    validate_quote_input,
)
from subscriptions.services.custom_entitlements import CustomEntitlementInput, custom_entitlements_build


@dataclass(frozen=True)
class SubscriptionTerms:
    """What a new subscription is made of, resolved from ids and validated, before anything is written."""

    quote: QuoteInput
    features: Sequence[tuple[Feature, Decimal]]
    resource_ref_id: str | None
    start: datetime
    trial_ends: datetime | None
    trial_requested: bool
    trial_end_behavior: str | None
    cancellation_date: datetime | None
    coupon_applied_at: datetime | None
    metadata: Mapping[str, str]
    payment_collection_method: str | None
    billing_id: str | None
    custom_entitlements: Sequence[SubscriptionEntitlement] = ()
    # Another customer who pays (the subscription is delegated from the start, as S10 would make it).
    paying_customer: Customer | None = None

    @property
    def plan(self) -> Package:
        return self.quote.plan_version.package


def _resource_ref_id(plan: Package, resource_ref_id: str | None) -> str | None:
    """Rule 5: multi-subscription products need a resource; single-subscription products take none."""
    product = plan.product
    if product.multiple_subscriptions:
        if not resource_ref_id:
            raise InvalidSubscriptionInput(
                f"is required: product {product.ref_id} allows multiple subscriptions per customer",
                field="resourceId",
            )
        return validate_external_id(resource_ref_id, field="resourceId")
    if resource_ref_id:
        raise InvalidSubscriptionInput(
            f"product {product.ref_id} allows one subscription per customer and takes no resourceId",
            field="resourceId",
        )
    return None


def _features(feature_quantities: Mapping[str, Decimal]) -> list[tuple[Feature, Decimal]]:
    return [
        (feature_get(ref_id, field=f"charges[{ref_id}]"), quantity) for ref_id, quantity in feature_quantities.items()
    ]


@dataclass(frozen=True)
class ProvisionRequest:
    """A provision request (contract ``ProvisionInput``) in service terms; ids are the client's external ids."""

    customer_ref_id: str
    plan_ref_id: str
    ref_id: str | None = None
    billing_period: str | None = None
    billing_country_code: str | None = None
    unit_quantity: int | None = None
    feature_quantities: Mapping[str, Decimal] = field(default_factory=dict)
    addons: Sequence[tuple[str, int]] = ()
    coupon_ref_id: str | None = None
    coupon_start_date: datetime | None = None
    tax_percentage: Decimal | None = None
    resource_ref_id: str | None = None
    start_date: datetime | None = None
    cancellation_date: datetime | None = None
    trial_override: TrialOverride | None = None
    trial_end_behavior: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    payment_collection_method: str | None = None
    billing_id: str | None = None
    paying_customer_ref_id: str | None = None
    entitlements: Sequence[CustomEntitlementInput] = ()


def subscription_terms(*, customer: Customer, request: ProvisionRequest, now: datetime) -> SubscriptionTerms:
    """Resolve the ids of a provision request and validate it. Reads only.

    Errors: 404 for an unknown plan, add-on, feature, coupon, paying customer or custom entitlement target; 400
    for a plan or add-on that is archived or was never published, every ``quote.validate_quote_input`` refusal
    (billing period, quantities, add-ons, coupon, currencies, tax), a resource rule (rule 5), dates out of order, a
    trial override that cannot be honoured and a custom entitlement the catalog's rules refuse
    (``custom_entitlements.custom_entitlements_build``).
    """
    version = published_version(catalog_enums.PackageKind.PLAN, request.plan_ref_id, field="planId")
    addon_versions = [
        (published_version(catalog_enums.PackageKind.ADDON, ref_id, field=f"addons[{index}].id"), quantity)
        for index, (ref_id, quantity) in enumerate(request.addons)
    ]
    quote = QuoteInput(
        plan_version=version,
        billing_period=request.billing_period,
        billing_country_code=request.billing_country_code,
        unit_quantity=request.unit_quantity,
        feature_quantities=dict(request.feature_quantities),
        addons=addon_versions,
        coupon=resolve_coupon(request.coupon_ref_id, customer.coupon),
        tax_percentage=request.tax_percentage,
    )
    validate_quote_input(quote)
    start = request.start_date or now
    if request.cancellation_date is not None and request.cancellation_date <= start:
        raise InvalidSubscriptionInput("must be after the start date", field="cancellationDate")
    trial_override = request.trial_override
    return SubscriptionTerms(
        quote=quote,
        features=_features(request.feature_quantities),
        resource_ref_id=_resource_ref_id(version.package, request.resource_ref_id),
        start=start,
        trial_ends=trial_end_for(version, start, trial_override),
        trial_requested=trial_override is not None and trial_override.is_trial,
        trial_end_behavior=request.trial_end_behavior or version.trial_end_behavior,
        cancellation_date=request.cancellation_date,
        coupon_applied_at=(request.coupon_start_date or start) if quote.coupon is not None else None,
        metadata=dict(request.metadata),
        payment_collection_method=request.payment_collection_method,
        billing_id=request.billing_id,
        custom_entitlements=custom_entitlements_build(request.entitlements),
        paying_customer=_paying_customer(customer, request.paying_customer_ref_id),
    )


def _paying_customer(customer: Customer, paying_customer_ref_id: str | None) -> Customer | None:
    """``payingCustomerId``: another active customer who pays; the customer itself (or none) means no one else."""
    if not paying_customer_ref_id or paying_customer_ref_id == customer.ref_id:
        return None
    return customer_get(paying_customer_ref_id, field="payingCustomerId")

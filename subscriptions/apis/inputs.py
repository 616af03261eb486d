"""Request bodies of the subscription endpoints (contract §3.3), camelCase on the wire.

The nested shapes ``ProvisionInput`` shares with ``PreviewInput`` (add-ons, charges, applied coupon, billing
information, trial override) are the preview's serializers, and so is their translation to service arguments:
one reading of each shape for both endpoints. These check shape and types only; the rules live in the services.
"""

from typing import Any

from rest_framework import serializers

from catalog import enums as catalog_enums
from catalog.apis.fields import Choice, Metadata
from catalog.apis.inputs import POSITIVE_INTEGER_MAX
from config.serializers import nullable_list
from subscriptions import enums
from subscriptions.apis.shared_inputs import (
    AddonInput,
    AppliedCouponInput,
    BillingInformationInput,
    ChargeInput,
    SubscriptionEntitlementInput,
    TrialOverrideConfigurationInput,
    coupon_arguments,
    custom_entitlements,
    feature_quantities,
    trial_override,
)
from subscriptions.services.provision_terms import ProvisionRequest

S = serializers

# Inputs that change what is sold and that this server does not implement yet: refused rather than ignored.
UNSUPPORTED = ("priceOverrides", "minimumSpend", "budget")


class SubscriptionProvisionInput(S.Serializer):
    """``ProvisionInput``. Accepted and ignored, as there is no payment provider and nothing to re-anchor:
    ``awaitPaymentConfirmation``, ``billingCycleAnchor``, ``checkoutOptions``, ``salesforceId``,
    ``scheduleStrategy`` and billing information other than ``taxPercentage``."""

    customerId = S.CharField()
    planId = S.CharField()
    id = S.CharField(required=False, max_length=255)
    addons = nullable_list(AddonInput, required=False)
    appliedCoupon = AppliedCouponInput(required=False, allow_null=True)
    billingCountryCode = S.CharField(required=False, allow_null=True, allow_blank=True, max_length=8)
    billingId = S.CharField(required=False, allow_null=True, max_length=255)
    billingInformation = BillingInformationInput(required=False, allow_null=True)
    billingPeriod = Choice(catalog_enums.BillingPeriod, required=False, allow_null=True)
    cancellationDate = S.DateTimeField(required=False, allow_null=True)
    charges = nullable_list(ChargeInput, required=False)
    metadata = Metadata(required=False, allow_null=True)
    paymentCollectionMethod = Choice(enums.PaymentCollectionMethod, required=False, allow_null=True)
    payingCustomerId = S.CharField(required=False, allow_null=True)
    resourceId = S.CharField(required=False, allow_null=True)
    startDate = S.DateTimeField(required=False, allow_null=True)
    trialOverrideConfiguration = TrialOverrideConfigurationInput(required=False, allow_null=True)
    unitQuantity = S.IntegerField(required=False, allow_null=True, min_value=0, max_value=POSITIVE_INTEGER_MAX)
    priceOverrides = S.ListField(required=False, allow_null=True)
    entitlements = nullable_list(SubscriptionEntitlementInput, required=False)
    minimumSpend = S.DictField(required=False, allow_null=True)
    budget = S.DictField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = {name: ["is not supported yet"] for name in UNSUPPORTED if attrs.get(name)}
        if errors:
            raise S.ValidationError(errors)
        return attrs


def provision_request(body: dict[str, Any]) -> ProvisionRequest:
    """A validated ``ProvisionInput`` as the provisioning service's request."""
    trial = body.get("trialOverrideConfiguration")
    return ProvisionRequest(
        customer_ref_id=body["customerId"],
        plan_ref_id=body["planId"],
        ref_id=body.get("id"),
        billing_period=body.get("billingPeriod"),
        billing_country_code=body.get("billingCountryCode") or None,
        unit_quantity=body.get("unitQuantity"),
        feature_quantities=feature_quantities(body),
        addons=[(addon["id"], addon["quantity"]) for addon in body.get("addons") or []],
        tax_percentage=(body.get("billingInformation") or {}).get("taxPercentage"),
        resource_ref_id=body.get("resourceId"),
        start_date=body.get("startDate"),
        cancellation_date=body.get("cancellationDate"),
        trial_override=trial_override(trial),
        trial_end_behavior=(trial or {}).get("trialEndBehavior"),
        metadata=body.get("metadata") or {},
        payment_collection_method=body.get("paymentCollectionMethod"),
        billing_id=body.get("billingId"),
        paying_customer_ref_id=body.get("payingCustomerId") or None,
        entitlements=custom_entitlements(body.get("entitlements")),
        **coupon_arguments(body.get("appliedCoupon")),
    )


class SubscriptionCancelInput(S.Serializer):
    """``prorate``: a subscription ending now gets the unused rest of its period back as credit balance."""

    cancellationAction = Choice(enums.CancellationAction, required=False, allow_null=True)
    cancellationTime = Choice(catalog_enums.CancellationTime, required=False, allow_null=True)
    endDate = S.DateTimeField(required=False, allow_null=True)
    prorate = S.BooleanField(required=False, allow_null=True)

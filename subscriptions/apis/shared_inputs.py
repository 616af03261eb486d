"""Request pieces shared by subscription provisioning and the preview: nested inputs and their translation."""

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from catalog import enums
from catalog.apis.fields import Amount, Choice
from catalog.apis.inputs import BIG_INTEGER_MAX, POSITIVE_INTEGER_MAX, ResetConfigurationFields
from config.errors import InvalidInput
from subscriptions.quote import TrialOverride
from subscriptions.services.custom_entitlements import CustomEntitlementInput

S = serializers


class AddonInput(S.Serializer):
    id = S.CharField()
    quantity = S.IntegerField(min_value=1, max_value=POSITIVE_INTEGER_MAX)


class BillableFeatureInput(S.Serializer):
    featureId = S.CharField()
    quantity = Amount(min_value=Decimal(0))


class ChargeInput(S.Serializer):
    id = S.CharField()
    quantity = Amount(min_value=Decimal(0))
    type = Choice(enums.EntitlementType)


class SubscriptionEntitlementInput(ResetConfigurationFields):
    """``SubscriptionEntitlementInput``: FEATURE (``id`` is a feature id) or CREDIT (a custom currency id). Which
    values fit which kind of feature is the service's business (the catalog's rules)."""

    id = S.CharField(max_length=255)
    type = Choice(enums.EntitlementType)
    hasSoftLimit = S.BooleanField(required=False, allow_null=True)
    # FEATURE
    hasUnlimitedUsage = S.BooleanField(required=False, allow_null=True)
    resetPeriod = Choice(enums.ResetPeriod, required=False, allow_null=True)
    usageLimit = S.IntegerField(required=False, allow_null=True, max_value=BIG_INTEGER_MAX)
    # CREDIT
    amount = Amount(required=False, allow_null=True)
    cadence = Choice(enums.CreditCadence, required=False, allow_null=True)


def custom_entitlements(items: list[dict[str, Any]] | None) -> list[CustomEntitlementInput]:
    """Validated ``SubscriptionEntitlementInput`` items in service terms."""
    return [
        CustomEntitlementInput(
            type=item["type"],
            target_ref_id=item["id"],
            usage_limit=item.get("usageLimit"),
            has_unlimited_usage=bool(item.get("hasUnlimitedUsage")),
            has_soft_limit=bool(item.get("hasSoftLimit")),
            reset_period=item.get("resetPeriod"),
            reset_configuration=item.get("reset_configuration") or {},
            amount=item.get("amount"),
            cadence=item.get("cadence"),
        )
        for item in items or []
    ]


class AppliedCouponConfigurationInput(S.Serializer):
    startDate = S.DateTimeField(required=False, allow_null=True)


class AppliedCouponInput(S.Serializer):
    couponId = S.CharField(required=False, allow_null=True)
    billingCouponId = S.CharField(required=False, allow_null=True)
    promotionCode = S.CharField(required=False, allow_null=True)
    configuration = AppliedCouponConfigurationInput(required=False, allow_null=True)
    discount = S.DictField(required=False, allow_null=True)


class BillingInformationInput(S.Serializer):
    taxPercentage = Amount(required=False, allow_null=True, min_value=Decimal(0), max_value=Decimal(100))


class TrialOverrideConfigurationInput(S.Serializer):
    isTrial = S.BooleanField()
    trialEndBehavior = Choice(enums.TrialEndBehavior, required=False, allow_null=True)
    trialEndDate = S.DateTimeField(required=False, allow_null=True)


def feature_quantities(body: dict[str, Any]) -> dict[str, Decimal]:
    """``billableFeatures`` and FEATURE ``charges`` together: one quantity per feature."""
    quantities: dict[str, Decimal] = {}
    sources = [("billableFeatures", item["featureId"], item) for item in body.get("billableFeatures") or []]
    sources += [("charges", item["id"], item) for item in body.get("charges") or []]
    counters = {"billableFeatures": 0, "charges": 0}
    for key, feature_ref_id, item in sources:
        field = f"{key}[{counters[key]}]"
        counters[key] += 1
        if item.get("type") == enums.EntitlementType.CREDIT:
            raise InvalidInput("CREDIT charges are not priced by the preview", field=f"{field}.type")
        if feature_ref_id in quantities:
            raise InvalidInput(f"feature {feature_ref_id} is given more than once", field=field)
        quantities[feature_ref_id] = item["quantity"]
    return quantities


def coupon_arguments(applied_coupon: dict[str, Any] | None) -> dict[str, Any]:
    applied_coupon = applied_coupon or {}
    for key in ("discount", "promotionCode", "billingCouponId"):
        if applied_coupon.get(key):
            raise InvalidInput("is not supported: name a coupon with couponId", field=f"appliedCoupon.{key}")
    return {
        "coupon_ref_id": applied_coupon.get("couponId"),
        "coupon_start_date": (applied_coupon.get("configuration") or {}).get("startDate"),
    }


def trial_override(configuration: dict[str, Any] | None) -> TrialOverride | None:
    if configuration is None:
        return None
    return TrialOverride(is_trial=configuration["isTrial"], trial_end_date=configuration.get("trialEndDate"))

"""Request inputs of the entitlement endpoints, camelCase on the wire, service terms in ``validated_data``.

They check shape and types only; business rules live in the services and the engine.
"""

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from catalog import enums as catalog_enums
from catalog.apis.fields import Amount, Choice
from catalog.apis.inputs import BIG_INTEGER_MAX, ResetConfigurationFields
from entitlements.enums import PromoPeriod

S = serializers
TEXT_MAX_LENGTH = 255


class PromotionGrantInput(ResetConfigurationFields):
    """Contract ``PromoGrant``: every key is required, the nullable ones may be ``null`` (``null`` flags are false,
    ``isVisible: null`` is true)."""

    featureId = S.CharField(source="feature_ref_id", max_length=TEXT_MAX_LENGTH)
    period = Choice(PromoPeriod)
    customEndDate = S.DateTimeField(source="custom_end_date", allow_null=True)
    enumValues = S.ListField(child=S.CharField(max_length=TEXT_MAX_LENGTH), source="enum_values", allow_null=True)
    hasSoftLimit = S.BooleanField(source="has_soft_limit", allow_null=True)
    hasUnlimitedUsage = S.BooleanField(source="has_unlimited_usage", allow_null=True)
    isVisible = S.BooleanField(source="is_visible", allow_null=True)
    resetPeriod = Choice(catalog_enums.ResetPeriod, source="reset_period", allow_null=True)
    usageLimit = S.IntegerField(source="usage_limit", allow_null=True, min_value=0, max_value=BIG_INTEGER_MAX)
    monthlyResetPeriodConfiguration = S.DictField(allow_null=True)
    weeklyResetPeriodConfiguration = S.DictField(allow_null=True)
    yearlyResetPeriodConfiguration = S.DictField(allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        for name, default in (("has_soft_limit", False), ("has_unlimited_usage", False), ("is_visible", True)):
            if attrs.get(name) is None:
                attrs[name] = default
        return attrs


class PromotionalEntitlementsGrantInput(S.Serializer):
    promotionalEntitlements = PromotionGrantInput(many=True, source="promotional_entitlements", allow_empty=False)


class EntitlementCheckQuery(S.Serializer):
    """The C9 query string: ``featureId`` xor ``currencyId``; ``requestedValues`` comma-joined (contract §1.4).

    The W2 reservation parameters (credit checks only) are not read yet."""

    featureId = S.CharField(source="feature_ref_id", required=False, max_length=TEXT_MAX_LENGTH)
    currencyId = S.CharField(source="currency_ref_id", required=False, max_length=TEXT_MAX_LENGTH)
    # An ``int`` in the contract; any non-negative number is taken, since usage may be fractional.
    requestedUsage = Amount(source="requested_usage", required=False, min_value=Decimal(0))
    requestedValues = S.CharField(source="requested_values", required=False, allow_blank=True)
    resourceId = S.CharField(source="resource_ref_id", required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_feature, has_currency = bool(attrs.get("feature_ref_id")), bool(attrs.get("currency_ref_id"))
        if has_feature == has_currency:
            message = "give featureId or currencyId, not both" if has_feature else "featureId or currencyId is required"
            raise S.ValidationError({"featureId": [message]}, code="invalid")
        raw_values = attrs.pop("requested_values", "") or ""
        attrs["requested_values"] = tuple(value.strip() for value in raw_values.split(",") if value.strip())
        attrs["resource_ref_id"] = attrs.get("resource_ref_id") or None
        return attrs

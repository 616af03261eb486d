"""Request bodies of the catalog endpoints, camelCase on the wire, snake_case in ``validated_data``.

They check shape and types only; business rules live in the services.
"""

from rest_framework import serializers

from catalog import enums
from catalog.apis.fields import Amount, Choice, Metadata
from catalog.money import Currency
from config.serializers import nullable_list

S = serializers

# The largest values the columns behind these fields hold (PostgreSQL integer and bigint); beyond them a write
# would fail in the database instead of being refused here.
POSITIVE_INTEGER_MAX = 2_147_483_647
BIG_INTEGER_MAX = 9_223_372_036_854_775_807


class ProductCreateInput(S.Serializer):
    id = S.CharField(source="ref_id")
    displayName = S.CharField(max_length=255, source="display_name")
    description = S.CharField(allow_null=True, allow_blank=True, required=False)
    metadata = Metadata(allow_null=True, required=False)
    multipleSubscriptions = S.BooleanField(source="multiple_subscriptions", required=False)


class ProductSettingsInput(S.Serializer):
    subscriptionCancellationTime = Choice(enums.CancellationTime, source="subscription_cancellation_time")
    subscriptionEndSetup = Choice(enums.SubscriptionEndSetup, source="subscription_end_setup")
    subscriptionStartSetup = Choice(enums.SubscriptionStartSetup, source="subscription_start_setup")
    downgradePlanId = S.CharField(source="downgrade_plan_id", allow_null=True, required=False)
    prorateAtEndOfBillingPeriod = S.BooleanField(
        source="prorate_at_end_of_billing_period", allow_null=True, required=False
    )
    subscriptionStartPlanId = S.CharField(source="subscription_start_plan_id", allow_null=True, required=False)


class UsageResetCutoffRuleInput(S.Serializer):
    behavior = Choice(enums.UsageResetBehavior)


class ProductUpdateInput(S.Serializer):
    displayName = S.CharField(max_length=255, source="display_name", required=False)
    description = S.CharField(allow_null=True, allow_blank=True, required=False)
    metadata = Metadata(allow_null=True, required=False)
    multipleSubscriptions = S.BooleanField(source="multiple_subscriptions", required=False)
    productSettings = ProductSettingsInput(source="product_settings", required=False)
    usageResetCutoffRule = UsageResetCutoffRuleInput(source="usage_reset_cutoff_rule", required=False)


class ProductDuplicateInput(S.Serializer):
    targetId = S.CharField(source="target_ref_id")
    displayName = S.CharField(max_length=255, source="display_name", required=False)
    description = S.CharField(allow_null=True, allow_blank=True, required=False)


class EnumConfigurationInput(S.Serializer):
    displayName = S.CharField()
    value = S.CharField()


class AggregationInput(S.Serializer):
    function = Choice(enums.AggregationFunction)
    field = S.CharField(required=False, allow_null=True)


class ConditionInput(S.Serializer):
    field = S.CharField()
    operation = Choice(enums.FilterOperation)
    value = S.CharField(required=False, allow_null=True)
    values = S.ListField(child=S.CharField(), required=False, allow_null=True)


class MeterFilterInput(S.Serializer):
    conditions = ConditionInput(many=True)


class MeterInput(S.Serializer):
    aggregation = AggregationInput()
    filters = MeterFilterInput(many=True)


class UnitTransformationInput(S.Serializer):
    divide = S.IntegerField()
    featureUnits = S.CharField(max_length=100, required=False, allow_null=True)
    featureUnitsPlural = S.CharField(max_length=100, required=False, allow_null=True)
    round = Choice(enums.RoundMode, required=False)


class FeatureUpdateInput(S.Serializer):
    displayName = S.CharField(max_length=255, source="display_name", required=False)
    description = S.CharField(allow_null=True, allow_blank=True, required=False)
    enumConfiguration = nullable_list(EnumConfigurationInput, source="enum_configuration", required=False)
    featureUnits = S.CharField(
        max_length=100, source="feature_units", allow_null=True, allow_blank=True, required=False
    )
    featureUnitsPlural = S.CharField(
        max_length=100, source="feature_units_plural", allow_null=True, allow_blank=True, required=False
    )
    metadata = Metadata(allow_null=True, required=False)
    meter = MeterInput(allow_null=True, required=False)
    unitTransformation = UnitTransformationInput(source="unit_transformation", allow_null=True, required=False)


class FeatureCreateInput(FeatureUpdateInput):
    id = S.CharField(source="ref_id")
    displayName = S.CharField(max_length=255, source="display_name")
    featureType = Choice(enums.FeatureType, source="feature_type")
    featureStatus = Choice(enums.FeatureStatus, source="feature_status", required=False)
    meterType = Choice(enums.MeterType, source="meter_type", required=False)


class TrialBudgetInput(S.Serializer):
    hasSoftLimit = S.BooleanField(source="has_soft_limit")
    limit = Amount()


class TrialConfigInput(S.Serializer):
    duration = Amount(max_value=POSITIVE_INTEGER_MAX)
    units = Choice(enums.TrialUnits)
    budget = TrialBudgetInput(allow_null=True, required=False)
    trialEndBehavior = Choice(enums.TrialEndBehavior, source="trial_end_behavior", allow_null=True, required=False)


class MoneyInput(S.Serializer):
    amount = Amount()
    currency = Choice(Currency, required=False)


class TierInput(S.Serializer):
    flatPrice = MoneyInput(source="flat_price", required=False, allow_null=True)
    unitPrice = MoneyInput(source="unit_price", required=False, allow_null=True)
    upTo = Amount(source="up_to", required=False, allow_null=True)


class CreditRateInput(S.Serializer):
    amount = Amount()
    currencyId = S.CharField(source="currency_id")
    costFormula = S.CharField(max_length=500, source="cost_formula", required=False, allow_null=True)


class PricePeriodInput(S.Serializer):
    billingPeriod = Choice(enums.BillingPeriod, source="billing_period")
    billingCountryCode = S.CharField(max_length=8, source="billing_country_code", required=False, allow_null=True)
    blockSize = Amount(source="block_size", required=False, allow_null=True)
    creditGrantCadence = Choice(enums.CreditGrantCadence, source="credit_grant_cadence", required=False)
    creditRate = CreditRateInput(source="credit_rate", required=False, allow_null=True)
    price = MoneyInput(required=False, allow_null=True)
    tiers = nullable_list(TierInput, required=False)


class ResetConfigurationFields(S.Serializer):
    """The three reset-anchor objects, folded into ``reset_configuration`` by ``reset_configuration_of``."""

    monthlyResetPeriodConfiguration = S.DictField(required=False, allow_null=True)
    weeklyResetPeriodConfiguration = S.DictField(required=False, allow_null=True)
    yearlyResetPeriodConfiguration = S.DictField(required=False, allow_null=True)

    ANCHORS = {
        "monthly": ("monthlyResetPeriodConfiguration", enums.MonthlyAnchor),
        "weekly": ("weeklyResetPeriodConfiguration", enums.WeeklyAnchor),
        "yearly": ("yearlyResetPeriodConfiguration", enums.YearlyAnchor),
    }

    def validate(self, attrs: dict) -> dict:
        configuration: dict[str, str | None] = {}
        for kind, (name, choices) in self.ANCHORS.items():
            if name not in attrs:
                continue
            value = attrs.pop(name)
            if value is None:
                configuration[kind] = None
                continue
            anchor = value.get("accordingTo")
            if anchor not in choices.values:
                raise S.ValidationError(
                    {name: [f"accordingTo must be one of {', '.join(choices.values)}"]}, code="invalid"
                )
            configuration[kind] = anchor
        if configuration:
            attrs["reset_configuration"] = configuration
        return attrs


class PricingModelInput(ResetConfigurationFields):
    billingModel = Choice(enums.BillingModel, source="billing_model")
    pricePeriods = PricePeriodInput(many=True, source="price_periods", allow_empty=False)
    billingCadence = Choice(enums.BillingCadence, source="billing_cadence", required=False)
    featureId = S.CharField(source="feature_id", required=False, allow_null=True)
    maxUnitQuantity = S.IntegerField(
        source="max_unit_quantity", required=False, allow_null=True, min_value=0, max_value=POSITIVE_INTEGER_MAX
    )
    minUnitQuantity = S.IntegerField(
        source="min_unit_quantity", required=False, allow_null=True, min_value=0, max_value=POSITIVE_INTEGER_MAX
    )
    resetPeriod = Choice(enums.ResetPeriod, source="reset_period", required=False, allow_null=True)
    tiersMode = Choice(enums.TiersMode, source="tiers_mode", required=False, allow_null=True)
    topUpCustomCurrencyId = S.CharField(source="top_up_custom_currency_id", required=False, allow_null=True)


class OveragePricingModelInput(S.Serializer):
    pricePeriods = PricePeriodInput(many=True, source="price_periods", allow_empty=False)
    featureId = S.CharField(source="feature_id", required=False, allow_null=True)
    currencyId = S.CharField(source="currency_id", required=False, allow_null=True)
    creditEntitlement = S.DictField(source="credit_entitlement", required=False, allow_null=True)
    entitlement = S.DictField(required=False, allow_null=True)


class MinimumSpendInput(S.Serializer):
    billingPeriod = Choice(enums.BillingPeriod, source="billing_period")
    minimum = MoneyInput()


class ChargesInput(S.Serializer):
    pricingType = Choice(enums.PricingType, source="pricing_type")
    billingId = S.CharField(max_length=255, source="billing_id", required=False, allow_null=True)
    minimumSpend = nullable_list(MinimumSpendInput, source="minimum_spend", required=False)
    overageBillingPeriod = Choice(enums.OverageBillingPeriod, source="overage_billing_period", required=False)
    pricingModels = PricingModelInput(many=True, source="pricing_models", required=False)
    overagePricingModels = OveragePricingModelInput(many=True, source="overage_pricing_models", required=False)


class PackageUpdateInput(S.Serializer):
    billingId = S.CharField(max_length=255, source="billing_id", allow_null=True, required=False)
    charges = ChargesInput(required=False)
    description = S.CharField(allow_null=True, allow_blank=True, required=False)
    displayName = S.CharField(max_length=255, source="display_name", required=False)
    metadata = Metadata(allow_null=True, required=False)


class PlanUpdateInput(PackageUpdateInput):
    compatibleAddonIds = S.ListField(
        child=S.CharField(), source="compatible_addon_ref_ids", allow_null=True, required=False
    )
    defaultTrialConfig = TrialConfigInput(source="default_trial_config", allow_null=True, required=False)
    parentPlanId = S.CharField(source="parent_plan_ref_id", allow_null=True, required=False)


class PlanCreateInput(S.Serializer):
    id = S.CharField(source="ref_id")
    displayName = S.CharField(max_length=255, source="display_name")
    productId = S.CharField(source="product_ref_id")
    billingId = S.CharField(max_length=255, source="billing_id", allow_null=True, required=False)
    defaultTrialConfig = TrialConfigInput(source="default_trial_config", allow_null=True, required=False)
    description = S.CharField(allow_null=True, allow_blank=True, required=False)
    metadata = Metadata(allow_null=True, required=False)
    parentPlanId = S.CharField(source="parent_plan_ref_id", allow_null=True, required=False)
    pricingType = Choice(enums.PricingType, source="pricing_type", allow_null=True, required=False)
    status = Choice(enums.PackageStatus, required=False)


class AddonUpdateInput(PackageUpdateInput):
    dependencies = S.ListField(child=S.CharField(), source="dependency_ref_ids", allow_null=True, required=False)
    maxQuantity = S.IntegerField(
        source="max_quantity", allow_null=True, required=False, min_value=1, max_value=POSITIVE_INTEGER_MAX
    )
    status = Choice(enums.PackageStatus, required=False)


class AddonCreateInput(S.Serializer):
    id = S.CharField(source="ref_id")
    displayName = S.CharField(max_length=255, source="display_name")
    productId = S.CharField(source="product_ref_id")
    billingId = S.CharField(max_length=255, source="billing_id", allow_null=True, required=False)
    description = S.CharField(allow_null=True, allow_blank=True, required=False)
    maxQuantity = S.IntegerField(
        source="max_quantity", allow_null=True, required=False, min_value=1, max_value=POSITIVE_INTEGER_MAX
    )
    metadata = Metadata(allow_null=True, required=False)
    pricingType = Choice(enums.PricingType, source="pricing_type", allow_null=True, required=False)
    status = Choice(enums.PackageStatus, required=False)


class PublishInput(S.Serializer):
    migrationType = Choice(enums.MigrationType, source="migration_type", required=False)


class EntitlementFieldsInput(ResetConfigurationFields):
    """Fields of both entitlement kinds; ``type`` decides which apply (the service re-checks)."""

    type = Choice(enums.EntitlementType)
    behavior = Choice(enums.EntitlementBehavior, required=False)
    description = S.CharField(allow_null=True, allow_blank=True, required=False)
    displayNameOverride = S.CharField(max_length=255, source="display_name_override", allow_null=True, required=False)
    hiddenFromWidgets = S.ListField(
        child=Choice(enums.WidgetType), source="hidden_from_widgets", required=False, allow_null=True
    )
    isCustom = S.BooleanField(source="is_custom", required=False, allow_null=True)
    isGranted = S.BooleanField(source="is_granted", required=False, allow_null=True)
    order = S.FloatField(required=False, allow_null=True)
    hasSoftLimit = S.BooleanField(source="has_soft_limit", required=False, allow_null=True)
    # FEATURE
    enumValues = S.ListField(child=S.CharField(), source="enum_values", required=False, allow_null=True)
    hasUnlimitedUsage = S.BooleanField(source="has_unlimited_usage", required=False, allow_null=True)
    resetPeriod = Choice(enums.ResetPeriod, source="reset_period", required=False, allow_null=True)
    usageLimit = S.IntegerField(source="usage_limit", required=False, allow_null=True, max_value=BIG_INTEGER_MAX)
    # CREDIT
    amount = Amount(required=False, allow_null=True)
    cadence = Choice(enums.CreditCadence, required=False, allow_null=True)
    dependencyFeatureId = S.CharField(source="dependency_feature_ref_id", required=False, allow_null=True)


class EntitlementCreateItemInput(EntitlementFieldsInput):
    id = S.CharField(source="target_ref_id")


class EntitlementsCreateInput(S.Serializer):
    entitlements = EntitlementCreateItemInput(many=True, allow_empty=False)


class AmountOffInput(S.Serializer):
    amount = Amount()
    currency = Choice(Currency)


class CouponCreateInput(S.Serializer):
    id = S.CharField(source="ref_id")
    name = S.CharField(max_length=255)
    amountsOff = nullable_list(AmountOffInput, source="amounts_off")
    description = S.CharField(allow_null=True, allow_blank=True)
    durationInMonths = S.IntegerField(source="duration_in_months", allow_null=True, max_value=2_147_483_647)
    metadata = Metadata(allow_null=True)
    percentOff = S.DecimalField(max_digits=7, decimal_places=4, source="percent_off", allow_null=True)


class CouponUpdateInput(S.Serializer):
    description = S.CharField(allow_null=True, allow_blank=True, required=False)
    metadata = Metadata(allow_null=True, required=False)
    name = S.CharField(max_length=255, required=False)


class CurrencyUnitsInput(S.Serializer):
    plural = S.CharField(max_length=100)
    singular = S.CharField(max_length=100)


class CustomCurrencyUpdateInput(S.Serializer):
    description = S.CharField(allow_null=True, allow_blank=True, required=False)
    displayName = S.CharField(max_length=255, source="display_name", required=False)
    metadata = Metadata(allow_null=True, required=False)
    symbol = S.CharField(max_length=16, allow_null=True, allow_blank=True, required=False)
    units = CurrencyUnitsInput(required=False, allow_null=True)


class CustomCurrencyCreateInput(CustomCurrencyUpdateInput):
    id = S.CharField(source="ref_id")
    displayName = S.CharField(max_length=255, source="display_name")

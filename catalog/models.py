"""The product catalog: what a team sells.

Plans and add-ons are both *packages*: an identity (``Package``, addressed by its external id) with numbered
versions (``PackageVersion``). Only a draft version may change; publishing freezes it and makes it the latest.
Entitlements and prices hang off a version, so subscriptions pinned to an old version keep what they bought.
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from catalog import enums
from catalog.money import PRICE_DECIMAL_PLACES, PRICE_MAX_DIGITS, Currency


class Product(models.Model):
    ref_id = models.CharField("id", max_length=255, unique=True)
    display_name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    multiple_subscriptions = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=enums.ProductStatus.choices, default=enums.ProductStatus.PUBLISHED)
    # Customer journey.
    subscription_start_setup = models.CharField(
        max_length=32, choices=enums.SubscriptionStartSetup.choices, default=enums.SubscriptionStartSetup.PLAN_SELECTION
    )
    subscription_start_plan = models.ForeignKey(
        "Package", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subscription_end_setup = models.CharField(
        max_length=32,
        choices=enums.SubscriptionEndSetup.choices,
        default=enums.SubscriptionEndSetup.CANCEL_SUBSCRIPTION,
    )
    downgrade_plan = models.ForeignKey("Package", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subscription_cancellation_time = models.CharField(
        max_length=32, choices=enums.CancellationTime.choices, default=enums.CancellationTime.END_OF_BILLING_PERIOD
    )
    prorate_at_end_of_billing_period = models.BooleanField(null=True, blank=True)
    usage_reset_behavior = models.CharField(
        max_length=32, choices=enums.UsageResetBehavior.choices, default=enums.UsageResetBehavior.BILLING_PERIOD_CHANGE
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.ref_id


class Feature(models.Model):
    ref_id = models.CharField("id", max_length=255, unique=True)
    display_name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    feature_type = models.CharField(max_length=16, choices=enums.FeatureType.choices)
    meter_type = models.CharField(max_length=16, choices=enums.MeterType.choices, default=enums.MeterType.NONE)
    status = models.CharField(max_length=16, choices=enums.FeatureStatus.choices, default=enums.FeatureStatus.NEW)
    archived_at = models.DateTimeField(null=True, blank=True)
    feature_units = models.CharField(max_length=100, null=True, blank=True)
    feature_units_plural = models.CharField(max_length=100, null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # [{"value": "...", "displayName": "..."}] for ENUM features.
    enum_configuration = models.JSONField(null=True, blank=True)
    # {"aggregation": {"function": "SUM", "field": "bytes"}, "filters": [{"conditions": [...]}]} for event meters.
    meter = models.JSONField(null=True, blank=True)
    # {"divide": 1000, "round": "UP", "featureUnits": "...", "featureUnitsPlural": "..."}
    unit_transformation = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.ref_id

    @property
    def is_metered(self) -> bool:
        return self.meter_type != enums.MeterType.NONE


class CustomCurrency(models.Model):
    """A custom credit currency. Its id may be reused once the old currency is archived."""

    ref_id = models.CharField("id", max_length=255)
    display_name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    symbol = models.CharField(max_length=16, null=True, blank=True)
    unit_singular = models.CharField(max_length=100, null=True, blank=True)
    unit_plural = models.CharField(max_length=100, null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "custom currencies"
        constraints = [
            models.UniqueConstraint(
                fields=["ref_id"], condition=Q(archived_at__isnull=True), name="currency_active_id"
            ),
        ]

    def __str__(self) -> str:
        return self.ref_id


class Package(models.Model):
    """The identity of a plan or add-on; what it contains lives in its versions."""

    kind = models.CharField(max_length=8, choices=enums.PackageKind.choices)
    ref_id = models.CharField("id", max_length=255)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="packages")
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "ref_id"], name="package_kind_id")]

    def __str__(self) -> str:
        return self.ref_id


class PackageVersion(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="versions")
    version_number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=enums.PackageStatus.choices, default=enums.PackageStatus.DRAFT)
    is_latest = models.BooleanField(default=False, help_text="The published version new subscriptions get.")
    display_name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    billing_id = models.CharField(max_length=255, null=True, blank=True)
    pricing_type = models.CharField(max_length=16, choices=enums.PricingType.choices, null=True, blank=True)
    # Plans only.
    parent_plan = models.ForeignKey(
        Package, null=True, blank=True, on_delete=models.PROTECT, related_name="child_plan_versions"
    )
    compatible_addons = models.ManyToManyField(Package, blank=True, related_name="compatible_with_plan_versions")
    trial_duration = models.PositiveIntegerField(null=True, blank=True)
    trial_units = models.CharField(max_length=8, choices=enums.TrialUnits.choices, null=True, blank=True)
    trial_end_behavior = models.CharField(max_length=32, choices=enums.TrialEndBehavior.choices, null=True, blank=True)
    trial_budget_limit = models.DecimalField(
        max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, null=True, blank=True
    )
    trial_budget_has_soft_limit = models.BooleanField(null=True, blank=True)
    # Add-ons only.
    max_quantity = models.PositiveIntegerField(null=True, blank=True, help_text="Empty means unbounded.")
    dependencies = models.ManyToManyField(Package, blank=True, related_name="dependent_addon_versions")
    # Pricing-wide settings; the prices themselves are ``Price`` rows.
    overage_billing_period = models.CharField(
        max_length=32, choices=enums.OverageBillingPeriod.choices, null=True, blank=True
    )
    # [{"billingPeriod": "MONTHLY", "amount": "100.00", "currency": "usd"}]: decimal strings, never floats.
    minimum_spend = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["package_id", "version_number"]
        constraints = [
            models.UniqueConstraint(fields=["package", "version_number"], name="package_version_number"),
            models.UniqueConstraint(
                fields=["package"], condition=Q(status=enums.PackageStatus.DRAFT), name="package_one_draft"
            ),
            models.UniqueConstraint(fields=["package"], condition=Q(is_latest=True), name="package_one_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.package.ref_id} v{self.version_number} ({self.status})"

    @property
    def is_draft(self) -> bool:
        return self.status == enums.PackageStatus.DRAFT

    @property
    def has_trial(self) -> bool:
        return self.trial_duration is not None


class PackageEntitlement(models.Model):
    """What a package version grants: a feature (FEATURE) or recurring credits in a currency (CREDIT)."""

    version = models.ForeignKey(PackageVersion, on_delete=models.CASCADE, related_name="entitlements")
    type = models.CharField(max_length=8, choices=enums.EntitlementType.choices)
    feature = models.ForeignKey(Feature, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    currency = models.ForeignKey(CustomCurrency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    behavior = models.CharField(
        max_length=16, choices=enums.EntitlementBehavior.choices, default=enums.EntitlementBehavior.INCREMENT
    )
    is_granted = models.BooleanField(default=True)
    usage_limit = models.BigIntegerField(null=True, blank=True)
    has_unlimited_usage = models.BooleanField(default=False)
    has_soft_limit = models.BooleanField(default=False)
    reset_period = models.CharField(max_length=8, choices=enums.ResetPeriod.choices, null=True, blank=True)
    reset_anchor = models.CharField(
        max_length=32, null=True, blank=True, help_text="MonthlyAnchor, WeeklyAnchor or YearlyAnchor value."
    )
    enum_values = models.JSONField(null=True, blank=True)
    hidden_from_widgets = models.JSONField(default=list, blank=True)
    display_name_override = models.CharField(max_length=255, null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    is_custom = models.BooleanField(default=False)
    order = models.FloatField(null=True, blank=True)
    # CREDIT only.
    amount = models.DecimalField(
        max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, null=True, blank=True
    )
    cadence = models.CharField(max_length=8, choices=enums.CreditCadence.choices, null=True, blank=True)
    dependency_feature = models.ForeignKey(Feature, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["version_id", models.F("order").asc(nulls_last=True), "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "feature"], condition=Q(feature__isnull=False), name="entitlement_one_per_feature"
            ),
            models.UniqueConstraint(
                fields=["version", "currency"], condition=Q(currency__isnull=False), name="entitlement_one_per_currency"
            ),
            models.CheckConstraint(
                condition=(Q(type="FEATURE", feature__isnull=False, currency__isnull=True))
                | Q(type="CREDIT", currency__isnull=False, feature__isnull=True),
                name="entitlement_target_matches_type",
            ),
        ]

    def __str__(self) -> str:
        return self.target_ref_id

    @property
    def target_ref_id(self) -> str:
        """The entitlement's wire ``id``: the feature id or the custom-currency id (contract §3.7)."""
        target = self.feature if self.type == enums.EntitlementType.FEATURE else self.currency
        return target.ref_id if target else ""


class Price(models.Model):
    """One price point: a pricing model of a version, for one billing period (and optionally one country).

    The wire ``Charge`` is exactly one row; rows of one pricing model share ``pricing_model_index``.
    """

    version = models.ForeignKey(PackageVersion, on_delete=models.CASCADE, related_name="prices")
    pricing_model_index = models.PositiveIntegerField(default=0)
    is_overage = models.BooleanField(default=False)
    billing_model = models.CharField(max_length=16, choices=enums.BillingModel.choices)
    billing_cadence = models.CharField(
        max_length=16, choices=enums.BillingCadence.choices, default=enums.BillingCadence.RECURRING
    )
    feature = models.ForeignKey(Feature, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    min_unit_quantity = models.PositiveIntegerField(null=True, blank=True)
    max_unit_quantity = models.PositiveIntegerField(null=True, blank=True)
    tiers_mode = models.CharField(max_length=16, choices=enums.TiersMode.choices, null=True, blank=True)
    reset_period = models.CharField(max_length=8, choices=enums.ResetPeriod.choices, null=True, blank=True)
    reset_anchor = models.CharField(max_length=32, null=True, blank=True)
    top_up_currency = models.ForeignKey(
        CustomCurrency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    billing_period = models.CharField(max_length=16, choices=enums.BillingPeriod.choices)
    billing_country_code = models.CharField(max_length=8, null=True, blank=True)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    amount = models.DecimalField(
        max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, null=True, blank=True
    )
    block_size = models.DecimalField(
        max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, null=True, blank=True
    )
    # [{"upTo": 10 | null, "unitPrice": {"amount": "1.5", "currency": "usd"}, "flatPrice": {...}}]; decimal strings.
    tiers = models.JSONField(null=True, blank=True)
    credit_grant_cadence = models.CharField(
        max_length=32, choices=enums.CreditGrantCadence.choices, null=True, blank=True
    )
    credit_rate_amount = models.DecimalField(
        max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, null=True, blank=True
    )
    credit_rate_currency = models.ForeignKey(
        CustomCurrency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    credit_rate_cost_formula = models.CharField(max_length=500, null=True, blank=True)
    # Overage models carry the entitlement they extend (contract OveragePricingModel); kept as sent.
    overage_entitlement = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    billing_id = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["version_id", "is_overage", "pricing_model_index", "id"]

    def __str__(self) -> str:
        return f"{self.billing_model} {self.billing_period} {self.amount} {self.currency}"


class Coupon(models.Model):
    ref_id = models.CharField("id", max_length=255, unique=True)
    name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    type = models.CharField(max_length=16, choices=enums.CouponType.choices)
    percent_off = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    duration_in_months = models.PositiveIntegerField(null=True, blank=True, help_text="Empty means forever.")
    status = models.CharField(max_length=16, choices=enums.CouponStatus.choices, default=enums.CouponStatus.ACTIVE)
    source = models.CharField(max_length=16, choices=enums.CouponSource.choices, default=enums.CouponSource.STIGG)
    billing_id = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_off__isnull=True) | Q(percent_off__gt=0, percent_off__lte=100),
                name="coupon_percent_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.ref_id


class CouponAmountOff(models.Model):
    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="amounts_off")
    currency = models.CharField(max_length=3, choices=Currency.choices)
    amount = models.DecimalField(max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coupon", "currency"], name="coupon_one_amount_per_currency"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="coupon_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

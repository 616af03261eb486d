"""Catalog enums with their exact wire values (contract §6). Stored and emitted verbatim."""

from django.db import models


class FeatureType(models.TextChoices):
    BOOLEAN = "BOOLEAN"
    NUMBER = "NUMBER"
    ENUM = "ENUM"


class FeatureStatus(models.TextChoices):
    NEW = "NEW"
    SUSPENDED = "SUSPENDED"
    ACTIVE = "ACTIVE"


class MeterType(models.TextChoices):
    NONE = "None"
    FLUCTUATING = "FLUCTUATING"
    INCREMENTAL = "INCREMENTAL"


class AggregationFunction(models.TextChoices):
    SUM = "SUM"
    MAX = "MAX"
    MIN = "MIN"
    AVG = "AVG"
    COUNT = "COUNT"
    UNIQUE = "UNIQUE"


class FilterOperation(models.TextChoices):
    EQUALS = "EQUALS"
    NOT_EQUALS = "NOT_EQUALS"
    GREATER_THAN = "GREATER_THAN"
    GREATER_THAN_OR_EQUAL = "GREATER_THAN_OR_EQUAL"
    LESS_THAN = "LESS_THAN"
    LESS_THAN_OR_EQUAL = "LESS_THAN_OR_EQUAL"
    IS_NULL = "IS_NULL"
    IS_NOT_NULL = "IS_NOT_NULL"
    CONTAINS = "CONTAINS"
    STARTS_WITH = "STARTS_WITH"
    ENDS_WITH = "ENDS_WITH"
    IN = "IN"


class RoundMode(models.TextChoices):
    UP = "UP"
    DOWN = "DOWN"


class ResetPeriod(models.TextChoices):
    YEAR = "YEAR"
    MONTH = "MONTH"
    WEEK = "WEEK"
    DAY = "DAY"
    HOUR = "HOUR"


class MonthlyAnchor(models.TextChoices):
    SUBSCRIPTION_START = "SubscriptionStart"
    START_OF_THE_MONTH = "StartOfTheMonth"


class WeeklyAnchor(models.TextChoices):
    SUBSCRIPTION_START = "SubscriptionStart"
    EVERY_SUNDAY = "EverySunday"
    EVERY_MONDAY = "EveryMonday"
    EVERY_TUESDAY = "EveryTuesday"
    EVERY_WEDNESDAY = "EveryWednesday"
    EVERY_THURSDAY = "EveryThursday"
    EVERY_FRIDAY = "EveryFriday"
    EVERY_SATURDAY = "EverySaturday"


class YearlyAnchor(models.TextChoices):
    SUBSCRIPTION_START = "SubscriptionStart"


class EntitlementType(models.TextChoices):
    FEATURE = "FEATURE"
    CREDIT = "CREDIT"


class EntitlementBehavior(models.TextChoices):
    INCREMENT = "Increment"
    OVERRIDE = "Override"


class WidgetType(models.TextChoices):
    PAYWALL = "PAYWALL"
    CUSTOMER_PORTAL = "CUSTOMER_PORTAL"
    CHECKOUT = "CHECKOUT"


class CreditCadence(models.TextChoices):
    MONTH = "MONTH"
    YEAR = "YEAR"


class BillingPeriod(models.TextChoices):
    MONTHLY = "MONTHLY"
    ANNUALLY = "ANNUALLY"


class BillingModel(models.TextChoices):
    FLAT_FEE = "FLAT_FEE"
    MINIMUM_SPEND = "MINIMUM_SPEND"
    PER_UNIT = "PER_UNIT"
    USAGE_BASED = "USAGE_BASED"
    CREDIT_BASED = "CREDIT_BASED"


class BillingCadence(models.TextChoices):
    RECURRING = "RECURRING"
    ONE_OFF = "ONE_OFF"


class TiersMode(models.TextChoices):
    VOLUME = "VOLUME"
    GRADUATED = "GRADUATED"


class CreditGrantCadence(models.TextChoices):
    BEGINNING_OF_BILLING_PERIOD = "BEGINNING_OF_BILLING_PERIOD"
    MONTHLY = "MONTHLY"


class OverageBillingPeriod(models.TextChoices):
    ON_SUBSCRIPTION_RENEWAL = "ON_SUBSCRIPTION_RENEWAL"
    MONTHLY = "MONTHLY"


class PricingType(models.TextChoices):
    FREE = "FREE"
    PAID = "PAID"
    CUSTOM = "CUSTOM"


class PackageStatus(models.TextChoices):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"


class PackageKind(models.TextChoices):
    PLAN = "PLAN"
    ADDON = "ADDON"


class ProductStatus(models.TextChoices):
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"


class MigrationType(models.TextChoices):
    NEW_CUSTOMERS = "NEW_CUSTOMERS"
    ALL_CUSTOMERS = "ALL_CUSTOMERS"


class TrialUnits(models.TextChoices):
    DAY = "DAY"
    MONTH = "MONTH"


class TrialEndBehavior(models.TextChoices):
    CONVERT_TO_PAID = "CONVERT_TO_PAID"
    CANCEL_SUBSCRIPTION = "CANCEL_SUBSCRIPTION"


class CancellationTime(models.TextChoices):
    END_OF_BILLING_PERIOD = "END_OF_BILLING_PERIOD"
    IMMEDIATE = "IMMEDIATE"
    SPECIFIC_DATE = "SPECIFIC_DATE"


class SubscriptionEndSetup(models.TextChoices):
    DOWNGRADE_TO_FREE = "DOWNGRADE_TO_FREE"
    CANCEL_SUBSCRIPTION = "CANCEL_SUBSCRIPTION"


class SubscriptionStartSetup(models.TextChoices):
    PLAN_SELECTION = "PLAN_SELECTION"
    TRIAL_PERIOD = "TRIAL_PERIOD"
    FREE_PLAN = "FREE_PLAN"


class UsageResetBehavior(models.TextChoices):
    NEVER_RESET = "NEVER_RESET"
    ALWAYS_RESET = "ALWAYS_RESET"
    BILLING_PERIOD_CHANGE = "BILLING_PERIOD_CHANGE"


class CouponType(models.TextChoices):
    FIXED = "FIXED"
    PERCENTAGE = "PERCENTAGE"


class CouponStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


class CouponSource(models.TextChoices):
    STIGG = "STIGG"
    STIGG_ADHOC = "STIGG_ADHOC"
    STRIPE = "STRIPE"


class CurrencyStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"

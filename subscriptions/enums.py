"""Subscription enums with their exact wire values (contract §6). Stored and emitted verbatim."""

from django.db import models


class SubscriptionStatus(models.TextChoices):
    PAYMENT_PENDING = "PAYMENT_PENDING"
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    IN_TRIAL = "IN_TRIAL"
    CANCELED = "CANCELED"
    NOT_STARTED = "NOT_STARTED"


class CancelReason(models.TextChoices):
    UPGRADE_OR_DOWNGRADE = "UPGRADE_OR_DOWNGRADE"
    CANCELLED_BY_BILLING = "CANCELLED_BY_BILLING"
    EXPIRED = "EXPIRED"
    DETACH_BILLING = "DETACH_BILLING"
    TRIAL_ENDED = "TRIAL_ENDED"
    IMMEDIATE = "Immediate"
    TRIAL_CONVERTED = "TRIAL_CONVERTED"
    PENDING_PAYMENT_EXPIRED = "PENDING_PAYMENT_EXPIRED"
    SCHEDULED_CANCELLATION = "ScheduledCancellation"
    CUSTOMER_ARCHIVED = "CustomerArchived"
    AUTO_CANCELLATION_RULE = "AutoCancellationRule"


class CancellationAction(models.TextChoices):
    DEFAULT = "DEFAULT"
    REVOKE_ENTITLEMENTS = "REVOKE_ENTITLEMENTS"


class PaymentCollection(models.TextChoices):
    NOT_REQUIRED = "NOT_REQUIRED"
    PROCESSING = "PROCESSING"
    FAILED = "FAILED"
    ACTION_REQUIRED = "ACTION_REQUIRED"


class PaymentCollectionMethod(models.TextChoices):
    CHARGE = "CHARGE"
    INVOICE = "INVOICE"
    NONE = "NONE"


class ProvisionStatus(models.TextChoices):
    SUCCESS = "SUCCESS"
    PAYMENT_REQUIRED = "PAYMENT_REQUIRED"


class SubscriptionCouponStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REMOVED = "REMOVED"


class InvoiceStatus(models.TextChoices):
    OPEN = "OPEN"
    CANCELED = "CANCELED"
    PAID = "PAID"


class CollectionStatus(models.TextChoices):
    """Where collecting an invoice's money stands (``config.payments.gateway``)."""

    PENDING = "PENDING"
    COLLECTED = "COLLECTED"
    FAILED = "FAILED"
    NOT_REQUIRED = "NOT_REQUIRED"


class BalanceTransactionKind(models.TextChoices):
    """Why a customer's credit balance moved (``subscriptions.services.balance``)."""

    PRORATION_CREDIT = "PRORATION_CREDIT"  # the unused rest of a period when a change costs less
    INVOICE_APPLIED = "INVOICE_APPLIED"  # the balance paid (part of) an invoice
    ADJUSTMENT = "ADJUSTMENT"  # an operator's correction


class InvoiceBillingReason(models.TextChoices):
    BILLING_CYCLE = "BILLING_CYCLE"
    SUBSCRIPTION_CREATION = "SUBSCRIPTION_CREATION"
    SUBSCRIPTION_UPDATE = "SUBSCRIPTION_UPDATE"
    MANUAL = "MANUAL"
    MINIMUM_INVOICE_AMOUNT_EXCEEDED = "MINIMUM_INVOICE_AMOUNT_EXCEEDED"
    OTHER = "OTHER"


class ScheduleStrategy(models.TextChoices):
    """When an update that is a downgrade takes effect (S3 ``scheduleStrategy``)."""

    END_OF_BILLING_PERIOD = "END_OF_BILLING_PERIOD"
    END_OF_BILLING_MONTH = "END_OF_BILLING_MONTH"
    IMMEDIATE = "IMMEDIATE"


class MigrationTime(models.TextChoices):
    END_OF_BILLING_PERIOD = "END_OF_BILLING_PERIOD"
    IMMEDIATE = "IMMEDIATE"


class ScheduleStatus(models.TextChoices):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    SCHEDULED = "SCHEDULED"
    CANCELED = "CANCELED"
    DONE = "DONE"
    FAILED = "FAILED"


class ScheduleType(models.TextChoices):
    DOWNGRADE = "DOWNGRADE"
    PLAN = "PLAN"
    BILLING_PERIOD = "BILLING_PERIOD"
    UNIT_AMOUNT = "UNIT_AMOUNT"
    RECURRING_CREDITS = "RECURRING_CREDITS"
    PRICE_OVERRIDE = "PRICE_OVERRIDE"
    ADDON = "ADDON"
    COUPON = "COUPON"
    MIGRATE_TO_LATEST = "MIGRATE_TO_LATEST"
    ADDITIONAL_META_DATA = "ADDITIONAL_META_DATA"
    BILLING_INFO_METADATA = "BILLING_INFO_METADATA"

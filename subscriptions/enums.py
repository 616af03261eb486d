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


class InvoiceBillingReason(models.TextChoices):
    BILLING_CYCLE = "BILLING_CYCLE"
    SUBSCRIPTION_CREATION = "SUBSCRIPTION_CREATION"
    SUBSCRIPTION_UPDATE = "SUBSCRIPTION_UPDATE"
    MANUAL = "MANUAL"
    MINIMUM_INVOICE_AMOUNT_EXCEEDED = "MINIMUM_INVOICE_AMOUNT_EXCEEDED"
    OTHER = "OTHER"

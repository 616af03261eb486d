"""Wire values of the credits app (contract §6), verbatim."""

from django.db import models

# Re-exported: grants and subscriptions share the contract's one list of payment collection values (§6).
from subscriptions.enums import PaymentCollection as PaymentCollection
from subscriptions.enums import PaymentCollectionMethod as PaymentCollectionMethod


class GrantType(models.TextChoices):
    PAID = "PAID"
    PROMOTIONAL = "PROMOTIONAL"
    RECURRING = "RECURRING"
    OVERDRAFT = "OVERDRAFT"


# What a client may create through G1; the other types are this server's own.
REQUESTABLE_GRANT_TYPES = (GrantType.PAID, GrantType.PROMOTIONAL)


class GrantStatus(models.TextChoices):
    PAYMENT_PENDING = "PAYMENT_PENDING"
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    VOIDED = "VOIDED"
    SCHEDULED = "SCHEDULED"


class GrantSourceType(models.TextChoices):
    PRICE = "PRICE"
    PLAN_ENTITLEMENT = "PLAN_ENTITLEMENT"
    ADDON_ENTITLEMENT = "ADDON_ENTITLEMENT"


class LedgerEventType(models.TextChoices):
    CREDITS_GRANTED = "CREDITS_GRANTED"
    CREDITS_EXPIRED = "CREDITS_EXPIRED"
    CREDITS_CONSUMED = "CREDITS_CONSUMED"
    CREDITS_VOIDED = "CREDITS_VOIDED"
    CREDITS_UPDATED = "CREDITS_UPDATED"
    CREDITS_CONSUMPTION_TRANSFER_SOURCE = "CREDITS_CONSUMPTION_TRANSFER_SOURCE"
    CREDITS_CONSUMPTION_TRANSFER_TARGET = "CREDITS_CONSUMPTION_TRANSFER_TARGET"
    CREDITS_RESERVED = "CREDITS_RESERVED"
    CREDITS_RESERVATION_RELEASED = "CREDITS_RESERVATION_RELEASED"
    CREDITS_RESERVATION_EXPIRED = "CREDITS_RESERVATION_EXPIRED"


class TimeRange(models.TextChoices):
    LAST_DAY = "LAST_DAY"
    LAST_WEEK = "LAST_WEEK"
    LAST_MONTH = "LAST_MONTH"
    LAST_YEAR = "LAST_YEAR"


class ThresholdType(models.TextChoices):
    CREDIT_AMOUNT = "CREDIT_AMOUNT"
    DOLLAR_AMOUNT = "DOLLAR_AMOUNT"


class GrantExpirationPeriod(models.TextChoices):
    ONE_MONTH = "1_MONTH"
    ONE_YEAR = "1_YEAR"


class InvoiceStatus(models.TextChoices):
    OPEN = "OPEN"
    PAID = "PAID"
    CANCELED = "CANCELED"


class RechargeStatus(models.TextChoices):
    """An auto-recharge attempt: ``PENDING`` while the charge is in flight (one at a time per customer and
    currency), then ``SUCCEEDED``, ``FAILED`` (the gateway refused) or ``SKIPPED`` (the monthly cap)."""

    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"

"""Credits: grants, one append-only ledger, a cached balance per customer, currency and resource, consumptions,
and auto-recharge.

Every movement of credits is a ``LedgerEntry`` row (granted +, consumed -, expired -, voided -). A
``CreditBalance`` caches the ledger's sum for one customer, currency and resource; it is locked
(``select_for_update``) and updated in the same transaction as the entries it sums, and a database constraint
keeps a hard-limited balance from going below zero whatever a bug in the services would do. Each grant caches
what was consumed from it and what was taken away (expired or voided), so its remainder is
``amount - consumed_amount - closed_amount``.
"""

import uuid
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q

from catalog.models import CustomCurrency
from catalog.money import Currency
from credits import enums
from customers.models import Customer

CREDIT_MAX_DIGITS = 30
CREDIT_DECIMAL_PLACES = 6
MONEY_MAX_DIGITS = 20
MONEY_DECIMAL_PLACES = 6


def _credits(**options: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=CREDIT_MAX_DIGITS, decimal_places=CREDIT_DECIMAL_PLACES, **options)


def _money(**options: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **options)


class CreditBalance(models.Model):
    """The cached sum of one wallet's ledger; the row every write to the wallet locks first."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    currency = models.ForeignKey(CustomCurrency, on_delete=models.PROTECT, related_name="+")
    # The customer resource's id, "" for the customer-level wallet.
    resource_key = models.CharField(max_length=255, blank=True, default="")
    balance = _credits(default=0)
    has_hard_limit = models.BooleanField(default=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "currency", "resource_key"], name="credit_balance_wallet"),
            models.CheckConstraint(
                condition=Q(balance__gte=0) | Q(has_hard_limit=False), name="credit_balance_hard_limit_not_negative"
            ),
        ]

    def __str__(self) -> str:
        resource = f" ({self.resource_key})" if self.resource_key else ""
        return f"{self.customer.ref_id} {self.currency.ref_id}{resource}"


class CreditGrant(models.Model):
    ref_id = models.UUIDField("id", default=uuid.uuid4, unique=True, editable=False)
    balance = models.ForeignKey(CreditBalance, on_delete=models.PROTECT, related_name="grants")
    grant_type = models.CharField(max_length=16, choices=enums.GrantType.choices)
    source_type = models.CharField(max_length=24, choices=enums.GrantSourceType.choices, null=True, blank=True)
    display_name = models.CharField(max_length=255)
    comment = models.TextField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    amount = _credits()
    consumed_amount = _credits(default=0)
    # What expiry or a void took away from the remainder.
    closed_amount = _credits(default=0)
    priority = models.PositiveSmallIntegerField(default=50)
    effective_at = models.DateTimeField()
    expire_at = models.DateTimeField(null=True, blank=True)
    # When its CREDITS_GRANTED entry was written (null while scheduled or awaiting payment).
    activated_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    awaiting_payment = models.BooleanField(default=False)
    cost_amount = _money(default=0)
    cost_currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    payment_collection = models.CharField(
        max_length=16, choices=enums.PaymentCollection.choices, default=enums.PaymentCollection.NOT_REQUIRED
    )
    # Recurring grants: ``recurring:{subscription}:{entitlement}:{period start}``; recharges: the attempt's key.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    created_by = models.CharField(max_length=255, default="api", help_text="api, admin:<username> or job:<name>")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(priority__lte=100), name="credit_grant_priority_range"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_grant_amount_positive"),
            # Per column only: the sum rule (``consumed + closed <= amount``) is the services', under a lock.
            models.CheckConstraint(
                condition=Q(consumed_amount__gte=0) & Q(closed_amount__gte=0),
                name="credit_grant_movements_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["effective_at"], name="credit_grant_effective"),
            models.Index(fields=["expire_at"], name="credit_grant_expire"),
        ]

    def __str__(self) -> str:
        return str(self.ref_id)

    @property
    def remaining_amount(self) -> Decimal:
        return self.amount - self.consumed_amount - self.closed_amount


class CreditConsumption(models.Model):
    """One consumption request (CN1/CN2 item); its client key is unique per customer, so a retry finds it."""

    ref_id = models.UUIDField("id", default=uuid.uuid4, unique=True, editable=False)
    balance = models.ForeignKey(CreditBalance, on_delete=models.PROTECT, related_name="consumptions")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=255)
    amount = _credits()
    dimensions = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    feature_ref_id = models.CharField(max_length=255, null=True, blank=True)
    timestamp = models.DateTimeField()
    created_at = models.DateTimeField()
    # The wallet right after this consumption, as CN1 answers it (and answers it again to a retry).
    usage_limit = _credits(default=0)
    current_usage = _credits(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "idempotency_key"], name="credit_consumption_idempotency"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_consumption_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class LedgerEntry(models.Model):
    """An append-only movement of credits on one grant. Nothing updates or deletes these rows."""

    balance = models.ForeignKey(CreditBalance, on_delete=models.PROTECT, related_name="entries")
    grant = models.ForeignKey(CreditGrant, on_delete=models.PROTECT, related_name="entries")
    consumption = models.ForeignKey(
        CreditConsumption, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    event_type = models.CharField(max_length=40, choices=enums.LedgerEventType.choices)
    # Signed: granted credits are positive, everything taken away negative.
    amount = _credits()
    timestamp = models.DateTimeField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "ledger entries"
        indexes = [models.Index(fields=["balance", "timestamp"], name="ledger_entry_wallet_time")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.amount}"


class CreditInvoice(models.Model):
    """What a paid grant costs, for collection through the payment gateway (or by hand: it stays ``OPEN`` until
    an operator marks it paid). A gateway reads ``amount_due`` and ``currency``
    (``config.payments.gateway.Collectable``)."""

    ref_id = models.UUIDField("id", default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    grant = models.OneToOneField(CreditGrant, on_delete=models.PROTECT, related_name="invoice")
    status = models.CharField(max_length=16, choices=enums.InvoiceStatus.choices, default=enums.InvoiceStatus.OPEN)
    total = _money()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    idempotency_key = models.CharField(max_length=255, unique=True)
    # Set once, committed before the gateway is called: a second collection of the invoice never happens.
    collection_attempted_at = models.DateTimeField(null=True, blank=True)
    provider_reference = models.CharField(max_length=255, blank=True, default="")
    collection_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.ref_id)

    @property
    def amount_due(self) -> Decimal:
        """All of it: a grant's invoice has no credit balance applied."""
        return self.total


class AutoRechargeSettings(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    currency = models.ForeignKey(CustomCurrency, on_delete=models.PROTECT, related_name="+")
    is_enabled = models.BooleanField(default=False)
    threshold_type = models.CharField(
        max_length=16, choices=enums.ThresholdType.choices, default=enums.ThresholdType.CREDIT_AMOUNT
    )
    threshold_value = _credits()
    target_balance = _credits()
    max_spend_limit = _money(null=True, blank=True)
    grant_expiration_period = models.CharField(
        max_length=8, choices=enums.GrantExpirationPeriod.choices, default=enums.GrantExpirationPeriod.ONE_MONTH
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "auto-recharge settings"
        constraints = [
            models.UniqueConstraint(fields=["customer", "currency"], name="auto_recharge_one_per_wallet"),
            models.CheckConstraint(condition=Q(target_balance__gt=F("threshold_value")), name="auto_recharge_target"),
            models.CheckConstraint(condition=Q(threshold_value__gte=0), name="auto_recharge_threshold"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}/{self.currency_id}"


class RechargeAttempt(models.Model):
    """One auto-recharge: committed ``PENDING`` before the gateway is called, finalized after. At most one is
    pending per settings row (the partial unique constraint): that is the "one in flight" rule."""

    settings = models.ForeignKey(AutoRechargeSettings, on_delete=models.PROTECT, related_name="attempts")
    # ``recharge:{settings}:{trigger}``, the trigger being the ledger entry that left the balance under the threshold.
    idempotency_key = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=16, choices=enums.RechargeStatus.choices, default=enums.RechargeStatus.PENDING)
    credit_amount = _credits()
    cost_amount = _money()
    cost_currency = models.CharField(max_length=3, choices=Currency.choices)
    balance_before = _credits()
    grant = models.OneToOneField(CreditGrant, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["settings"], condition=Q(status="PENDING"), name="recharge_one_in_flight_per_wallet"
            )
        ]

    def __str__(self) -> str:
        return self.idempotency_key
